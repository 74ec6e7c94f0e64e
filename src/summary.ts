// A conversion summary: what a converted package holds, in plain data (it crosses postMessage),
// for the demo page and for callers of the worker converter.
import type { MLGraph } from "./graph/operand.js";
import type { MLOperandDataType } from "./graph/types.js";
import type { LoweredModel, ModelDataType } from "./lowering/lower-graph.js";
import type { TargetName } from "./mil/target.js";
import { milToText } from "./mil/text.js";
import { packageSize, type MLPackage } from "./packaging/package.js";
import { programFunction } from "./mil/program.js";
import { compressionSummary, type CompressionSummary } from "./mil/compression.js";

export interface IOSummary {
  /** The WebNN name. */
  name: string;
  dataType: MLOperandDataType;
  shape: number[];
  /** The Core ML feature name and type at the model boundary. */
  coremlName: string;
  coremlDataType: ModelDataType;
  coremlShape: number[];
}

export interface ConversionSummary {
  /** Package name: the zip holds `<name>.mlpackage/`. */
  name: string;
  target: TargetName;
  specificationVersion: number;
  opset: string;
  /** WebNN operators of the graph, by type (sorted by name). */
  operators: Record<string, number>;
  /** MIL operations of the program, by type (const excluded). */
  milOperations: Record<string, number>;
  /** The graph's constants: count and bytes. */
  constants: { count: number; bytes: number };
  /** MIL constants, and those stored in weight.bin. */
  milConstants: number;
  blobConstants: number;
  /** Size of weight.bin (headers and alignment included). */
  blobBytes: number;
  /** Compressed weights and the bytes they save (when the conversion compressed any). */
  compression?: CompressionSummary;
  inputs: IOSummary[];
  outputs: IOSummary[];
  /** Bytes of the package's files (before zipping). */
  packageBytes: number;
  /** The MIL program as text (milToText). */
  milText: string;
}

function countBy<T>(items: readonly T[], key: (t: T) => string | undefined): Record<string, number> {
  const m = new Map<string, number>();
  for (const it of items) {
    const k = key(it);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function summarizeConversion(graph: MLGraph, lowered: LoweredModel, pkg: MLPackage): ConversionSummary {
  const io = (e: LoweredModel["inputs"][number]): IOSummary => ({
    name: e.name, dataType: e.dataType, shape: [...e.shape],
    coremlName: e.coremlName, coremlDataType: e.coremlDataType, coremlShape: [...e.coremlShape],
  });
  return {
    name: pkg.name,
    target: lowered.target.name,
    specificationVersion: lowered.target.specificationVersion,
    opset: lowered.target.opset,
    operators: countBy(graph.nodes, (n) => n.op),
    milOperations: countBy(programFunction(lowered.program).operations, (op) => (op.type === "const" ? undefined : op.type)),
    constants: { count: graph.constants.length, bytes: graph.constants.reduce((n, c) => n + (c.data?.byteLength ?? 0), 0) },
    milConstants: pkg.stats.constants,
    blobConstants: pkg.stats.blobConstants,
    blobBytes: pkg.stats.blobBytes,
    ...(() => { const c = compressionSummary(lowered.program); return c ? { compression: c } : {}; })(),
    inputs: lowered.inputs.map(io),
    outputs: lowered.outputs.map(io),
    packageBytes: packageSize(pkg),
    milText: milToText(lowered.program),
  };
}
