// WebNN option dictionaries and enums, as the W3C WebNN IDL declares them (MLConv2dOptions, …):
// what MLGraphBuilder's methods accept. Numbers may also be given as bigint where the IDL says
// MLNumber. Members the IDL gives no default are optional; the builder fills the spec's defaults.
import type { MLOperand } from "./operand.js";
import type { MLOperandDataType } from "./types.js";

export type MLNumber = number | bigint;
export type MLInputOperandLayout = "nchw" | "nhwc";
export type MLConv2dFilterOperandLayout = "oihw" | "hwio" | "ohwi" | "ihwo";
export type MLConvTranspose2dFilterOperandLayout = "iohw" | "hwoi" | "ohwi";
export type MLRoundingType = "floor" | "ceil";
export type MLPaddingMode = "constant" | "edge" | "reflection";
export type MLInterpolationMode = "nearest-neighbor" | "linear";
export type MLRecurrentNetworkDirection = "forward" | "backward" | "both";
export type MLRecurrentNetworkActivation = "relu" | "sigmoid" | "tanh";
export type MLGruWeightLayout = "zrn" | "rzn";
export type MLLstmWeightLayout = "iofg" | "ifgo";

export interface MLOperatorOptions { label?: string }

export interface MLArgMinMaxOptions extends MLOperatorOptions { keepDimensions?: boolean; outputDataType?: "int32" | "int64" }
export interface MLBatchNormalizationOptions extends MLOperatorOptions { scale?: MLOperand; bias?: MLOperand; axis?: number; epsilon?: number }
export interface MLClampOptions extends MLOperatorOptions { minValue?: MLNumber; maxValue?: MLNumber }
export interface MLConv2dOptions extends MLOperatorOptions {
  padding?: readonly number[]; strides?: readonly number[]; dilations?: readonly number[]; groups?: number;
  inputLayout?: MLInputOperandLayout; filterLayout?: MLConv2dFilterOperandLayout; bias?: MLOperand;
}
export interface MLConvTranspose2dOptions extends MLOperatorOptions {
  padding?: readonly number[]; strides?: readonly number[]; dilations?: readonly number[]; outputPadding?: readonly number[];
  outputSizes?: readonly number[]; groups?: number; inputLayout?: MLInputOperandLayout;
  filterLayout?: MLConvTranspose2dFilterOperandLayout; bias?: MLOperand;
}
export interface MLCumulativeSumOptions extends MLOperatorOptions { exclusive?: boolean; reversed?: boolean }
export interface MLEluOptions extends MLOperatorOptions { alpha?: number }
export interface MLGatherOptions extends MLOperatorOptions { axis?: number }
export interface MLGemmOptions extends MLOperatorOptions { c?: MLOperand; alpha?: number; beta?: number; aTranspose?: boolean; bTranspose?: boolean }
export interface MLGruOptions extends MLOperatorOptions {
  bias?: MLOperand; recurrentBias?: MLOperand; initialHiddenState?: MLOperand; resetAfter?: boolean; returnSequence?: boolean;
  direction?: MLRecurrentNetworkDirection; layout?: MLGruWeightLayout; activations?: readonly MLRecurrentNetworkActivation[];
}
export interface MLGruCellOptions extends MLOperatorOptions {
  bias?: MLOperand; recurrentBias?: MLOperand; resetAfter?: boolean; layout?: MLGruWeightLayout; activations?: readonly MLRecurrentNetworkActivation[];
}
export interface MLHardSigmoidOptions extends MLOperatorOptions { alpha?: number; beta?: number }
export interface MLInstanceNormalizationOptions extends MLOperatorOptions { scale?: MLOperand; bias?: MLOperand; epsilon?: number; layout?: MLInputOperandLayout }
export interface MLLayerNormalizationOptions extends MLOperatorOptions { scale?: MLOperand; bias?: MLOperand; axes?: readonly number[]; epsilon?: number }
export interface MLLeakyReluOptions extends MLOperatorOptions { alpha?: number }
export interface MLLinearOptions extends MLOperatorOptions { alpha?: number; beta?: number }
export interface MLLstmOptions extends MLOperatorOptions {
  bias?: MLOperand; recurrentBias?: MLOperand; peepholeWeight?: MLOperand; initialHiddenState?: MLOperand; initialCellState?: MLOperand;
  returnSequence?: boolean; direction?: MLRecurrentNetworkDirection; layout?: MLLstmWeightLayout; activations?: readonly MLRecurrentNetworkActivation[];
}
export interface MLLstmCellOptions extends MLOperatorOptions {
  bias?: MLOperand; recurrentBias?: MLOperand; peepholeWeight?: MLOperand; layout?: MLLstmWeightLayout; activations?: readonly MLRecurrentNetworkActivation[];
}
export interface MLPadOptions extends MLOperatorOptions { mode?: MLPaddingMode; value?: MLNumber }
export interface MLPool2dOptions extends MLOperatorOptions {
  windowDimensions?: readonly number[]; padding?: readonly number[]; strides?: readonly number[]; dilations?: readonly number[];
  layout?: MLInputOperandLayout; outputShapeRounding?: MLRoundingType;
  /** The older name of outputShapeRounding, still accepted. */
  roundingType?: MLRoundingType;
  outputSizes?: readonly number[];
}
export interface MLReduceOptions extends MLOperatorOptions { axes?: readonly number[]; keepDimensions?: boolean }
export interface MLResample2dOptions extends MLOperatorOptions { mode?: MLInterpolationMode; scales?: readonly number[]; sizes?: readonly number[]; axes?: readonly number[] }
export interface MLReverseOptions extends MLOperatorOptions { axes?: readonly number[] }
export interface MLScatterOptions extends MLOperatorOptions { axis?: number }
export interface MLSliceOptions extends MLOperatorOptions { strides?: readonly number[] }
export interface MLSplitOptions extends MLOperatorOptions { axis?: number }
export interface MLTransposeOptions extends MLOperatorOptions { permutation?: readonly number[] }
export interface MLTriangularOptions extends MLOperatorOptions { upper?: boolean; diagonal?: number }

/** cast's target: the MLOperandDataType names. */
export type MLCastType = MLOperandDataType;
