// The WebNN batch, instance and layer normalization: each operator's validation, defaults and
// output descriptors as the spec has them, for MLGraphBuilder (graph/builder.ts) to call.
import { FLOATS, type BuilderCore } from "../builder-core.js";
import type { MLBatchNormalizationOptions, MLInstanceNormalizationOptions, MLLayerNormalizationOptions } from "../options.js";
import { MLOperand } from "../operand.js";
import { checkAxes, checkDataType, fail, optAxis, optEnum, optNumber, optUintArray, readOptions, sameShape } from "../shape-rules.js";
import { shapeToString } from "../types.js";

export function batchNormalization(core: BuilderCore, input: MLOperand, mean: MLOperand, variance: MLOperand, options?: MLBatchNormalizationOptions) {
  const where = core.at("batchNormalization", options); const o = readOptions(options, where);
  core.own(input, where); core.own(mean, where, "mean"); core.own(variance, where, "variance");
  checkDataType(input, FLOATS, where);
  const axis = optAxis(o, "axis", 1, input.rank, where);
  const epsilon = optNumber(o, "epsilon", 1e-5, where);
  const scale = core.optOperand(o, "scale", where);
  const bias = core.optOperand(o, "bias", where);
  const c = input.shape[axis];
  for (const [name, x] of [["mean", mean], ["variance", variance], ["scale", scale], ["bias", bias]] as const) {
    if (!x) continue;
    if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
    if (!sameShape(x.shape, [c])) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be [${c}]`);
  }
  return core.node("batchNormalization", { input, mean, variance, scale, bias }, { axis, epsilon }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}

export function instanceNormalization(core: BuilderCore, input: MLOperand, options?: MLInstanceNormalizationOptions) {
  const where = core.at("instanceNormalization", options); const o = readOptions(options, where);
  core.own(input, where);
  checkDataType(input, FLOATS, where);
  if (input.rank !== 4) fail(where, "rank", "input must be 4-D");
  const epsilon = optNumber(o, "epsilon", 1e-5, where);
  const layout = optEnum(o, "layout", ["nchw", "nhwc"] as const, "nchw", where);
  const scale = core.optOperand(o, "scale", where);
  const bias = core.optOperand(o, "bias", where);
  const c = layout === "nchw" ? input.shape[1] : input.shape[3];
  for (const [name, x] of [["scale", scale], ["bias", bias]] as const) {
    if (!x) continue;
    if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
    if (!sameShape(x.shape, [c])) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be [${c}]`);
  }
  return core.node("instanceNormalization", { input, scale, bias }, { epsilon, layout }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}

export function layerNormalization(core: BuilderCore, input: MLOperand, options?: MLLayerNormalizationOptions) {
  const where = core.at("layerNormalization", options); const o = readOptions(options, where);
  core.own(input, where);
  checkDataType(input, FLOATS, where);
  const axes = optUintArray(o, "axes", [...input.shape.keys()].slice(1), where)!;
  checkAxes(axes, input.rank, where);
  const epsilon = optNumber(o, "epsilon", 1e-5, where);
  const scale = core.optOperand(o, "scale", where);
  const bias = core.optOperand(o, "bias", where);
  const expected = axes.map((a) => input.shape[a]);
  for (const [name, x] of [["scale", scale], ["bias", bias]] as const) {
    if (!x) continue;
    if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
    if (!sameShape(x.shape, expected)) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be ${shapeToString(expected)}`);
  }
  return core.node("layerNormalization", { input, scale, bias }, { axes, epsilon }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}
