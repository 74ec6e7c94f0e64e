// matmul and gemm → MIL matmul (+ mul/add for gemm's alpha, beta and c).
import type { GraphNode } from "../graph/operand.js";
import { tensorType } from "../mil/builder.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";

function matmul(node: GraphNode<"matmul">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.a);
  const y = ctx.get(node.inputs.b);
  ctx.set(node.outputs[0], ctx.op("matmul", {
    x, y, transpose_x: ctx.bool(false, "transpose_x"), transpose_y: ctx.bool(false, "transpose_y"),
  }, tensorType(x.type.dataType, node.outputs[0].shape)));
}

/** gemm: alpha * A' * B' + beta * C (A', B' optionally transposed). */
function gemm(node: GraphNode<"gemm">, ctx: LoweringContext) {
  const { alpha, beta, aTranspose, bTranspose } = node.attributes;
  const x = ctx.get(node.inputs.a);
  const y = ctx.get(node.inputs.b);
  const dt = x.type.dataType;
  let out = ctx.op("matmul", {
    x, y, transpose_x: ctx.bool(aTranspose, "transpose_x"), transpose_y: ctx.bool(bTranspose, "transpose_y"),
  }, tensorType(dt, node.outputs[0].shape));
  if (alpha !== 1) out = ctx.binary("mul", out, ctx.scalar(dt, alpha, "alpha"));
  const c = node.inputs.c;
  if (c && beta !== 0) {
    let cv = ctx.get(c);
    if (beta !== 1) cv = ctx.binary("mul", cv, ctx.scalar(dt, beta, "beta"));
    out = ctx.binary("add", out, cv);
  }
  ctx.set(node.outputs[0], out);
}

export const linearAlgebraLowerings = { matmul, gemm } satisfies LoweringFamily;
