// Neural-network ONNX operators: MatMul, Gemm, Conv and ConvTranspose (1-D and 2-D, auto_pad),
// pools, normalizations, Softmax in both opset forms, reductions and arg-reductions.
import type { MLOperand } from "../../../graph/operand.js";
import type { ImportContext } from "../context.js";
import { reduce } from "../fold.js";
import { scalar } from "./elementwise.js";
import type { OnnxOp, OnnxOpTable } from "./types.js";

/** Spatial pads [top, bottom, left, right] from ONNX pads or auto_pad. */
export function spatialPads(c: ImportContext, inSize: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const auto = c.string("auto_pad", "NOTSET");
  const n = kernel.length;
  if (auto === "VALID") return new Array(2 * n).fill(0);
  if (auto === "SAME_UPPER" || auto === "SAME_LOWER") {
    const begin: number[] = [], end: number[] = [];
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(inSize[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inSize[i]);
      const small = Math.floor(total / 2);
      begin.push(auto === "SAME_UPPER" ? small : total - small);
      end.push(auto === "SAME_UPPER" ? total - small : small);
    }
    return webnnPads(begin, end);
  }
  const pads = c.intList("pads") ?? new Array(2 * n).fill(0);
  return webnnPads(pads.slice(0, n), pads.slice(n));
}

/** [begin..., end...] per axis → WebNN's [top, bottom, left, right] (2-D) after 1-D is made 2-D. */
function webnnPads(begin: number[], end: number[]): number[] {
  return begin.length === 1 ? [begin[0], end[0], 0, 0] : [begin[0], end[0], begin[1], end[1]];
}

/** A 1-D (NCL) operand as 2-D (NCL1), and back. */
function as2d(c: ImportContext, x: MLOperand): MLOperand {
  return x.shape.length === 3 ? c.builder.reshape(x, [...x.shape, 1]) : x;
}
const pair = (v: number[]) => (v.length === 1 ? [v[0], 1] : v);

function conv(c: ImportContext): MLOperand[] {
  const rank = c.rank(0);
  if (rank !== 3 && rank !== 4) c.fail(`${rank - 2}-D convolution is not supported (WebNN has 2-D)`);
  const w = c.shape(1);
  const kernel = c.intList("kernel_shape") ?? w.slice(2);
  const n = kernel.length;
  const strides = c.intList("strides") ?? new Array(n).fill(1);
  const dilations = c.intList("dilations") ?? new Array(n).fill(1);
  const padding = spatialPads(c, c.shape(0).slice(2), kernel, strides, dilations);
  const y = c.builder.conv2d(as2d(c, c.operand(0)), as2d(c, c.operand(1)), {
    padding, strides: pair(strides), dilations: pair(dilations), groups: c.int("group", 1),
    ...(c.has(2) ? { bias: c.operand(2) } : {}), ...(rank === 4 ? c.label : {}),
  });
  return [rank === 4 ? y : c.builder.reshape(y, y.shape.slice(0, 3), c.label)];
}

function convTranspose(c: ImportContext): MLOperand[] {
  const rank = c.rank(0);
  if (rank !== 3 && rank !== 4) c.fail(`${rank - 2}-D transposed convolution is not supported`);
  const w = c.shape(1);
  const kernel = c.intList("kernel_shape") ?? w.slice(2);
  const n = kernel.length;
  const strides = c.intList("strides") ?? new Array(n).fill(1);
  const dilations = c.intList("dilations") ?? new Array(n).fill(1);
  const outputPadding = c.intList("output_padding") ?? new Array(n).fill(0);
  const inSize = c.shape(0).slice(2);
  const outputShape = c.intList("output_shape");
  let begin: number[], end: number[];
  const auto = c.string("auto_pad", "NOTSET");
  if (outputShape || auto === "SAME_UPPER" || auto === "SAME_LOWER") {
    const target = outputShape ? outputShape.slice(-n) : inSize.map((d, i) => d * strides[i]);
    const total = target.map((t, i) => strides[i] * (inSize[i] - 1) + outputPadding[i] + ((kernel[i] - 1) * dilations[i] + 1) - t);
    // An output larger than the kernel reaches: the rest is output padding.
    total.forEach((t, i) => { if (t < 0) { outputPadding[i] -= t; total[i] = 0; } });
    const lower = auto === "SAME_LOWER";
    begin = total.map((t) => (lower ? t - Math.floor(t / 2) : Math.floor(t / 2)));
    end = total.map((t, i) => t - begin[i]);
  } else if (auto === "VALID") {
    begin = new Array(n).fill(0); end = new Array(n).fill(0);
  } else {
    const pads = c.intList("pads") ?? new Array(2 * n).fill(0);
    begin = pads.slice(0, n); end = pads.slice(n);
  }
  const y = c.builder.convTranspose2d(as2d(c, c.operand(0)), as2d(c, c.operand(1)), {
    padding: webnnPads(begin, end), strides: pair(strides), dilations: pair(dilations), outputPadding: n === 1 ? [outputPadding[0], 0] : outputPadding,
    groups: c.int("group", 1), ...(c.has(2) ? { bias: c.operand(2) } : {}), ...(rank === 4 ? c.label : {}),
  });
  return [rank === 4 ? y : c.builder.reshape(y, y.shape.slice(0, 3), c.label)];
}

