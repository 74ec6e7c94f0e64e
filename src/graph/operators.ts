// The WebNN operator signature table: for every MLGraphBuilder operator, its positional
// parameters (operands, operand sequences, plain values) in IDL order, the option names of its
// options dictionary (those whose IDL type is MLOperand apart), and whether it returns one
// operand or a sequence. The builder checks option names against it; the readers (webnn-graph
// JSON, serialized graphs, WPT cases) resolve operand names and call the builder through it
// (graph/apply-operator.ts); a test checks it against the builder and the lowering table.
import type { MLOperand } from "./operand.js";

export type ParamKind = "operand" | "operands" | "value";

export interface ParamSignature<N extends string = string, K extends ParamKind = ParamKind> {
  readonly name: N;
  readonly kind: K;
}

export interface OperatorSignature {
  readonly params: readonly ParamSignature[];
  /** Options whose IDL type is MLOperand (e.g. conv2d's bias, gemm's c). */
  readonly operandOptions: readonly string[];
  /** The other members of the options dictionary (MLOperatorOptions' `label` excepted). */
  readonly options: readonly string[];
  /** "sequence" when the method returns sequence<MLOperand>. */
  readonly returns: "operand" | "sequence";
}

const operand = <N extends string>(name: N) => ({ name, kind: "operand" }) as const;
const value = <N extends string>(name: N) => ({ name, kind: "value" }) as const;
const operands = <N extends string>(name: N) => ({ name, kind: "operands" }) as const;

function sig<P extends readonly ParamSignature[], O extends readonly string[] = readonly [], V extends readonly string[] = readonly []>(
  params: P, options?: V, operandOptions?: O, returns: "operand" | "sequence" = "operand",
) {
  return { params, operandOptions: (operandOptions ?? []) as unknown as O, options: (options ?? []) as unknown as V, returns } as const;
}

const BINARY = sig([operand("a"), operand("b")] as const);
const UNARY = sig([operand("input")] as const);
const REDUCE = sig([operand("input")] as const, ["axes", "keepDimensions"] as const);
const ARG_REDUCE = sig([operand("input"), value("axis")] as const, ["keepDimensions", "outputDataType"] as const);
const POOL = sig([operand("input")] as const, ["windowDimensions", "padding", "strides", "dilations", "layout", "outputShapeRounding", "roundingType", "outputSizes"] as const);
const QUANTIZE = sig([operand("input"), operand("scale"), operand("zeroPoint")] as const);
const GATHER = sig([operand("input"), operand("indices")] as const, ["axis"] as const);

