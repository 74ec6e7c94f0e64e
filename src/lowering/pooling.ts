// Pooling and resampling: averagePool2d/l2Pool2d/maxPool2d → MIL avg_pool/l2_pool/max_pool,
// resample2d → MIL resize_bilinear / resize_nearest_neighbor, in NCHW.
import type { GraphNode } from "../graph/operand.js";
import type { InputOperatorName, PoolOperatorName } from "../graph/operators.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";

interface PoolAttributes {
  windowDimensions: number[];
  padding: number[];
  strides: number[];
  dilations: number[];
  layout: string;
  outputSizes: number[];
}

/** Largest window unrolled into slices when Core ML's pooling ops cannot express the options. */
const MAX_UNROLLED_WINDOW = 256;

function pooling(milOp: "avg_pool" | "l2_pool" | "max_pool") {
  return (node: GraphNode<PoolOperatorName>, ctx: LoweringContext) => {
    const a = node.attributes;
    const inputOperand = node.inputs.input;
    let x = ctx.get(inputOperand);
    const nhwc = a.layout === "nhwc";
    if (nhwc) x = ctx.transpose(x, [0, 3, 1, 2]);
    const [n, c, h, w] = x.type.shape;
    const floorSize = (i: number) => Math.floor(([h, w][i] + a.padding[2 * i] + a.padding[2 * i + 1] - ((a.windowDimensions[i] - 1) * a.dilations[i] + 1)) / a.strides[i]) + 1;
    const ceilMode = a.outputSizes[0] !== floorSize(0) || a.outputSizes[1] !== floorSize(1);
    const isFloat = x.type.dataType === "fp32" || x.type.dataType === "fp16";
    const symmetric = a.padding[0] === a.padding[1] && a.padding[2] === a.padding[3];
    // Core ML's pooling has no dilations, takes floats only, and needs symmetric padding in ceil mode.
    const native = a.dilations.every((d) => d === 1) && isFloat && (!ceilMode || symmetric);
    let y: MilValue;
    if (native) {
      const inputs = {
        x,
        kernel_sizes: ctx.ints(a.windowDimensions, "kernel_sizes"),
        strides: ctx.ints(a.strides, "strides"),
        pad_type: ctx.str("custom", "pad_type"),
        pad: ctx.ints(a.padding, "pad"),
        ceil_mode: ctx.bool(ceilMode, "ceil_mode"),
        // WebNN averages over the window elements inside the input (padding is not counted).
        ...(milOp === "avg_pool" ? { exclude_padding_from_average: ctx.bool(true, "exclude_padding_from_average") } : {}),
      };
      y = ctx.op(milOp, inputs, tensorType(x.type.dataType, [n, c, a.outputSizes[0], a.outputSizes[1]]));
    } else {
      const windowSize = a.windowDimensions[0] * a.windowDimensions[1];
      if (windowSize > MAX_UNROLLED_WINDOW) {
        const why = !a.dilations.every((d) => d === 1) ? `option dilations [${a.dilations.join(", ")}]` : !isFloat ? `${inputOperand.dataType} input` : "ceil rounding with asymmetric padding";
        ctx.unsupported(node, `${why} is not supported by Core ML's ${milOp}, and a ${windowSize}-element window is too large to unroll (limit ${MAX_UNROLLED_WINDOW})`);
      }
      y = unrolledPool(ctx, milOp, x, a);
    }
    if (nhwc) y = ctx.transpose(y, [0, 2, 3, 1]);
    ctx.set(node.outputs[0], y);
  };
}

/** Pads the two spatial axes of an NCHW value with a constant, exactly, with concat. */
function padSpatial(ctx: LoweringContext, x: MilValue, pads: number[], value: number): MilValue {
  let y = x;
  for (const [k, axis] of [[0, 2], [1, 3]] as const) {
    const [before, after] = [pads[2 * k], pads[2 * k + 1]];
    if (!before && !after) continue;
    const shape = [...y.type.shape];
    const fill = (count: number) => ctx.constant(y.type.dataType, shape.map((d, i) => (i === axis ? count : d)),
      new Array(shape.reduce((p, d, i) => p * (i === axis ? count : d), 1)).fill(value), "pool_pad");
    const pieces = [...(before ? [fill(before)] : []), y, ...(after ? [fill(after)] : [])];
    y = ctx.op("concat", { values: pieces, axis: ctx.int(axis, "axis"), interleave: ctx.bool(false, "interleave") },
      tensorType(y.type.dataType, shape.map((d, i) => (i === axis ? d + before + after : d))));
  }
  return y;
}

/**
 * Pooling as one strided slice per window position, combined with maximum (max), a sum divided
 * by the number of input elements in each window (average; padding not counted), or the square
 * root of a sum of squares (l2). Handles dilations, integer inputs and any padding exactly.
 */
