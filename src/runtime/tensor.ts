// Runtime tensors of the MIL reference runtime: a dtype, a static shape and a flat,
// row-major (C order) typed array.

import { elementCount, milElementSize, type MilConstValue, type MilDataType } from "../mil/program.js";
import { RuntimeError } from "../errors.js";
import { formatBytes, resolveLimits, type PlatformLimits } from "../limits.js";

let limits: PlatformLimits | undefined;
const runtimeLimits = (): PlatformLimits => (limits ??= resolveLimits());
import { halfBitsFromNumber, halfTable } from "./fp16.js";
import { isSubByte, subByteBits } from "../mil/sub-byte.js";

/**
 * Element storage per dtype:
 * fp32 Float32Array; fp16 Uint16Array of IEEE half bit patterns; fp64 Float64Array;
 * int32 Int32Array; int16 Int16Array; int8 Int8Array; uint32 Uint32Array; uint16 Uint16Array;
 * uint8 Uint8Array; bool Uint8Array (0/1); int4 Int8Array / uint4 Uint8Array (one value
 * per element); string string[]. int64/uint64 are not supported by the runtime.
 */
export type TensorData =
  | Float32Array | Float64Array | Int32Array | Int16Array | Int8Array
  | Uint32Array | Uint16Array | Uint8Array | string[];

/** Numeric (non-string) storage. */
export type NumericData = Exclude<TensorData, string[]>;

export interface RuntimeTensor {
  dataType: MilDataType;
  shape: number[];
  data: TensorData;
}

/** Tensors never change after creation: kernels read their inputs and allocate outputs. */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function isFloatType(t: MilDataType): boolean {
  return t === "fp16" || t === "fp32" || t === "fp64";
}

