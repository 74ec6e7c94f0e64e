// The ONNX operator tables: every operator the importer knows, by domain and type.
import { ELEMENTWISE_OPS } from "./elementwise.js";
import { MICROSOFT_OPS } from "./microsoft.js";
import { MICROSOFT_ATTENTION_OPS } from "./microsoft-attention.js";
import { NN_OPS, NORMALIZATION_EXTRA_OPS } from "./nn.js";
import { QLINEAR_MICROSOFT_OPS, QLINEAR_OPS } from "./qlinear.js";
import { SEQUENCE_OPS } from "./sequence.js";
import { SHAPE_OPS } from "./shape.js";
import type { OnnxOp, OnnxOpTable } from "./types.js";
import type { OnnxNode, OnnxTensor } from "../proto.js";

export const ONNX_OPS: Readonly<Record<string, OnnxOp>> = Object.freeze({ ...ELEMENTWISE_OPS, ...SHAPE_OPS, ...NN_OPS, ...NORMALIZATION_EXTRA_OPS, ...SEQUENCE_OPS, ...QLINEAR_OPS });

/** Operator tables by domain: the default one and ONNX Runtime's com.microsoft. */
const MICROSOFT: OnnxOpTable = Object.freeze({ ...MICROSOFT_OPS, ...MICROSOFT_ATTENTION_OPS, ...QLINEAR_MICROSOFT_OPS });
const DOMAINS: Readonly<Record<string, OnnxOpTable>> = Object.freeze({ "": ONNX_OPS, "com.microsoft": MICROSOFT });

export function onnxOp(opType: string, domain = ""): OnnxOp | undefined {
  const table = Object.prototype.hasOwnProperty.call(DOMAINS, domain) ? DOMAINS[domain] : undefined;
  return table && Object.prototype.hasOwnProperty.call(table, opType) ? table[opType] : undefined;
}

/** The operator types the importer reads, sorted. */
export const SUPPORTED_ONNX_OPERATORS: readonly string[] = Object.freeze(Object.keys(ONNX_OPS).sort());
/** The com.microsoft operator types the importer reads, sorted. */
export const SUPPORTED_MICROSOFT_OPERATORS: readonly string[] = Object.freeze(Object.keys(MICROSOFT).sort());

/**
 * The nodes with each `expand` operator spelled in the operators it stands for (in place, so a
 * sorted list stays sorted). Returns `nodes` itself when there is none.
 */
export function expandNodes(nodes: readonly OnnxNode[], initializer: (name: string) => OnnxTensor | undefined): readonly OnnxNode[] {
  if (!nodes.some((n) => onnxOp(n.opType, n.domain)?.expand)) return nodes;
  return nodes.flatMap((n) => onnxOp(n.opType, n.domain)?.expand?.(n, initializer) ?? [n]);
}
