// Shape and data-movement operators: reshape, expand, transpose, concat, split, slice, gather.
import type { GraphNode, MLOperand } from "../graph/operand.js";
import { elementCountOf } from "../graph/types.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import { sameShape } from "../graph/shape-rules.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";
import type { MilDataType } from "../mil/program.js";
import { castNumber, int32Of, integerRange, readAll } from "./tensor-data.js";


function reshape(node: GraphNode<"reshape">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const shape = ctx.loweredShape(node.outputs[0]);
  const y = ctx.reshape(x, shape);
  ctx.set(node.outputs[0], y === x ? ctx.unary("identity", x) : y);
}

function expand(node: GraphNode<"expand">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const outShape = node.outputs[0].shape;
  if (sameShape(x.type.shape, outShape)) {
    ctx.set(node.outputs[0], ctx.unary("identity", x));
    return;
  }
  ctx.set(node.outputs[0], ctx.broadcastTo(x, outShape));
}

function transpose(node: GraphNode<"transpose">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const perm = ctx.rankPlan.permutations.get(node.id) ?? node.attributes.permutation;
  const y = ctx.transpose(x, perm);
  ctx.set(node.outputs[0], y === x ? ctx.unary("identity", x) : y);
}

function concat(node: GraphNode<"concat">, ctx: LoweringContext) {
  const values = (node.inputs.inputs as readonly MLOperand[]).map((o) => ctx.get(o));
  const out = node.outputs[0];
  ctx.set(out, ctx.op("concat", {
    values, axis: ctx.int(node.attributes.axis, "axis"), interleave: ctx.bool(false, "interleave"),
  }, tensorType(values[0].type.dataType, out.shape)));
}

function split(node: GraphNode<"split">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const sizes = node.attributes.splits;
  if (sizes.length === 1) {
    ctx.set(node.outputs[0], ctx.unary("identity", x));
    return;
  }
  const outs = ctx.mil.op("split", {
    x, split_sizes: ctx.ints(sizes, "split_sizes"), axis: ctx.int(node.attributes.axis, "axis"),
  }, node.outputs.map((o) => tensorType(x.type.dataType, o.shape)));
  node.outputs.forEach((o, i) => ctx.set(o, outs[i]));
}