export function isIntType(t: MilDataType): boolean {
  return t === "int4" || t === "int8" || t === "int16" || t === "int32"
    || t === "uint1" || t === "uint2" || t === "uint3" || t === "uint4" || t === "uint6" || t === "uint8" || t === "uint16" || t === "uint32";
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function typeToString(dataType: MilDataType, shape: readonly number[]): string {
  return `tensor<${dataType}, ${shapeToString(shape)}>`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Allocates zeroed storage for `count` elements of `dataType`. A count over the platform's
 * largest tensor (packages from strangers can declare any shape) is a RuntimeError, not an
 * engine RangeError or an allocation that takes the process down.
 */
export function allocData(dataType: MilDataType, count: number): TensorData {
  const bytes = count * (dataType === "string" ? 1 : milElementSize(dataType));
  if (!Number.isSafeInteger(count) || count < 0 || bytes > runtimeLimits().maxTensorBytes) {
    throw new RuntimeError(`a ${dataType} tensor of ${count} elements is over the ${runtimeLimits().platform} limit of ${formatBytes(runtimeLimits().maxTensorBytes)} per tensor`);
  }
  switch (dataType) {
    case "fp32": return new Float32Array(count);
    case "fp16": return new Uint16Array(count);
    case "fp64": return new Float64Array(count);
    case "int32": return new Int32Array(count);
    case "int16": return new Int16Array(count);
    case "int8": case "int4": return new Int8Array(count);
    case "uint32": return new Uint32Array(count);
    case "uint16": return new Uint16Array(count);
    case "uint8": case "uint1": case "uint2": case "uint3": case "uint4": case "uint6": case "bool": return new Uint8Array(count);
    case "string": return new Array<string>(count).fill("");
    case "int64": case "uint64":
      throw new RuntimeError(`dtype ${dataType} is not supported by the reference runtime`);
  }
}

function expectedArrayName(dataType: MilDataType): string {
  switch (dataType) {
    case "fp32": return "Float32Array";
    case "fp16": return "Uint16Array";
    case "fp64": return "Float64Array";
    case "int32": return "Int32Array";
    case "int16": return "Int16Array";
    case "int8": case "int4": return "Int8Array";
    case "uint32": return "Uint32Array";
    case "uint16": return "Uint16Array";
    case "uint8": case "uint1": case "uint2": case "uint3": case "uint4": case "uint6": case "bool": return "Uint8Array";
    case "string": return "Array";
    case "int64": case "uint64": return "(unsupported)";
  }
}

/** Checks that `data` is the storage class of `dataType` and holds `shape`'s element count. */
export function checkTensorStorage(t: RuntimeTensor, what: string): void {
  const want = expectedArrayName(t.dataType);
  // The typed-array tag (not constructor.name) so subclasses such as Node's Buffer and arrays
  // from other realms are recognized.
  const got = Array.isArray(t.data) ? "Array" : String((t.data as NumericData)[Symbol.toStringTag] ?? typeof t.data);
  if (got !== want) {
    throw new RuntimeError(`${what}: dtype ${t.dataType} must be stored in a ${want}, got ${got}`);
  }
  const n = elementCount(t.shape);
  if (t.data.length !== n) {
    throw new RuntimeError(
      `${what}: shape ${shapeToString(t.shape)} has ${n} elements but the data holds ${t.data.length}`);
  }
}

/** Creates a tensor from a `const` op value. Copies only when the bytes are unaligned. */
export function tensorFromConst(value: MilConstValue): RuntimeTensor {
  const dataType = value.type.dataType;
  const shape = [...value.type.shape];
  const n = elementCount(shape);
  if (value.strings !== undefined) {
    if (value.strings.length !== n) {
      throw new RuntimeError(`string constant of shape ${shapeToString(shape)} has ${value.strings.length} strings`);
    }
    return { dataType: "string", shape, data: [...value.strings] };
  }
  if (dataType === "string") throw new RuntimeError("string constant without strings");
  const bytes = value.bytes;
  const size = dataType === "int64" || dataType === "uint64" || dataType === "fp64" ? 8
    : dataType === "fp32" || dataType === "int32" || dataType === "uint32" ? 4
    : dataType === "fp16" || dataType === "int16" || dataType === "uint16" ? 2 : 1;
  if (bytes.byteLength !== n * size) {
    throw new RuntimeError(
      `constant ${typeToString(dataType, shape)} needs ${n * size} bytes, got ${bytes.byteLength}`);
  }
  if (dataType === "bool") {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = bytes[i] !== 0 ? 1 : 0;
    return { dataType, shape, data: out };
  }
  if (isSubByte(dataType)) {
    // Stored unpacked, one value per byte (sign-extended for int4).
    const shift = 32 - subByteBits(dataType);
    const out = dataType === "int4" ? new Int8Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = dataType === "int4" ? ((bytes[i] << shift) >> shift) : (bytes[i] << shift) >>> shift;
    return { dataType, shape, data: out };
  }
  if (dataType === "int64" || dataType === "uint64") {
    throw new RuntimeError(`dtype ${dataType} is not supported by the reference runtime`);
  }
  let src = bytes;
  if (!LITTLE_ENDIAN && size > 1) {
    // Swap to host order.
    src = new Uint8Array(bytes.byteLength);
    for (let i = 0; i < bytes.byteLength; i += size) {
      for (let b = 0; b < size; b++) src[i + b] = bytes[i + size - 1 - b];
    }
  } else if (bytes.byteOffset % size !== 0) {
    src = new Uint8Array(bytes); // a copy at offset 0 (Buffer#slice would be a view)
  }
  const buf = src.buffer;
  const off = src.byteOffset;
  let data: TensorData;
  switch (dataType) {
    case "fp32": data = new Float32Array(buf, off, n); break;
    case "fp16": data = new Uint16Array(buf, off, n); break;
    case "fp64": data = new Float64Array(buf, off, n); break;
    case "int32": data = new Int32Array(buf, off, n); break;
    case "int16": data = new Int16Array(buf, off, n); break;
    case "int8": data = new Int8Array(buf, off, n); break;
    case "uint32": data = new Uint32Array(buf, off, n); break;
    case "uint16": data = new Uint16Array(buf, off, n); break;
    case "uint8": data = new Uint8Array(buf, off, n); break;
  }
  return { dataType, shape, data };
}

/**
 * Stores `values` into new storage for `dataType`, rounding to the dtype:
 * - fp16: round to nearest half, ties to even; overflow to ±Infinity.
 * - fp32: Math.fround (nearest, ties to even). fp64: as is.
 * - integer types: JavaScript typed-array conversion, i.e. truncate toward zero, then wrap
 *   modulo 2^bits (NaN and ±Infinity become 0). This is what numpy's astype does for
 *   in-range integers and for int32 arithmetic results (two's-complement wrap-around).
 *   sub-byte types wrap to their bits.
 * - bool: 1 when the value is not 0 (NaN counts as true), else 0.
 */
export function makeData(dataType: MilDataType, values: ArrayLike<number>): NumericData {
  const n = values.length;
  switch (dataType) {
    case "fp16": {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = halfBitsFromNumber(values[i]);
      return out;
    }
    case "bool": {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = values[i] !== 0 ? 1 : 0;
      return out;
    }
    case "int4": {
      const out = new Int8Array(n);
      for (let i = 0; i < n; i++) out[i] = ((values[i] | 0) << 28) >> 28;
      return out;
    }
    case "uint1": case "uint2": case "uint3": case "uint4": case "uint6": {
      const mask = (1 << subByteBits(dataType)) - 1;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (values[i] | 0) & mask;
      return out;
    }
    case "string": throw new RuntimeError("makeTensor cannot create string tensors");
    default: {
      const out = allocData(dataType, n) as NumericData;
      for (let i = 0; i < n; i++) out[i] = values[i];
      return out;
    }
  }
}

/** Creates a tensor from numbers, rounding them to the dtype (see makeData). */
export function makeTensor(dataType: MilDataType, shape: readonly number[], values: ArrayLike<number>): RuntimeTensor {
  const n = elementCount(shape);
  if (values.length !== n) {
    throw new RuntimeError(`makeTensor: shape ${shapeToString(shape)} needs ${n} values, got ${values.length}`);
  }
  return { dataType, shape: [...shape], data: makeData(dataType, values) };
}

/** Creates a string tensor. */
export function makeStringTensor(shape: readonly number[], values: readonly string[]): RuntimeTensor {
  if (values.length !== elementCount(shape)) {
    throw new RuntimeError(`makeStringTensor: shape ${shapeToString(shape)} needs ${elementCount(shape)} values`);
  }
  return { dataType: "string", shape: [...shape], data: [...values] };
}

/** A rank-0 tensor. */
export function scalarTensor(dataType: MilDataType, value: number): RuntimeTensor {
  return makeTensor(dataType, [], [value]);
}

/** Element `i` (flat index) as a number: fp16 decoded, bool as 0/1. */
export function readNumber(t: RuntimeTensor, i: number): number {
  if (i < 0 || i >= t.data.length) throw new RuntimeError(`index ${i} out of range for ${typeToString(t.dataType, t.shape)}`);
  if (t.dataType === "string") throw new RuntimeError("readNumber on a string tensor");
  const v = (t.data as NumericData)[i];
  return t.dataType === "fp16" ? halfTable()[v] : v;
}

/** All elements as plain numbers (fp16 decoded, bool as 0/1). */
export function readNumbers(t: RuntimeTensor): number[] {
  if (t.dataType === "string") throw new RuntimeError("readNumbers on a string tensor");
  const d = t.data as NumericData;
  const out = new Array<number>(d.length);
  if (t.dataType === "fp16") {
    const tab = halfTable();
    for (let i = 0; i < d.length; i++) out[i] = tab[d[i]];
  } else {
    for (let i = 0; i < d.length; i++) out[i] = d[i];
  }
  return out;
}

/**
 * Numeric view of a tensor for kernels: the data itself, except fp16 which is decoded to a
 * Float32Array (exact). Never write to the result.
 */
export function numericView(t: RuntimeTensor): NumericData {
  if (t.dataType === "string") throw new RuntimeError("expected a numeric tensor, got a string tensor");
  if (t.dataType === "fp16") {
    const bits = t.data as Uint16Array;
    const tab = halfTable();
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = tab[bits[i]];
    return out;
  }
  return t.data as NumericData;
}

/** Copies a tensor (new storage). */
export function cloneTensor(t: RuntimeTensor): RuntimeTensor {
  return { dataType: t.dataType, shape: [...t.shape], data: t.data.slice() as TensorData };
}

/** `values` stored as `dataType` (rounded as makeData does), as a const value's little-endian bytes. */
export function bytesOfValues(dataType: MilDataType, values: ArrayLike<number>): Uint8Array {
  const data = makeData(dataType, values);
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1 ? view : constFromTensor({ dataType, shape: [values.length], data }).bytes!;
}

/** The const value holding a tensor (the inverse of tensorFromConst): bytes little-endian, as stored. */
export function constFromTensor(t: RuntimeTensor): MilConstValue {
  const type = { dataType: t.dataType, shape: [...t.shape] };
  if (t.dataType === "string") return { type: { ...type, dataType: "string" }, strings: [...(t.data as string[])] };
  const data = t.data as NumericData;
  const size = data.BYTES_PER_ELEMENT;
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || size === 1) return { type, bytes: new Uint8Array(view) };
  const bytes = new Uint8Array(view.byteLength);
  for (let i = 0; i < view.byteLength; i += size) for (let b = 0; b < size; b++) bytes[i + b] = view[i + size - 1 - b];
  return { type, bytes };
}
