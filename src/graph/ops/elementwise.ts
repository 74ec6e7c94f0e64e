// The WebNN element-wise binary, unary and activation operators, cast, softmax, prelu and where:
// each operator's validation, defaults and output descriptors as the spec has them, for
// MLGraphBuilder (graph/builder.ts) to call.
import { FLOATS, SIGNED, ANY, type BuilderCore, type Opts } from "../builder-core.js";
import { describeValue } from "../../errors.js";
import type { OperatorAttributeMap } from "../attributes.js";
import type { MLClampOptions, MLEluOptions, MLHardSigmoidOptions, MLLeakyReluOptions, MLLinearOptions, MLOperatorOptions } from "../options.js";
import { MLOperand } from "../operand.js";
import type { BinaryOperatorName, InputOperatorName, OperatorInputs } from "../operators.js";
import { broadcastShapes, checkDataType, fail, optNumber, readOptions, uintScalar } from "../shape-rules.js";
import type { MLOperandDataType } from "../types.js";

function binaryOp(core: BuilderCore, op: BinaryOperatorName, a: MLOperand, b: MLOperand, options: Opts, outType?: MLOperandDataType, allowed: readonly string[] = ANY): MLOperand {
  const where = core.at(op, options);
  core.own(a, where, "a"); core.own(b, where, "b");
  readOptions(options, where);
  if (a.dataType !== b.dataType) fail(where, "data-type-mismatch", `a is ${a.dataType} but b is ${b.dataType}`);
  checkDataType(a, allowed, where, "a");
  const shape = broadcastShapes(a.shape, b.shape, where);
  return core.node(op, { a, b }, {}, [{ dataType: outType ?? a.dataType, shape }], options?.label)[0];
}

export function add(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "add", a, b, options); }

export function sub(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "sub", a, b, options); }

export function mul(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "mul", a, b, options); }

export function div(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "div", a, b, options); }

export function max(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "max", a, b, options); }

export function min(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "min", a, b, options); }

export function pow(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "pow", a, b, options); }

export function equal(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "equal", a, b, options, "uint8"); }

export function notEqual(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "notEqual", a, b, options, "uint8"); }

export function greater(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "greater", a, b, options, "uint8"); }

export function greaterOrEqual(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "greaterOrEqual", a, b, options, "uint8"); }

export function lesser(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "lesser", a, b, options, "uint8"); }

export function lesserOrEqual(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "lesserOrEqual", a, b, options, "uint8"); }

export function logicalAnd(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "logicalAnd", a, b, options, "uint8", ["uint8"]); }

export function logicalOr(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "logicalOr", a, b, options, "uint8", ["uint8"]); }

export function logicalXor(core: BuilderCore, a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return binaryOp(core, "logicalXor", a, b, options, "uint8", ["uint8"]); }

function unaryOp<K extends InputOperatorName>(core: BuilderCore, op: K, input: MLOperand, options: Opts, allowed: readonly string[], attributes?: OperatorAttributeMap[K], outType?: MLOperandDataType): MLOperand {
  const where = core.at(op, options);
  core.own(input, where);
  checkDataType(input, allowed, where);
  return core.node(op, { input } as unknown as OperatorInputs<K>, attributes ?? ({} as OperatorAttributeMap[K]), [{ dataType: outType ?? input.dataType, shape: input.shape }], options?.label)[0];
}

export function abs(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "abs", input, options, SIGNED); }

export function ceil(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "ceil", input, options, FLOATS); }

export function cos(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "cos", input, options, FLOATS); }

export function erf(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "erf", input, options, FLOATS); }

export function exp(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "exp", input, options, FLOATS); }

export function floor(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "floor", input, options, FLOATS); }

export function identity(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "identity", input, options, ANY); }

export function log(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "log", input, options, FLOATS); }

export function neg(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "neg", input, options, SIGNED); }

export function reciprocal(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "reciprocal", input, options, FLOATS); }

export function sin(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "sin", input, options, FLOATS); }

export function sqrt(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "sqrt", input, options, FLOATS); }

export function tan(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "tan", input, options, FLOATS); }

export function logicalNot(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "logicalNot", input, options, ["uint8"]); }

export function relu(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "relu", input, options, SIGNED); }

export function sigmoid(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "sigmoid", input, options, FLOATS); }

export function tanh(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "tanh", input, options, FLOATS); }

export function hardSwish(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "hardSwish", input, options, FLOATS); }

export function softsign(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "softsign", input, options, FLOATS); }

export function softplus(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "softplus", input, options, FLOATS); }

