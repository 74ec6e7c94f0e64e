// The WebNN reductions, argMin/argMax and cumulativeSum: each operator's validation, defaults and
// output descriptors as the spec has them, for MLGraphBuilder (graph/builder.ts) to call.
import { FLOATS, ANY, type BuilderCore, type Opts } from "../builder-core.js";
import type { MLArgMinMaxOptions, MLCumulativeSumOptions, MLReduceOptions } from "../options.js";
import { MLOperand } from "../operand.js";
import type { ArgReduceOperatorName, ReduceOperatorName } from "../operators.js";
import { checkAxes, checkDataType, fail, optBoolean, optEnum, optUintArray, readOptions, uintScalar } from "../shape-rules.js";

function reduceOp(core: BuilderCore, op: ReduceOperatorName, input: MLOperand, options: Opts, allowed: readonly string[]): MLOperand {
  const where = core.at(op, options); const o = readOptions(options, where);
  core.own(input, where);
  checkDataType(input, allowed, where);
  const axes = optUintArray(o, "axes", [...input.shape.keys()], where)!;
  checkAxes(axes, input.rank, where);
  const keepDimensions = optBoolean(o, "keepDimensions", false, where);
  const shape = keepDimensions
    ? input.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : input.shape.filter((_, i) => !axes.includes(i));
  return core.node(op, { input }, { axes, keepDimensions }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function reduceL1(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceL1", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }

export function reduceL2(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceL2", input, options, FLOATS); }

export function reduceLogSum(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceLogSum", input, options, FLOATS); }

export function reduceLogSumExp(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceLogSumExp", input, options, FLOATS); }

export function reduceMax(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceMax", input, options, ANY); }

export function reduceMean(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceMean", input, options, FLOATS); }

export function reduceMin(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceMin", input, options, ANY); }

export function reduceProduct(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceProduct", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }

export function reduceSum(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceSum", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }

export function reduceSumSquare(core: BuilderCore, input: MLOperand, options?: MLReduceOptions) { return reduceOp(core, "reduceSumSquare", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }

function argReduceOp(core: BuilderCore, op: ArgReduceOperatorName, input: MLOperand, axis: number, options: Opts) {
  const where = core.at(op, options); const o = readOptions(options, where);
  core.own(input, where);
  const ax = uintScalar(axis, "axis", where);
  if (ax >= input.rank) fail(where, "axis-range", `axis ${ax} is out of range for rank ${input.rank}`);
  const keepDimensions = optBoolean(o, "keepDimensions", false, where);
  const outputDataType = optEnum(o, "outputDataType", ["int32", "int64"] as const, "int32", where);
  const shape = keepDimensions ? input.shape.map((d, i) => (i === ax ? 1 : d)) : input.shape.filter((_, i) => i !== ax);
  return core.node(op, { input }, { axis: ax, keepDimensions, outputDataType }, [{ dataType: outputDataType, shape }], options?.label)[0];
}

export function argMax(core: BuilderCore, input: MLOperand, axis: number, options?: MLArgMinMaxOptions) { return argReduceOp(core, "argMax", input, axis, options); }

export function argMin(core: BuilderCore, input: MLOperand, axis: number, options?: MLArgMinMaxOptions) { return argReduceOp(core, "argMin", input, axis, options); }

export function cumulativeSum(core: BuilderCore, input: MLOperand, axis: number, options?: MLCumulativeSumOptions) {
  const where = core.at("cumulativeSum", options); const o = readOptions(options, where);
  core.own(input, where);
  checkDataType(input, ["float32", "float16", "int32", "uint32", "int64", "uint64"], where);
  const ax = uintScalar(axis, "axis", where);
  if (ax >= input.rank) fail(where, "axis-range", `axis ${ax} is out of range for rank ${input.rank}`);
  const exclusive = optBoolean(o, "exclusive", false, where);
  const reversed = optBoolean(o, "reversed", false, where);
  return core.node("cumulativeSum", { input }, { axis: ax, exclusive, reversed }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}
