// Convolutions: conv2d → MIL conv, convTranspose2d → MIL conv_transpose, always in NCHW with
// OIHW (conv) / IOHW (conv_transpose) weights. Other layouts are transposed: constant filters
// at conversion time (so Core ML sees constant weights), others with a transpose op.
import type { GraphNode, MLOperand } from "../graph/operand.js";
import { elementCountOf } from "../graph/types.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import { milElementSize } from "../mil/program.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";
import { internalDataType, toInternalBytes, transposeBytes } from "./tensor-data.js";

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** The operand as a MIL value with its dimensions permuted by `perm`. */
function permuted(ctx: LoweringContext, operand: MLOperand, perm: readonly number[]): MilValue {
  if (perm.every((p, i) => p === i)) return ctx.get(operand);
  if (operand.kind === "constant" && operand.data) {
    const dt = internalDataType(operand.dataType);
    const bytes = toInternalBytes(operand.data, operand.dataType, elementCountOf(operand.shape), { operand: operand.name });
    const t = transposeBytes(bytes, operand.shape, perm, milElementSize(dt));
    return ctx.mil.constant(tensorType(dt, perm.map((p) => operand.shape[p])), t, operand.name ?? "filter");
  }
  return ctx.transpose(ctx.get(operand), perm);
}

/** Bias: a const parameter when constant; otherwise added after the convolution. */
function splitBias(node: GraphNode<"conv2d" | "convTranspose2d">): { constBias?: MLOperand; laterBias?: MLOperand } {
  const bias = node.inputs.bias;
  if (!bias) return {};
  return bias.kind === "constant" ? { constBias: bias } : { laterBias: bias };
}

function addBiasAfter(ctx: LoweringContext, y: MilValue, bias: MLOperand): MilValue {
  const b = ctx.reshape(ctx.get(bias), [1, bias.shape[0], 1, 1]);
  return ctx.binary("add", y, b);
}


/**
 * The part conv2d and convTranspose2d share: input to NCHW, filter permuted to MIL's layout,
 * the MIL op (with a constant bias as its parameter), a computed bias added after, back to NHWC.
 */
function lowerConvolution(node: GraphNode<"conv2d" | "convTranspose2d">, ctx: LoweringContext, milOp: "conv" | "conv_transpose", filterPerm: readonly number[], params: (nchwOut: number[]) => Record<string, MilValue>) {
  const a = node.attributes;
  const nhwc = a.inputLayout === "nhwc";
  let x = ctx.get(node.inputs.input);
  if (nhwc) x = ctx.transpose(x, NHWC_TO_NCHW);
  let weight = permuted(ctx, node.inputs.filter, filterPerm);
  let dilations = a.dilations;
  if (milOp === "conv" && !weight.constValue && dilations.some((d) => d !== 1)) {
    // Core ML's conv takes no dilations with a computed weight: dilate the filter with zeros.
    weight = dilateFilter(ctx, weight, dilations);
    dilations = [1, 1];
  }
  const { constBias, laterBias } = splitBias(node);
  const out = node.outputs[0].shape;
  const nchwOut = nhwc ? [out[0], out[3], out[1], out[2]] : [...out];
  let y = ctx.op(milOp, {
    x, weight,
    bias: constBias ? ctx.get(constBias) : undefined,
    pad_type: ctx.str("custom", "pad_type"),
    pad: ctx.ints(a.padding, "pad"),
    strides: ctx.ints(a.strides, "strides"),
    dilations: ctx.ints(dilations, "dilations"),
    groups: ctx.int(a.groups, "groups"),
    ...params(nchwOut),
  }, tensorType(x.type.dataType, nchwOut));
  if (laterBias) y = addBiasAfter(ctx, y, laterBias);
  if (nhwc) y = ctx.transpose(y, NCHW_TO_NHWC);
  ctx.set(node.outputs[0], y);
}

/** [A, B, h, w] → [A, B, (h-1)·dh+1, (w-1)·dw+1] with zeros between the elements. */
function dilateFilter(ctx: LoweringContext, w: MilValue, dilations: number[]): MilValue {
  let v = w;
  for (const [axis, d] of [[2, dilations[0]], [3, dilations[1]]] as const) {
    if (d === 1) continue;
    const shape = [...v.type.shape];
    const k = shape[axis];
    const expanded = [...shape.slice(0, axis + 1), 1, ...shape.slice(axis + 1)];
    const zerosShape = expanded.map((n, i) => (i === axis + 1 ? d - 1 : n));
    const zeros = ctx.constant(v.type.dataType, zerosShape, new Array(zerosShape.reduce((p, n) => p * n, 1)).fill(0), "dilation_zeros");
    const joined = ctx.op("concat", { values: [ctx.reshape(v, expanded), zeros], axis: ctx.int(axis + 1, "axis"), interleave: ctx.bool(false, "interleave") },
      tensorType(v.type.dataType, expanded.map((n, i) => (i === axis + 1 ? d : n))));
    const spread = ctx.reshape(joined, shape.map((n, i) => (i === axis ? k * d : n)));
    const size = (k - 1) * d + 1;
    v = ctx.op("slice_by_index", { x: spread, begin: ctx.ints(shape.map(() => 0), "begin"), end: ctx.ints(shape.map((n, i) => (i === axis ? size : n)), "end") },
      tensorType(v.type.dataType, shape.map((n, i) => (i === axis ? size : n))));
  }
  return v;
}