export const OPERATORS = {
  // element-wise binary
  add: BINARY, sub: BINARY, mul: BINARY, div: BINARY, max: BINARY, min: BINARY, pow: BINARY,
  equal: BINARY, notEqual: BINARY, greater: BINARY, greaterOrEqual: BINARY, lesser: BINARY, lesserOrEqual: BINARY,
  logicalAnd: BINARY, logicalOr: BINARY, logicalXor: BINARY,
  // element-wise unary
  abs: UNARY, ceil: UNARY, cos: UNARY, erf: UNARY, exp: UNARY, floor: UNARY, identity: UNARY, log: UNARY, neg: UNARY,
  reciprocal: UNARY, sin: UNARY, sqrt: UNARY, tan: UNARY, logicalNot: UNARY, relu: UNARY, sigmoid: UNARY, tanh: UNARY,
  hardSwish: UNARY, softsign: UNARY, softplus: UNARY, sign: UNARY, roundEven: UNARY, gelu: UNARY, isNaN: UNARY, isInfinite: UNARY,
  elu: sig([operand("input")] as const, ["alpha"] as const),
  leakyRelu: sig([operand("input")] as const, ["alpha"] as const),
  hardSigmoid: sig([operand("input")] as const, ["alpha", "beta"] as const),
  linear: sig([operand("input")] as const, ["alpha", "beta"] as const),
  clamp: sig([operand("input")] as const, ["minValue", "maxValue"] as const),
  cast: sig([operand("input"), value("type")] as const),
  softmax: sig([operand("input"), value("axis")] as const),
  // reductions
  reduceL1: REDUCE, reduceL2: REDUCE, reduceLogSum: REDUCE, reduceLogSumExp: REDUCE, reduceMax: REDUCE, reduceMean: REDUCE,
  reduceMin: REDUCE, reduceProduct: REDUCE, reduceSum: REDUCE, reduceSumSquare: REDUCE,
  argMax: ARG_REDUCE, argMin: ARG_REDUCE,
  cumulativeSum: sig([operand("input"), value("axis")] as const, ["exclusive", "reversed"] as const),
  // shape and data movement
  reshape: sig([operand("input"), value("newShape")] as const),
  expand: sig([operand("input"), value("newShape")] as const),
  transpose: sig([operand("input")] as const, ["permutation"] as const),
  concat: sig([operands("inputs"), value("axis")] as const),
  split: sig([operand("input"), value("splits")] as const, ["axis"] as const, [] as const, "sequence"),
  slice: sig([operand("input"), value("starts"), value("sizes")] as const, ["strides"] as const),
  tile: sig([operand("input"), value("repetitions")] as const),
  reverse: sig([operand("input")] as const, ["axes"] as const),
  triangular: sig([operand("input")] as const, ["upper", "diagonal"] as const),
  pad: sig([operand("input"), value("beginningPadding"), value("endingPadding")] as const, ["mode", "value"] as const),
  gather: GATHER,
  gatherElements: GATHER,
  gatherND: sig([operand("input"), operand("indices")] as const),
  scatterElements: sig([operand("input"), operand("indices"), operand("updates")] as const, ["axis"] as const),
  scatterND: sig([operand("input"), operand("indices"), operand("updates")] as const),
  where: sig([operand("condition"), operand("trueValue"), operand("falseValue")] as const),
  // linear algebra, convolution, pooling
  matmul: BINARY,
  gemm: sig([operand("a"), operand("b")] as const, ["alpha", "beta", "aTranspose", "bTranspose"] as const, ["c"] as const),
  prelu: sig([operand("input"), operand("slope")] as const),
  conv2d: sig([operand("input"), operand("filter")] as const,
    ["padding", "strides", "dilations", "groups", "inputLayout", "filterLayout"] as const, ["bias"] as const),
  convTranspose2d: sig([operand("input"), operand("filter")] as const,
    ["padding", "strides", "dilations", "outputPadding", "outputSizes", "groups", "inputLayout", "filterLayout"] as const, ["bias"] as const),
  averagePool2d: POOL, l2Pool2d: POOL, maxPool2d: POOL,
  resample2d: sig([operand("input")] as const, ["mode", "scales", "sizes", "axes"] as const),
  // normalization
  batchNormalization: sig([operand("input"), operand("mean"), operand("variance")] as const, ["axis", "epsilon"] as const, ["scale", "bias"] as const),
  instanceNormalization: sig([operand("input")] as const, ["epsilon", "layout"] as const, ["scale", "bias"] as const),
  layerNormalization: sig([operand("input")] as const, ["axes", "epsilon"] as const, ["scale", "bias"] as const),
  // quantization
  dequantizeLinear: QUANTIZE, quantizeLinear: QUANTIZE,
  // recurrent networks
  gru: sig([operand("input"), operand("weight"), operand("recurrentWeight"), value("steps"), value("hiddenSize")] as const,
    ["resetAfter", "returnSequence", "direction", "layout", "activations"] as const,
    ["bias", "recurrentBias", "initialHiddenState"] as const, "sequence"),
  gruCell: sig([operand("input"), operand("weight"), operand("recurrentWeight"), operand("hiddenState"), value("hiddenSize")] as const,
    ["resetAfter", "layout", "activations"] as const, ["bias", "recurrentBias"] as const),
  lstm: sig([operand("input"), operand("weight"), operand("recurrentWeight"), value("steps"), value("hiddenSize")] as const,
    ["returnSequence", "direction", "layout", "activations"] as const,
    ["bias", "recurrentBias", "peepholeWeight", "initialHiddenState", "initialCellState"] as const, "sequence"),
  lstmCell: sig([operand("input"), operand("weight"), operand("recurrentWeight"), operand("hiddenState"), operand("cellState"), value("hiddenSize")] as const,
    ["layout", "activations"] as const, ["bias", "recurrentBias", "peepholeWeight"] as const, "sequence"),
} as const;

// Checked apart from the literal: `satisfies` would make the sig() calls infer wide option lists.
const TABLE_IS_SIGNATURES: Readonly<Record<string, OperatorSignature>> = OPERATORS;
void TABLE_IS_SIGNATURES;

export type OperatorName = keyof typeof OPERATORS;
type Sig<K extends OperatorName> = (typeof OPERATORS)[K];

export const OPERATOR_NAMES: readonly OperatorName[] = Object.freeze(Object.keys(OPERATORS) as OperatorName[]);

export function isOperatorName(op: unknown): op is OperatorName {
  return typeof op === "string" && Object.prototype.hasOwnProperty.call(OPERATORS, op);
}

export function operatorSignature(op: OperatorName): OperatorSignature {
  return OPERATORS[op];
}

/** The operand arguments of a node of operator K, by parameter name (derived from the table). */
export type OperatorInputs<K extends OperatorName> =
  & { readonly [P in Sig<K>["params"][number] as P extends { kind: "operand" } ? P["name"] : never]: MLOperand }
  & { readonly [P in Sig<K>["params"][number] as P extends { kind: "operands" } ? P["name"] : never]: readonly MLOperand[] }
  & { readonly [O in Sig<K>["operandOptions"][number]]?: MLOperand };

/** Names of the parameters and options that are operands, in table order (positional first). */
export function operandArgumentNames(op: OperatorName): string[] {
  const s = operatorSignature(op);
  return [...s.params.filter((p) => p.kind !== "value").map((p) => p.name), ...s.operandOptions];
}

/** The operators whose signature has the shape S (e.g. every reduction). */
export type OperatorsWith<S> = { [K in OperatorName]: Sig<K> extends S ? K : never }[OperatorName];
/** Operators with exactly the operands a and b. */
export type BinaryOperatorName = OperatorsWith<{ params: readonly [{ name: "a"; kind: "operand" }, { name: "b"; kind: "operand" }] }>;
/** Operators whose first parameter is the operand `input`. */
export type InputOperatorName = OperatorsWith<{ params: readonly [{ name: "input"; kind: "operand" }, ...ParamSignature[]] }>;
export type ReduceOperatorName = OperatorsWith<typeof REDUCE>;
export type ArgReduceOperatorName = OperatorsWith<typeof ARG_REDUCE>;
export type PoolOperatorName = OperatorsWith<typeof POOL>;