function pool(kind: "averagePool2d" | "maxPool2d" | "l2Pool2d"): OnnxOp {
  return {
    lower: (c) => {
      if (kind === "maxPool2d" && c.node.outputs.length > 1 && c.node.outputs[1]) c.fail("the Indices output is not supported");
      if (kind === "l2Pool2d" && c.int("p", 2) !== 2) c.fail(`p = ${c.int("p", 2)} is not supported (only 2)`);
      const rank = c.rank(0);
      if (rank !== 3 && rank !== 4) c.fail(`${rank - 2}-D pooling is not supported`);
      const kernel = c.intList("kernel_shape") ?? c.fail("kernel_shape is required");
      const n = kernel.length;
      const strides = c.intList("strides") ?? new Array(n).fill(1);
      const dilations = c.intList("dilations") ?? new Array(n).fill(1);
      let x = as2d(c, c.operand(0));
      let padding = spatialPads(c, c.shape(0).slice(2), kernel, strides, dilations);
      if (kind === "averagePool2d" && c.int("count_include_pad", 0) === 1 && padding.some((p) => p > 0)) {
        // WebNN averages over the window's elements inside the input; padding counted means zeros padded first.
        x = c.builder.pad(x, [0, 0, padding[0], padding[2]], [0, 0, padding[1], padding[3]]);
        padding = [0, 0, 0, 0];
      }
      // ONNX's ceil mode drops a last window that would start in the end padding; WebNN's does not.
      let roundingType: "ceil" | "floor" = "floor";
      if (c.int("ceil_mode", 0) === 1) {
        const inSize = pair(c.shape(0).slice(2)), k = pair(kernel), s = pair(strides), d = pair(dilations);
        const lost = [0, 1].some((i) => {
          const begin = padding[2 * i], span = inSize[i] + begin + padding[2 * i + 1] - ((k[i] - 1) * d[i] + 1);
          const out = Math.ceil(span / s[i]) + 1;
          return (out - 1) * s[i] >= inSize[i] + begin;
        });
        roundingType = lost ? "floor" : "ceil";
      }
      const y = c.builder[kind](x, {
        windowDimensions: pair(kernel), padding, strides: pair(strides), dilations: pair(dilations), roundingType, ...(rank === 4 ? c.label : {}),
      });
      return [rank === 4 ? y : c.builder.reshape(y, y.shape.slice(0, 3), c.label)];
    },
  };
}

function globalPool(method: "reduceMean" | "reduceMax" | "reduceL2"): OnnxOp {
  return {
    lower: (c) => {
      if (method === "reduceL2" && c.int("p", 2) !== 2) c.fail(`p = ${c.int("p", 2)} is not supported (only 2)`);
      const rank = c.rank(0);
      return [c.builder[method](c.operand(0), { axes: Array.from({ length: rank - 2 }, (_, i) => i + 2), keepDimensions: true, ...c.label })];
    },
  };
}

type ReduceMethod = "reduceSum" | "reduceMean" | "reduceMax" | "reduceMin" | "reduceProduct" | "reduceL1" | "reduceL2" | "reduceLogSum" | "reduceLogSumExp" | "reduceSumSquare";

