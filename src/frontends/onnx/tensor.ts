// Tensors known at import time (initializers, Constant nodes, folded results, shapes of
// operands): their WebNN data type, shape and typed-array data. ONNX element types map onto
// WebNN's: BOOL becomes uint8 (what WebNN's logical operators produce), INT16/UINT16 int32,
// DOUBLE and BFLOAT16 float32; int64 stays int64 (the converter keeps it in int32 where values
// fit and refuses values that do not).
import { getFloat16, setFloat16 } from "@petamoriken/float16";
import { GraphFormatError, UnsupportedError } from "../../errors.js";
import { allocTypedArray, elementCountOf, type MLOperandDataType, type MLTypedArray } from "../../graph/types.js";
import type { OnnxTensor } from "./proto.js";


export interface HostTensor {
  dataType: MLOperandDataType;
  shape: number[];
  /** float16 as Uint16Array bits; int4/uint4 never appear here. */
  data: MLTypedArray;
  /** The little-endian bytes as stored (raw_data, external data): what a constant is made of, never copied. */
  raw?: Uint8Array;
}

/**
 * A tensor over stored little-endian bytes. Its typed `data` (for folding) is made only when
 * read, and copied only when the bytes are not aligned for it; constants use `raw` as it is.
 */
export function rawTensor(dataType: MLOperandDataType, shape: number[], raw: Uint8Array, make: () => MLTypedArray): HostTensor {
  let data: MLTypedArray | undefined;
  return {
    dataType, shape, raw,
    get data() { return (data ??= make()); },
    set data(v: MLTypedArray) { data = v; },
  };
}

/** ONNX TensorProto.DataType codes. */
export const ONNX_TYPES = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10,
  DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16, UINT4: 21, INT4: 22,
} as const;

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(ONNX_TYPES).map(([k, v]) => [v, k]));
export const onnxTypeName = (t: number): string => NAMES[t] ?? `type ${t}`;

/** The WebNN data type an ONNX element type is imported as; undefined when there is none. */
export function webnnTypeOf(t: number): MLOperandDataType | undefined {
  switch (t) {
    case ONNX_TYPES.FLOAT: case ONNX_TYPES.DOUBLE: case ONNX_TYPES.BFLOAT16: return "float32";
    case ONNX_TYPES.FLOAT16: return "float16";
    case ONNX_TYPES.INT32: case ONNX_TYPES.INT16: case ONNX_TYPES.UINT16: return "int32";
    case ONNX_TYPES.UINT32: return "uint32";
    case ONNX_TYPES.INT64: return "int64";
    case ONNX_TYPES.UINT64: return "uint64";
    case ONNX_TYPES.INT8: return "int8";
    case ONNX_TYPES.UINT8: case ONNX_TYPES.BOOL: return "uint8";
    case ONNX_TYPES.INT4: return "int4";
    case ONNX_TYPES.UINT4: return "uint4";
    default: return undefined;
  }
}

/** Element i as a number (int64 beyond 2^53 rounds; comparisons with limits stay right). */
export function numberAt(t: HostTensor, i: number): number {
  const v = t.data[i];
  if (typeof v === "bigint") return Number(v);
  return t.dataType === "float16" ? f16ToNumber(v as number) : (v as number);
}

export function numbers(t: HostTensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = numberAt(t, i);
  return out;
}

const f16View = new DataView(new ArrayBuffer(2));
export function f16ToNumber(bits: number): number {
  f16View.setUint16(0, bits, true);
  return getFloat16(f16View, 0, true);
}
export function numberToF16(v: number): number {
  setFloat16(f16View, 0, v, true);
  return f16View.getUint16(0, true);
}

/** A tensor of `dataType` from numbers (rounded and wrapped as a cast to that type would). */
export function fromNumbers(dataType: MLOperandDataType, shape: number[], values: ArrayLike<number>): HostTensor {
  const data = allocTypedArray(dataType, values.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const r = Number.isFinite(v) ? Math.trunc(v) : v > 0 ? 2 ** 63 - 1 : -(2 ** 63);
      data[i] = BigInt.asIntN(64, BigInt(Math.max(-(2 ** 63), Math.min(2 ** 63 - 1, r))));
      if (data instanceof BigUint64Array) data[i] = BigInt.asUintN(64, data[i]);
    }
  } else if (dataType === "float16") {
    for (let i = 0; i < values.length; i++) data[i] = numberToF16(values[i]);
  } else if (dataType === "float32") {
    (data as Float32Array).set(values);
  } else {
    for (let i = 0; i < values.length; i++) (data as Int32Array)[i] = Number.isFinite(values[i]) ? Math.trunc(values[i]) : 0;
  }
  return { dataType, shape, data };
}

export function scalarTensor(dataType: MLOperandDataType, v: number): HostTensor {
  return fromNumbers(dataType, [], [v]);
}

