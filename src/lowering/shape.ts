// Shape and data-movement operators: reshape, expand, transpose, concat, split, slice, gather.
import type { GraphNode, MLOperand } from "../graph/operand.js";
import { elementCountOf } from "../graph/types.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import { sameShape, type LoweringContext } from "./context.js";
import type { LoweringTable } from "./table.js";
import { readAll } from "./tensor-data.js";

const input = (node: GraphNode, key = "input") => node.inputs[key] as MLOperand;

function reshape(node: GraphNode, ctx: LoweringContext) {
  const x = ctx.get(input(node));
  const shape = node.outputs[0].shape;
  const y = ctx.reshape(x, shape);
  ctx.set(node.outputs[0], y === x ? ctx.unary("identity", x) : y);
}

function expand(node: GraphNode, ctx: LoweringContext) {
  const x = ctx.get(input(node));
  const outShape = node.outputs[0].shape;
  if (sameShape(x.type.shape, outShape)) {
    ctx.set(node.outputs[0], ctx.unary("identity", x));
    return;
  }
  // Same rank first (leading 1s), then tile the size-1 dimensions.
  const ranked = [...new Array(outShape.length - x.type.shape.length).fill(1), ...x.type.shape];
  const r = ctx.reshape(x, ranked);
  const reps = outShape.map((d, i) => (ranked[i] === d ? 1 : d));
  ctx.set(node.outputs[0], ctx.op("tile", { x: r, reps: ctx.ints(reps, "reps") }, tensorType(x.type.dataType, outShape)));
}

function transpose(node: GraphNode, ctx: LoweringContext) {
  const x = ctx.get(input(node));
  const perm = node.attributes.permutation as number[];
  const y = ctx.transpose(x, perm);
  ctx.set(node.outputs[0], y === x ? ctx.unary("identity", x) : y);
}

function concat(node: GraphNode, ctx: LoweringContext) {
  const values = (node.inputs.inputs as readonly MLOperand[]).map((o) => ctx.get(o));
  const out = node.outputs[0];
  ctx.set(out, ctx.op("concat", {
    values, axis: ctx.int(node.attributes.axis as number, "axis"), interleave: ctx.bool(false, "interleave"),
  }, tensorType(values[0].type.dataType, out.shape)));
}

function split(node: GraphNode, ctx: LoweringContext) {
  const x = ctx.get(input(node));
  const sizes = node.attributes.splits as number[];
  if (sizes.length === 1) {
    ctx.set(node.outputs[0], ctx.unary("identity", x));
    return;
  }
  const outs = ctx.mil.op("split", {
    x, split_sizes: ctx.ints(sizes, "split_sizes"), axis: ctx.int(node.attributes.axis as number, "axis"),
  }, node.outputs.map((o) => tensorType(x.type.dataType, o.shape)));
  node.outputs.forEach((o, i) => ctx.set(o, outs[i]));
}

function slice(node: GraphNode, ctx: LoweringContext) {
  const x = ctx.get(input(node));
  const starts = node.attributes.starts as number[];
  const sizes = node.attributes.sizes as number[];
  const strides = node.attributes.strides as number[];
  const out = node.outputs[0];
  if (sameShape(out.shape, x.type.shape)) {
    ctx.set(out, ctx.unary("identity", x));
    return;
  }
  ctx.set(out, ctx.op("slice_by_index", {
    x,
    begin: ctx.ints(starts, "begin"),
    end: ctx.ints(starts.map((s, i) => s + sizes[i]), "end"),
    stride: ctx.ints(strides, "stride"),
  }, tensorType(x.type.dataType, out.shape)));
}

/**
 * gather. WebNN indices may be negative (counted from the end) and out-of-range indices are
 * clamped (the spec leaves them implementation-defined; clamping never reads out of bounds).
 * Constant indices are normalized at conversion time; others with select/minimum/maximum.
 */
function gather(node: GraphNode, ctx: LoweringContext) {
  const x = ctx.get(input(node));
  const indicesOperand = input(node, "indices");
  const axis = node.attributes.axis as number;
  const n = x.type.shape[axis];
  let indices: MilValue;
  if (indicesOperand.kind === "constant" && indicesOperand.data) {
    const raw = readAll(indicesOperand.data, indicesOperand.dataType, elementCountOf(indicesOperand.shape));
    const norm = raw.map((v) => Math.min(Math.max(v < 0 ? v + n : v, 0), n - 1));
    indices = ctx.constant("int32", indicesOperand.shape, norm, "indices");
  } else {
    const idx = ctx.get(indicesOperand);
    const isNeg = ctx.binary("less", idx, ctx.int(0, "zero"), "bool");
    const wrapped = ctx.op("select", { cond: isNeg, a: ctx.binary("add", idx, ctx.int(n, "dim")), b: idx }, idx.type);
    indices = ctx.binary("maximum", ctx.binary("minimum", wrapped, ctx.int(n - 1, "last")), ctx.int(0, "zero"));
  }
  ctx.set(node.outputs[0], ctx.op("gather", { x, indices, axis: ctx.int(axis, "axis") }, tensorType(x.type.dataType, node.outputs[0].shape)));
}

export const shapeLowerings: LoweringTable = { reshape, expand, transpose, concat, split, slice, gather };
