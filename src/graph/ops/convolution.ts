// The WebNN matmul, gemm, conv2d, convTranspose2d, the pools and resample2d: each operator's
// validation, defaults and output descriptors as the spec has them, for MLGraphBuilder
// (graph/builder.ts) to call.
import { FLOATS, ANY, type BuilderCore, type Opts } from "../builder-core.js";
import type { MLConv2dOptions, MLConvTranspose2dOptions, MLGemmOptions, MLOperatorOptions, MLPool2dOptions, MLResample2dOptions } from "../options.js";
import { MLOperand } from "../operand.js";
import type { PoolOperatorName } from "../operators.js";
import { broadcastShapes, checkAxes, checkDataType, fail, optBoolean, optEnum, optNumber, optUintArray, readOptions, sameShape, type Where } from "../shape-rules.js";
import { shapeToString } from "../types.js";

export function matmul(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) {
  const where = core.at("matmul", options);
  core.own(a, where, "a"); core.own(b, where, "b");
  if (a.dataType !== b.dataType) fail(where, "data-type-mismatch", `a is ${a.dataType} but b is ${b.dataType}`);
  checkDataType(a, ["float32", "float16", "int32"], where, "a");
  if (a.rank < 2 || b.rank < 2) fail(where, "rank", `matmul needs rank >= 2 operands, got ${a.rank} and ${b.rank}`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) fail(where, "shape-mismatch", `inner dimensions differ: a ${shapeToString(a.shape)}, b ${shapeToString(b.shape)}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), where);
  return core.node("matmul", { a, b }, {}, [{ dataType: a.dataType, shape: [...batch, m, n] }], options?.label)[0];
}

/** What conv2d and convTranspose2d share: operand checks and the common options, with the input's N, C, H, W. */
function convolutionArgs<L extends string>(core: BuilderCore, op: "conv2d" | "convTranspose2d", input: MLOperand, filter: MLOperand, options: Opts, filterLayouts: readonly L[]) {
  const where = core.at(op, options); const o = readOptions(options, where);
  core.own(input, where); core.own(filter, where, "filter");
  checkDataType(input, FLOATS, where);
  if (filter.dataType !== input.dataType) fail(where, "data-type-mismatch", `filter is ${filter.dataType}, input is ${input.dataType}`);
  if (input.rank !== 4 || filter.rank !== 4) fail(where, "rank", "input and filter must be 4-D");
  const padding = optUintArray(o, "padding", [0, 0, 0, 0], where, 4)!;
  const strides = optUintArray(o, "strides", [1, 1], where, 2)!;
  const dilations = optUintArray(o, "dilations", [1, 1], where, 2)!;
  const groups = optNumber(o, "groups", 1, where);
  const inputLayout = optEnum(o, "inputLayout", ["nchw", "nhwc"] as const, "nchw", where);
  const filterLayout = optEnum(o, "filterLayout", filterLayouts, filterLayouts[0], where);
  const bias = core.optOperand(o, "bias", where);
  if (strides.some((s) => s === 0) || dilations.some((d) => d === 0)) fail(where, "option-value", "strides and dilations must be greater than 0");
  if (!Number.isInteger(groups) || groups < 1) fail(where, "option-value", "groups must be a positive integer");
  const [n, c, h, w] = inputLayout === "nchw" ? input.shape : [input.shape[0], input.shape[3], input.shape[1], input.shape[2]];
  return { where, o, padding, strides, dilations, groups, inputLayout, filterLayout, bias, n, c, h, w };
}

export function conv2d(core: BuilderCore, input: MLOperand, filter: MLOperand, options?: MLConv2dOptions) {
  const { where, padding, strides, dilations, groups, inputLayout, filterLayout, bias, n, c, h, w } =
    convolutionArgs(core, "conv2d", input, filter, options, ["oihw", "hwio", "ohwi", "ihwo"] as const);
  const f = filter.shape;
  const [fo, fi, fh, fw] =
    filterLayout === "oihw" ? [f[0], f[1], f[2], f[3]]
    : filterLayout === "hwio" ? [f[3], f[2], f[0], f[1]]
    : filterLayout === "ohwi" ? [f[0], f[3], f[1], f[2]]
    : [f[3], f[0], f[1], f[2]];
  if (c % groups !== 0 || c / groups !== fi) fail(where, "channels", `input channels ${c} / groups ${groups} must equal filter input channels ${fi}`);
  if (fo % groups !== 0) fail(where, "channels", `filter output channels ${fo} must be divisible by groups ${groups}`);
  if (bias) {
    if (bias.dataType !== input.dataType) fail(where, "data-type-mismatch", `bias is ${bias.dataType}, input is ${input.dataType}`);
    if (!sameShape(bias.shape, [fo])) fail(where, "shape-mismatch", `bias shape ${shapeToString(bias.shape)} must be [${fo}]`);
  }
  const oh = convOutSize(h, fh, padding[0], padding[1], strides[0], dilations[0], where);
  const ow = convOutSize(w, fw, padding[2], padding[3], strides[1], dilations[1], where);
  const shape = inputLayout === "nchw" ? [n, fo, oh, ow] : [n, oh, ow, fo];
  return core.node("conv2d", { input, filter, bias }, { padding, strides, dilations, groups, inputLayout, filterLayout }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function convTranspose2d(core: BuilderCore, input: MLOperand, filter: MLOperand, options?: MLConvTranspose2dOptions) {
  const { where, o, padding, strides, dilations, groups, inputLayout, filterLayout, bias, n, c, h, w } =
    convolutionArgs(core, "convTranspose2d", input, filter, options, ["iohw", "hwoi", "ohwi"] as const);
  const outputPadding = optUintArray(o, "outputPadding", [0, 0], where, 2)!;
  const outputSizes = optUintArray(o, "outputSizes", undefined, where, 2);
  const f = filter.shape;
  const [fi, fog, fh, fw] =
    filterLayout === "iohw" ? [f[0], f[1], f[2], f[3]]
    : filterLayout === "hwoi" ? [f[3], f[2], f[0], f[1]]
    : [f[3], f[0], f[1], f[2]];
  if (c !== fi) fail(where, "channels", `input channels ${c} must equal filter input channels ${fi}`);
  if (c % groups !== 0) fail(where, "channels", `input channels ${c} must be divisible by groups ${groups}`);
  const oc = fog * groups;
  if (bias) {
    if (bias.dataType !== input.dataType) fail(where, "data-type-mismatch", `bias is ${bias.dataType}, input is ${input.dataType}`);
    if (!sameShape(bias.shape, [oc])) fail(where, "shape-mismatch", `bias shape ${shapeToString(bias.shape)} must be [${oc}]`);
  }
  for (let i = 0; i < 2; i++) {
    if (outputPadding[i] >= strides[i] && outputPadding[i] >= dilations[i]) {
      fail(where, "option-value", `outputPadding[${i}] must be smaller than strides[${i}] or dilations[${i}]`);
    }
  }
  const calc = (inSize: number, k: number, pb: number, pe: number, s: number, d: number) => (inSize - 1) * s + (k - 1) * d + 1 - pb - pe;
  let oh = calc(h, fh, padding[0], padding[1], strides[0], dilations[0]);
  let ow = calc(w, fw, padding[2], padding[3], strides[1], dilations[1]);
  if (outputSizes) {
    for (const [i, base] of [oh, ow].entries()) {
      if (outputSizes[i] < base || outputSizes[i] >= base + strides[i]) {
        fail(where, "option-value", `outputSizes[${i}] = ${outputSizes[i]} must be in [${base}, ${base + strides[i]})`);
      }
    }
    [oh, ow] = outputSizes;
  } else {
    oh += outputPadding[0];
    ow += outputPadding[1];
  }
  if (oh <= 0 || ow <= 0) fail(where, "output-size", `computed output size ${oh}x${ow} is not positive`);
  const shape = inputLayout === "nchw" ? [n, oc, oh, ow] : [n, oh, ow, oc];
  return core.node("convTranspose2d", { input, filter, bias }, { padding, strides, dilations, groups, inputLayout, filterLayout, outputSizes: [oh, ow] }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function gemm(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLGemmOptions) {
  const where = core.at("gemm", options); const o = readOptions(options, where);
  core.own(a, where, "a"); core.own(b, where, "b");
  checkDataType(a, FLOATS, where, "a");
  if (a.dataType !== b.dataType) fail(where, "data-type-mismatch", `a is ${a.dataType} but b is ${b.dataType}`);
  if (a.rank !== 2 || b.rank !== 2) fail(where, "rank", "a and b must be 2-D");
  const c = core.optOperand(o, "c", where);
  const alpha = optNumber(o, "alpha", 1, where);
  const beta = optNumber(o, "beta", 1, where);
  const aTranspose = optBoolean(o, "aTranspose", false, where);
  const bTranspose = optBoolean(o, "bTranspose", false, where);
  const [m, k] = aTranspose ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [k2, n] = bTranspose ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (k !== k2) fail(where, "shape-mismatch", `inner dimensions differ: ${k} and ${k2}`);
  if (c) {
    if (c.dataType !== a.dataType) fail(where, "data-type-mismatch", `c is ${c.dataType}, a is ${a.dataType}`);
    const s = broadcastShapes(c.shape, [m, n], where);
    if (!sameShape(s, [m, n])) fail(where, "broadcast", `c shape ${shapeToString(c.shape)} must broadcast to [${m}, ${n}]`);
  }
  return core.node("gemm", { a, b, c }, { alpha, beta, aTranspose, bTranspose }, [{ dataType: a.dataType, shape: [m, n] }], options?.label)[0];
}

function poolOp(core: BuilderCore, op: PoolOperatorName, input: MLOperand, options: Opts, allowed: readonly string[]) {
  const where = core.at(op, options); const o = readOptions(options, where);
  core.own(input, where);
  checkDataType(input, allowed, where);
  if (input.rank !== 4) fail(where, "rank", "input must be 4-D");
  const layout = optEnum(o, "layout", ["nchw", "nhwc"] as const, "nchw", where);
  const [n, c, h, w] = layout === "nchw" ? input.shape : [input.shape[0], input.shape[3], input.shape[1], input.shape[2]];
  const windowDimensions = optUintArray(o, "windowDimensions", [h, w], where, 2)!;
  const padding = optUintArray(o, "padding", [0, 0, 0, 0], where, 4)!;
  const strides = optUintArray(o, "strides", [1, 1], where, 2)!;
  const dilations = optUintArray(o, "dilations", [1, 1], where, 2)!;
  // "outputShapeRounding" (current spec); "roundingType" is the older name, still accepted.
  const roundingType = optEnum(o, o.outputShapeRounding !== undefined ? "outputShapeRounding" : "roundingType", ["floor", "ceil"] as const, "floor", where);
  const outputSizes = optUintArray(o, "outputSizes", undefined, where, 2);
  if (windowDimensions.some((d) => d === 0) || strides.some((s) => s === 0) || dilations.some((d) => d === 0)) {
    fail(where, "option-value", "windowDimensions, strides and dilations must be greater than 0");
  }
  const size = (i: number, round: (x: number) => number) => {
    const eff = (windowDimensions[i] - 1) * dilations[i] + 1;
    const inSize = (i === 0 ? h : w) + padding[2 * i] + padding[2 * i + 1];
    if (inSize < eff) fail(where, "output-size", `window ${eff} exceeds padded input ${inSize}`);
    return round((inSize - eff) / strides[i]) + 1;
  };
  let oh: number, ow: number;
  if (outputSizes) {
    const fl = [size(0, Math.floor), size(1, Math.floor)];
    const ce = [size(0, Math.ceil), size(1, Math.ceil)];
    for (let i = 0; i < 2; i++) {
      if (outputSizes[i] !== fl[i] && outputSizes[i] !== ce[i]) fail(where, "option-value", `outputSizes[${i}] = ${outputSizes[i]} must be ${fl[i]} or ${ce[i]}`);
    }
    [oh, ow] = outputSizes;
  } else {
    const r = roundingType === "ceil" ? Math.ceil : Math.floor;
    oh = size(0, r); ow = size(1, r);
  }
  const shape = layout === "nchw" ? [n, c, oh, ow] : [n, oh, ow, c];
  return core.node(op, { input }, { windowDimensions, padding, strides, dilations, layout, outputSizes: [oh, ow] }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function averagePool2d(core: BuilderCore, input: MLOperand, options?: MLPool2dOptions) { return poolOp(core, "averagePool2d", input, options, FLOATS); }

export function l2Pool2d(core: BuilderCore, input: MLOperand, options?: MLPool2dOptions) { return poolOp(core, "l2Pool2d", input, options, FLOATS); }

export function maxPool2d(core: BuilderCore, input: MLOperand, options?: MLPool2dOptions) { return poolOp(core, "maxPool2d", input, options, ANY); }

export function resample2d(core: BuilderCore, input: MLOperand, options?: MLResample2dOptions) {
  const where = core.at("resample2d", options); const o = readOptions(options, where);
  core.own(input, where);
  if (input.rank !== 4) fail(where, "rank", "input must be 4-D");
  const mode = optEnum(o, "mode", ["nearest-neighbor", "linear"] as const, "nearest-neighbor", where);
  checkDataType(input, mode === "linear" ? FLOATS : ["float32", "float16", "int32", "uint32", "int8", "uint8", "int64", "uint64"], where);
  const axes = optUintArray(o, "axes", [2, 3], where, 2)!;
  checkAxes(axes, 4, where);
  let scales: number[] | undefined;
  if (o.scales !== undefined) {
    if (!Array.isArray(o.scales) || o.scales.length !== 2 || !o.scales.every((v) => typeof v === "number" && v > 0)) fail(where, "option-type", "scales must be two positive numbers");
    scales = o.scales as number[];
  }
  const sizes = optUintArray(o, "sizes", undefined, where, 2);
  if (sizes && sizes.some((s) => s === 0)) fail(where, "option-value", "sizes must be greater than 0");
  const out = [...input.shape];
  axes.forEach((a, i) => { out[a] = sizes ? sizes[i] : Math.floor(input.shape[a] * (scales ? scales[i] : 1)); });
  if (out.some((d) => d === 0)) fail(where, "output-size", `output shape ${shapeToString(out)} has a zero dimension`);
  return core.node("resample2d", { input }, { mode, axes, scales: scales ?? axes.map((a) => out[a] / input.shape[a]), sizes: axes.map((a) => out[a]) }, [{ dataType: input.dataType, shape: out }], options?.label)[0];
}

function convOutSize(size: number, k: number, pb: number, pe: number, s: number, d: number, where: Where): number {
  const eff = (k - 1) * d + 1;
  const num = size + pb + pe - eff;
  if (num < 0) fail(where, "output-size", `dilated filter size ${eff} exceeds padded input size ${size + pb + pe}`);
  return Math.floor(num / s) + 1;
}
