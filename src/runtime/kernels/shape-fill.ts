// Padding, band parts, cumulative sums, fills and ranges, and the space/depth rearrangements
// (coremltools defs/iOS15/tensor_transformation.py, tensor_operation.py): the rest of the shape
// family, on the copy helpers of shape.ts.

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { allocData, makeData, numericView, shapeToString, stridesOf, type NumericData, type RuntimeTensor } from "../tensor.js";
import { allocNumeric, CHUNK, defineKernel, normalizeAxis, product, requireDtype, storeChunk, type Kernel, type KernelArgs } from "./common.js";
import { gatherStrided, rawValue } from "./shape.js";

// ---------------------------------------------------------------------------------------
// pad, band_part, cumsum, fill

/**
 * pad: `pad` holds [before, after] pairs for the last len(pad)/2 dimensions. mode "constant"
 * (constant_val, default 0), "reflect" (mirror without repeating the edge; pad <= dim-1) or
 * "replicate" (repeat the edge).
 */
export const pad = defineKernel(["x", "pad", "mode", "constant_val"], (args) => {
  const x = args.tensor("x");
  const rank = x.shape.length;
  const p = args.intList("pad");
  const mode = args.string("mode", "constant");
  if (mode !== "constant" && mode !== "reflect" && mode !== "replicate") {
    throw new RuntimeError(`pad: mode must be constant, reflect or replicate, got "${mode}"`);
  }
  if (p.length % 2 !== 0 || p.length / 2 > rank) throw new RuntimeError(`pad: ${p.length} pad values for rank ${rank}`);
  if (p.some((v) => v < 0)) throw new RuntimeError(`pad: negative padding ${shapeToString(p)}`);
  const padFull = new Array<number>(2 * rank - p.length).fill(0).concat(p);
  const outShape = x.shape.map((d, i) => d + padFull[2 * i] + padFull[2 * i + 1]);
  const maps: Int32Array[] = x.shape.map((d, i) => {
    const before = padFull[2 * i];
    const after = padFull[2 * i + 1];
    if (mode === "reflect" && (before > d - 1 || after > d - 1) && (before > 0 || after > 0)) {
      throw new RuntimeError(`pad: reflect padding (${before}, ${after}) must be at most dim-1 = ${d - 1}`);
    }
    if (mode === "replicate" && d === 0 && (before > 0 || after > 0)) throw new RuntimeError("pad: cannot replicate an empty dimension");
    const m = new Int32Array(outShape[i]);
    for (let o = 0; o < outShape[i]; o++) {
      let s = o - before;
      if (s < 0 || s >= d) {
        if (mode === "constant") s = -1;
        else if (mode === "replicate") s = s < 0 ? 0 : d - 1;
        else s = s < 0 ? -s : 2 * (d - 1) - s;
      }
      m[o] = s;
    }
    return m;
  });
  const n = product(outShape);
  const out = allocData(x.dataType, n) as NumericData;
  const cv = mode === "constant" ? rawValue(x.dataType, args.float("constant_val", 0)) : 0;
  if (n === 0) return [{ dataType: x.dataType, shape: outShape, data: out }];
  if (rank === 0) {
    out[0] = (x.data as NumericData)[0];
    return [{ dataType: x.dataType, shape: outShape, data: out }];
  }
  const src = x.data as NumericData;
  const strides = stridesOf(x.shape);
  const inner = outShape[rank - 1];
  const last = maps[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  const rows = n / inner;
  let o = 0;
  for (let r = 0; r < rows; r++) {
    let base = 0;
    let constantRow = false;
    for (let d = 0; d < rank - 1; d++) {
      const s = maps[d][idx[d]];
      if (s < 0) { constantRow = true; break; }
      base += s * strides[d];
    }
    if (constantRow) {
      out.fill(cv, o, o + inner);
      o += inner;
    } else {
      for (let j = 0; j < inner; j++) {
        const s = last[j];
        out[o++] = s < 0 ? cv : src[base + s];
      }
    }
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      if (idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return [{ dataType: x.dataType, shape: outShape, data: out }];
});

/** band_part: keeps x[..., m, n] where (lower < 0 || m - n <= lower) && (upper < 0 || n - m <= upper); zeros elsewhere. */
export const bandPart = defineKernel(["x", "lower", "upper"], (args) => {
  const x = args.tensor("x");
  const rank = x.shape.length;
  if (rank < 2) throw new RuntimeError("band_part: x must have rank >= 2");
  const lower = args.int("lower", -1);
  const upper = args.int("upper", -1);
  const M = x.shape[rank - 2];
  const N = x.shape[rank - 1];
  const src = x.data as NumericData;
  const out = allocData(x.dataType, src.length) as NumericData;
  const batches = product(x.shape, 0, rank - 2);
  for (let b = 0; b < batches; b++) {
    for (let m = 0; m < M; m++) {
      const row = (b * M + m) * N;
      for (let n = 0; n < N; n++) {
        if ((lower < 0 || m - n <= lower) && (upper < 0 || n - m <= upper)) out[row + n] = src[row + n];
      }
    }
  }
  return [{ dataType: x.dataType, shape: [...x.shape], data: out }];
});

/** cumsum along axis (default 0); exclusive starts from 0; reverse sums from the end. float64 running sum, each output rounded once; int32 wraps. */
export const cumsum = defineKernel(["x", "axis", "exclusive", "reverse"], (args) => {
  const x = args.tensor("x");
  requireDtype(x, "x", ["fp16", "fp32", "int32"]);
  const rank = x.shape.length;
  const axis = normalizeAxis(args.int("axis", 0), rank);
  const exclusive = args.bool("exclusive", false);
  const rev = args.bool("reverse", false);
  const src = numericView(x);
  const D = x.shape[axis];
  const inner = product(x.shape, axis + 1);
  const outer = product(x.shape, 0, axis);
  const res = new Float64Array(src.length);
  const isInt = x.dataType === "int32";
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let acc = 0;
      for (let k = 0; k < D; k++) {
        const d = rev ? D - 1 - k : k;
        const p = (o * D + d) * inner + j;
        if (exclusive) {
          res[p] = acc;
          acc = isInt ? (acc + src[p]) | 0 : acc + src[p];
        } else {
          acc = isInt ? (acc + src[p]) | 0 : acc + src[p];
          res[p] = acc;
        }
      }
    }
  }
  const { data, half } = allocNumeric(x.dataType, res.length);
  for (let s = 0; s < res.length; s += CHUNK) {
    const len = Math.min(CHUNK, res.length - s);
    storeChunk(data, half, s, res.subarray(s, s + len), len);
  }
  return [{ dataType: x.dataType, shape: [...x.shape], data }];
});

function fillWith(dataType: MilDataType, shape: number[], value: number): RuntimeTensor {
  const data = allocData(dataType, product(shape)) as NumericData;
  data.fill(rawValue(dataType, value));
  return { dataType, shape, data };
}

/** fill(shape, value=0.0): the output dtype is value's (fp32 for the default). */
export const fill = defineKernel(["shape", "value"], (args) => {
  const shape = args.intList("shape");
  if (shape.some((d) => d < 0)) throw new RuntimeError(`fill: invalid shape ${shapeToString(shape)}`);
  const v = args.optTensor("value");
  return [fillWith(v ? v.dataType : "fp32", shape, v ? args.float("value") : 0)];
});

export const fillLike = defineKernel(["ref_tensor", "value"], (args) => {
  const ref = args.tensor("ref_tensor");
  const v = args.optTensor("value");
  return [fillWith(v ? v.dataType : "fp32", [...ref.shape], v ? args.float("value") : 0)];
});

/** range_1d(end, start, step): start + i*step for i < ceil((end - start) / step). */
export const range1d = defineKernel(["end", "start", "step"], (args) => {
  const endT = args.tensor("end");
  const dtype = endT.dataType;
  const start = args.float("start");
  const end = args.float("end");
  const step = args.float("step");
  if (step === 0) throw new RuntimeError("range_1d: step must not be 0");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = start + i * step;
  return [{ dataType: dtype, shape: [n], data: makeData(dtype, vals) }];
});

// ---------------------------------------------------------------------------------------
// depth_to_space family (rank-4 NCHW)

function rank4(args: KernelArgs): { x: RuntimeTensor; n: number; c: number; h: number; w: number } {
  const x = args.tensor("x");
  if (x.shape.length !== 4) throw new RuntimeError(`x must have rank 4, got ${shapeToString(x.shape)}`);
  const [n, c, h, w] = x.shape;
  return { x, n, c, h, w };
}

/**
 * Rearranges [n, C, H, W] through a 6-d view: `inShape`/`perm` describe x as a 6-d tensor
 * and the permutation giving the output's element order.
 */
function rearrange(x: RuntimeTensor, view: number[], perm: number[], outShape: number[]): RuntimeTensor {
  const vs = stridesOf(view);
  return gatherStrided(x, 0, perm.map((p) => view[p]), perm.map((p) => vs[p]), outShape);
}

/** depth_to_space (DCR, as TensorFlow): out[n, c, h*b+i, w*b+j] = x[n, (i*b+j)*C' + c, h, w]. */
export const depthToSpace = defineKernel(["x", "block_size"], (args) => {
  const { x, n, c, h, w } = rank4(args);
  const b = args.int("block_size");
  if (b < 1 || c % (b * b) !== 0) throw new RuntimeError(`depth_to_space: block_size ${b} does not fit ${c} channels`);
  const co = c / (b * b);
  return [rearrange(x, [n, b, b, co, h, w], [0, 3, 4, 1, 5, 2], [n, co, h * b, w * b])];
});

/** space_to_depth (inverse of depth_to_space): out[n, (i*b+j)*C + c, h, w] = x[n, c, h*b+i, w*b+j]. */
export const spaceToDepth = defineKernel(["x", "block_size"], (args) => {
  const { x, n, c, h, w } = rank4(args);
  const b = args.int("block_size");
  if (b < 1 || h % b !== 0 || w % b !== 0) throw new RuntimeError(`space_to_depth: block_size ${b} does not divide ${h}x${w}`);
  return [rearrange(x, [n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4], [n, c * b * b, h / b, w / b])];
});

/** pixel_shuffle (CRD, as PyTorch): out[n, c, h*f+i, w*f+j] = x[n, c*f*f + i*f + j, h, w]. */
export const pixelShuffle = defineKernel(["x", "upscale_factor"], (args) => {
  const { x, n, c, h, w } = rank4(args);
  const f = args.int("upscale_factor");
  if (f < 1 || c % (f * f) !== 0) throw new RuntimeError(`pixel_shuffle: factor ${f} does not fit ${c} channels`);
  const co = c / (f * f);
  return [rearrange(x, [n, co, f, f, h, w], [0, 1, 4, 2, 5, 3], [n, co, h * f, w * f])];
});

export const pixelUnshuffle = defineKernel(["x", "downscale_factor"], (args) => {
  const { x, n, c, h, w } = rank4(args);
  const f = args.int("downscale_factor");
  if (f < 1 || h % f !== 0 || w % f !== 0) throw new RuntimeError(`pixel_unshuffle: factor ${f} does not divide ${h}x${w}`);
  return [rearrange(x, [n, c, h / f, f, w / f, f], [0, 1, 3, 5, 2, 4], [n, c * f * f, h / f, w / f])];
});

export const fillKernels: Record<string, Kernel> = {
  pad,
  band_part: bandPart,
  cumsum,
  fill,
  fill_like: fillLike,
  range_1d: range1d,
  depth_to_space: depthToSpace,
  space_to_depth: spaceToDepth,
  pixel_shuffle: pixelShuffle,
  pixel_unshuffle: pixelUnshuffle,
};
