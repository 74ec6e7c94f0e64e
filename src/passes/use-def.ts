// The use-def index of a MIL function, and the small pattern vocabulary fusions are written in:
// who produces a value, who reads it, whether it is returned, and what a constant holds.
// Built once per function by `fusionPass` (passes/fusion.ts), which keeps it current.
import { elementCount, type MilFunction, type MilOperation, type MilTensorType } from "../mil/program.js";
import { readNumbers, sameShape, tensorFromConst } from "../runtime/tensor.js";

export class UseDef {
  private readonly producers = new Map<string, MilOperation>();
  private readonly readers = new Map<string, MilOperation[]>();
  private readonly returned: ReadonlySet<string>;

  constructor(readonly fn: MilFunction) {
    this.returned = new Set(fn.outputs);
    // Readers are live operations only: what an earlier fusion left dead (eliminate-dead-code
    // removes it after them all) does not hold a value back from the next one.
    const needed = new Set(fn.outputs);
    const live = new Set<MilOperation>();
    for (let i = fn.operations.length - 1; i >= 0; i--) {
      const op = fn.operations[i];
      if (!op.outputs.some((o) => needed.has(o.name))) continue;
      live.add(op);
      for (const names of Object.values(op.inputs)) for (const n of names) needed.add(n);
    }
    for (const op of fn.operations) {
      for (const o of op.outputs) this.producers.set(o.name, op);
      if (live.has(op)) for (const names of Object.values(op.inputs)) for (const n of names) this.addReader(n, op);
    }
  }

  /** Records operations a rewrite added (their outputs' producers, their inputs' readers). */
  record(ops: readonly MilOperation[]): void {
    for (const op of ops) {
      for (const o of op.outputs) this.producers.set(o.name, op);
      for (const names of Object.values(op.inputs)) for (const n of names) this.addReader(n, op);
    }
  }

  private addReader(name: string, op: MilOperation): void {
    const list = this.readers.get(name);
    if (!list) this.readers.set(name, [op]);
    else if (!list.includes(op)) list.push(op);
  }

  /** The operation computing `name` (undefined for a function input). */
  producer(name: string | undefined): MilOperation | undefined {
    return name === undefined ? undefined : this.producers.get(name);
  }

  /** The producer of `name` when it is an operation of `type`. */
  producerOf(name: string | undefined, type: string): MilOperation | undefined {
    const p = this.producer(name);
    return p?.type === type ? p : undefined;
  }

  consumers(name: string): readonly MilOperation[] {
    return this.readers.get(name) ?? [];
  }

  /** Read by `op` alone and not returned: a fusion may take it in. */
  onlyFeeds(name: string, op: MilOperation): boolean {
    const r = this.consumers(name);
    return !this.returned.has(name) && r.length === 1 && r[0] === op;
  }

  /** The value bound to `param` (its single name), if any. */
  arg(op: MilOperation, param: string): string | undefined {
    const a = op.inputs[param];
    return a && a.length === 1 ? a[0] : undefined;
  }

  /** A const's values as numbers (fp16/fp32/int), or undefined when `name` is not a small const. */
  constValues(name: string | undefined, maxElements = 1 << 16): number[] | undefined {
    const op = this.producerOf(name, "const");
    const v = op?.value;
    if (!v || v.strings || elementCount(v.type.shape) > maxElements) return undefined;
    try { return readNumbers(tensorFromConst(v)); } catch { return undefined; }
  }

  /**
   * Whether `name` is a small const (patterns' scalars and broadcast factors, not weights)
   * whose every element is within `tolerance` (relative) of `value`.
   */
  isConstant(name: string | undefined, value: number, tolerance = 1e-6): boolean {
    const vs = this.constValues(name, 64);
    return vs !== undefined && vs.length > 0 && vs.every((v) => Math.abs(v - value) <= tolerance * Math.max(1, Math.abs(value)));
  }

  /** The type of value `name` (an operation's output or a function input). */
  typeOf(name: string | undefined): MilTensorType | undefined {
    if (name === undefined) return undefined;
    return this.producer(name)?.outputs.find((o) => o.name === name)?.type ?? this.fn.inputs.find((i) => i.name === name)?.type;
  }

  /** Whether value `name` has type `t` (data type and shape): it may stand where a value of `t` stood. */
  hasType(name: string | undefined, t: MilTensorType, dataType = true): boolean {
    const own = this.typeOf(name);
    return own !== undefined && (!dataType || own.dataType === t.dataType) && sameShape(own.shape, t.shape);
  }

  /**
   * The const `name` as one number per channel: shape [C] then `trailingOnes` 1s (leading 1s
   * aside, rank at most `maxRank`), or one value for all (`scalar`).
   */
  perChannel(name: string | undefined, channels: number, trailingOnes: number, maxRank: number): { values: number[]; scalar: boolean } | undefined {
    const v = this.producerOf(name, "const")?.value;
    const values = this.constValues(name);
    if (!v || !values || v.type.shape.length > maxRank) return undefined;
    if (values.length === 1) return { values: new Array<number>(channels).fill(values[0]), scalar: true };
    const shape = [...v.type.shape];
    while (shape.length > trailingOnes + 1 && shape[0] === 1) shape.shift();
    const want = [channels, ...Array<number>(trailingOnes).fill(1)];
    return sameShape(shape, want) ? { values, scalar: false } : undefined;
  }

  /** `name` = x · c with c a scalar const, read by `reader` alone: [x, c]. */
  scalarFactor(name: string, reader: MilOperation): [string, number] | undefined {
    const m = this.producerOf(name, "mul");
    const split = m && this.onlyFeeds(name, reader) ? this.splitConst(m) : undefined;
    const c = split ? this.constValues(split[0], 1) : undefined;
    return c && c.length === 1 ? [split![1], c[0]] : undefined;
  }

  /** For a commutative binary op: the other operand when one of x, y is `name`. */
  other(op: MilOperation, name: string): string | undefined {
    const x = this.arg(op, "x"), y = this.arg(op, "y");
    return x === name ? y : y === name ? x : undefined;
  }

  /** For a commutative binary op: [the operand that is a const, the other], if one is. */
  splitConst(op: MilOperation): [string, string] | undefined {
    const x = this.arg(op, "x"), y = this.arg(op, "y");
    if (x === undefined || y === undefined) return undefined;
    if (this.producerOf(y, "const")) return [y, x];
    if (this.producerOf(x, "const")) return [x, y];
    return undefined;
  }
}

/** Whether `perm` swaps the last two axes and keeps the others. */
export function swapsLastTwo(perm: readonly number[] | undefined): boolean {
  const r = perm?.length ?? 0;
  return r >= 2 && perm!.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 2 ? r - 1 : r - 2)));
}
