// Reductions: reduceSum, reduceMean, reduceMax, … → MIL reduce_* with axes and keep_dims.
import type { MilOpType } from "../mil/op-types.js";
import type { GraphNode } from "../graph/operand.js";
import type { ArgReduceOperatorName, ReduceOperatorName } from "../graph/operators.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";
import { flipUnsigned } from "./elementwise.js";

/** What a reduction computes when it reduces no axis (WebNN: the function of one element). */
type NoAxisForm = (ctx: LoweringContext, x: MilValue) => MilValue;

const noAxis = {
  reduce_sum: (ctx, x) => ctx.unary("identity", x),
  reduce_mean: (ctx, x) => ctx.unary("identity", x),
  reduce_max: (ctx, x) => ctx.unary("identity", x),
  reduce_min: (ctx, x) => ctx.unary("identity", x),
  reduce_prod: (ctx, x) => ctx.unary("identity", x),
  reduce_l1_norm: (ctx, x) => ctx.unary("abs", x),
  reduce_l2_norm: (ctx, x) => ctx.unary("abs", x),
  reduce_log_sum: (ctx, x) => ctx.unary("log", x, { epsilon: ctx.scalar(x.type.dataType, 0, "epsilon") }),
  reduce_log_sum_exp: (ctx, x) => ctx.unary("identity", x),
  reduce_sum_square: (ctx, x) => ctx.binary("mul", x, x),
} satisfies Partial<Record<MilOpType, NoAxisForm>>;

function reduction(milOp: keyof typeof noAxis) {
  return (node: GraphNode<ReduceOperatorName>, ctx: LoweringContext) => {
    const x = ctx.get(node.inputs.input);
    const axes = node.attributes.axes;
    const keep = node.attributes.keepDimensions;
    const out = node.outputs[0];
    if (axes.length === 0) {
      ctx.set(out, noAxis[milOp](ctx, x));
      return;
    }
    const ordered = milOp === "reduce_max" || milOp === "reduce_min";
    const operand = node.inputs.input;
    const src = ordered ? flipUnsigned(ctx, operand, x) : x;
    const y = ctx.op(milOp, { x: src, axes: ctx.ints(axes, "axes"), keep_dims: ctx.bool(keep, "keep_dims") }, tensorType(x.type.dataType, out.shape));
    ctx.set(out, ordered ? flipUnsigned(ctx, operand, y) : y);
  };
}

export const reductionLowerings = {
  reduceSum: reduction("reduce_sum"),
  reduceMean: reduction("reduce_mean"),
  reduceMax: reduction("reduce_max"),
  reduceMin: reduction("reduce_min"),
  reduceProduct: reduction("reduce_prod"),
  reduceL1: reduction("reduce_l1_norm"),
  reduceL2: reduction("reduce_l2_norm"),
  reduceLogSum: reduction("reduce_log_sum"),
  reduceLogSumExp: reduction("reduce_log_sum_exp"),
  reduceSumSquare: reduction("reduce_sum_square"),
} satisfies LoweringFamily;

function argReduction(milOp: "reduce_argmax" | "reduce_argmin") {
  return (node: GraphNode<ArgReduceOperatorName>, ctx: LoweringContext) => {
    const operand = node.inputs.input;
    const x = flipUnsigned(ctx, operand, ctx.get(operand));
    const { axis, keepDimensions } = node.attributes;
    ctx.set(node.outputs[0], ctx.op(milOp, {
      x, axis: ctx.int(axis, "axis"), keep_dims: ctx.bool(keepDimensions, "keep_dims"),
    }, tensorType("int32", node.outputs[0].shape)));
  };
}

function cumulativeSum(node: GraphNode<"cumulativeSum">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const { axis, exclusive, reversed } = node.attributes;
  ctx.set(node.outputs[0], ctx.op("cumsum", {
    x, axis: ctx.int(axis, "axis"), exclusive: ctx.bool(exclusive, "exclusive"), reverse: ctx.bool(reversed, "reverse"),
  }, x.type));
}

export const indexReductionLowerings = {
  argMax: argReduction("reduce_argmax"),
  argMin: argReduction("reduce_argmin"),
  cumulativeSum,
} satisfies LoweringFamily;
