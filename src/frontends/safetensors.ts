// safetensors files (Hugging Face's format, the weights sidecar rustnn writes beside a `.webnn`
// graph): an 8-byte little-endian header length N, N bytes of JSON
//   { "__metadata__"?: { string: string }, "<name>": { "dtype", "shape", "data_offsets": [begin, end] } }
// (offsets relative to the data section that follows the header), then the data. Tensors are
// read as views of the file's bytes (never copied), or, from a Blob, one slice per tensor, so a
// multi-gigabyte file never sits in one buffer. Every entry is checked before any data is read:
// dtype, shape, byte count, bounds, overlaps. 4-bit constants are stored as U8 bytes holding two
// elements each, low nibble first (rustnn marks such files with "rustnn.webnn.packed4": "1").
import { WeightsError } from "../errors.js";
import { isPlainObject } from "../graph/shape-rules.js";
import { byteLengthOf, elementCountOf, shapeToString, type MLOperandDataType } from "../graph/types.js";
import { decodeUtf8, describeJson, parseJsonText } from "./json-text.js";
import { setOwn } from "../records.js";

/** safetensors dtype → WebNN data type (the element types rustnn writes). */
export const SAFETENSORS_DTYPES: Readonly<Record<string, MLOperandDataType>> = Object.freeze({
  F32: "float32", F16: "float16", I32: "int32", U32: "uint32", I64: "int64", U64: "uint64", I8: "int8", U8: "uint8",
});
const DTYPE_SIZE: Readonly<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, U64: 8, I32: 4, U32: 4, I16: 2, U16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };
/** Marks 4-bit tensors stored as packed U8 bytes. */
export const PACKED4_METADATA_KEY = "rustnn.webnn.packed4";
/** Largest header read (the Rust reference reader's limit is 100 MB). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  name: string;
  /** The file's dtype string ("F32", "BF16", …). */
  dtype: string;
  shape: number[];
  /** Byte range in the file (header included). */
  begin: number;
  end: number;
}

export interface SafetensorsIndex {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataStart: number;
}

/** Named tensors given to a reader in place of a weights file: the bytes of each, as stored. */
export interface WeightTensor {
  dtype: string;
  shape: readonly number[];
  bytes: Uint8Array;
}
export type WeightTensors = ReadonlyMap<string, WeightTensor>;

function fail(message: string, name?: string): never {
  throw new WeightsError(message, { rule: "safetensors", operand: name });
}

/** The header's length from the file's first 8 bytes, checked against the file size. */
export function safetensorsHeaderLength(prefix: Uint8Array, fileSize: number, what = "the safetensors file"): number {
  if (fileSize < 8 || prefix.byteLength < 8) fail(`${what} is ${fileSize} bytes long, too short for its 8-byte header length`);
  const v = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
  if (n > MAX_SAFETENSORS_HEADER_BYTES) fail(`${what} declares a ${n}-byte header, over the limit of ${MAX_SAFETENSORS_HEADER_BYTES}`);
  if (8 + n > fileSize) fail(`${what} declares a ${n}-byte header, but the file has only ${fileSize - 8} bytes after its length`);
  return n;
}

