// Shape and data-movement operations (coremltools defs/iOS15/tensor_transformation.py,
// tensor_operation.py and their iOS16/17 variants): reshapes, transposes, slices, concat and
// split here, padding, fills and the space/depth ones in shape-fill.ts. They copy raw storage,
// so fp16 values move as bit patterns and every dtype (bool, int8, ...) is supported.

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { allocData, makeData, shapeToString, stridesOf, type NumericData, type RuntimeTensor, type TensorData } from "../tensor.js";
import { coalesce, defineKernel, normalizeAxes, normalizeAxis, product, requireDtype, type Kernel } from "./common.js";

// ---------------------------------------------------------------------------------------
// Copy helpers

/** Copies `len` elements between storages of the same kind. */
export function copyRange(dst: TensorData, dstOff: number, src: TensorData, srcOff: number, len: number): void {
  if (Array.isArray(dst)) {
    for (let i = 0; i < len; i++) dst[dstOff + i] = (src as string[])[srcOff + i];
  } else if (len > 64) {
    dst.set((src as NumericData).subarray(srcOff, srcOff + len) as never, dstOff);
  } else {
    const s = src as NumericData;
    for (let i = 0; i < len; i++) dst[dstOff + i] = s[srcOff + i];
  }
}

/**
 * Fills `dst` (contiguous, row-major over `shape`) from `src` read at
 * `srcOffset + sum(index[d] * srcStrides[d])`. Strides may be 0 (broadcast) or negative.
 */
export function stridedCopy(src: TensorData, srcOffset: number, shape: readonly number[], srcStrides: readonly number[], dst: TensorData, dstOffset = 0): void {
  const n = product(shape);
  if (n === 0) return;
  const { shape: cs, strides: [ss] } = coalesce(shape, [srcStrides, stridesOf(shape)]);
  const rank = cs.length;
  const inner = cs[rank - 1];
  const is = ss[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  const rows = n / inner;
  let off = srcOffset;
  let o = dstOffset;
  for (let r = 0; r < rows; r++) {
    if (is === 1) {
      copyRange(dst, o, src, off, inner);
      o += inner;
    } else if (Array.isArray(dst)) {
      const s = src as string[];
      for (let i = 0, p = off; i < inner; i++, p += is) dst[o++] = s[p];
    } else {
      const s = src as NumericData;
      for (let i = 0, p = off; i < inner; i++, p += is) dst[o++] = s[p];
    }
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += ss[d];
      if (idx[d] < cs[d]) break;
      off -= ss[d] * cs[d];
      idx[d] = 0;
    }
  }
}

/** A new tensor viewing `x` through strides (materialized). */
export function gatherStrided(x: RuntimeTensor, offset: number, shape: number[], strides: number[], outShape = shape): RuntimeTensor {
  const data = allocData(x.dataType, product(shape));
  stridedCopy(x.data, offset, shape, strides, data);
  return { dataType: x.dataType, shape: outShape, data };
}

/** Raw storage value of a number in `dataType` (half bits for fp16). */
export function rawValue(dataType: MilDataType, v: number): number {
  return makeData(dataType, [v])[0];
}

// ---------------------------------------------------------------------------------------
// reshape family

/**
 * reshape: -1 infers one dimension. A 0 copies a dimension of x: before iOS 17 the one at the
 * same index (then len(shape) must equal rank(x)); from iOS 17 counting from the right, and a
 * 0 with no matching dimension becomes 1.
 */
export const reshape = defineKernel(["x", "shape"], (args, _op, ctx) => {
  const x = args.tensor("x");
  const shapeT = args.tensor("shape");
  requireDtype(shapeT, "shape", ["int32", "int16", "int8"]);
  if (shapeT.shape.length !== 1) throw new RuntimeError(`"shape" must be rank 1, got ${shapeToString(shapeT.shape)}`);
  const target = args.intList("shape");
  const rank = x.shape.length;
  if (target.includes(0)) {
    if (ctx.iosVersion < 17) {
      if (target.length !== rank) {
        throw new RuntimeError(`reshape: a 0 in shape ${shapeToString(target)} needs len(shape) == rank(x) (${rank}) before iOS 17`);
      }
      for (let i = 0; i < target.length; i++) if (target[i] === 0) target[i] = x.shape[i];
    } else {
      for (let i = 0; i < target.length; i++) {
        if (target[i] !== 0) continue;
        const j = rank - (target.length - i);
        target[i] = j >= 0 ? x.shape[j] : 1;
      }
    }
  }
  const n = product(x.shape);
  const neg = target.filter((d) => d === -1).length;
  if (neg > 1) throw new RuntimeError(`reshape: at most one -1 in shape, got ${shapeToString(target)}`);
  if (target.some((d) => d < -1 || !Number.isInteger(d))) throw new RuntimeError(`reshape: invalid shape ${shapeToString(target)}`);
  if (neg === 1) {
    const known = product(target.filter((d) => d !== -1));
    if (known === 0 || n % known !== 0) throw new RuntimeError(`reshape: cannot infer -1 in ${shapeToString(target)} for ${n} elements`);
    target[target.indexOf(-1)] = n / known;
  }
  if (product(target) !== n) {
    throw new RuntimeError(`reshape: cannot reshape ${shapeToString(x.shape)} (${n} elements) to ${shapeToString(target)}`);
  }
  return [{ dataType: x.dataType, shape: target, data: x.data }];
});

