// topk, argsort and one_hot (coremltools defs/iOS15/tensor_operation.py, iOS16/iOS17 topk).

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { allocData, makeData, numericView, type NumericData, type RuntimeTensor } from "../tensor.js";
import { defineKernel, normalizeAxis, product, requireDtype, type Kernel } from "./common.js";

/**
 * Stable order of indices 0..D-1 along an axis: descending by default (NaN first, as the
 * largest), ascending when asked (NaN last). Ties keep index order.
 */
function order(values: Float64Array, ascending: boolean): number[] {
  const idx = Array.from(values, (_, i) => i);
  idx.sort((a, b) => {
    const va = values[a], vb = values[b];
    const na = va !== va, nb = vb !== vb;
    if (na || nb) return na && nb ? a - b : ascending ? (na ? 1 : -1) : (na ? -1 : 1);
    if (va === vb) return a - b;
    return ascending ? (va < vb ? -1 : 1) : (va > vb ? -1 : 1);
  });
  return idx;
}

function sortAlong(x: RuntimeTensor, axis: number, ascending: boolean, k: number, emit: (outPos: number, srcPos: number, rank: number) => void): void {
  const src = numericView(x);
  const D = x.shape[axis];
  const inner = product(x.shape, axis + 1);
  const outer = product(x.shape, 0, axis);
  const line = new Float64Array(D);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      for (let d = 0; d < D; d++) line[d] = src[(o * D + d) * inner + j];
      const idx = order(line, ascending);
      for (let r = 0; r < k; r++) emit((o * k + r) * inner + j, (o * D + idx[r]) * inner + j, idx[r]);
    }
  }
}

/** topk(x, k=1, axis=-1, ascending=false, sort=true, return_indices=true, output_indices_dtype="int32"). */
export const topk = defineKernel(["x", "k", "axis", "ascending", "sort", "return_indices", "output_indices_dtype"], (args, op) => {
  const x = args.tensor("x");
  requireDtype(x, "x", ["fp16", "fp32", "int32", "int16", "int8", "uint16", "uint8"]);
  const axis = normalizeAxis(args.int("axis", -1), x.shape.length);
  const k = args.int("k", 1);
  if (k < 0 || k > x.shape[axis]) throw new RuntimeError(`topk: k=${k} is larger than dimension ${x.shape[axis]}`);
  const ascending = args.bool("ascending", false);
  args.bool("sort", true);
  const returnIndices = args.bool("return_indices", true);
  const idxType = args.string("output_indices_dtype", "int32") as MilDataType;
  if (idxType !== "int32" && idxType !== "uint16") throw new RuntimeError(`topk: output_indices_dtype must be int32 or uint16`);
  const shape = [...x.shape];
  shape[axis] = k;
  const n = product(shape);
  const values = allocData(x.dataType, n) as NumericData;
  const indices = allocData(idxType, n) as NumericData;
  const raw = x.data as NumericData;
  sortAlong(x, axis, ascending, k, (o, s, r) => { values[o] = raw[s]; indices[o] = r; });
  const outs: RuntimeTensor[] = [{ dataType: x.dataType, shape, data: values }];
  if (returnIndices) outs.push({ dataType: idxType, shape: [...shape], data: indices });
  if (outs.length !== op.outputs.length) throw new RuntimeError(`topk produces ${outs.length} outputs, the operation declares ${op.outputs.length}`);
  return outs;
});

/** argsort(x, axis=-1, ascending=false): int32 indices that sort x along axis (stable). */
export const argsort = defineKernel(["x", "axis", "ascending"], (args) => {
  const x = args.tensor("x");
  requireDtype(x, "x", ["fp16", "fp32", "int32"]);
  const axis = normalizeAxis(args.int("axis", -1), x.shape.length);
  const out = new Int32Array(x.data.length);
  sortAlong(x, axis, args.bool("ascending", false), x.shape[axis], (o, _s, r) => { out[o] = r; });
  return [{ dataType: "int32", shape: [...x.shape], data: out }];
});

/** one_hot(indices, one_hot_vector_size, axis=-1, on_value=1, off_value=0): inserts an axis of that size at `axis`. */
export const oneHot = defineKernel(["indices", "one_hot_vector_size", "axis", "on_value", "off_value"], (args) => {
  const indices = args.tensor("indices");
  requireDtype(indices, "indices", ["int32"]);
  const depth = args.int("one_hot_vector_size");
  if (depth < 0) throw new RuntimeError("one_hot_vector_size must be non-negative");
  const rank = indices.shape.length;
  let axis = args.int("axis", -1);
  if (axis < 0) axis += rank + 1;
  if (axis < 0 || axis > rank) throw new RuntimeError(`one_hot: axis out of range for rank ${rank + 1}`);
  const onT = args.optTensor("on_value");
  const offT = args.optTensor("off_value");
  const dtype: MilDataType = onT?.dataType ?? offT?.dataType ?? "int32";
  if (onT && offT && onT.dataType !== offT.dataType) throw new RuntimeError("on_value and off_value must have the same dtype");
  const on = makeData(dtype, [onT ? args.float("on_value") : 1])[0];
  const off = makeData(dtype, [offT ? args.float("off_value") : 0])[0];
  const shape = [...indices.shape];
  shape.splice(axis, 0, depth);
  const out = allocData(dtype, product(shape)) as NumericData;
  out.fill(off);
  const outer = product(indices.shape, 0, axis);
  const inner = product(indices.shape, axis);
  const idx = indices.data as Int32Array;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const v = idx[o * inner + j]; // out-of-range (and negative) indices give an all-off vector
      if (v >= 0 && v < depth) out[(o * depth + v) * inner + j] = on;
    }
  }
  return [{ dataType: dtype, shape, data: out }];
});

export const sortingKernels: Record<string, Kernel> = { topk, argsort, one_hot: oneHot };
