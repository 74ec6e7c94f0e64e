// Pooling and resampling: averagePool2d/l2Pool2d/maxPool2d → MIL avg_pool/l2_pool/max_pool,
// resample2d → MIL resize_bilinear / resize_nearest_neighbor, in NCHW.
import type { GraphNode, MLOperand } from "../graph/operand.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import type { LoweringContext } from "./context.js";
import type { LoweringTable } from "./table.js";

interface PoolAttributes {
  windowDimensions: number[];
  padding: number[];
  strides: number[];
  dilations: number[];
  layout: string;
  outputSizes: number[];
}

function pooling(milOp: "avg_pool" | "l2_pool" | "max_pool") {
  return (node: GraphNode, ctx: LoweringContext) => {
    const a = node.attributes as unknown as PoolAttributes;
    const inputOperand = node.inputs.input as MLOperand;
    if (a.dilations.some((d) => d !== 1)) {
      ctx.unsupported(node, `option dilations [${a.dilations.join(", ")}] is not supported: Core ML's ${milOp} has no dilations`);
    }
    let x = ctx.get(inputOperand);
    const nhwc = a.layout === "nhwc";
    if (nhwc) x = ctx.transpose(x, [0, 3, 1, 2]);
    const original = x.type.dataType;
    if (original === "int32") {
      // int8/uint8 are exact in float32; int32 values above 2^24 would not be.
      if (inputOperand.dataType === "int32") ctx.unsupported(node, `${inputOperand.dataType} input is not supported: Core ML's ${milOp} takes float16/float32 only`);
      x = ctx.cast(x, "fp32");
    }
    const [n, c, h, w] = x.type.shape;
    const floorSize = (i: number) => Math.floor((([h, w][i] + a.padding[2 * i] + a.padding[2 * i + 1] - a.windowDimensions[i]) / a.strides[i])) + 1;
    const ceilMode = a.outputSizes[0] !== floorSize(0) || a.outputSizes[1] !== floorSize(1);
    const inputs: Record<string, MilValue> = {
      x,
      kernel_sizes: ctx.ints(a.windowDimensions, "kernel_sizes"),
      strides: ctx.ints(a.strides, "strides"),
      pad_type: ctx.str("custom", "pad_type"),
      pad: ctx.ints(a.padding, "pad"),
      ceil_mode: ctx.bool(ceilMode, "ceil_mode"),
    };
    // WebNN averages over the window elements inside the input (padding is not counted).
    if (milOp === "avg_pool") inputs.exclude_padding_from_average = ctx.bool(true, "exclude_padding_from_average");
    let y = ctx.op(milOp, inputs, tensorType(x.type.dataType, [n, c, a.outputSizes[0], a.outputSizes[1]]));
    if (original === "int32") y = ctx.cast(y, "int32");
    if (nhwc) y = ctx.transpose(y, [0, 2, 3, 1]);
    ctx.set(node.outputs[0], y);
  };
}

/**
 * resample2d over `axes`: the two axes are moved last (transpose), resized with MIL
 * resize_bilinear (UNALIGN_CORNERS: half-pixel centers, as WebNN's linear mode) or
 * resize_nearest_neighbor, then moved back.
 */
function resample2d(node: GraphNode, ctx: LoweringContext) {
  const { mode, axes, sizes } = node.attributes as { mode: string; axes: number[]; sizes: number[] };
  let x = ctx.get(node.inputs.input as MLOperand);
  const rest = [0, 1, 2, 3].filter((d) => !axes.includes(d));
  const perm = [...rest, ...axes];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  x = ctx.transpose(x, perm);
  const outShape = [...x.type.shape.slice(0, 2), sizes[0], sizes[1]];
  let y: MilValue;
  if (mode === "linear") {
    y = ctx.op("resize_bilinear", {
      x, target_size_height: ctx.int(sizes[0], "height"), target_size_width: ctx.int(sizes[1], "width"),
      sampling_mode: ctx.str("UNALIGN_CORNERS", "sampling_mode"),
    }, tensorType(x.type.dataType, outShape));
  } else {
    y = ctx.op("resize_nearest_neighbor", {
      x, target_size_height: ctx.int(sizes[0], "height"), target_size_width: ctx.int(sizes[1], "width"),
    }, tensorType(x.type.dataType, outShape));
  }
  ctx.set(node.outputs[0], ctx.transpose(y, inverse));
}

export const poolingLowerings: LoweringTable = {
  averagePool2d: pooling("avg_pool"),
  l2Pool2d: pooling("l2_pool"),
  maxPool2d: pooling("max_pool"),
  resample2d,
};