function slice(node: GraphNode<"slice">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const starts = node.attributes.starts;
  const sizes = node.attributes.sizes;
  const strides = node.attributes.strides;
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
 * Index normalization shared by the gather/scatter family. WebNN indices may be negative
 * (counted from the end); out-of-range indices are clamped (the spec leaves them
 * implementation-defined; clamping never reads or writes out of bounds). `dims` is the size
 * indexed: one number, or one per position of the indices' last axis (gatherND/scatterND).
 * Constant indices are normalized at conversion time; others with select/minimum/maximum.
 */
function normalizedIndices(ctx: LoweringContext, indicesOperand: MLOperand, dims: number | number[]): MilValue {
  const perPosition = Array.isArray(dims);
  const sizeAt = (i: number) => (perPosition ? (dims as number[])[i % (dims as number[]).length] : (dims as number));
  if (indicesOperand.kind === "constant" && indicesOperand.data) {
    const raw = readAll(indicesOperand.data, indicesOperand.dataType, elementCountOf(indicesOperand.shape));
    const norm = raw.map((v, i) => normalizeIndex(v, sizeAt(i)));
    return ctx.constant("int32", indicesOperand.shape, norm, "indices");
  }
  const idx = ctx.get(indicesOperand);
  const size = perPosition ? ctx.ints(dims as number[], "dims") : ctx.int(dims as number, "dim");
  const last = perPosition ? ctx.ints((dims as number[]).map((d) => d - 1), "last") : ctx.int((dims as number) - 1, "last");
  const isNeg = ctx.binary("less", idx, ctx.int(0, "zero"), "bool");
  const wrapped = ctx.op("select", { cond: isNeg, a: ctx.binary("add", idx, size), b: idx }, idx.type);
  return ctx.binary("maximum", ctx.binary("minimum", wrapped, last), ctx.int(0, "zero"));
}

/** An index counted from the end when negative, clamped into [0, size). */
function normalizeIndex(v: number, size: number): number {
  return Math.min(Math.max(v < 0 ? v + size : v, 0), size - 1);
}

/** A constant 0-D index, normalized. */
function constIndex(operand: MLOperand, size: number): number | undefined {
  return operand.data ? normalizeIndex(readAll(operand.data, operand.dataType, 1)[0], size) : undefined;
}

function gather(node: GraphNode<"gather">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const axis = node.attributes.axis;
  const out = node.outputs[0].shape;
  const at = node.inputs.indices.kind === "constant" && node.inputs.indices.rank === 0 ? constIndex(node.inputs.indices, x.type.shape[axis]) : undefined;
  if (at !== undefined) {
    // One constant index (qkv[0] after a permute): a slice that drops the axis, as coremltools
    // writes torch's select — one op, where a gather would need a reshape after it.
    const rank = x.type.shape.length;
    ctx.set(node.outputs[0], ctx.op("slice_by_index", {
      x,
      begin: ctx.ints(x.type.shape.map((_, i) => (i === axis ? at : 0)), "begin"),
      end: ctx.ints(x.type.shape.map((d, i) => (i === axis ? at + 1 : d)), "end"),
      squeeze_mask: ctx.constant("bool", [rank], x.type.shape.map((_, i) => (i === axis ? 1 : 0)), "squeeze_mask"),
    }, tensorType(x.type.dataType, out)));
    return;
  }
  let indices = normalizedIndices(ctx, node.inputs.indices, x.type.shape[axis]);
  if (indices.type.shape.length === 0) {
    // 0-D indices crash gather on 5-D data (crbug 391672283): gather with [1] and drop that axis.
    indices = ctx.reshape(indices, [1]);
    const kept = [...x.type.shape.slice(0, axis), 1, ...x.type.shape.slice(axis + 1)];
    const y = ctx.op("gather", { x, indices, axis: ctx.int(axis, "axis") }, tensorType(x.type.dataType, kept));
    ctx.set(node.outputs[0], ctx.reshape(y, out));
    return;
  }
  ctx.set(node.outputs[0], ctx.op("gather", { x, indices, axis: ctx.int(axis, "axis") }, tensorType(x.type.dataType, out)));
}

function gatherElements(node: GraphNode<"gatherElements">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const axis = node.attributes.axis;
  const indices = normalizedIndices(ctx, node.inputs.indices, x.type.shape[axis]);
  ctx.set(node.outputs[0], ctx.op("gather_along_axis", { x, indices, axis: ctx.int(axis, "axis") }, tensorType(x.type.dataType, node.outputs[0].shape)));
}

function gatherND(node: GraphNode<"gatherND">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const ind = node.inputs.indices;
  const k = ind.shape[ind.shape.length - 1];
  const indices = normalizedIndices(ctx, ind, x.type.shape.slice(0, k));
  ctx.set(node.outputs[0], ctx.op("gather_nd", { x, indices }, tensorType(x.type.dataType, node.outputs[0].shape)));
}

function scatterElements(node: GraphNode<"scatterElements">, ctx: LoweringContext) {
  const data = ctx.get(node.inputs.input);
  const axis = node.attributes.axis;
  const indices = normalizedIndices(ctx, node.inputs.indices, data.type.shape[axis]);
  const updates = ctx.get(node.inputs.updates);
  ctx.set(node.outputs[0], ctx.op("scatter_along_axis", {
    data, indices, updates, axis: ctx.int(axis, "axis"), mode: ctx.str("update", "mode"),
  }, data.type));
}

function scatterND(node: GraphNode<"scatterND">, ctx: LoweringContext) {
  const data = ctx.get(node.inputs.input);
  const ind = node.inputs.indices;
  const k = ind.shape[ind.shape.length - 1];
  const indices = normalizedIndices(ctx, ind, data.type.shape.slice(0, k));
  const updates = ctx.get(node.inputs.updates);
  ctx.set(node.outputs[0], ctx.op("scatter_nd", { data, indices, updates, mode: ctx.str("update", "mode") }, data.type));
}

function tile(node: GraphNode<"tile">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const reps = node.attributes.repetitions;
  if (reps.every((r) => r === 1)) { ctx.set(node.outputs[0], ctx.unary("identity", x)); return; }
  ctx.set(node.outputs[0], ctx.op("tile", { x, reps: ctx.ints(reps, "reps") }, tensorType(x.type.dataType, node.outputs[0].shape)));
}

function reverse(node: GraphNode<"reverse">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const axes = node.attributes.axes;
  if (axes.length === 0) { ctx.set(node.outputs[0], ctx.unary("identity", x)); return; }
  ctx.set(node.outputs[0], ctx.op("reverse", { x, axes: ctx.ints(axes, "axes") }, x.type));
}

/** triangular: a constant boolean mask over the last two dimensions selects x or 0. */
function triangular(node: GraphNode<"triangular">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const { upper, diagonal } = node.attributes;
  const [h, w] = x.type.shape.slice(-2);
  const mask = new Array<number>(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) mask[i * w + j] = (upper ? j - i >= diagonal : j - i <= diagonal) ? 1 : 0;
  const cond = ctx.constant("bool", [h, w], mask, "mask");
  ctx.set(node.outputs[0], ctx.op("select", { cond, a: x, b: ctx.scalar(x.type.dataType, 0, "zero") }, x.type));
}

/**
 * pad. Floats use MIL pad (constant on any dimension; reflect/replicate on the last two,
 * where Core ML supports them). Other cases are built from slices and concats, exactly.
 */
function pad(node: GraphNode<"pad">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const { beginningPadding: begin, endingPadding: end, mode } = node.attributes;
  const type = node.inputs.input.dataType;
  // The value is cast to the input's type as WebNN casts an MLNumber, then held as int32 for integers.
  const value = integerRange(type) ? int32Of(castNumber(node.attributes.value, type), type, { operator: node.op, operand: node.label ?? node.inputs.input.label, what: "value" }) : node.attributes.value;
  const rank = x.type.shape.length;
  const padded = begin.map((b, i) => b > 0 || end[i] > 0);
  if (!padded.some(Boolean)) { ctx.set(node.outputs[0], ctx.unary("identity", x)); return; }
  const isFloat = x.type.dataType === "fp32" || x.type.dataType === "fp16";
  const onlyLastTwo = padded.every((p, i) => !p || i >= rank - 2);
  // MIL replicate padding is documented as at most the dimension's size.
  const withinSize = begin.every((b, i) => b <= x.type.shape[i] && end[i] <= x.type.shape[i]);
  if (isFloat && (mode === "constant" || (onlyLastTwo && withinSize))) {
    const milMode = mode === "edge" ? "replicate" : mode === "reflection" ? "reflect" : "constant";
    const padList = begin.flatMap((b, i) => [b, end[i]]);
    ctx.set(node.outputs[0], ctx.op("pad", {
      x, pad: ctx.ints(padList, "pad"), mode: ctx.str(milMode, "mode"),
      constant_val: mode === "constant" ? ctx.scalar(x.type.dataType, value, "constant_val") : undefined,
    }, tensorType(x.type.dataType, node.outputs[0].shape)));
    return;
  }
  let y = x;
  for (let axis = 0; axis < rank; axis++) {
    if (!padded[axis]) continue;
    const shape = [...y.type.shape];
    const n = shape[axis];
    const part = (count: number, atStart: boolean): MilValue | undefined => {
      if (count === 0) return undefined;
      const partShape = shape.map((d, i) => (i === axis ? count : d));
      if (mode === "constant") return fill(ctx, y.type.dataType, partShape, value);
      const sliceOf = (from: number, size: number) => {
        const bgn = shape.map((_, i) => (i === axis ? from : 0));
        const en = shape.map((d, i) => (i === axis ? from + size : d));
        return ctx.op("slice_by_index", { x: y, begin: ctx.ints(bgn, "begin"), end: ctx.ints(en, "end") }, tensorType(y.type.dataType, shape.map((d, i) => (i === axis ? size : d))));
      };
      if (mode === "edge") {
        const edge = sliceOf(atStart ? 0 : n - 1, 1);
        return count === 1 ? edge : ctx.op("tile", { x: edge, reps: ctx.ints(shape.map((_, i) => (i === axis ? count : 1)), "reps") }, tensorType(y.type.dataType, partShape));
      }
      // reflection: the `count` elements next to the edge, mirrored
      const s = sliceOf(atStart ? 1 : n - 1 - count, count);
      return count === 1 ? s : ctx.op("reverse", { x: s, axes: ctx.ints([axis], "axes") }, s.type);
    };
    const pieces = [part(begin[axis], true), y, part(end[axis], false)].filter((p): p is MilValue => p !== undefined);
    const outShape = shape.map((d, i) => (i === axis ? d + begin[axis] + end[axis] : d));
    y = ctx.op("concat", { values: pieces, axis: ctx.int(axis, "axis"), interleave: ctx.bool(false, "interleave") }, tensorType(y.type.dataType, outShape));
  }
  ctx.set(node.outputs[0], y);
}

/** A constant tensor filled with one value. */
function fill(ctx: LoweringContext, dataType: MilDataType, shape: number[], value: number): MilValue {
  return ctx.constant(dataType, shape, new Array(elementCountOf(shape)).fill(value), "pad_value");
}

export const shapeLowerings = {
  reshape, expand, transpose, concat, split, slice, gather, gatherElements, gatherND, scatterElements, scatterND, tile, reverse, triangular, pad,
} satisfies LoweringFamily;
