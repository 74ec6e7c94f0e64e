// The demo's text fields for named dimensions and for the functions of a multifunction package.

/** "batch=1, seq=128" → { batch: 1, seq: 128 }; empty text → undefined. */
export function parseDimensions(text: string): Record<string, number> | undefined {
  if (!text.trim()) return undefined;
  const out: Record<string, number> = {};
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const m = /^([^=]+)=([0-9]+)$/.exec(part);
    if (!m) throw new Error(`named dimensions must be written name=size, separated by commas ("${part}")`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** "small: batch=1; large: batch=8" → one function per part, the first the default; empty → undefined. */
export function parseFunctions(text: string): Array<{ name: string; freeDimensions: Record<string, number> }> | undefined {
  const parts = text.split(";").map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return undefined;
  return parts.map((p) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::(.*))?$/.exec(p);
    if (!m) throw new Error(`functions are written name: dim=size, …; separated by semicolons ("${p}")`);
    return { name: m[1], freeDimensions: parseDimensions(m[2] ?? "") ?? {} };
  });
}