const REDUCE_FOLD: Partial<Record<ReduceMethod, [number, (a: number, v: number) => number, ((a: number, n: number) => number)?]>> = {
  reduceSum: [0, (a, v) => a + v], reduceProduct: [1, (a, v) => a * v], reduceMax: [-Infinity, Math.max], reduceMin: [Infinity, Math.min],
  reduceMean: [0, (a, v) => a + v, (a, n) => a / n],
};

/** Reduction axes: an attribute before `inputFrom` (13 for ReduceSum, 18 for the others), else input 1. */
function reduceAxes(c: ImportContext, inputFrom: number): number[] | "identity" {
  const rank = c.rank(0);
  let axes = c.opset < inputFrom ? c.intList("axes") : c.has(1) ? c.ints(1, "axes") : undefined;
  if (!axes || axes.length === 0) {
    if (c.opset >= inputFrom && c.int("noop_with_empty_axes", 0) === 1) return "identity";
    axes = Array.from({ length: rank }, (_, i) => i);
  }
  return axes.map((a) => c.axis(a, rank));
}

function reduction(method: ReduceMethod, inputFrom = 18): OnnxOp {
  const f = REDUCE_FOLD[method];
  return {
    fold: f ? (c) => {
      const axes = reduceAxes(c, inputFrom);
      const t = c.constant(0, "data");
      return [axes === "identity" ? t : reduce(t, axes, c.int("keepdims", 1) === 1, f[0], f[1], f[2])];
    } : undefined,
    lower: (c) => {
      const axes = reduceAxes(c, inputFrom);
      if (axes === "identity") return [c.builder.identity(c.operand(0), c.label)];
      return [c.builder[method](c.operand(0), { axes, keepDimensions: c.int("keepdims", 1) === 1, ...c.label })];
    },
  };
}

function argReduce(method: "argMax" | "argMin"): OnnxOp {
  return {
    lower: (c) => {
      if (c.int("select_last_index", 0) === 1) c.fail("select_last_index = 1 is not supported");
      return [c.builder[method](c.operand(0), c.axis(c.int("axis", 0), c.rank(0)), { keepDimensions: c.int("keepdims", 1) === 1, outputDataType: "int64", ...c.label })];
    },
  };
}

/** Softmax over `axis` (opset ≥ 13), or over the dimensions from `axis` on flattened (before 13). */
function softmaxOf(c: ImportContext, log: boolean): MLOperand[] {
  const b = c.builder;
  const shape = c.shape(0);
  const rank = shape.length;
  let x = c.operand(0);
  let y: MLOperand;
  if (c.opset >= 13) {
    y = b.softmax(x, c.axis(c.int("axis", -1), rank), log ? {} : c.label);
  } else {
    const axis = c.axis(c.int("axis", 1), rank);
    const rows = shape.slice(0, axis).reduce((a, d) => a * d, 1);
    x = b.reshape(x, [rows, shape.slice(axis).reduce((a, d) => a * d, 1)]);
    y = b.reshape(b.softmax(x, 1), shape, log ? {} : c.label);
  }
  return [log ? b.log(y, c.label) : y];
}

function matmul(c: ImportContext): MLOperand[] {
  const b = c.builder;
  let a = c.operand(0), m = c.operand(1);
  const aVec = a.shape.length === 1, bVec = m.shape.length === 1;
  if (aVec) a = b.reshape(a, [1, a.shape[0]]);
  if (bVec) m = b.reshape(m, [m.shape[0], 1]);
  let y = b.matmul(a, m, aVec || bVec ? {} : c.label);
  if (aVec || bVec) {
    const s = [...y.shape];
    if (bVec) s.pop();
    if (aVec) s.splice(s.length - (bVec ? 1 : 2), 1);
    y = b.reshape(y, s, c.label);
  }
  return [y];
}