export const expandDims = defineKernel(["x", "axes"], (args) => {
  const x = args.tensor("x");
  const axes = args.intList("axes");
  const outRank = x.shape.length + axes.length;
  const norm = normalizeAxes(axes, outRank).sort((a, b) => a - b);
  const shape = [...x.shape];
  for (const a of norm) shape.splice(a, 0, 1);
  return [{ dataType: x.dataType, shape, data: x.data }];
});

/** squeeze: removes the given axes when their size is 1 (others are kept, like PyTorch); all 1s by default. */
export const squeeze = defineKernel(["x", "axes"], (args) => {
  const x = args.tensor("x");
  const rank = x.shape.length;
  let shape: number[];
  if (!args.has("axes")) {
    shape = x.shape.filter((d) => d !== 1);
  } else {
    const axes = new Set(normalizeAxes(args.intList("axes"), rank));
    shape = x.shape.filter((d, i) => !(axes.has(i) && d === 1));
  }
  return [{ dataType: x.dataType, shape, data: x.data }];
});

export const flatten2d = defineKernel(["x", "axis"], (args) => {
  const x = args.tensor("x");
  const rank = x.shape.length;
  let axis = args.int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) throw new RuntimeError(`flatten2d: axis out of range for rank ${rank}`);
  return [{ dataType: x.dataType, shape: [product(x.shape, 0, axis), product(x.shape, axis)], data: x.data }];
});

export const shapeOp = defineKernel(["x"], (args) => {
  const x = args.tensor("x");
  return [{ dataType: "int32", shape: [x.shape.length], data: Int32Array.from(x.shape) }];
});

// ---------------------------------------------------------------------------------------
// Permutations and copies

export const transpose = defineKernel(["x", "perm"], (args) => {
  const x = args.tensor("x");
  const rank = x.shape.length;
  const perm = args.intList("perm");
  if (perm.length !== rank) throw new RuntimeError(`perm ${shapeToString(perm)} must have length rank(x) = ${rank}`);
  const p = normalizeAxes(perm, Math.max(rank, 1), "perm");
  const strides = stridesOf(x.shape);
  return [gatherStrided(x, 0, p.map((d) => x.shape[d]), p.map((d) => strides[d]))];
});

export const tile = defineKernel(["x", "reps"], (args) => {
  const x = args.tensor("x");
  const reps = args.intList("reps");
  const rank = x.shape.length;
  if (reps.length !== rank) throw new RuntimeError(`reps ${shapeToString(reps)} must have length rank(x) = ${rank}`);
  if (reps.some((r) => r <= 0)) throw new RuntimeError(`reps must be positive, got ${shapeToString(reps)}`);
  const strides = stridesOf(x.shape);
  const shape2: number[] = [];
  const strides2: number[] = [];
  for (let d = 0; d < rank; d++) {
    shape2.push(reps[d], x.shape[d]);
    strides2.push(0, strides[d]);
  }
  return [gatherStrided(x, 0, shape2, strides2, x.shape.map((d, i) => d * reps[i]))];
});

/** reverse: flips the given axes (all by default). */
export const reverse = defineKernel(["x", "axes"], (args) => {
  const x = args.tensor("x");
  const rank = x.shape.length;
  const axes = args.has("axes") ? normalizeAxes(args.intList("axes"), rank) : Array.from({ length: rank }, (_, i) => i);
  const strides = stridesOf(x.shape);
  let offset = 0;
  const s = [...strides];
  for (const a of axes) {
    if (x.shape[a] === 0) continue;
    offset += (x.shape[a] - 1) * strides[a];
    s[a] = -strides[a];
  }
  return [gatherStrided(x, offset, [...x.shape], s)];
});

