// A MIL model: the program plus the model boundary — how each WebNN input and output crosses
// into Core ML (feature name, array type and shape). Lowering makes one; passes rewrite its
// program; serialization writes it; the package reader and the runtime read it back.
import type { MLOperandDataType } from "../graph/types.js";
import type { MilProgram } from "./program.js";
import type { ModelDataType, Target } from "./target.js";

export type { ModelDataType };

/** One model input or output: the user's WebNN view and Core ML's view. */
export interface IOEntry {
  /** The WebNN name, as the user gave it. */
  name: string;
  /** The Core ML feature / MIL identifier (equal to `name` when that is a valid identifier). */
  coremlName: string;
  dataType: MLOperandDataType;
  shape: number[];
  coremlDataType: ModelDataType;
  coremlShape: number[];
  /**
   * An image feature (a CVPixelBuffer for Core ML and Vision) of this color space: the tensor is
   * float32 [1, C, height, width], C = 3 for RGB and BGR, 1 for GRAYSCALE.
   */
  image?: ImageColorSpace;
}

export type ImageColorSpace = "RGB" | "BGR" | "GRAYSCALE";

/** The boundary of one function: its inputs and outputs. */
export interface FunctionBoundary {
  inputs: IOEntry[];
  outputs: IOEntry[];
  /**
   * Core ML needs at least one model input; a graph with none (all constants) gets this unused
   * float32 [1] input, which callers feed with zeros.
   */
  placeholderInput?: string;
}

/** `inputs`, `outputs` and `placeholderInput` are those of the program's default function. */
export interface MilModel extends FunctionBoundary {
  target: Target;
  program: MilProgram;
  /**
   * A multifunction model (iOS 18): every function's boundary, by function name (the default
   * one included). Absent for a model of one function.
   */
  functions?: ReadonlyMap<string, FunctionBoundary>;
}

/** Function names: identifiers, as MIL names are. */
export const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;


/**
 * What Xcode and coremltools show about a model: ModelDescription.metadata (shortDescription,
 * author, license, versionString, userDefined) and each input's and output's shortDescription.
 * Descriptions of inputs and outputs are keyed by their WebNN names.
 */
export interface ModelMetadata {
  description?: string;
  author?: string;
  license?: string;
  version?: string;
  inputDescriptions?: Readonly<Record<string, string>>;
  outputDescriptions?: Readonly<Record<string, string>>;
  /** Key/value pairs (userDefined); keys starting with "com.github.webnn-coreml." are the converter's own. */
  userDefined?: Readonly<Record<string, string>>;
}
