// Core ML deployment targets, and every rule that depends on one: specification version, MIL
// opset, the array types of model inputs and outputs, what weight.bin may hold, which weight
// decompression operations exist, and multifunction packages (coremltools'
// _deployment_compatibility.py, backend/mil/load.py and passes/adjust_io_to_supported_types.py).
// Code asks the target, never compares iOS versions, for these.
import { UnsupportedError } from "../errors.js";
import type { MilDataType } from "./program.js";

export type TargetName = "ios15" | "ios16" | "ios17" | "ios18" | "ios26";

/** Core ML array types of model inputs and outputs (FeatureTypes.proto ArrayDataType). */
export type ModelDataType = "float32" | "float16" | "int32" | "int8";

/**
 * The weight decompression (constexpr) operations of a target: iOS 16's
 * (constexpr_affine_dequantize; constexpr_lut_to_dense with keys packed in bytes) or iOS 18's
 * (constexpr_blockwise_shift_scale with int8/int4 data; constexpr_lut_to_dense with uintN keys
 * and a table per group of channels).
 */
export type ConstexprOps = "ios16" | "ios18";

export interface Target {
  readonly name: TargetName;
  /** The iOS version; MIL op definitions in force are the latest at or below it. */
  readonly ios: 15 | 16 | 17 | 18 | 26;
  /** Model.specificationVersion */
  readonly specificationVersion: number;
  /** MIL opset (block_specializations key). */
  readonly opset: string;
  /** Array types a model input or output may have; other WebNN types cross as int32 (or float32). */
  readonly ioDataTypes: readonly ModelDataType[];
  /** MIL types weight.bin holds at this target (coremltools' should_use_weight_file). */
  readonly blobDataTypes: readonly MilDataType[];
  /** Weight decompression operations; none before iOS 16. */
  readonly constexprOps?: ConstexprOps;
  /** A package may hold several functions sharing weights (specification 9). */
  readonly multifunction: boolean;
}

const BLOB_15: readonly MilDataType[] = ["fp16", "fp32", "uint8", "int8"];
// From iOS 18 also 16- and 32-bit integers, and the sub-byte types (numpy holds them as int8/uint8).
const BLOB_18: readonly MilDataType[] = [...BLOB_15, "int16", "uint16", "int32", "uint32", "int4", "uint1", "uint2", "uint3", "uint4", "uint6"];

export const TARGETS: Readonly<Record<TargetName, Target>> = {
  ios15: { name: "ios15", ios: 15, specificationVersion: 6, opset: "CoreML5", ioDataTypes: ["float32", "int32"], blobDataTypes: BLOB_15, multifunction: false },
  ios16: { name: "ios16", ios: 16, specificationVersion: 7, opset: "CoreML6", ioDataTypes: ["float32", "int32", "float16"], blobDataTypes: BLOB_15, constexprOps: "ios16", multifunction: false },
  ios17: { name: "ios17", ios: 17, specificationVersion: 8, opset: "CoreML7", ioDataTypes: ["float32", "int32", "float16"], blobDataTypes: BLOB_15, constexprOps: "ios16", multifunction: false },
  ios18: { name: "ios18", ios: 18, specificationVersion: 9, opset: "CoreML8", ioDataTypes: ["float32", "int32", "float16"], blobDataTypes: BLOB_18, constexprOps: "ios18", multifunction: true },
  // No new MIL operations (coremltools 9 defines none past iOS 18); int8 model inputs and outputs.
  ios26: { name: "ios26", ios: 26, specificationVersion: 10, opset: "CoreML9", ioDataTypes: ["float32", "int32", "float16", "int8"], blobDataTypes: BLOB_18, constexprOps: "ios18", multifunction: true },
};

export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export const DEFAULT_TARGET: TargetName = "ios17";

/** "ios15, ios16, …, or ios26", for messages. */
export function targetList(): string {
  return `${TARGET_NAMES.slice(0, -1).join(", ")} or ${TARGET_NAMES[TARGET_NAMES.length - 1]}`;
}

export function resolveTarget(name: string | undefined): Target {
  const key = (name ?? DEFAULT_TARGET).toLowerCase();
  const t = Object.prototype.hasOwnProperty.call(TARGETS, key) ? TARGETS[key as TargetName] : undefined;
  if (!t) throw new UnsupportedError(`unknown deployment target "${name}" (expected ${targetList()})`, { rule: "target" });
  return t;
}

/** The target whose MIL opset is `opset` ("CoreML9" is iOS 26), if any. */
export function targetForOpset(opset: string): Target | undefined {
  return Object.values(TARGETS).find((t) => t.opset === opset);
}
