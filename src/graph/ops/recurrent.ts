// The WebNN gru, gruCell, lstm and lstmCell: each operator's validation, defaults and output
// descriptors as the spec has them, for MLGraphBuilder (graph/builder.ts) to call.
import { FLOATS, type BuilderCore, type Opts } from "../builder-core.js";
import type { MLGruCellOptions, MLGruOptions, MLLstmCellOptions, MLLstmOptions, MLRecurrentNetworkActivation } from "../options.js";
import { MLOperand } from "../operand.js";
import { checkDataType, fail, optBoolean, optEnum, readOptions, sameShape, uintScalar, type Where } from "../shape-rules.js";
import { shapeToString, type MLOperandDataType } from "../types.js";

function rnnOperand(core: BuilderCore, o: Record<string, unknown>, key: string, shape: number[], dt: MLOperandDataType, where: Where): MLOperand | undefined {
  const x = core.optOperand(o, key, where);
  if (!x) return undefined;
  if (x.dataType !== dt) fail(where, "data-type-mismatch", `${key} is ${x.dataType}, input is ${dt}`);
  if (!sameShape(x.shape, shape)) fail(where, "shape-mismatch", `${key} shape ${shapeToString(x.shape)} must be ${shapeToString(shape)}`);
  return x;
}

function activationList(core: BuilderCore, o: Record<string, unknown>, dflt: MLRecurrentNetworkActivation[], where: Where): MLRecurrentNetworkActivation[] {
  const v = o.activations;
  if (v === undefined) return dflt;
  if (!Array.isArray(v) || v.length !== dflt.length || !v.every((a) => a === "relu" || a === "sigmoid" || a === "tanh")) {
    fail(where, "option-value", `activations must be ${dflt.length} of relu, sigmoid, tanh`);
  }
  return [...(v as MLRecurrentNetworkActivation[])];
}