/**
 * convTranspose2d as a conv: the input with (stride - 1) zeros between its elements, convolved
 * with the filter flipped spatially and its in/out channels swapped per group (dilated with
 * zeros), padded so that the result starts at the transposed convolution's padding and has the
 * requested output size; a computed bias is added after.
 */
function convTransposeAsConv(node: GraphNode<"convTranspose2d">, ctx: LoweringContext) {
  const a = node.attributes;
  const nhwc = a.inputLayout === "nhwc";
  let x = ctx.get(node.inputs.input);
  if (nhwc) x = ctx.transpose(x, NHWC_TO_NCHW);
  const layout = a.filterLayout;
  let w = permuted(ctx, node.inputs.filter, { iohw: [0, 1, 2, 3], hwoi: [3, 2, 0, 1], ohwi: [3, 0, 1, 2] }[layout]!);
  const [inC, outPerGroup, kh, kw] = w.type.shape;
  const g = a.groups;
  // [I, O/g, kh, kw] → [O, I/g, kh, kw], flipped in space
  w = ctx.reshape(w, [g, inC / g, outPerGroup, kh, kw]);
  w = ctx.transpose(w, [0, 2, 1, 3, 4]);
  w = ctx.reshape(w, [g * outPerGroup, inC / g, kh, kw]);
  w = ctx.op("reverse", { x: w, axes: ctx.ints([2, 3], "axes") }, w.type);
  w = dilateFilter(ctx, w, a.dilations);
  const u = dilateFilter(ctx, x, a.strides);
  const out = node.outputs[0].shape;
  const [n, oc, oh, ow] = nhwc ? [out[0], out[3], out[1], out[2]] : [...out];
  const effH = (kh - 1) * a.dilations[0];
  const effW = (kw - 1) * a.dilations[1];
  const [uh, uw] = u.type.shape.slice(2);
  const before = [effH - a.padding[0], effW - a.padding[2]];
  const after = [oh - uh - before[0] + effH, ow - uw - before[1] + effW];
  const pad = [Math.max(before[0], 0), Math.max(after[0], 0), Math.max(before[1], 0), Math.max(after[1], 0)];
  const convH = uh + pad[0] + pad[1] - effH;
  const convW = uw + pad[2] + pad[3] - effW;
  const bias = node.inputs.bias;
  let y = ctx.op("conv", {
    x: u, weight: w,
    bias: bias && bias.kind === "constant" ? ctx.get(bias) : undefined,
    pad_type: ctx.str("custom", "pad_type"),
    pad: ctx.ints(pad, "pad"),
    strides: ctx.ints([1, 1], "strides"),
    dilations: ctx.ints([1, 1], "dilations"),
    groups: ctx.int(g, "groups"),
  }, tensorType(x.type.dataType, [n, oc, convH, convW]));
  const crop = [Math.max(-before[0], 0), Math.max(-before[1], 0)];
  if (crop[0] || crop[1] || convH !== oh || convW !== ow) {
    y = ctx.op("slice_by_index", {
      x: y, begin: ctx.ints([0, 0, crop[0], crop[1]], "begin"), end: ctx.ints([n, oc, crop[0] + oh, crop[1] + ow], "end"),
    }, tensorType(x.type.dataType, [n, oc, oh, ow]));
  }
  if (bias && bias.kind !== "constant") y = addBiasAfter(ctx, y, bias);
  if (nhwc) y = ctx.transpose(y, NCHW_TO_NHWC);
  ctx.set(node.outputs[0], y);
}

function conv2d(node: GraphNode<"conv2d">, ctx: LoweringContext) {
  const layout = node.attributes.filterLayout;
  const perm = { oihw: [0, 1, 2, 3], hwio: [3, 2, 0, 1], ohwi: [0, 3, 1, 2], ihwo: [3, 0, 1, 2] }[layout]!;
  lowerConvolution(node, ctx, "conv", perm, () => ({}));
}

function convTranspose2d(node: GraphNode<"convTranspose2d">, ctx: LoweringContext) {
  const filter = node.inputs.filter;
  if (filter.kind !== "constant" && ctx.target.ios < 17) {
    // conv_transpose needs a constant weight before iOS 17: express it as a conv.
    convTransposeAsConv(node, ctx);
    return;
  }
  const layout = node.attributes.filterLayout;
  const perm = { iohw: [0, 1, 2, 3], hwoi: [3, 2, 0, 1], ohwi: [3, 0, 1, 2] }[layout]!;
  // The full output shape fixes the output size when outputPadding/outputSizes add rows.
  lowerConvolution(node, ctx, "conv_transpose", perm, (nchwOut) => ({ output_shape: ctx.ints(nchwOut, "output_shape") }));
}

export const convolutionLowerings = { conv2d, convTranspose2d } satisfies LoweringFamily;
