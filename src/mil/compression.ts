// What weight compression saved in a program: each constexpr decompression op's dense output
// against the bytes its constant inputs take in the package (sub-byte types packed). Works on a
// program just converted and on one read back from a package.
import { elementCount, milElementSize, type MilOperation, type MilProgram } from "./program.js";
import { isSubByte, packedSize } from "./sub-byte.js";

/**
 * Weights with fewer elements stay dense: coremltools' weight_threshold default. Kept narrow,
 * a small vector (a bias, a norm's scale) saves a few hundred bytes and costs an operation, as
 * a constexpr output folds into nothing (a reshape of it stays an op).
 */
export const MIN_COMPRESSED_ELEMENTS = 2048;

export interface CompressionSummary {
  /** Compressed weights (constexpr operations), by operation type. */
  readonly weights: Readonly<Record<string, number>>;
  /** Bytes the weights would take stored dense. */
  readonly denseBytes: number;
  /** Bytes their compressed constants take. */
  readonly storedBytes: number;
}

function constBytes(op: MilOperation): number {
  const v = op.value;
  if (!v?.bytes) return 0;
  const n = elementCount(v.type.shape);
  return isSubByte(v.type.dataType) ? packedSize(v.type.dataType, n) : n * milElementSize(v.type.dataType);
}

/** The summary over every function (constants shared by name count once per function); undefined when nothing is compressed. */
export function compressionSummary(program: MilProgram): CompressionSummary | undefined {
  const weights: Record<string, number> = {};
  let denseBytes = 0, storedBytes = 0;
  for (const fn of program.functions.values()) {
    const consts = new Map(fn.operations.filter((o) => o.type === "const").map((o) => [o.outputs[0].name, o]));
    for (const op of fn.operations) {
      if (!op.type.startsWith("constexpr_")) continue;
      weights[op.type] = (weights[op.type] ?? 0) + 1;
      const out = op.outputs[0].type;
      denseBytes += elementCount(out.shape) * milElementSize(out.dataType);
      for (const args of Object.values(op.inputs)) for (const a of args) { const c = consts.get(a); if (c) storedBytes += constBytes(c); }
    }
  }
  return Object.keys(weights).length ? { weights, denseBytes, storedBytes } : undefined;
}

/** "3 weights compressed (constexpr_lut_to_dense 3): 1.2 MB → 310 kB (3.9×)". */
export function describeCompression(s: CompressionSummary): string {
  const n = Object.values(s.weights).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(s.weights).map(([k, v]) => `${k} ${v}`).join(", ");
  const ratio = s.storedBytes ? (s.denseBytes / s.storedBytes).toFixed(1) : "∞";
  return `${n} weight${n === 1 ? "" : "s"} compressed (${kinds}): ${s.denseBytes} → ${s.storedBytes} bytes (${ratio}×)`;
}
