// WebNN operand types and descriptors, as the W3C WebNN spec defines them.
import { GraphValidationError, describeValue } from "../errors.js";

export type MLOperandDataType =
  | "float32" | "float16" | "int32" | "uint32" | "int64" | "uint64" | "int8" | "uint8" | "int4" | "uint4";

export const ALL_DATA_TYPES: readonly MLOperandDataType[] =
  ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8", "int4", "uint4"];

export interface MLOperandDescriptor {
  dataType: MLOperandDataType;
  shape: readonly number[];
}

export function isFloat(t: MLOperandDataType): boolean {
  return t === "float32" || t === "float16";
}

/** Bits per element. int4/uint4 pack two per byte (low nibble first). */
export function bitsPerElement(t: MLOperandDataType): number {
  switch (t) {
    case "int4": case "uint4": return 4;
    case "int8": case "uint8": return 8;
    case "float16": return 16;
    case "float32": case "int32": case "uint32": return 32;
    case "int64": case "uint64": return 64;
  }
}

/** Element storage of a WebNN tensor in memory: float16 as half bits; int4/uint4 one value per byte. */
export type MLTypedArray = Float32Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Int8Array | Uint8Array;

/** The typed array that holds each WebNN data type. */
export const TYPED_ARRAY_OF = {
  float32: Float32Array, float16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, int8: Int8Array, uint8: Uint8Array, int4: Int8Array, uint4: Uint8Array,
} as const satisfies Record<MLOperandDataType, unknown>;

/** Zeroed storage for `n` elements of `t`. */
export function allocTypedArray(t: MLOperandDataType, n: number): MLTypedArray {
  return new TYPED_ARRAY_OF[t](n);
}

export function byteLengthOf(desc: MLOperandDescriptor): number {
  return Math.ceil((elementCountOf(desc.shape) * bitsPerElement(desc.dataType)) / 8);
}

export function elementCountOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Largest element count accepted for one operand (2^53 guards arithmetic; byte size is checked too). */
const MAX_ELEMENTS = 2 ** 40;

/** Validates and normalizes a descriptor: known dataType, non-negative integer dims, no zero, no overflow. */
export function checkDescriptor(desc: unknown, where: { operator?: string; operand?: string }): MLOperandDescriptor {
  if (typeof desc !== "object" || desc === null) {
    throw new GraphValidationError("operand descriptor must be an object {dataType, shape}", { ...where, rule: "descriptor" });
  }
  const d = desc as { dataType?: unknown; shape?: unknown; dimensions?: unknown };
  const dataType = d.dataType;
  if (typeof dataType !== "string" || !(ALL_DATA_TYPES as readonly string[]).includes(dataType)) {
    throw new GraphValidationError(`unknown dataType ${describeValue(dataType)}`, { ...where, rule: "data-type" });
  }
  // "dimensions" is the older WebNN name; one of the two is required (a scalar has shape []).
  const shape = d.shape ?? d.dimensions;
  if (shape === undefined) throw new GraphValidationError("operand descriptor has no shape", { ...where, rule: "shape" });
  checkShape(shape, where);
  return { dataType: dataType as MLOperandDataType, shape: Object.freeze([...(shape as number[])]) };
}

export function checkShape(shape: unknown, where: { operator?: string; operand?: string }): asserts shape is number[] {
  if (!Array.isArray(shape)) {
    throw new GraphValidationError("shape must be an array of dimensions", { ...where, rule: "shape" });
  }
  let n = 1;
  for (const dim of shape) {
    if (typeof dim !== "number" || !Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) {
      throw new GraphValidationError(`invalid dimension ${describeValue(dim)} in shape ${describeValue(shape)}`, { ...where, rule: "shape" });
    }
    if (dim === 0) {
      throw new GraphValidationError(`zero-size dimension in shape ${describeValue(shape)}`, { ...where, rule: "zero-size" });
    }
    n *= dim;
  }
  if (n > MAX_ELEMENTS) {
    throw new GraphValidationError(`shape [${shape.join(", ")}] has ${n} elements, over the limit of ${MAX_ELEMENTS}`, { ...where, rule: "shape-overflow" });
  }
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