// ---------------------------------------------------------------------------------------
// Slicing

/** Python slice.indices: normalized start and element count for dimension `dim`. */
export function sliceRange(dim: number, begin: number | null, end: number | null, step: number): { start: number; count: number } {
  if (step === 0) throw new RuntimeError("slice stride must not be 0");
  const lower = step < 0 ? -1 : 0;
  const upper = step < 0 ? dim - 1 : dim;
  const fix = (v: number | null, def: number): number => {
    if (v === null) return def;
    if (v < 0) {
      const w = v + dim;
      return w < lower ? lower : w;
    }
    return v > upper ? upper : v;
  };
  const start = fix(begin, step < 0 ? upper : lower);
  const stop = fix(end, step < 0 ? lower : upper);
  const count = step > 0
    ? (stop > start ? Math.ceil((stop - start) / step) : 0)
    : (start > stop ? Math.ceil((start - stop) / -step) : 0);
  return { start, count };
}

/**
 * slice_by_index: x[begin[i]:end[i]:stride[i], ...] with numpy semantics; begin_mask/end_mask
 * ignore begin/end; squeeze_mask takes the single element at begin and drops the dimension.
 */
export const sliceByIndex = defineKernel(
  ["x", "begin", "end", "stride", "begin_mask", "end_mask", "squeeze_mask"],
  (args) => {
    const x = args.tensor("x");
    const rank = x.shape.length;
    const begin = args.intList("begin");
    const end = args.intList("end");
    const stride = args.intList("stride", new Array<number>(rank).fill(1));
    const bm = args.boolList("begin_mask", new Array<boolean>(rank).fill(false));
    const em = args.boolList("end_mask", new Array<boolean>(rank).fill(false));
    const sm = args.boolList("squeeze_mask", new Array<boolean>(rank).fill(false));
    for (const [name, v] of [["begin", begin], ["end", end], ["stride", stride], ["begin_mask", bm], ["end_mask", em], ["squeeze_mask", sm]] as const) {
      if (v.length !== rank) throw new RuntimeError(`slice_by_index: "${name}" has ${v.length} entries, rank(x) is ${rank}`);
    }
    const strides = stridesOf(x.shape);
    let offset = 0;
    const shape: number[] = [];
    const sst: number[] = [];
    const outShape: number[] = [];
    for (let d = 0; d < rank; d++) {
      const dim = x.shape[d];
      if (sm[d]) {
        const b = bm[d] ? 0 : begin[d] < 0 ? begin[d] + dim : begin[d];
        if (b < 0 || b >= dim) throw new RuntimeError(`slice_by_index: squeezed index ${begin[d]} out of range for dimension ${d} of size ${dim}`);
        offset += b * strides[d];
        continue;
      }
      const { start, count } = sliceRange(dim, bm[d] ? null : begin[d], em[d] ? null : end[d], stride[d]);
      if (count > 0) offset += start * strides[d];
      shape.push(count);
      sst.push(stride[d] * strides[d]);
      outShape.push(count);
    }
    return [gatherStrided(x, offset, shape, sst, outShape)];
  },
);

/** slice_by_size: begin may be negative (counts from the end); size -1 takes the rest. */
export const sliceBySize = defineKernel(["x", "begin", "size"], (args) => {
  const x = args.tensor("x");
  const rank = x.shape.length;
  const begin = args.intList("begin");
  const size = args.intList("size");
  if (begin.length !== rank || size.length !== rank) throw new RuntimeError(`slice_by_size: begin and size need ${rank} entries`);
  const strides = stridesOf(x.shape);
  let offset = 0;
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) {
    const dim = x.shape[d];
    const b = begin[d] < 0 ? begin[d] + dim : begin[d];
    const s = size[d] === -1 ? dim - b : size[d];
    if (b < 0 || s < 0 || b + s > dim) {
      throw new RuntimeError(`slice_by_size: begin ${begin[d]} size ${size[d]} out of range for dimension ${d} of size ${dim}`);
    }
    offset += b * strides[d];
    shape.push(s);
  }
  return [gatherStrided(x, offset, shape, strides)];
});

// ---------------------------------------------------------------------------------------
// concat / split / stack

