// Reductions (coremltools defs/iOS15/reduction.py, iOS17/reduction.py).

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { numericView, stridesOf, type NumericData, type RuntimeTensor } from "../tensor.js";
import {
  allocNumeric, coalesce, defineKernel, normalizeAxes, normalizeAxis, product, requireDtype, storeChunk, type Kernel,
} from "./common.js";

const NUMERIC: readonly MilDataType[] = ["fp16", "fp32", "int32"];

const enum Kind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare }

/** Iteration plan over kept and reduced dimensions. */
export interface ReducePlan {
  /** Coalesced kept dims/strides (iterated in row-major order = output order). */
  keptShape: number[];
  keptStrides: number[];
  /** Coalesced reduced dims/strides. */
  redShape: number[];
  redStrides: number[];
  keptCount: number;
  redCount: number;
}

/** Splits `shape` into kept and reduced dimensions for iterating a reduction over `axes`. */
export function reducePlan(shape: readonly number[], axes: readonly number[]): ReducePlan {
  const strides = stridesOf(shape);
  const red = new Set(axes);
  const kd: number[] = [], ks: number[] = [], rd: number[] = [], rs: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (red.has(d)) { rd.push(shape[d]); rs.push(strides[d]); } else { kd.push(shape[d]); ks.push(strides[d]); }
  }
  const k = coalesce(kd, [ks]);
  const r = coalesce(rd, [rs]);
  return {
    keptShape: k.shape, keptStrides: k.strides[0], redShape: r.shape, redStrides: r.strides[0],
    keptCount: product(kd), redCount: product(rd),
  };
}

/**
 * Calls `visit(base, off, stride, len)` for every innermost run of reduced elements of every
 * kept position; `startKept(k, base)` is called before each kept position's runs.
 */
export function forEachReduced(
  plan: ReducePlan,
  startKept: (k: number, base: number) => void,
  visit: (off: number, stride: number, len: number) => void,
  endKept: (k: number) => void,
): void {
  const { keptShape, keptStrides, redShape, redStrides } = plan;
  const kr = keptShape.length;
  const rr = redShape.length;
  const kIdx = new Array<number>(kr).fill(0);
  const rIdx = new Array<number>(rr).fill(0);
  const innerLen = redShape[rr - 1];
  const innerStride = redStrides[rr - 1];
  const rows = plan.redCount === 0 ? 0 : plan.redCount / innerLen;
  let base = 0;
  for (let k = 0; k < plan.keptCount; k++) {
    startKept(k, base);
    let off = base;
    for (let r = 0; r < rows; r++) {
      visit(off, innerStride, innerLen);
      for (let d = rr - 2; d >= 0; d--) {
        rIdx[d]++;
        off += redStrides[d];
        if (rIdx[d] < redShape[d]) break;
        off -= redStrides[d] * redShape[d];
        rIdx[d] = 0;
      }
    }
    endKept(k);
    for (let d = kr - 1; d >= 0; d--) {
      kIdx[d]++;
      base += keptStrides[d];
      if (kIdx[d] < keptShape[d]) break;
      base -= keptStrides[d] * keptShape[d];
      kIdx[d] = 0;
    }
  }
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const red = new Set(axes);
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!red.has(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

function reduce(kind: Kind, x: RuntimeTensor, axes: number[], keepDims: boolean): RuntimeTensor {
  const src = numericView(x);
  const isInt = x.dataType === "int32";
  const plan = reducePlan(x.shape, axes);
  const res = new Float64Array(plan.keptCount);
  let acc = 0;
  let mx = 0;
  const visitFor = (): ((off: number, stride: number, len: number) => void) => {
    switch (kind) {
      case Kind.Sum: case Kind.Mean: case Kind.LogSum:
        if (isInt && kind === Kind.Sum) return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc = (acc + src[o]) | 0; };
        return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc += src[o]; };
      case Kind.SumSquare: case Kind.L2:
        if (isInt) {
          if (kind === Kind.SumSquare) return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc = (acc + Math.imul(src[o], src[o])) | 0; };
          return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc += Math.imul(src[o], src[o]); };
        }
        return (o, s, l) => { for (let i = 0; i < l; i++, o += s) { const v = src[o]; acc += v * v; } };
      case Kind.L1:
        if (isInt) return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc = (acc + Math.abs(src[o])) | 0; };
        return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc += Math.abs(src[o]); };
      case Kind.Prod:
        if (isInt) return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc = Math.imul(acc, src[o]); };
        return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc *= src[o]; };
      case Kind.Max:
        return (o, s, l) => {
          for (let i = 0; i < l; i++, o += s) { const v = src[o]; if (v > acc || v !== v) { acc = v; if (v !== v) return; } }
        };
      case Kind.Min:
        return (o, s, l) => {
          for (let i = 0; i < l; i++, o += s) { const v = src[o]; if (v < acc || v !== v) { acc = v; if (v !== v) return; } }
        };
      case Kind.LogSumExp:
        return (o, s, l) => { for (let i = 0; i < l; i++, o += s) acc += Math.exp(src[o] - mx); };
    }
  };
  const visit = visitFor();
  const init = kind === Kind.Prod ? 1 : kind === Kind.Max ? -Infinity : kind === Kind.Min ? Infinity : 0;
  if (kind === Kind.LogSumExp) {
    // First pass: the maximum of each reduced group.
    const maxes = new Float64Array(plan.keptCount);
    forEachReduced(plan, () => { acc = -Infinity; }, (o, s, l) => {
      for (let i = 0; i < l; i++, o += s) { const v = src[o]; if (v > acc || v !== v) acc = v; }
    }, (k) => { maxes[k] = acc; });
    forEachReduced(plan, (k) => { acc = 0; mx = maxes[k]; }, visit, (k) => {
      // max subtracted for stability; an infinite or NaN max is the result itself.
      res[k] = Number.isFinite(mx) ? Math.log(acc) + mx : mx;
    });
  } else {
    const count = plan.redCount;
    forEachReduced(plan, () => { acc = init; }, visit, (k) => {
      switch (kind) {
        case Kind.Mean: res[k] = acc / count; break;
        case Kind.L2: res[k] = Math.sqrt(acc); break;
        case Kind.LogSum: res[k] = Math.log(acc); break;
        default: res[k] = acc;
      }
    });
  }
  const shape = reducedShape(x.shape, axes, keepDims);
  const { data, half } = allocNumeric(x.dataType, res.length);
  if (isInt) {
    const o = data as Int32Array;
    for (let i = 0; i < res.length; i++) o[i] = Math.trunc(res[i]);
  } else {
    storeChunk(data, half, 0, res, res.length);
  }
  return { dataType: x.dataType, shape, data };
}

