// Conversions of constant tensor bytes done at conversion time (WebNN dtype → MIL dtype,
// layout transposes of constant filters). Reads with DataView: a constant's bytes may sit at
// any offset of its buffer.
import { Float16Array, getFloat16 } from "@petamoriken/float16";
import { UnsupportedError } from "../errors.js";
import type { MLOperandDataType } from "../graph/types.js";
import type { MilDataType } from "../mil/program.js";

/** The MIL dtype used inside the program for a WebNN dtype: integers all become int32. */
export function internalDataType(t: MLOperandDataType): MilDataType {
  if (t === "float32") return "fp32";
  if (t === "float16") return "fp16";
  return "int32";
}

function readWith(dv: DataView, bytes: Uint8Array, dataType: MLOperandDataType, i: number): number {
  switch (dataType) {
    case "float32": return dv.getFloat32(i * 4, true);
    case "float16": return getFloat16(dv, i * 2, true);
    case "int32": return dv.getInt32(i * 4, true);
    case "uint32": return dv.getUint32(i * 4, true);
    case "int8": return dv.getInt8(i);
    case "uint8": return dv.getUint8(i);
    case "int64": return Number(dv.getBigInt64(i * 8, true));
    case "uint64": return Number(dv.getBigUint64(i * 8, true));
    case "int4": { const b = bytes[i >> 1]; const n = i & 1 ? b >> 4 : b & 15; return n >= 8 ? n - 16 : n; }
    case "uint4": { const b = bytes[i >> 1]; return i & 1 ? b >> 4 : b & 15; }
  }
}

export function readAll(bytes: Uint8Array, dataType: MLOperandDataType, count: number): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = readWith(dv, bytes, dataType, i);
  return out;
}

/** Where a value narrowed to int32 comes from, for the error that refuses it. */
export interface NarrowSite { operator?: string; operand?: string; what?: string; index?: number }

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The values a WebNN integer type holds. */
const INTEGER_RANGE: Partial<Record<MLOperandDataType, readonly [number, number]>> = {
  int4: [-8, 7], uint4: [0, 15], int8: [-128, 127], uint8: [0, 255],
  int32: [INT32_MIN, INT32_MAX], uint32: [0, 4294967295],
  int64: [-(2 ** 63), 2 ** 63 - 1], uint64: [0, 2 ** 64 - 1],
};

/** The range of a WebNN integer type (undefined for floats). */
export function integerRange(dataType: MLOperandDataType): readonly [number, number] | undefined {
  return INTEGER_RANGE[dataType];
}

/**
 * An MLNumber cast to a WebNN integer type, as WebNN casts option values: truncated toward
 * zero, saturated to the type's range (WPT "cast BigInt to int64 overflow"), NaN to 0.
 */
export function castNumber(value: number, dataType: MLOperandDataType): number {
  const range = INTEGER_RANGE[dataType];
  if (!range) return value;
  if (Number.isNaN(value)) return 0;
  return Math.min(range[1], Math.max(range[0], Math.trunc(value)));
}

/**
 * The int32 that holds `value` (already of WebNN type `dataType`) inside the program, the one
 * narrowing of a single value: uint32 keeps its bit pattern; int64/uint64 values outside the
 * int32 range cannot be computed by Core ML and are refused, never wrapped.
 */
export function int32Of(value: number, dataType: MLOperandDataType, site: NarrowSite): number {
  if (dataType === "uint32" && value >= 0 && value <= 4294967295 && Number.isInteger(value)) return value | 0;
  if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return value;
  const { what = "value", index } = site;
  throw new UnsupportedError(
    `${dataType} ${what} ${value}${index === undefined ? "" : ` (at index ${index})`} ${Number.isInteger(value) ? "does not fit in int32, the widest integer type Core ML computes with" : "is not an integer"}`,
    { operator: site.operator, operand: site.operand, rule: "int64-range" },
  );
}

/**
 * Bytes of a WebNN constant as its internal MIL dtype. float32, float16 and int32 are returned
 * as is (zero copy); other integer types are widened to int32. uint32 keeps its bit pattern
 * (values ≥ 2^31 read as negative int32, as at the model boundary); int64/uint64 values outside
 * the int32 range are refused.
 */
export function toInternalBytes(bytes: Uint8Array, dataType: MLOperandDataType, count: number, where: NarrowSite): Uint8Array {
  if (dataType === "float32" || dataType === "float16" || dataType === "int32") return bytes;
  const out = new Int32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    out[i] = int32Of(readWith(dv, bytes, dataType, i), dataType, { ...where, index: i });
  }
  return new Uint8Array(out.buffer);
}

export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function float16Bytes(values: ArrayLike<number>): Uint8Array {
  const a = new Float16Array(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i];
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** int32 bytes of values that must each be an int32 already: anything else is refused, not wrapped. */
export function int32Bytes(values: ArrayLike<number>, site: NarrowSite = {}): Uint8Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = int32Of(values[i], "int32", site);
  return new Uint8Array(out.buffer);
}

/** Transposes a dense row-major tensor of `elementSize`-byte elements. */
export function transposeBytes(bytes: Uint8Array, shape: readonly number[], perm: readonly number[], elementSize: number): Uint8Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
  const total = s;
  const out = new Uint8Array(total * elementSize);
  const idx = new Array<number>(rank).fill(0);
  const permStrides = perm.map((p) => inStrides[p]);
  for (let o = 0; o < total; o++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += idx[k] * permStrides[k];
    out.set(bytes.subarray(src * elementSize, (src + 1) * elementSize), o * elementSize);
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}