export const NN_OPS: OnnxOpTable = {
  MatMul: { lower: matmul },
  Gemm: {
    lower: (c) => {
      const beta = c.float("beta", 1);
      return [c.builder.gemm(c.operand(0), c.operand(1), {
        alpha: c.float("alpha", 1), beta, aTranspose: c.int("transA", 0) === 1, bTranspose: c.int("transB", 0) === 1,
        ...(c.has(2) ? { c: c.operand(2) } : {}), ...c.label,
      })];
    },
  },
  Conv: { lower: conv },
  ConvTranspose: { lower: convTranspose },
  AveragePool: pool("averagePool2d"), MaxPool: pool("maxPool2d"), LpPool: pool("l2Pool2d"),
  GlobalAveragePool: globalPool("reduceMean"), GlobalMaxPool: globalPool("reduceMax"), GlobalLpPool: globalPool("reduceL2"),
  BatchNormalization: {
    lower: (c) => {
      if (c.int("training_mode", 0) === 1) c.fail("training_mode = 1 is not supported");
      return [c.builder.batchNormalization(c.operand(0), c.operand(3), c.operand(4), {
        scale: c.operand(1), bias: c.operand(2), axis: 1, epsilon: c.float("epsilon", 1e-5), ...c.label,
      })];
    },
  },
  InstanceNormalization: {
    lower: (c) => {
      const shape = c.shape(0);
      if (shape.length !== 3 && shape.length !== 4) c.fail(`rank ${shape.length} is not supported (3 or 4)`);
      const y = c.builder.instanceNormalization(as2d(c, c.operand(0)), { scale: c.operand(1), bias: c.operand(2), epsilon: c.float("epsilon", 1e-5), ...(shape.length === 4 ? c.label : {}) });
      return [shape.length === 4 ? y : c.builder.reshape(y, shape, c.label)];
    },
  },
  LayerNormalization: {
    lower: (c) => {
      const shape = c.shape(0);
      const axis = c.axis(c.int("axis", -1), shape.length);
      const axes = Array.from({ length: shape.length - axis }, (_, i) => axis + i);
      const normalized = shape.slice(axis);
      const fit = (o: MLOperand) => (o.shape.length === normalized.length && o.shape.every((d, i) => d === normalized[i]) ? o : c.builder.expand(c.builder.reshape(o, o.shape.length < normalized.length ? [...new Array<number>(normalized.length - o.shape.length).fill(1), ...o.shape] : [...o.shape]), normalized));
      if (c.node.outputs.slice(1).some((o) => o)) c.fail("the Mean and InvStdDev outputs are not supported");
      return [c.builder.layerNormalization(c.operand(0), {
        axes, epsilon: c.float("epsilon", 1e-5), scale: fit(c.operand(1)), ...(c.has(2) ? { bias: fit(c.operand(2)) } : {}), ...c.label,
      })];
    },
  },
  Softmax: { lower: (c) => softmaxOf(c, false) },
  LogSoftmax: { lower: (c) => softmaxOf(c, true) },
  ReduceSum: reduction("reduceSum", 13), ReduceMean: reduction("reduceMean"), ReduceMax: reduction("reduceMax"), ReduceMin: reduction("reduceMin"),
  ReduceProd: reduction("reduceProduct"), ReduceL1: reduction("reduceL1"), ReduceL2: reduction("reduceL2"), ReduceLogSum: reduction("reduceLogSum"),
  ReduceLogSumExp: reduction("reduceLogSumExp"), ReduceSumSquare: reduction("reduceSumSquare"),
  ArgMax: argReduce("argMax"), ArgMin: argReduce("argMin"),
  Shrink: {
    lower: (c) => {
      const b = c.builder, x = c.operand(0), dt = x.dataType;
      const lambd = c.float("lambd", 0.5), bias = c.float("bias", 0);
      const hi = b.greater(x, scalar(c, dt, lambd)), lo = b.lesser(x, scalar(c, dt, -lambd));
      const zero = scalar(c, dt, 0);
      return [b.where(hi, b.sub(x, scalar(c, dt, bias)), b.where(lo, b.add(x, scalar(c, dt, bias)), zero), c.label)];
    },
  },
};


/** RMS normalization: x / sqrt(mean(x², axes from `axis` on) + ε) · scale (ONNX RMSNormalization-23; ORT's SimplifiedLayerNormalization). */
function rmsNormalization(c: ImportContext): MLOperand[] {
  const b = c.builder;
  const x = c.operand(0);
  const rank = x.shape.length;
  const axis = c.axis(c.int("axis", -1), rank);
  if (c.node.outputs.slice(1).some((o) => o)) c.fail("the inv_std_var output is not supported");
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  const dt = x.dataType;
  const ms = b.reduceMean(b.mul(x, x), { axes, keepDimensions: true });
  const y = b.div(x, b.sqrt(b.add(ms, scalar(c, dt, c.float("epsilon", 1e-5)))));
  return [b.mul(y, c.operand(1), c.label)];
}