function reduction(kind: Kind): Kernel {
  return defineKernel(["x", "axes", "keep_dims"], (args) => {
    const x = args.tensor("x");
    requireDtype(x, "x", NUMERIC);
    const rank = x.shape.length;
    const axes = args.has("axes")
      ? normalizeAxes(args.intList("axes"), rank)
      : Array.from({ length: rank }, (_, i) => i);
    return [reduce(kind, x, axes, args.bool("keep_dims", false))];
  });
}

/**
 * reduce_argmax / reduce_argmin along `axis` (default -1). Ties give the first index (numpy);
 * a NaN counts as the extreme value (its first occurrence wins, as numpy). Output int32, or the
 * iOS 17 `output_dtype` ("int32" or "uint16").
 */
function argReduction(isMax: boolean): Kernel {
  return defineKernel(["x", "axis", "keep_dims", "output_dtype"], (args, _op, ctx) => {
    const x = args.tensor("x");
    requireDtype(x, "x", NUMERIC);
    const rank = x.shape.length;
    if (rank === 0) throw new RuntimeError("x must have rank >= 1");
    const axis = normalizeAxis(args.int("axis", -1), rank);
    const keepDims = args.bool("keep_dims", false);
    let outType: MilDataType = "int32";
    if (args.has("output_dtype")) {
      if (ctx.iosVersion < 17) throw new RuntimeError("output_dtype needs iOS 17");
      const s = args.string("output_dtype").toLowerCase();
      if (s !== "int32" && s !== "uint16") throw new RuntimeError(`output_dtype must be "int32" or "uint16", got "${s}"`);
      outType = s;
    }
    const src = numericView(x);
    const D = x.shape[axis];
    const inner = product(x.shape, axis + 1);
    const outer = product(x.shape, 0, axis);
    const out = (outType === "int32" ? new Int32Array(outer * inner) : new Uint16Array(outer * inner)) as NumericData;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        let best = 0;
        let bv = src[o * D * inner + j];
        if (bv === bv) {
          for (let d = 1; d < D; d++) {
            const v = src[(o * D + d) * inner + j];
            if (v !== v) { best = d; break; }
            if (isMax ? v > bv : v < bv) { bv = v; best = d; }
          }
        }
        out[o * inner + j] = best;
      }
    }
    return [{ dataType: outType, shape: reducedShape(x.shape, [axis], keepDims), data: out }];
  });
}

export const reductionKernels: Record<string, Kernel> = {
  reduce_sum: reduction(Kind.Sum),
  reduce_mean: reduction(Kind.Mean),
  reduce_max: reduction(Kind.Max),
  reduce_min: reduction(Kind.Min),
  reduce_prod: reduction(Kind.Prod),
  reduce_l1_norm: reduction(Kind.L1),
  reduce_l2_norm: reduction(Kind.L2),
  reduce_log_sum: reduction(Kind.LogSum),
  reduce_log_sum_exp: reduction(Kind.LogSumExp),
  reduce_sum_square: reduction(Kind.SumSquare),
  reduce_argmax: argReduction(true),
  reduce_argmin: argReduction(false),
};