/** concat along `axis`; interleave=true alternates equal-shaped inputs along the axis. */
export const concat = defineKernel(["values", "axis", "interleave"], (args) => {
  let values = args.tuple("values");
  if (values.length === 0) throw new RuntimeError("concat needs at least one value");
  const dtype = values[0].dataType;
  if (values.some((v) => v.dataType !== dtype)) {
    throw new RuntimeError(`concat: all values must share a dtype, got ${values.map((v) => v.dataType).join(", ")}`);
  }
  const rank = values[0].shape.length;
  if (values.some((v) => v.shape.length !== rank)) throw new RuntimeError("concat: all values must have the same rank");
  if (rank === 0) values = values.map((v) => ({ ...v, shape: [1] }));
  const r = Math.max(rank, 1);
  const axis = normalizeAxis(args.int("axis"), r);
  const interleave = args.bool("interleave", false);
  const base = values[0].shape;
  for (const v of values) {
    for (let d = 0; d < r; d++) {
      if (d !== axis && v.shape[d] !== base[d]) {
        throw new RuntimeError(`concat: shapes ${values.map((t) => shapeToString(t.shape)).join(" ")} differ outside axis ${axis}`);
      }
      if (interleave && v.shape[d] !== base[d]) throw new RuntimeError("concat: interleave needs equal shapes");
    }
  }
  const outer = product(base, 0, axis);
  const inner = product(base, axis + 1);
  const total = values.reduce((s, v) => s + v.shape[axis], 0);
  const shape = [...base];
  shape[axis] = total;
  const out = allocData(dtype, outer * total * inner);
  let o = 0;
  if (!interleave) {
    for (let i = 0; i < outer; i++) {
      for (const v of values) {
        const len = v.shape[axis] * inner;
        copyRange(out, o, v.data, i * len, len);
        o += len;
      }
    }
  } else {
    const D = base[axis];
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < D; j++) {
        for (const v of values) {
          copyRange(out, o, v.data, (i * D + j) * inner, inner);
          o += inner;
        }
      }
    }
  }
  return [{ dataType: dtype, shape, data: out }];
});

export const stack = defineKernel(["values", "axis"], (args) => {
  const values = args.tuple("values");
  if (values.length === 0) throw new RuntimeError("stack needs at least one value");
  const first = values[0];
  for (const v of values) {
    if (v.dataType !== first.dataType || v.shape.join() !== first.shape.join()) {
      throw new RuntimeError("stack: all values must have the same dtype and shape");
    }
  }
  const axis = normalizeAxis(args.int("axis"), first.shape.length + 1);
  const outer = product(first.shape, 0, axis);
  const inner = product(first.shape, axis);
  const out = allocData(first.dataType, outer * inner * values.length);
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const v of values) {
      copyRange(out, o, v.data, i * inner, inner);
      o += inner;
    }
  }
  const shape = [...first.shape];
  shape.splice(axis, 0, values.length);
  return [{ dataType: first.dataType, shape, data: out }];
});

/** split into num_splits equal parts or split_sizes parts along axis. */
export const split = defineKernel(["x", "num_splits", "split_sizes", "axis"], (args, op) => {
  const x = args.tensor("x");
  const rank = x.shape.length;
  const axis = normalizeAxis(args.int("axis"), rank);
  const dim = x.shape[axis];
  let sizes: number[];
  if (args.has("split_sizes")) {
    sizes = args.intList("split_sizes");
    if (args.has("num_splits") && args.int("num_splits") !== sizes.length) {
      throw new RuntimeError("split: num_splits disagrees with the length of split_sizes");
    }
  } else if (args.has("num_splits")) {
    const k = args.int("num_splits");
    if (k <= 0 || dim % k !== 0) throw new RuntimeError(`split: num_splits ${k} does not divide dimension ${dim}`);
    sizes = new Array<number>(k).fill(dim / k);
  } else {
    throw new RuntimeError("split needs num_splits or split_sizes");
  }
  if (sizes.reduce((a, b) => a + b, 0) !== dim || sizes.some((s) => s < 0)) {
    throw new RuntimeError(`split: sizes ${shapeToString(sizes)} do not add up to dimension ${dim}`);
  }
  if (sizes.length !== op.outputs.length) {
    throw new RuntimeError(`split produces ${sizes.length} outputs but the operation declares ${op.outputs.length}`);
  }
  const strides = stridesOf(x.shape);
  let start = 0;
  return sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    const t = gatherStrided(x, start * strides[axis], shape, strides);
    start += s;
    return t;
  });
});

export const shapeKernels: Record<string, Kernel> = {
  reshape,
  expand_dims: expandDims,
  squeeze,
  flatten2d,
  shape: shapeOp,
  transpose,
  tile,
  reverse,
  slice_by_index: sliceByIndex,
  slice_by_size: sliceBySize,
  concat,
  stack,
  split,
};
