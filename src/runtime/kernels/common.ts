// Shared kernel machinery: the Kernel type, argument access with coremltools' defaults,
// axis helpers, numpy broadcasting, and storing float64 results into a dtype's storage.

import type { MilDataType, MilOperation } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { halfBitsFromNumber, halfTable } from "../fp16.js";
import {
  allocData, isFloatType, isIntType, numericView, shapeToString, type NumericData, type RuntimeTensor,
} from "../tensor.js";

/** Execution context handed to kernels. */
export interface KernelContext {
  /** iOS version of the function's opset (CoreML5 → 15, CoreML6 → 16, CoreML7 → 17, CoreML8 → 18). */
  readonly iosVersion: number;
}

/** Bound arguments of an operation: one tensor per parameter, or several for a tuple. */
export type KernelInputs = Record<string, RuntimeTensor | RuntimeTensor[]>;

/** A MIL operation implementation. Returns one tensor per declared output. */
export interface Kernel {
  (args: KernelArgs, op: MilOperation, ctx: KernelContext): RuntimeTensor[];
  /** Every parameter name the operation accepts (in any opset); others are rejected. */
  readonly params: readonly string[];
}

export function defineKernel(
  params: readonly string[],
  run: (args: KernelArgs, op: MilOperation, ctx: KernelContext) => RuntimeTensor[],
): Kernel {
  return Object.assign((a: KernelArgs, o: MilOperation, c: KernelContext) => run(a, o, c), { params });
}

/** Typed access to an operation's bound arguments. Absent optional ones take the given default. */
export class KernelArgs {
  constructor(readonly values: KernelInputs) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  /** A required single-tensor parameter. */
  tensor(name: string): RuntimeTensor {
    const v = this.values[name];
    if (v === undefined) throw new RuntimeError(`missing required parameter "${name}"`);
    if (Array.isArray(v)) {
      if (v.length === 1) return v[0];
      throw new RuntimeError(`parameter "${name}" must bind one value, got a tuple of ${v.length}`);
    }
    return v;
  }

  optTensor(name: string): RuntimeTensor | undefined {
    return this.has(name) ? this.tensor(name) : undefined;
  }

  /** A tuple parameter (e.g. concat's `values`); a single binding is a 1-tuple. */
  tuple(name: string): RuntimeTensor[] {
    const v = this.values[name];
    if (v === undefined) throw new RuntimeError(`missing required parameter "${name}"`);
    return Array.isArray(v) ? v : [v];
  }

  /** A numeric tensor parameter as plain numbers. */
  numbers(name: string): number[] {
    return tensorNumbers(this.tensor(name), name);
  }

  int(name: string, def?: number): number {
    const t = this.optTensor(name);
    if (t === undefined) return requireDefault(name, def);
    const v = scalarOf(t, name);
    if (!isIntType(t.dataType)) throw new RuntimeError(`parameter "${name}" must be an integer, got ${t.dataType}`);
    return v;
  }

  intList(name: string, def?: readonly number[]): number[] {
    const t = this.optTensor(name);
    if (t === undefined) return [...requireDefault(name, def)];
    if (!isIntType(t.dataType)) throw new RuntimeError(`parameter "${name}" must be integers, got ${t.dataType}`);
    if (t.shape.length > 1) throw new RuntimeError(`parameter "${name}" must be rank 0 or 1, got ${shapeToString(t.shape)}`);
    return tensorNumbers(t, name);
  }

  bool(name: string, def?: boolean): boolean {
    const t = this.optTensor(name);
    if (t === undefined) return requireDefault(name, def);
    if (t.dataType !== "bool") throw new RuntimeError(`parameter "${name}" must be bool, got ${t.dataType}`);
    return scalarOf(t, name) !== 0;
  }

  boolList(name: string, def?: readonly boolean[]): boolean[] {
    const t = this.optTensor(name);
    if (t === undefined) return [...requireDefault(name, def)];
    if (t.dataType !== "bool") throw new RuntimeError(`parameter "${name}" must be bool, got ${t.dataType}`);
    return tensorNumbers(t, name).map((v) => v !== 0);
  }

  /** A scalar numeric parameter (any numeric dtype, fp16 decoded). */
  float(name: string, def?: number): number {
    const t = this.optTensor(name);
    if (t === undefined) return requireDefault(name, def);
    return scalarOf(t, name);
  }

  string(name: string, def?: string): string {
    const t = this.optTensor(name);
    if (t === undefined) return requireDefault(name, def);
    if (t.dataType !== "string") throw new RuntimeError(`parameter "${name}" must be a string, got ${t.dataType}`);
    if (t.data.length !== 1) throw new RuntimeError(`parameter "${name}" must be a single string`);
    return (t.data as string[])[0];
  }
}

function requireDefault<T>(name: string, def: T | undefined): T {
  if (def === undefined) throw new RuntimeError(`missing required parameter "${name}"`);
  return def;
}

