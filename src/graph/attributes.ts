// What a graph node records besides its operands: the builder's options and method arguments
// after validation, with the spec's defaults filled in and values normalized (e.g. split's
// `splits` always as sizes). Lowering reads these; serialized graphs carry them.
import type {
  MLConv2dFilterOperandLayout, MLConvTranspose2dFilterOperandLayout, MLGruWeightLayout, MLInputOperandLayout,
  MLInterpolationMode, MLLstmWeightLayout, MLPaddingMode, MLRecurrentNetworkActivation, MLRecurrentNetworkDirection,
} from "./options.js";
import type { OperatorName } from "./operators.js";
import type { MLOperandDataType } from "./types.js";

type None = Record<string, never>;
interface Reduce { axes: number[]; keepDimensions: boolean }
interface ArgReduce { axis: number; keepDimensions: boolean; outputDataType: "int32" | "int64" }
interface Pool { windowDimensions: number[]; padding: number[]; strides: number[]; dilations: number[]; layout: MLInputOperandLayout; outputSizes: number[] }
interface Alpha { alpha: number }
interface AlphaBeta { alpha: number; beta: number }
interface Axis { axis: number }
interface RnnCommon { hiddenSize: number; activations: MLRecurrentNetworkActivation[] }

export interface Conv2dAttributes {
  padding: number[]; strides: number[]; dilations: number[]; groups: number;
  inputLayout: MLInputOperandLayout; filterLayout: MLConv2dFilterOperandLayout;
}
export interface ConvTranspose2dAttributes {
  padding: number[]; strides: number[]; dilations: number[]; groups: number;
  inputLayout: MLInputOperandLayout; filterLayout: MLConvTranspose2dFilterOperandLayout;
  /** The output height and width (given, or computed from outputPadding). */
  outputSizes: number[];
}
export type PoolAttributes = Pool;

/** The attributes of a node, by operator. */
export interface OperatorAttributeMap {
  add: None; sub: None; mul: None; div: None; max: None; min: None; pow: None;
  equal: None; notEqual: None; greater: None; greaterOrEqual: None; lesser: None; lesserOrEqual: None;
  logicalAnd: None; logicalOr: None; logicalXor: None;
  abs: None; ceil: None; cos: None; erf: None; exp: None; floor: None; identity: None; log: None; neg: None;
  reciprocal: None; sin: None; sqrt: None; tan: None; logicalNot: None; relu: None; sigmoid: None; tanh: None;
  hardSwish: None; softsign: None; softplus: None; sign: None; roundEven: None; gelu: None; isNaN: None; isInfinite: None;
  elu: Alpha; leakyRelu: Alpha; hardSigmoid: AlphaBeta; linear: AlphaBeta;
  clamp: { minValue: number; maxValue: number };
  cast: { type: MLOperandDataType };
  softmax: Axis;
  reduceL1: Reduce; reduceL2: Reduce; reduceLogSum: Reduce; reduceLogSumExp: Reduce; reduceMax: Reduce; reduceMean: Reduce;
  reduceMin: Reduce; reduceProduct: Reduce; reduceSum: Reduce; reduceSumSquare: Reduce;
  argMax: ArgReduce; argMin: ArgReduce;
  cumulativeSum: { axis: number; exclusive: boolean; reversed: boolean };
  reshape: { newShape: number[] };
  expand: { newShape: number[] };
  transpose: { permutation: number[] };
  concat: Axis;
  split: { splits: number[]; axis: number };
  slice: { starts: number[]; sizes: number[]; strides: number[] };
  tile: { repetitions: number[] };
  reverse: { axes: number[] };
  triangular: { upper: boolean; diagonal: number };
  pad: { beginningPadding: number[]; endingPadding: number[]; mode: MLPaddingMode; value: number };
  gather: Axis; gatherElements: Axis; gatherND: None; scatterElements: Axis; scatterND: None; where: None;
  matmul: None;
  gemm: { alpha: number; beta: number; aTranspose: boolean; bTranspose: boolean };
  prelu: None;
  conv2d: Conv2dAttributes;
  convTranspose2d: ConvTranspose2dAttributes;
  averagePool2d: Pool; l2Pool2d: Pool; maxPool2d: Pool;
  resample2d: { mode: MLInterpolationMode; axes: number[]; scales: number[]; sizes: number[] };
  batchNormalization: { axis: number; epsilon: number };
  instanceNormalization: { epsilon: number; layout: MLInputOperandLayout };
  layerNormalization: { axes: number[]; epsilon: number };
  dequantizeLinear: None; quantizeLinear: None;
  gru: RnnCommon & { steps: number; resetAfter: boolean; returnSequence: boolean; direction: MLRecurrentNetworkDirection; layout: MLGruWeightLayout };
  gruCell: RnnCommon & { resetAfter: boolean; layout: MLGruWeightLayout };
  lstm: RnnCommon & { steps: number; returnSequence: boolean; direction: MLRecurrentNetworkDirection; layout: MLLstmWeightLayout };
  lstmCell: RnnCommon & { layout: MLLstmWeightLayout };
}

/** Every operator has an attribute type, and nothing else does (a compile-time check). */
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const ATTRIBUTES_COVER_OPERATORS: Exact<keyof OperatorAttributeMap, OperatorName> = true;
void ATTRIBUTES_COVER_OPERATORS;

export type OperatorAttributes<K extends OperatorName> = Readonly<OperatorAttributeMap[K]>;