function checkRnnCommon(core: BuilderCore, where: Where, input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, wShape: number[], rShape: number[]) {
  checkDataType(input, FLOATS, where);
  for (const [name, x, shape] of [["weight", weight, wShape], ["recurrentWeight", recurrentWeight, rShape]] as const) {
    if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
    if (!sameShape(x.shape, shape)) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be ${shapeToString(shape)}`);
  }
}

/** Arguments and options shared by gru and lstm (`gates`: 3 or 4 gate blocks in the weights). */
function rnnSequenceArgs(core: BuilderCore, op: "gru" | "lstm", gates: number, input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, steps: number, hiddenSize: number, options: Opts) {
  const where = core.at(op, options); const o = readOptions(options, where);
  core.own(input, where); core.own(weight, where, "weight"); core.own(recurrentWeight, where, "recurrentWeight");
  const st = uintScalar(steps, "steps", where); const hs = uintScalar(hiddenSize, "hiddenSize", where);
  if (st === 0 || hs === 0) fail(where, "argument-value", "steps and hiddenSize must be greater than 0");
  if (input.rank !== 3 || input.shape[0] !== st) fail(where, "shape-mismatch", `input must be [steps=${st}, batchSize, inputSize], got ${shapeToString(input.shape)}`);
  const direction = optEnum(o, "direction", ["forward", "backward", "both"] as const, "forward", where);
  const nd = direction === "both" ? 2 : 1;
  const [, batch, inputSize] = input.shape;
  checkRnnCommon(core, where, input, weight, recurrentWeight, [nd, gates * hs, inputSize], [nd, gates * hs, hs]);
  return {
    where, o, st, hs, nd, batch, direction,
    bias: rnnOperand(core, o, "bias", [nd, gates * hs], input.dataType, where),
    recurrentBias: rnnOperand(core, o, "recurrentBias", [nd, gates * hs], input.dataType, where),
    initialHiddenState: rnnOperand(core, o, "initialHiddenState", [nd, batch, hs], input.dataType, where),
    returnSequence: optBoolean(o, "returnSequence", false, where),
  };
}

export function gru(core: BuilderCore, input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, steps: number, hiddenSize: number, options?: MLGruOptions): MLOperand[] {
  const { where, o, st, hs, nd, batch, direction, bias, recurrentBias, initialHiddenState, returnSequence } =
    rnnSequenceArgs(core, "gru", 3, input, weight, recurrentWeight, steps, hiddenSize, options);
  const resetAfter = optBoolean(o, "resetAfter", true, where);
  const layout = optEnum(o, "layout", ["zrn", "rzn"] as const, "zrn", where);
  const activations = activationList(core, o, ["sigmoid", "tanh"], where);
  const outs = [{ dataType: input.dataType, shape: [nd, batch, hs] }];
  if (returnSequence) outs.push({ dataType: input.dataType, shape: [st, nd, batch, hs] });
  return core.node("gru", { input, weight, recurrentWeight, bias, recurrentBias, initialHiddenState },
    { steps: st, hiddenSize: hs, resetAfter, returnSequence, direction, layout, activations }, outs, options?.label);
}

export function gruCell(core: BuilderCore, input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, hiddenState: MLOperand, hiddenSize: number, options?: MLGruCellOptions): MLOperand {
  const where = core.at("gruCell", options); const o = readOptions(options, where);
  core.own(input, where); core.own(weight, where, "weight"); core.own(recurrentWeight, where, "recurrentWeight"); core.own(hiddenState, where, "hiddenState");
  const hs = uintScalar(hiddenSize, "hiddenSize", where);
  if (hs === 0) fail(where, "argument-value", "hiddenSize must be greater than 0");
  if (input.rank !== 2) fail(where, "rank", "input must be [batchSize, inputSize]");
  const [batch, inputSize] = input.shape;
  checkRnnCommon(core, where, input, weight, recurrentWeight, [3 * hs, inputSize], [3 * hs, hs]);
  if (hiddenState.dataType !== input.dataType || !sameShape(hiddenState.shape, [batch, hs])) fail(where, "shape-mismatch", `hiddenState must be ${input.dataType} [${batch}, ${hs}]`);
  const bias = rnnOperand(core, o, "bias", [3 * hs], input.dataType, where);
  const recurrentBias = rnnOperand(core, o, "recurrentBias", [3 * hs], input.dataType, where);
  const resetAfter = optBoolean(o, "resetAfter", true, where);
  const layout = optEnum(o, "layout", ["zrn", "rzn"] as const, "zrn", where);
  const activations = activationList(core, o, ["sigmoid", "tanh"], where);
  return core.node("gruCell", { input, weight, recurrentWeight, hiddenState, bias, recurrentBias },
    { hiddenSize: hs, resetAfter, layout, activations }, [{ dataType: input.dataType, shape: [batch, hs] }], options?.label)[0];
}

export function lstm(core: BuilderCore, input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, steps: number, hiddenSize: number, options?: MLLstmOptions): MLOperand[] {
  const { where, o, st, hs, nd, batch, direction, bias, recurrentBias, initialHiddenState, returnSequence } =
    rnnSequenceArgs(core, "lstm", 4, input, weight, recurrentWeight, steps, hiddenSize, options);
  const peepholeWeight = rnnOperand(core, o, "peepholeWeight", [nd, 3 * hs], input.dataType, where);
  const initialCellState = rnnOperand(core, o, "initialCellState", [nd, batch, hs], input.dataType, where);
  const layout = optEnum(o, "layout", ["iofg", "ifgo"] as const, "iofg", where);
  const activations = activationList(core, o, ["sigmoid", "tanh", "tanh"], where);
  const outs = [{ dataType: input.dataType, shape: [nd, batch, hs] }, { dataType: input.dataType, shape: [nd, batch, hs] }];
  if (returnSequence) outs.push({ dataType: input.dataType, shape: [st, nd, batch, hs] });
  return core.node("lstm", { input, weight, recurrentWeight, bias, recurrentBias, peepholeWeight, initialHiddenState, initialCellState },
    { steps: st, hiddenSize: hs, returnSequence, direction, layout, activations }, outs, options?.label);
}

export function lstmCell(core: BuilderCore, input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, hiddenState: MLOperand, cellState: MLOperand, hiddenSize: number, options?: MLLstmCellOptions): MLOperand[] {
  const where = core.at("lstmCell", options); const o = readOptions(options, where);
  core.own(input, where); core.own(weight, where, "weight"); core.own(recurrentWeight, where, "recurrentWeight");
  core.own(hiddenState, where, "hiddenState"); core.own(cellState, where, "cellState");
  const hs = uintScalar(hiddenSize, "hiddenSize", where);
  if (hs === 0) fail(where, "argument-value", "hiddenSize must be greater than 0");
  if (input.rank !== 2) fail(where, "rank", "input must be [batchSize, inputSize]");
  const [batch, inputSize] = input.shape;
  checkRnnCommon(core, where, input, weight, recurrentWeight, [4 * hs, inputSize], [4 * hs, hs]);
  for (const [name, x] of [["hiddenState", hiddenState], ["cellState", cellState]] as const) {
    if (x.dataType !== input.dataType || !sameShape(x.shape, [batch, hs])) fail(where, "shape-mismatch", `${name} must be ${input.dataType} [${batch}, ${hs}]`);
  }
  const bias = rnnOperand(core, o, "bias", [4 * hs], input.dataType, where);
  const recurrentBias = rnnOperand(core, o, "recurrentBias", [4 * hs], input.dataType, where);
  const peepholeWeight = rnnOperand(core, o, "peepholeWeight", [3 * hs], input.dataType, where);
  const layout = optEnum(o, "layout", ["iofg", "ifgo"] as const, "iofg", where);
  const activations = activationList(core, o, ["sigmoid", "tanh", "tanh"], where);
  const out = { dataType: input.dataType, shape: [batch, hs] };
  return core.node("lstmCell", { input, weight, recurrentWeight, hiddenState, cellState, bias, recurrentBias, peepholeWeight },
    { hiddenSize: hs, layout, activations }, [out, out], options?.label);
}
