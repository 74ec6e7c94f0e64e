// Gather and scatter (coremltools defs/iOS15/scatter_gather.py, iOS16 and iOS17 variants).
//
// Index policy: before iOS 17 an index may be negative (counted from the end). From iOS 17 a
// negative index is out of bounds, and Core ML leaves out-of-bounds results undefined unless
// validate_indices=true. The reference runtime always rejects an out-of-bounds index with a
// RuntimeError, so a converter that relies on undefined behaviour is caught.

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { allocData, numericView, shapeToString, stridesOf, type NumericData, type RuntimeTensor } from "../tensor.js";
import {
  allocNumeric, defineKernel, normalizeAxis, product, requireDtype, storeChunk, type Kernel, type KernelContext,
} from "./common.js";
import { copyRange } from "./shape.js";

const INDEX_TYPES: readonly MilDataType[] = ["int32", "int16", "uint16", "int8", "uint8"];

function indexReader(indices: RuntimeTensor, ctx: KernelContext): (i: number, dim: number) => number {
  requireDtype(indices, "indices", INDEX_TYPES);
  const data = indices.data as NumericData;
  const allowNegative = ctx.iosVersion < 17;
  return (i, dim) => {
    let v = data[i];
    if (v < 0 && allowNegative) v += dim;
    if (v < 0 || v >= dim) {
      throw new RuntimeError(
        `index ${data[i]} is out of bounds for a dimension of size ${dim}` +
        (ctx.iosVersion >= 17 && data[i] < 0 ? " (negative indices are out of bounds from iOS 17)" : ""));
    }
    return v;
  };
}

/** gather(x, indices, axis=0, batch_dims=0): out shape x[:axis] + indices[batch_dims:] + x[axis+1:]. */
export const gather = defineKernel(["x", "indices", "axis", "batch_dims", "validate_indices"], (args, _op, ctx) => {
  const x = args.tensor("x");
  const indices = args.tensor("indices");
  const rank = x.shape.length;
  const axis = normalizeAxis(args.int("axis", 0), rank);
  const b = args.int("batch_dims", 0);
  args.bool("validate_indices", false);
  if (b < 0 || b > axis || b > indices.shape.length) throw new RuntimeError(`gather: invalid batch_dims ${b}`);
  for (let d = 0; d < b; d++) {
    if (x.shape[d] !== indices.shape[d]) throw new RuntimeError("gather: batch dimensions of x and indices differ");
  }
  const read = indexReader(indices, ctx);
  const B = product(x.shape, 0, b);
  const outerX = product(x.shape, b, axis);
  const D = x.shape[axis];
  const inner = product(x.shape, axis + 1);
  const Ni = product(indices.shape, b);
  const out = allocData(x.dataType, B * outerX * Ni * inner);
  for (let bb = 0; bb < B; bb++) {
    for (let o = 0; o < outerX; o++) {
      for (let n = 0; n < Ni; n++) {
        const idx = read(bb * Ni + n, D);
        copyRange(out, ((bb * outerX + o) * Ni + n) * inner, x.data, ((bb * outerX + o) * D + idx) * inner, inner);
      }
    }
  }
  const shape = [...x.shape.slice(0, axis), ...indices.shape.slice(b), ...x.shape.slice(axis + 1)];
  return [{ dataType: x.dataType, shape, data: out }];
});

function sameExceptAxis(a: readonly number[], b: readonly number[], axis: number, what: string): void {
  if (a.length !== b.length) throw new RuntimeError(`${what}: rank mismatch ${shapeToString(a)} vs ${shapeToString(b)}`);
  for (let d = 0; d < a.length; d++) {
    if (d !== axis && a[d] !== b[d]) throw new RuntimeError(`${what}: shapes ${shapeToString(a)} and ${shapeToString(b)} differ outside axis ${axis}`);
  }
}

