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

/**
 * Bytes of a WebNN constant as its internal MIL dtype. float32, float16 and int32 are returned
 * as is (zero copy); other integer types are widened to int32. uint32 keeps its bit pattern
 * (values ≥ 2^31 read as negative int32, as at the model boundary); int64/uint64 values outside
 * the int32 range are refused.
 */
export function toInternalBytes(bytes: Uint8Array, dataType: MLOperandDataType, count: number, where: { operator?: string; operand?: string }): Uint8Array {
  if (dataType === "float32" || dataType === "float16" || dataType === "int32") return bytes;
  const out = new Int32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    const v = readWith(dv, bytes, dataType, i);
    if ((dataType === "int64" || dataType === "uint64") && (v < -2147483648 || v > 2147483647)) {
      throw new UnsupportedError(`${dataType} value ${v} at index ${i} does not fit in int32, the widest integer type Core ML computes with`, { ...where, rule: "int64-range" });
    }
    out[i] = v | 0;
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

export function int32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
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