export function elu(core: BuilderCore, input: MLOperand, options?: MLEluOptions) {
  const where = core.at("elu", options); const o = readOptions(options, where);
  const alpha = optNumber(o, "alpha", 1, where);
  return unaryOp(core, "elu", input, options, FLOATS, { alpha });
}

export function leakyRelu(core: BuilderCore, input: MLOperand, options?: MLLeakyReluOptions) {
  const where = core.at("leakyRelu", options); const o = readOptions(options, where);
  return unaryOp(core, "leakyRelu", input, options, FLOATS, { alpha: optNumber(o, "alpha", 0.01, where) });
}

export function hardSigmoid(core: BuilderCore, input: MLOperand, options?: MLHardSigmoidOptions) {
  const where = core.at("hardSigmoid", options); const o = readOptions(options, where);
  return unaryOp(core, "hardSigmoid", input, options, FLOATS, { alpha: optNumber(o, "alpha", 0.2, where), beta: optNumber(o, "beta", 0.5, where) });
}

export function linear(core: BuilderCore, input: MLOperand, options?: MLLinearOptions) {
  const where = core.at("linear", options); const o = readOptions(options, where);
  return unaryOp(core, "linear", input, options, FLOATS, { alpha: optNumber(o, "alpha", 1, where), beta: optNumber(o, "beta", 0, where) });
}

export function clamp(core: BuilderCore, input: MLOperand, options?: MLClampOptions) {
  const where = core.at("clamp", options); const o = readOptions(options, where);
  // A NaN bound bounds nothing (WPT "minValue as NaN").
  let minValue = optNumber(o, "minValue", -Infinity, where);
  let maxValue = optNumber(o, "maxValue", Infinity, where);
  if (Number.isNaN(minValue)) minValue = -Infinity;
  if (Number.isNaN(maxValue)) maxValue = Infinity;
  if (minValue > maxValue) fail(where, "option-value", `minValue ${minValue} is greater than maxValue ${maxValue}`);
  return unaryOp(core, "clamp", input, options, ANY, { minValue, maxValue });
}

export function cast(core: BuilderCore, input: MLOperand, type: MLOperandDataType, options?: MLOperatorOptions) {
  const where = core.at("cast", options);
  core.own(input, where);
  if (typeof type !== "string" || !ANY.includes(type)) fail(where, "argument-type", `cast type ${describeValue(type)} is not an MLOperandDataType`);
  return core.node("cast", { input }, { type }, [{ dataType: type, shape: input.shape }], options?.label)[0];
}

export function softmax(core: BuilderCore, input: MLOperand, axis: number, options?: MLOperatorOptions) {
  const where = core.at("softmax", options);
  core.own(input, where);
  checkDataType(input, FLOATS, where);
  const ax = uintScalar(axis, "axis", where);
  if (ax >= input.rank) fail(where, "axis-range", `axis ${ax} is out of range for rank ${input.rank}`);
  return core.node("softmax", { input }, { axis: ax }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}

export function sign(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "sign", input, options, SIGNED); }

export function roundEven(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "roundEven", input, options, FLOATS); }

export function gelu(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "gelu", input, options, FLOATS); }

export function isNaN(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "isNaN", input, options, FLOATS, {}, "uint8"); }

export function isInfinite(core: BuilderCore, input: MLOperand, options?: MLOperatorOptions) { return unaryOp(core, "isInfinite", input, options, FLOATS, {}, "uint8"); }

export function prelu(core: BuilderCore, input: MLOperand, slope: MLOperand, options?: MLOperatorOptions) {
  const where = core.at("prelu", options);
  core.own(input, where); core.own(slope, where, "slope");
  checkDataType(input, ["float32", "float16", "int32", "int64", "int8"], where);
  if (slope.dataType !== input.dataType) fail(where, "data-type-mismatch", `slope is ${slope.dataType}, input is ${input.dataType}`);
  const shape = broadcastShapes(input.shape, slope.shape, where);
  return core.node("prelu", { input, slope }, {}, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function where(core: BuilderCore, condition: MLOperand, trueValue: MLOperand, falseValue: MLOperand, options?: MLOperatorOptions) {
  const where = core.at("where", options);
  core.own(condition, where, "condition"); core.own(trueValue, where, "trueValue"); core.own(falseValue, where, "falseValue");
  checkDataType(condition, ["uint8"], where, "condition");
  if (trueValue.dataType !== falseValue.dataType) fail(where, "data-type-mismatch", `trueValue is ${trueValue.dataType}, falseValue is ${falseValue.dataType}`);
  const shape = broadcastShapes(broadcastShapes(condition.shape, trueValue.shape, where), falseValue.shape, where);
  return core.node("where", { condition, trueValue, falseValue }, {}, [{ dataType: trueValue.dataType, shape }], options?.label)[0];
}
