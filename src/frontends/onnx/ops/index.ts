// The ONNX operator table: every operator of the default domain the importer knows, by type.
import { ELEMENTWISE_OPS } from "./elementwise.js";
import { NN_OPS, NORMALIZATION_EXTRA_OPS } from "./nn.js";
import { SEQUENCE_OPS } from "./sequence.js";
import { SHAPE_OPS } from "./shape.js";
import type { OnnxOp } from "./types.js";

export const ONNX_OPS: Readonly<Record<string, OnnxOp>> = Object.freeze({ ...ELEMENTWISE_OPS, ...SHAPE_OPS, ...NN_OPS, ...NORMALIZATION_EXTRA_OPS, ...SEQUENCE_OPS });

export function onnxOp(opType: string): OnnxOp | undefined {
  return Object.prototype.hasOwnProperty.call(ONNX_OPS, opType) ? ONNX_OPS[opType] : undefined;
}

/** The operator types the importer reads, sorted. */
export const SUPPORTED_ONNX_OPERATORS: readonly string[] = Object.freeze(Object.keys(ONNX_OPS).sort());
