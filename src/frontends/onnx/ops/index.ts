// The ONNX operator tables: every operator the importer knows, by domain and type.
import { ELEMENTWISE_OPS } from "./elementwise.js";
import { MICROSOFT_OPS } from "./microsoft.js";
import { NN_OPS, NORMALIZATION_EXTRA_OPS } from "./nn.js";
import { SEQUENCE_OPS } from "./sequence.js";
import { SHAPE_OPS } from "./shape.js";
import type { OnnxOp, OnnxOpTable } from "./types.js";

export const ONNX_OPS: Readonly<Record<string, OnnxOp>> = Object.freeze({ ...ELEMENTWISE_OPS, ...SHAPE_OPS, ...NN_OPS, ...NORMALIZATION_EXTRA_OPS, ...SEQUENCE_OPS });

/** Operator tables by domain: the default one and ONNX Runtime's com.microsoft. */
const DOMAINS: Readonly<Record<string, OnnxOpTable>> = Object.freeze({ "": ONNX_OPS, "com.microsoft": MICROSOFT_OPS });

export function onnxOp(opType: string, domain = ""): OnnxOp | undefined {
  const table = Object.prototype.hasOwnProperty.call(DOMAINS, domain) ? DOMAINS[domain] : undefined;
  return table && Object.prototype.hasOwnProperty.call(table, opType) ? table[opType] : undefined;
}

/** The operator types the importer reads, sorted. */
export const SUPPORTED_ONNX_OPERATORS: readonly string[] = Object.freeze(Object.keys(ONNX_OPS).sort());
/** The com.microsoft operator types the importer reads, sorted. */
export const SUPPORTED_MICROSOFT_OPERATORS: readonly string[] = Object.freeze(Object.keys(MICROSOFT_OPS).sort());
