// Normalizations: batchNormalization, instanceNormalization, layerNormalization.
// MIL's batch_norm/instance_norm take constant parameters on channel axis 1; other cases are
// decomposed into element-wise ops following the WebNN spec's formulas.
import type { GraphNode, MLOperand } from "../graph/operand.js";
import type { MilValue } from "../mil/builder.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";

const isConst = (o: MLOperand | undefined) => o === undefined || o.kind === "constant";

/** Reshapes a per-axis vector so that it broadcasts along `axis` of a rank-`rank` tensor. */
function alongAxis(ctx: LoweringContext, v: MilValue, rank: number, axis: number): MilValue {
  const shape = new Array(rank).fill(1);
  shape[axis] = v.type.shape[0];
  return ctx.reshape(v, shape);
}

function batchNormalization(node: GraphNode<"batchNormalization">, ctx: LoweringContext) {
  const input = node.inputs.input;
  const mean = node.inputs.mean;
  const variance = node.inputs.variance;
  const scale = node.inputs.scale;
  const bias = node.inputs.bias;
  const { axis, epsilon } = node.attributes;
  const x = ctx.get(input);
  const dt = x.type.dataType;
  if (axis === 1 && input.rank >= 3 && input.rank <= 5 && [mean, variance, scale, bias].every(isConst)) {
    // batch_norm on 5-D input crashes off the CPU (crbug 391566721): normalize it as 4-D.
    const s = input.shape;
    const xin = input.rank === 5 ? ctx.reshape(x, [s[0], s[1], s[2] * s[3], s[4]]) : x;
    const y = ctx.op("batch_norm", {
      x: xin, mean: ctx.get(mean), variance: ctx.get(variance),
      gamma: scale ? ctx.get(scale) : undefined, beta: bias ? ctx.get(bias) : undefined,
      epsilon: ctx.scalar(dt, epsilon, "epsilon"),
    }, xin.type);
    ctx.set(node.outputs[0], input.rank === 5 ? ctx.reshape(y, s) : y);
    return;
  }
  // ((x - mean) / sqrt(variance + epsilon)) * scale + bias
  const r = input.rank;
  const centered = ctx.binary("sub", x, alongAxis(ctx, ctx.get(mean), r, axis));
  const std = ctx.unary("sqrt", ctx.binary("add", alongAxis(ctx, ctx.get(variance), r, axis), ctx.scalar(dt, epsilon, "epsilon")));
  let y = ctx.binary("real_div", centered, std);
  if (scale) y = ctx.binary("mul", y, alongAxis(ctx, ctx.get(scale), r, axis));
  if (bias) y = ctx.binary("add", y, alongAxis(ctx, ctx.get(bias), r, axis));
  ctx.set(node.outputs[0], y);
}

function instanceNormalization(node: GraphNode<"instanceNormalization">, ctx: LoweringContext) {
  const input = node.inputs.input;
  const scale = node.inputs.scale;
  const bias = node.inputs.bias;
  const { epsilon, layout } = node.attributes;
  let x = ctx.get(input);
  const dt = x.type.dataType;
  if (layout === "nhwc") x = ctx.transpose(x, [0, 3, 1, 2]);
  const constParams = isConst(scale) && isConst(bias);
  let y = ctx.op("instance_norm", {
    x,
    gamma: constParams && scale ? ctx.get(scale) : undefined,
    beta: constParams && bias ? ctx.get(bias) : undefined,
    epsilon: ctx.scalar(dt, epsilon, "epsilon"),
  }, x.type);
  if (!constParams) {
    if (scale) y = ctx.binary("mul", y, alongAxis(ctx, ctx.get(scale), 4, 1));
    if (bias) y = ctx.binary("add", y, alongAxis(ctx, ctx.get(bias), 4, 1));
  }
  if (layout === "nhwc") y = ctx.transpose(y, [0, 2, 3, 1]);
  ctx.set(node.outputs[0], y);
}

/**
 * layerNormalization → MIL layer_norm over `axes` without gamma/beta, then scale and bias
 * (whose dimensions follow the order of `axes`) permuted and reshaped to broadcast.
 */
function layerNormalization(node: GraphNode<"layerNormalization">, ctx: LoweringContext) {
  const input = node.inputs.input;
  const scale = node.inputs.scale;
  const bias = node.inputs.bias;
  const { axes, epsilon } = node.attributes;
  const x = ctx.get(input);
  const dt = x.type.dataType;
  let y: MilValue;
  if (axes.length === 0) {
    // Mean over no axis is x itself: (x - x) / sqrt(0 + epsilon) = 0.
    y = ctx.binary("mul", ctx.binary("sub", x, x), ctx.scalar(dt, 0, "zero"));
  } else {
    // layer_norm over axes that are not the trailing ones in order crashes on devices
    // (crbug 356905058, 391423301): move them to the end, sorted, and back afterwards.
    const r = input.rank;
    const sortedAxes = [...axes].sort((p, q) => p - q);
    const trailing = sortedAxes.every((a, i) => a === r - sortedAxes.length + i) && axes.every((a, i) => a === sortedAxes[i]);
    if (trailing) {
      y = ctx.op("layer_norm", { x, axes: ctx.ints(axes, "axes"), epsilon: ctx.scalar(dt, epsilon, "epsilon") }, x.type);
    } else {
      const toEnd = [...input.shape.keys()].filter((d) => !axes.includes(d)).concat(sortedAxes);
      const back = toEnd.map((_, i) => toEnd.indexOf(i));
      const moved = ctx.transpose(x, toEnd);
      const k = axes.length;
      const normalized = ctx.op("layer_norm", { x: moved, axes: ctx.ints([...Array(k).keys()].map((i) => r - k + i), "axes"), epsilon: ctx.scalar(dt, epsilon, "epsilon") }, moved.type);
      y = ctx.transpose(normalized, back);
    }
  }
  const sorted = [...axes].sort((p, q) => p - q);
  const perm = sorted.map((a) => axes.indexOf(a));
  const bshape = input.shape.map((d, i) => (axes.includes(i) ? d : 1));
  const broadcastParam = (p: MLOperand) => ctx.reshape(ctx.transpose(ctx.get(p), perm), bshape);
  if (scale) y = ctx.binary("mul", y, broadcastParam(scale));
  if (bias) y = ctx.binary("add", y, broadcastParam(bias));
  ctx.set(node.outputs[0], y);
}

export const normalizationLowerings = { batchNormalization, instanceNormalization, layerNormalization } satisfies LoweringFamily;