/** Parses and checks the JSON header (`header` holds exactly its N bytes). */
export function parseSafetensorsHeader(header: Uint8Array, fileSize: number, what = "the safetensors file"): SafetensorsIndex {
  const onError: (m: string) => never = (m) => fail(m);
  const raw = parseJsonText(decodeUtf8(header, `${what}'s header`, onError).trimEnd(), `${what}'s header`, onError);
  if (!isPlainObject(raw)) fail(`${what}'s header must be a JSON object, got ${describeJson(raw)}`);
  const dataStart = 8 + header.byteLength;
  const dataSize = fileSize - dataStart;
  const metadata: Record<string, string> = Object.create(null);
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, e] of Object.entries(raw)) {
    if (name === "__metadata__") {
      if (!isPlainObject(e)) fail(`${what}: __metadata__ must be an object of strings, got ${describeJson(e)}`);
      for (const [k, v] of Object.entries(e)) {
        if (typeof v !== "string") fail(`${what}: __metadata__ "${k}" must be a string, got ${describeJson(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const bad: (m: string) => never = (m) => fail(`${what}: tensor "${name}": ${m}`, name);
    if (!isPlainObject(e)) bad(`must be an object {dtype, shape, data_offsets}, got ${describeJson(e)}`);
    if (typeof e.dtype !== "string" || !Object.prototype.hasOwnProperty.call(DTYPE_SIZE, e.dtype)) bad(`unknown dtype ${describeJson(e.dtype)}`);
    const dtype = e.dtype as string;
    if (!Array.isArray(e.shape) || e.shape.length > 8 || !e.shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) bad(`shape must be a list of at most 8 non-negative integers, got ${describeJson(e.shape)}`);
    const shape = e.shape as number[];
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0) || offs[0] > offs[1]) {
      bad(`data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${describeJson(offs)}`);
    }
    const [b, en] = offs as number[];
    if (en > dataSize) bad(`its bytes ${b}..${en} run past the end of the data (${dataSize} bytes)`);
    const count = elementCountOf(shape);
    const need = count * DTYPE_SIZE[dtype];
    if (!Number.isSafeInteger(need) || en - b !== need) bad(`holds ${en - b} bytes, but ${dtype} ${shapeToString(shape)} needs ${need}`);
    entries.set(name, { name, dtype, shape, begin: dataStart + b, end: dataStart + en });
  }
  // No two tensors may share bytes.
  const sorted = [...entries.values()].filter((x) => x.end > x.begin).sort((x, y) => x.begin - y.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) fail(`${what}: tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap`, sorted[i].name);
  }
  return { entries, metadata, dataStart };
}

/** Reads a safetensors file held in memory: every tensor is a view of `bytes`. */
export function readSafetensors(bytes: Uint8Array, what = "the safetensors file"): WeightTensors {
  const n = safetensorsHeaderLength(bytes, bytes.byteLength, what);
  const index = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.byteLength, what);
  const out = new Map<string, WeightTensor>();
  for (const e of index.entries.values()) out.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: bytes.subarray(e.begin, e.end) });
  return out;
}

/** Reads a safetensors Blob (or File): the header, then one slice per tensor. */
export async function readSafetensorsBlob(blob: Blob, what = "the safetensors file"): Promise<WeightTensors> {
  const n = safetensorsHeaderLength(new Uint8Array(await blob.slice(0, 8).arrayBuffer()), blob.size, what);
  const index = parseSafetensorsHeader(new Uint8Array(await blob.slice(8, 8 + n).arrayBuffer()), blob.size, what);
  const out = new Map<string, WeightTensor>();
  for (const e of index.entries.values()) {
    out.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: new Uint8Array(await blob.slice(e.begin, e.end).arrayBuffer()) });
  }
  return out;
}

/**
 * A weights entry's bytes as `dataType` `shape` needs them: the dtype must be that type's (U8
 * [ceil(n/2)] for int4/uint4; BF16 is widened for float32), the shape the declared one.
 */
export function weightTensorBytes(t: WeightTensor, dataType: MLOperandDataType, shape: readonly number[], what: string): Uint8Array {
  const want = Object.entries(SAFETENSORS_DTYPES).find(([, v]) => v === dataType)?.[0];
  const sameShape = (s: readonly number[]) => s.length === shape.length && s.every((d, i) => d === shape[i]);
  if (dataType === "int4" || dataType === "uint4") {
    const packed = byteLengthOf({ dataType, shape });
    if (t.dtype !== "U8" || t.bytes.byteLength !== packed) fail(`${what} is ${dataType} ${shapeToString(shape)}: the weights file must hold it as U8 [${packed}] (two elements per byte), but holds ${t.dtype} ${shapeToString(t.shape)}`);
    return t.bytes;
  }
  if (t.dtype === "BF16" && dataType === "float32") {
    if (!sameShape(t.shape)) fail(`${what} is declared with shape ${shapeToString(shape)}, but the weights file has ${shapeToString(t.shape)}`);
    const out = new Uint8Array(t.bytes.byteLength * 2);
    for (let i = 0, j = 0; i < t.bytes.byteLength; i += 2, j += 4) { out[j + 2] = t.bytes[i]; out[j + 3] = t.bytes[i + 1]; }
    return out;
  }
  if (t.dtype !== want) fail(`${what} is declared ${dataType}, but the weights file holds ${t.dtype}${want ? ` (expected ${want})` : ""}`);
  if (!sameShape(t.shape)) fail(`${what} is declared with shape ${shapeToString(shape)}, but the weights file has ${shapeToString(t.shape)}`);
  return t.bytes;
}

/**
 * A safetensors file as parts: the header, then each tensor's own bytes (views, not copies),
 * in the order given. Offsets are contiguous; the header is padded with spaces to 8 bytes.
 */
export function writeSafetensors(tensors: Iterable<readonly [string, { dataType: MLOperandDataType; shape: readonly number[]; bytes: Uint8Array }]>, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = {};
  const parts: Uint8Array[] = [];
  const meta: Record<string, string> = { ...metadata };
  let pos = 0;
  for (const [name, t] of tensors) {
    const packed = t.dataType === "int4" || t.dataType === "uint4";
    if (packed) meta[PACKED4_METADATA_KEY] = "1";
    const dtype = packed ? "U8" : Object.entries(SAFETENSORS_DTYPES).find(([, v]) => v === t.dataType)![0];
    const shape = packed ? [t.bytes.byteLength] : [...t.shape];
    setOwn(header, name, { dtype, shape, data_offsets: [pos, pos + t.bytes.byteLength] });
    parts.push(t.bytes);
    pos += t.bytes.byteLength;
  }
  const json = JSON.stringify(Object.keys(meta).length ? { __metadata__: meta, ...header } : header);
  let text = new TextEncoder().encode(json);
  const padded = Math.ceil(text.byteLength / 8) * 8;
  if (padded !== text.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(text);
    text = p;
  }
  const head = new Uint8Array(8 + text.byteLength);
  new DataView(head.buffer).setUint32(0, text.byteLength, true);
  head.set(text, 8);
  return [head, ...parts];
}