/**
 * RotaryEmbedding (opset 23): inputs (X, cos_cache, sin_cache, position_ids).
 */
function rotaryEmbedding(c: ImportContext): MLOperand[] {
  return [rotate(c, c.operand(0), {
    cos: c.operand(1), sin: c.operand(2), positions: c.has(3) ? c.operand(3) : undefined,
    interleaved: c.int("interleaved", 0) === 1, heads: c.int("num_heads", 0), rotaryDim: c.int("rotary_embedding_dim", 0),
  })];
}

export interface Rotation {
  /** [max positions, rot/2] with positions; else [B, S, rot/2]. */
  cos: MLOperand;
  sin: MLOperand;
  /** Positions [B or 1, S] into the caches. */
  positions?: MLOperand;
  interleaved: boolean;
  /** Heads of a 3-D [B, S, N·H] input (0: none given). */
  heads: number;
  /** Channels rotated (0: the whole head). */
  rotaryDim: number;
}

/**
 * Rotary position embedding (ONNX RotaryEmbedding-23 and ONNX Runtime's com.microsoft one):
 * each pair of channels (halves, or neighbours when interleaved) of the first rotaryDim channels
 * of every head turns by the cached angle of its position. x is [B, N, S, H] or [B, S, N·H].
 */
export function rotate(c: ImportContext, input: MLOperand, r: Rotation): MLOperand {
  const b = c.builder;
  let x = input;
  const inShape = [...x.shape];
  if (inShape.length === 3) {
    if (!r.heads) c.fail("num_heads is required for a 3-D input");
    const [n, s, hidden] = inShape;
    x = b.transpose(b.reshape(x, [n, s, r.heads, hidden / r.heads]), { permutation: [0, 2, 1, 3] });
  } else if (inShape.length !== 4) c.fail(`input of rank ${inShape.length} is not supported (3 or 4)`);
  const [n, heads, s, d] = x.shape;
  const rot = r.rotaryDim || d;
  const half = rot / 2;
  let cos = r.cos, sin = r.sin;
  if (r.positions) {
    cos = b.gather(cos, r.positions, { axis: 0 });
    sin = b.gather(sin, r.positions, { axis: 0 });
  }
  // [B or 1, s, half] → [B or 1, 1, s, half], against [n, heads, s, half]
  const lead = cos.shape.length === 3 ? cos.shape[0] : 1;
  cos = b.reshape(cos, [lead, 1, s, half]);
  sin = b.reshape(sin, [lead, 1, s, half]);
  const part = (start: number, size: number, stride = 1) => b.slice(x, [0, 0, 0, start], [n, heads, s, size], { strides: [1, 1, 1, stride] });
  const x1 = r.interleaved ? part(0, rot - 1, 2) : part(0, half);
  const x2 = r.interleaved ? part(1, rot - 1, 2) : part(half, half);
  const o1 = b.sub(b.mul(x1, cos), b.mul(x2, sin));
  const o2 = b.add(b.mul(x2, cos), b.mul(x1, sin));
  let rotated = r.interleaved
    ? b.reshape(b.concat([b.reshape(o1, [n, heads, s, half, 1]), b.reshape(o2, [n, heads, s, half, 1])], 4), [n, heads, s, rot])
    : b.concat([o1, o2], 3);
  if (rot < d) rotated = b.concat([rotated, part(rot, d - rot)], 3);
  if (inShape.length === 3) return b.reshape(b.transpose(rotated, { permutation: [0, 2, 1, 3] }), inShape, c.label);
  return b.identity(rotated, c.label);
}

export const NORMALIZATION_EXTRA_OPS: OnnxOpTable = {
  RMSNormalization: { lower: rmsNormalization },
  SimplifiedLayerNormalization: { lower: rmsNormalization },
  RotaryEmbedding: { lower: rotaryEmbedding },
};