export function tensorNumbers(t: RuntimeTensor, name: string): number[] {
  if (t.dataType === "string") throw new RuntimeError(`parameter "${name}" must be numeric, got string`);
  const d = t.data as NumericData;
  const out = new Array<number>(d.length);
  if (t.dataType === "fp16") {
    const tab = halfTable();
    for (let i = 0; i < d.length; i++) out[i] = tab[d[i]];
  } else {
    for (let i = 0; i < d.length; i++) out[i] = d[i];
  }
  return out;
}

function scalarOf(t: RuntimeTensor, name: string): number {
  if (t.data.length !== 1) {
    throw new RuntimeError(`parameter "${name}" must be a scalar, got shape ${shapeToString(t.shape)}`);
  }
  return tensorNumbers(t, name)[0];
}

/** Normalizes a possibly negative axis for a tensor of rank `rank`. */
export function normalizeAxis(axis: number, rank: number, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RuntimeError(`${what} ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** Normalizes a list of axes; rejects duplicates. */
export function normalizeAxes(axes: readonly number[], rank: number, what = "axes"): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, what));
  if (new Set(out).size !== out.length) throw new RuntimeError(`${what} ${shapeToString(axes)} has duplicates`);
  return out;
}

export function requireFloat(t: RuntimeTensor, name: string): void {
  if (t.dataType !== "fp16" && t.dataType !== "fp32") {
    throw new RuntimeError(`"${name}" must be fp16 or fp32, got ${t.dataType}`);
  }
}

export function requireDtype(t: RuntimeTensor, name: string, allowed: readonly MilDataType[]): void {
  if (!allowed.includes(t.dataType)) {
    throw new RuntimeError(`"${name}" must be one of ${allowed.join(", ")}, got ${t.dataType}`);
  }
}

export function requireSameDtype(a: RuntimeTensor, aName: string, b: RuntimeTensor, bName: string): void {
  if (a.dataType !== b.dataType) {
    throw new RuntimeError(`"${aName}" (${a.dataType}) and "${bName}" (${b.dataType}) must have the same dtype`);
  }
}

/**
 * Before iOS 17 a float parameter (alpha, epsilon, gamma, weight...) must share the dtype of x;
 * from iOS 17 it may be fp16 or fp32 independently.
 */
export function requireParamDtype(ctx: KernelContext, x: RuntimeTensor, p: RuntimeTensor, name: string): void {
  if (ctx.iosVersion < 17) requireSameDtype(x, "x", p, name);
  else requireFloat(p, name);
}

/** numpy broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
    const db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else throw new RuntimeError(`shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast`);
  }
  return out;
}

/** Strides of `shape` seen through broadcasting to `outShape` (0 on broadcast dimensions). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const off = rank - shape.length;
  const s = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i + off] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Merges adjacent dimensions that every operand walks contiguously, so loops run over as few
 * and as long dimensions as possible. Dimensions of size 1 are dropped.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => { outStrides[k][last] = s[d]; });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => { outStrides[k].push(s[d]); });
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    strides.forEach((_, k) => { outStrides[k].push(0); });
  }
  return { shape: outShape, strides: outStrides };
}

/** Elements processed per chunk by the chunked float64 loops. */
export const CHUNK = 8192;

/**
 * Stores float64 results into dtype storage: fp16 rounds to nearest half (ties to even),
 * fp32 rounds like Math.fround, integer dtypes truncate and wrap, bool stores 0/1 as given.
 */
export function storeChunk(out: NumericData, half: boolean, offset: number, src: Float64Array, len: number): void {
  if (half) {
    const o = out as Uint16Array;
    for (let i = 0; i < len; i++) o[offset + i] = halfBitsFromNumber(src[i]);
  } else if (len === src.length) {
    out.set(src, offset);
  } else {
    out.set(src.subarray(0, len), offset);
  }
}

/** Allocates a numeric output and returns it with a flag telling whether it stores halves. */
export function allocNumeric(dataType: MilDataType, count: number): { data: NumericData; half: boolean } {
  if (dataType === "string") throw new RuntimeError("numeric output expected");
  return { data: allocData(dataType, count) as NumericData, half: dataType === "fp16" };
}

/**
 * Maps every element through `fn` (computed in float64), storing with the output dtype's rounding.
 */
export function mapElements(x: RuntimeTensor, outType: MilDataType, fn: (v: number) => number): RuntimeTensor {
  const src = numericView(x);
  const n = src.length;
  const { data, half } = allocNumeric(outType, n);
  const buf = new Float64Array(Math.min(CHUNK, Math.max(n, 1)));
  for (let start = 0; start < n; start += CHUNK) {
    const len = Math.min(CHUNK, n - start);
    for (let i = 0; i < len; i++) buf[i] = fn(src[start + i]);
    storeChunk(data, half, start, buf, len);
  }
  return { dataType: outType, shape: [...x.shape], data };
}

export function isFloat(t: RuntimeTensor): boolean {
  return isFloatType(t.dataType);
}

export function product(xs: readonly number[], from = 0, to = xs.length): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= xs[i];
  return p;
}
