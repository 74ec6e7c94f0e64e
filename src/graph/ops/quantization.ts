// The WebNN quantizeLinear and dequantizeLinear: each operator's validation, defaults and output
// descriptors as the spec has them, for MLGraphBuilder (graph/builder.ts) to call.
import { FLOATS, type BuilderCore } from "../builder-core.js";
import type { MLOperatorOptions } from "../options.js";
import { MLOperand } from "../operand.js";
import { checkDataType, fail, sameShape, type Where } from "../shape-rules.js";

function quantCheck(core: BuilderCore, op: "dequantizeLinear" | "quantizeLinear", input: MLOperand, scale: MLOperand, zeroPoint: MLOperand, where: Where) {
  core.own(input, where); core.own(scale, where, "scale"); core.own(zeroPoint, where, "zeroPoint");
  if (scale.rank !== input.rank || zeroPoint.rank !== input.rank) fail(where, "rank", `scale and zeroPoint must have the input's rank ${input.rank}`);
  if (!sameShape(scale.shape, zeroPoint.shape)) fail(where, "shape-mismatch", "scale and zeroPoint must have the same shape");
  scale.shape.forEach((d, i) => {
    if (input.shape[i] % d !== 0) fail(where, "block-size", `input dimension ${i} (${input.shape[i]}) is not a multiple of the scale dimension ${d}`);
  });
  void op;
}

export function dequantizeLinear(core: BuilderCore, input: MLOperand, scale: MLOperand, zeroPoint: MLOperand, options?: MLOperatorOptions) {
  const where = core.at("dequantizeLinear", options);
  quantCheck(core, "dequantizeLinear", input, scale, zeroPoint, where);
  checkDataType(input, ["int4", "uint4", "int8", "uint8", "int32", "uint32"], where);
  checkDataType(scale, FLOATS, where, "scale");
  if (zeroPoint.dataType !== input.dataType) fail(where, "data-type-mismatch", `zeroPoint is ${zeroPoint.dataType}, input is ${input.dataType}`);
  return core.node("dequantizeLinear", { input, scale, zeroPoint }, {}, [{ dataType: scale.dataType, shape: input.shape }], options?.label)[0];
}

export function quantizeLinear(core: BuilderCore, input: MLOperand, scale: MLOperand, zeroPoint: MLOperand, options?: MLOperatorOptions) {
  const where = core.at("quantizeLinear", options);
  quantCheck(core, "quantizeLinear", input, scale, zeroPoint, where);
  checkDataType(input, FLOATS, where);
  if (scale.dataType !== input.dataType) fail(where, "data-type-mismatch", `scale is ${scale.dataType}, input is ${input.dataType}`);
  checkDataType(zeroPoint, ["int4", "uint4", "int8", "uint8", "int32", "uint32"], where, "zeroPoint");
  return core.node("quantizeLinear", { input, scale, zeroPoint }, {}, [{ dataType: zeroPoint.dataType, shape: input.shape }], options?.label)[0];
}