/** The bytes of a host tensor (its stored bytes, or a view of its data). */
export function hostBytes(t: HostTensor): Uint8Array {
  if (t.raw) return t.raw;
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function viewAs<T extends MLTypedArray>(Type: { new (b: ArrayBufferLike, o: number, n: number): T; new (n: number): T; BYTES_PER_ELEMENT: number }, bytes: Uint8Array, n: number): T {
  if (bytes.byteOffset % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer, bytes.byteOffset, n);
  const copy = new Uint8Array(n * Type.BYTES_PER_ELEMENT);
  copy.set(bytes.subarray(0, copy.byteLength));
  return new Type(copy.buffer, 0, n);
}

/**
 * An ONNX tensor's data as a host tensor: raw_data viewed in place (copied only when unaligned or
 * converted: DOUBLE, BFLOAT16, INT16, UINT16), typed fields converted. External data has been
 * read into raw_data by then.
 */
export function hostTensorOf(t: OnnxTensor): HostTensor {
  const where = `tensor "${t.name}"`;
  const dataType = webnnTypeOf(t.dataType);
  if (!dataType || dataType === "int4" || dataType === "uint4") {
    throw new UnsupportedError(`${where} has element type ${onnxTypeName(t.dataType)}, which the importer cannot use`, { operand: t.name, rule: "data-type" });
  }
  for (const d of t.dims) if (!Number.isSafeInteger(d) || d < 0) throw new GraphFormatError(`${where} has dimension ${d}`, { operand: t.name, rule: "shape" });
  const shape = [...t.dims];
  const n = elementCountOf(shape);
  const bytes = t.rawData;
  const bad = (m: string): never => { throw new GraphFormatError(`${where}: ${m}`, { operand: t.name, rule: "byte-length" }); };
  if (bytes) {
    const size: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };
    const need = n * (size[t.dataType] ?? 0);
    if (bytes.byteLength !== need) bad(`${bytes.byteLength} bytes of data for ${onnxTypeName(t.dataType)} [${shape.join(", ")}], which needs ${need}`);
    switch (t.dataType) {
      case ONNX_TYPES.FLOAT: return rawTensor(dataType, shape, bytes, () => viewAs(Float32Array, bytes, n));
      case ONNX_TYPES.FLOAT16: return rawTensor(dataType, shape, bytes, () => viewAs(Uint16Array, bytes, n));
      case ONNX_TYPES.INT32: return rawTensor(dataType, shape, bytes, () => viewAs(Int32Array, bytes, n));
      case ONNX_TYPES.UINT32: return rawTensor(dataType, shape, bytes, () => viewAs(Uint32Array, bytes, n));
      case ONNX_TYPES.INT64: return rawTensor(dataType, shape, bytes, () => viewAs(BigInt64Array, bytes, n));
      case ONNX_TYPES.UINT64: return rawTensor(dataType, shape, bytes, () => viewAs(BigUint64Array, bytes, n));
      case ONNX_TYPES.INT8: return rawTensor(dataType, shape, bytes, () => new Int8Array(bytes.buffer, bytes.byteOffset, n));
      case ONNX_TYPES.UINT8: return rawTensor(dataType, shape, bytes, () => bytes.subarray(0, n));
      case ONNX_TYPES.BOOL: return { dataType, shape, data: Uint8Array.from(bytes.subarray(0, n), (b) => (b ? 1 : 0)) };
      case ONNX_TYPES.DOUBLE: return { dataType, shape, data: Float32Array.from(viewAs(Float64Array as never, bytes, n) as unknown as Float64Array) };
      case ONNX_TYPES.INT16: return { dataType, shape, data: Int32Array.from(viewAs(Int16Array as never, bytes, n) as unknown as Int16Array) };
      case ONNX_TYPES.UINT16: return { dataType, shape, data: Int32Array.from(viewAs(Uint16Array, bytes, n)) };
      case ONNX_TYPES.BFLOAT16: {
        const bits = viewAs(Uint16Array, bytes, n);
        const out = new Uint32Array(n);
        for (let i = 0; i < n; i++) out[i] = bits[i] << 16;
        return { dataType, shape, data: new Float32Array(out.buffer) };
      }
    }
  }
  const list: ArrayLike<number> | undefined = t.floatData ?? t.int32Data ?? t.int64Data ?? t.doubleData ?? t.uint64Data;
  const values = list ?? [];
  if (values.length !== n && !(n === 0 && values.length === 0)) bad(`${values.length} values for [${shape.join(", ")}] (${n} elements)`);
  if (t.dataType === ONNX_TYPES.FLOAT16 && t.int32Data) return { dataType, shape, data: Uint16Array.from(t.int32Data) };
  if (t.dataType === ONNX_TYPES.BFLOAT16 && t.int32Data) {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = (t.int32Data[i] & 0xffff) << 16;
    return { dataType, shape, data: new Float32Array(out.buffer) };
  }
  return fromNumbers(dataType, shape, values);
}
