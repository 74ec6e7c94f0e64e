// MIL identifiers: valid names from any string, and unique ones.
const IDENT = /^[A-Za-z_][A-Za-z0-9_@]*$/;

/** Turns any string into a valid MIL identifier ([A-Za-z_][A-Za-z0-9_@]*), not yet unique. */
export function toIdentifier(s: string): string {
  if (isPlainIdentifier(s)) return s;
  let id = s.replace(/[^A-Za-z0-9_]/g, "_");
  if (!/^[A-Za-z_]/.test(id)) id = "_" + id;
  return id;
}

/** [A-Za-z_][A-Za-z0-9_]* without a regular expression (the common case of generated names). */
function isPlainIdentifier(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!alpha && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

export function isIdentifier(s: string): boolean {
  return IDENT.test(s);
}

/**
 * The one generator of unique names: lowering's (through MilFunctionBuilder) and, as
 * freshNames, every pass's and the package reader's. `taken` are names already in use;
 * clashes get `_1`, `_2`, … (from `firstSuffix`), a counter per base keeping it linear.
 */
export class NameTable {
  private readonly used: Set<string>;
  private readonly counters = new Map<string, number>();

  constructor(taken: Iterable<string> = [], private readonly firstSuffix = 1) {
    this.used = new Set(taken);
  }

  /** Reserves `wanted` as is if free and valid; otherwise a sanitized, suffixed variant. */
  claim(wanted: string): string {
    const base = toIdentifier(wanted);
    if (!this.used.has(base)) {
      this.used.add(base);
      return base;
    }
    let n = this.counters.get(base) ?? this.firstSuffix;
    let candidate = `${base}_${n}`;
    while (this.used.has(candidate)) candidate = `${base}_${++n}`;
    this.counters.set(base, n + 1);
    this.used.add(candidate);
    return candidate;
  }

  has(name: string): boolean {
    return this.used.has(name);
  }
}