function unrolledPool(ctx: LoweringContext, milOp: string, x: MilValue, a: PoolAttributes): MilValue {
  const [n, c, h, w] = x.type.shape;
  const [kh, kw] = a.windowDimensions;
  const [sh, sw] = a.strides;
  const [dh, dw] = a.dilations;
  const [oh, ow] = a.outputSizes;
  const dt = x.type.dataType;
  const needH = (oh - 1) * sh + (kh - 1) * dh + 1;
  const needW = (ow - 1) * sw + (kw - 1) * dw + 1;
  const pads = [a.padding[0], Math.max(a.padding[1], needH - h - a.padding[0]), a.padding[2], Math.max(a.padding[3], needW - w - a.padding[2])];
  const padValue = milOp === "max_pool" ? (dt === "int32" ? -2147483648 : -Infinity) : 0;
  const padded = padSpatial(ctx, x, pads, padValue);
  const outType = tensorType(dt, [n, c, oh, ow]);
  let acc: MilValue | undefined;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const begin = [0, 0, i * dh, j * dw];
      const end = [n, c, i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1];
      let s = ctx.op("slice_by_index", {
        x: padded, begin: ctx.ints(begin, "begin"), end: ctx.ints(end, "end"), stride: ctx.ints([1, 1, sh, sw], "stride"),
      }, outType);
      if (milOp === "l2_pool") s = ctx.binary("mul", s, s);
      acc = !acc ? s : ctx.binary(milOp === "max_pool" ? "maximum" : "add", acc, s);
    }
  }
  if (milOp === "l2_pool") return ctx.unary("sqrt", acc!);
  if (milOp === "max_pool") return acc!;
  // average: divide by the count of real input elements in each window
  const count = new Array<number>(oh * ow);
  for (let y = 0; y < oh; y++) for (let x2 = 0; x2 < ow; x2++) {
    let k = 0;
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const r = y * sh + i * dh - a.padding[0];
      const q = x2 * sw + j * dw - a.padding[2];
      if (r >= 0 && r < h && q >= 0 && q < w) k++;
    }
    count[y * ow + x2] = Math.max(k, 1);
  }
  return ctx.binary("real_div", acc!, ctx.constant(dt, [oh, ow], count, "window_count"));
}

/**
 * resample2d over `axes`. Linear: the two axes are moved last (transpose), resized with MIL
 * resize_bilinear (UNALIGN_CORNERS: half-pixel centers, as WebNN), then moved back.
 * Nearest neighbor: WebNN's half-pixel rule (source = ceil((o + 0.5)·in/out − 1), clamped; ties
 * take the smaller index) has no MIL equivalent, so each axis is a gather with indices
 * computed at conversion time — exact, and for any dtype.
 */
function resample2d(node: GraphNode<"resample2d">, ctx: LoweringContext) {
  const { mode, axes, sizes } = node.attributes;
  let x = ctx.get(node.inputs.input);
  if (mode !== "linear") {
    axes.forEach((axis, k) => {
      const inSize = x.type.shape[axis];
      const outSize = sizes[k];
      const idx = Array.from({ length: outSize }, (_, o) => Math.min(Math.max(Math.ceil(((2 * o + 1) * inSize - 2 * outSize) / (2 * outSize)), 0), inSize - 1));
      if (inSize === outSize && idx.every((v, i) => v === i)) return;
      x = ctx.op("gather", { x, indices: ctx.constant("int32", [outSize], idx, "indices"), axis: ctx.int(axis, "axis") },
        tensorType(x.type.dataType, x.type.shape.map((d, i) => (i === axis ? outSize : d))));
    });
    ctx.set(node.outputs[0], sameShapeAsInput(ctx, node, x));
    return;
  }
  const rest = [0, 1, 2, 3].filter((d) => !axes.includes(d));
  const perm = [...rest, ...axes];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  x = ctx.transpose(x, perm);
  const outShape = [...x.type.shape.slice(0, 2), sizes[0], sizes[1]];
  const y = ctx.op("resize_bilinear", {
    x, target_size_height: ctx.int(sizes[0], "height"), target_size_width: ctx.int(sizes[1], "width"),
    sampling_mode: ctx.str("UNALIGN_CORNERS", "sampling_mode"),
  }, tensorType(x.type.dataType, outShape));
  ctx.set(node.outputs[0], ctx.transpose(y, inverse));
}

/** An unchanged resample still needs its own output value. */
function sameShapeAsInput(ctx: LoweringContext, node: GraphNode<InputOperatorName>, x: MilValue): MilValue {
  return x === ctx.get(node.inputs.input) ? ctx.unary("identity", x) : x;
}

export const poolingLowerings = {
  averagePool2d: pooling("avg_pool"),
  l2Pool2d: pooling("l2_pool"),
  maxPool2d: pooling("max_pool"),
  resample2d,
} satisfies LoweringFamily;