/** gather_along_axis: out[..., i, ...] = x[..., indices[..., i, ...], ...]; out shape = indices shape. */
export const gatherAlongAxis = defineKernel(["x", "indices", "axis", "validate_indices"], (args, _op, ctx) => {
  const x = args.tensor("x");
  const indices = args.tensor("indices");
  const rank = x.shape.length;
  const axis = normalizeAxis(args.int("axis", 0), rank);
  args.bool("validate_indices", false);
  sameExceptAxis(x.shape, indices.shape, axis, "gather_along_axis");
  const read = indexReader(indices, ctx);
  const outer = product(x.shape, 0, axis);
  const inner = product(x.shape, axis + 1);
  const D = x.shape[axis];
  const K = indices.shape[axis];
  const src = x.data as NumericData;
  const out = allocData(x.dataType, outer * K * inner) as NumericData;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < K; k++) {
      const row = (o * K + k) * inner;
      for (let r = 0; r < inner; r++) out[row + r] = src[(o * D + read(row + r, D)) * inner + r];
    }
  }
  return [{ dataType: x.dataType, shape: [...indices.shape], data: out }];
});

/** gather_nd(x, indices, batch_dims=0): out shape indices[:-1] + x[batch_dims + indices[-1]:]. */
export const gatherNd = defineKernel(["x", "indices", "batch_dims", "validate_indices"], (args, _op, ctx) => {
  const x = args.tensor("x");
  const indices = args.tensor("indices");
  const b = args.int("batch_dims", 0);
  args.bool("validate_indices", false);
  const ir = indices.shape.length;
  if (ir < 1) throw new RuntimeError("gather_nd: indices must have rank >= 1");
  const K = indices.shape[ir - 1];
  if (b < 0 || b >= ir || b + K > x.shape.length) {
    throw new RuntimeError(`gather_nd: indices.shape[-1] (${K}) + batch_dims (${b}) must be <= rank(x) (${x.shape.length})`);
  }
  for (let d = 0; d < b; d++) {
    if (x.shape[d] !== indices.shape[d]) throw new RuntimeError("gather_nd: batch dimensions of x and indices differ");
  }
  const read = indexReader(indices, ctx);
  const xs = stridesOf(x.shape);
  const B = product(x.shape, 0, b);
  const N = product(indices.shape, b, ir - 1);
  const slice = product(x.shape, b + K);
  const batchStride = product(x.shape, b);
  const out = allocData(x.dataType, B * N * slice);
  for (let bb = 0; bb < B; bb++) {
    for (let n = 0; n < N; n++) {
      const ib = (bb * N + n) * K;
      let off = bb * batchStride;
      for (let k = 0; k < K; k++) off += read(ib + k, x.shape[b + k]) * xs[b + k];
      copyRange(out, (bb * N + n) * slice, x.data, off, slice);
    }
  }
  const shape = [...indices.shape.slice(0, ir - 1), ...x.shape.slice(b + K)];
  return [{ dataType: x.dataType, shape, data: out }];
});

type Combine = (old: number, upd: number) => number;

function combiner(mode: string, isInt: boolean): Combine {
  switch (mode) {
    case "update": return (_o, u) => u;
    case "add": return isInt ? (o, u) => (o + u) | 0 : (o, u) => o + u;
    case "sub": return isInt ? (o, u) => (o - u) | 0 : (o, u) => o - u;
    case "mul": return isInt ? (o, u) => Math.imul(o, u) : (o, u) => o * u;
    case "div": return isInt ? (o, u) => (u === 0 ? 0 : Math.trunc(o / u)) : (o, u) => o / u;
    case "max": return (o, u) => (u > o || u !== u ? u : o);
    case "min": return (o, u) => (u < o || u !== u ? u : o);
    default: throw new RuntimeError(`scatter: unknown mode "${mode}" (update, add, sub, mul, div, max, min)`);
  }
}

/**
 * Applies updates in index order (for duplicate indices in "update" mode the last one wins;
 * Core ML does not specify the order). Values combine in float64 and each written element is
 * rounded to the dtype once.
 */
function scatterInto(data: RuntimeTensor, positions: (emit: (dst: number, upd: number) => void) => void, updates: RuntimeTensor, mode: string): RuntimeTensor {
  requireDtype(data, "data", ["fp16", "fp32", "int32"]);
  if (updates.dataType !== data.dataType) throw new RuntimeError(`updates (${updates.dataType}) must have the dtype of data (${data.dataType})`);
  const combine = combiner(mode, data.dataType === "int32");
  const vals = Float64Array.from(numericView(data));
  const upd = numericView(updates);
  positions((dst, u) => { vals[dst] = combine(vals[dst], upd[u]); });
  const { data: out, half } = allocNumeric(data.dataType, vals.length);
  storeChunk(out, half, 0, vals, vals.length);
  return { dataType: data.dataType, shape: [...data.shape], data: out };
}

/** scatter(data, indices[C], updates, axis=0, mode="add"). */
export const scatter = defineKernel(["data", "indices", "updates", "axis", "mode", "validate_indices"], (args, _op, ctx) => {
  const data = args.tensor("data");
  const indices = args.tensor("indices");
  const updates = args.tensor("updates");
  const rank = data.shape.length;
  const axis = normalizeAxis(args.int("axis", 0), rank);
  const mode = args.string("mode", "add");
  args.bool("validate_indices", false);
  if (indices.shape.length !== 1) throw new RuntimeError("scatter: indices must be rank 1");
  const expect = [...data.shape.slice(0, axis), indices.shape[0], ...data.shape.slice(axis + 1)];
  if (expect.join() !== updates.shape.join()) {
    throw new RuntimeError(`scatter: updates shape ${shapeToString(updates.shape)} should be ${shapeToString(expect)}`);
  }
  const read = indexReader(indices, ctx);
  const outer = product(data.shape, 0, axis);
  const inner = product(data.shape, axis + 1);
  const D = data.shape[axis];
  const C = indices.shape[0];
  return [scatterInto(data, (emit) => {
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < C; c++) {
        const idx = read(c, D);
        for (let r = 0; r < inner; r++) emit((o * D + idx) * inner + r, (o * C + c) * inner + r);
      }
    }
  }, updates, mode)];
});

/** scatter_along_axis(data, indices, updates, axis=0, mode="add"): indices and updates share a shape. */
export const scatterAlongAxis = defineKernel(["data", "indices", "updates", "axis", "mode", "validate_indices"], (args, _op, ctx) => {
  const data = args.tensor("data");
  const indices = args.tensor("indices");
  const updates = args.tensor("updates");
  const rank = data.shape.length;
  const axis = normalizeAxis(args.int("axis", 0), rank);
  const mode = args.string("mode", "add");
  args.bool("validate_indices", false);
  if (indices.shape.join() !== updates.shape.join()) throw new RuntimeError("scatter_along_axis: indices and updates must have the same shape");
  sameExceptAxis(data.shape, indices.shape, axis, "scatter_along_axis");
  const read = indexReader(indices, ctx);
  const outer = product(data.shape, 0, axis);
  const inner = product(data.shape, axis + 1);
  const D = data.shape[axis];
  const K = indices.shape[axis];
  return [scatterInto(data, (emit) => {
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < K; k++) {
        const row = (o * K + k) * inner;
        for (let r = 0; r < inner; r++) emit((o * D + read(row + r, D)) * inner + r, row + r);
      }
    }
  }, updates, mode)];
});

/** scatter_nd(data, indices[..., K], updates, mode="add"): updates shape indices[:-1] + data[K:]. */
export const scatterNd = defineKernel(["data", "indices", "updates", "mode", "validate_indices"], (args, _op, ctx) => {
  const data = args.tensor("data");
  const indices = args.tensor("indices");
  const updates = args.tensor("updates");
  const mode = args.string("mode", "add");
  args.bool("validate_indices", false);
  const ir = indices.shape.length;
  if (ir < 1) throw new RuntimeError("scatter_nd: indices must have rank >= 1");
  const K = indices.shape[ir - 1];
  if (K > data.shape.length) throw new RuntimeError("scatter_nd: indices.shape[-1] must be <= rank(data)");
  const expect = [...indices.shape.slice(0, ir - 1), ...data.shape.slice(K)];
  if (expect.join() !== updates.shape.join()) {
    throw new RuntimeError(`scatter_nd: updates shape ${shapeToString(updates.shape)} should be ${shapeToString(expect)}`);
  }
  const read = indexReader(indices, ctx);
  const ds = stridesOf(data.shape);
  const N = product(indices.shape, 0, ir - 1);
  const slice = product(data.shape, K);
  return [scatterInto(data, (emit) => {
    for (let n = 0; n < N; n++) {
      let off = 0;
      for (let k = 0; k < K; k++) off += read(n * K + k, data.shape[k]) * ds[k];
      for (let r = 0; r < slice; r++) emit(off + r, n * slice + r);
    }
  }, updates, mode)];
});

export const gatherScatterKernels: Record<string, Kernel> = {
  gather,
  gather_along_axis: gatherAlongAxis,
  gather_nd: gatherNd,
  scatter,
  scatter_along_axis: scatterAlongAxis,
  scatter_nd: scatterNd,
};
