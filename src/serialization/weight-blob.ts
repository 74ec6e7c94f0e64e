// MIL blob storage, version 2 (weights/weight.bin), as Core ML's reader expects it (and
// coremltools' blob writer writes it): a 64-byte storage header, then per blob a 64-byte metadata record
// (sentinel 0xDEADBEEF) at a multiple of 64 followed by the data. All integers little-endian.
//
// The file is kept as a list of parts — headers, references to the constants' own bytes, and
// zero padding — and is never concatenated unless a caller asks (zero copy).
import { PackageFormatError } from "../errors.js";
import type { MilDataType } from "../mil/program.js";
import type { Target } from "../mil/target.js";

export const BLOB_STORAGE_VERSION = 2;
export const BLOB_SENTINEL = 0xdeadbeef;
export const BLOB_ALIGNMENT = 64;
export const BLOB_HEADER_SIZE = 64;
export const BLOB_METADATA_SIZE = 64;

/** Blob dataType codes. */
export const BLOB_DATA_TYPE_CODES: Partial<Record<MilDataType, number>> = {
  fp16: 1, fp32: 2, uint8: 3, int8: 4, int16: 6, uint16: 7, int4: 8, uint1: 9, uint2: 10, uint4: 11, uint3: 12, uint6: 13, int32: 14, uint32: 15,
};

export const BLOB_CODE_TO_DATA_TYPE: Record<number, MilDataType> = Object.fromEntries(
  Object.entries(BLOB_DATA_TYPE_CODES).map(([k, v]) => [v, k as MilDataType]),
);

/** coremltools' rule: a const goes to the blob file when it has ≥ 10 elements and a type the target's weight.bin holds. */
export const BLOB_MIN_ELEMENTS = 10;

export function isBlobEligible(dataType: MilDataType, elementCount: number, target: Target): boolean {
  return elementCount >= BLOB_MIN_ELEMENTS && target.blobDataTypes.includes(dataType) && BLOB_DATA_TYPE_CODES[dataType] !== undefined;
}

const ZERO_PAD = new Uint8Array(BLOB_ALIGNMENT);

interface BlobEntry {
  offset: number;
  code: number;
  data: Uint8Array;
  paddingBits: number;
  key: string;
}

export class WeightBlobWriter {
  private readonly entries: BlobEntry[] = [];
  /** For de-duplication: entries by (code, byte length, padding, content fingerprint). */
  private readonly byKey = new Map<string, BlobEntry[]>();
  private end = BLOB_HEADER_SIZE;

  /**
   * Adds a blob and returns its metadata offset (what BlobFileValue.offset holds). Identical
   * bytes of the same dtype are stored once. `data` is referenced, not copied.
   */
  add(dataType: MilDataType, data: Uint8Array, paddingBits = 0): number {
    const code = BLOB_DATA_TYPE_CODES[dataType];
    if (code === undefined) throw new Error(`internal: ${dataType} cannot be stored in a weight blob`);
    const key = `${code}:${data.byteLength}:${paddingBits}:${fingerprint(data)}`;
    const same = this.byKey.get(key);
    if (same) {
      for (const e of same) if (e.data === data || bytesEqual(e.data, data)) return e.offset;
    }
    const offset = alignUp(this.end);
    const entry: BlobEntry = { offset, code, data, paddingBits, key };
    this.entries.push(entry);
    if (same) same.push(entry); else this.byKey.set(key, [entry]);
    this.end = offset + BLOB_METADATA_SIZE + data.byteLength;
    return offset;
  }

  /** A summary of the contents (dtype, size and fingerprint of each blob), cheap to compute. */
  contentKey(): string {
    return this.entries.map((e) => e.key).join(";");
  }

  get count(): number {
    return this.entries.length;
  }

  /** Total bytes; the file ends right after the last blob's data. */
  get byteLength(): number {
    return this.entries.length ? this.end : BLOB_HEADER_SIZE;
  }

  /** The file as parts, in order: header, then per blob [padding], metadata, data. */
  parts(): Uint8Array[] {
    const parts: Uint8Array[] = [];
    const header = new Uint8Array(BLOB_HEADER_SIZE);
    const hv = new DataView(header.buffer);
    hv.setUint32(0, this.entries.length, true);
    hv.setUint32(4, BLOB_STORAGE_VERSION, true);
    parts.push(header);
    let pos = BLOB_HEADER_SIZE;
    for (const e of this.entries) {
      if (e.offset > pos) parts.push(ZERO_PAD.subarray(0, e.offset - pos));
      parts.push(encodeMetadata(e));
      if (e.data.byteLength) parts.push(e.data);
      pos = e.offset + BLOB_METADATA_SIZE + e.data.byteLength;
    }
    return parts;
  }
}

function encodeMetadata(e: BlobEntry): Uint8Array {
  const m = new Uint8Array(BLOB_METADATA_SIZE);
  const v = new DataView(m.buffer);
  v.setUint32(0, BLOB_SENTINEL, true);
  v.setUint32(4, e.code, true);
  v.setBigUint64(8, BigInt(e.data.byteLength), true);
  v.setBigUint64(16, BigInt(e.offset + BLOB_METADATA_SIZE), true);
  v.setBigUint64(24, BigInt(e.paddingBits), true);
  return m;
}

export function alignUp(n: number, a = BLOB_ALIGNMENT): number {
  return Math.ceil(n / a) * a;
}

/**
 * A cheap content fingerprint for de-duplication: FNV-1a over every byte of small blobs, and over
 * 512 bytes sampled at fixed positions (plus the first and last 64) of large ones, so that adding
 * a large constant reads a few pages of it, not all of it. Equal fingerprints are then confirmed
 * byte by byte.
 */
export function fingerprint(data: Uint8Array): number {
  const n = data.byteLength;
  let h = 0x811c9dc5;
  if (n <= 4096) {
    let i = 0;
    if ((data.byteOffset & 3) === 0) {
      const words = new Int32Array(data.buffer, data.byteOffset, n >> 2);
      for (let k = 0; k < words.length; k++) h = Math.imul(h ^ words[k], 0x01000193);
      i = words.length * 4;
    }
    for (; i < n; i++) h = Math.imul(h ^ data[i], 0x01000193);
    return h >>> 0;
  }
  for (let i = 0; i < 64; i++) h = Math.imul(h ^ data[i], 0x01000193);
  for (let i = n - 64; i < n; i++) h = Math.imul(h ^ data[i], 0x01000193);
  const step = Math.floor(n / 512);
  for (let k = 0, i = 32; k < 512; k++, i += step) h = Math.imul(h ^ data[i < n ? i : n - 1], 0x01000193);
  return h >>> 0;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  // Compare 4 bytes at a time where both views are aligned; else byte by byte.
  const n = a.byteLength;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const a32 = new Uint32Array(a.buffer, a.byteOffset, n >> 2);
    const b32 = new Uint32Array(b.buffer, b.byteOffset, n >> 2);
    for (let k = 0; k < a32.length; k++) if (a32[k] !== b32[k]) return false;
    i = a32.length * 4;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ------------------------------------------------------------------ reading

export interface BlobRecord {
  offset: number;
  dataType: MilDataType;
  sizeInBytes: number;
  dataOffset: number;
  paddingBits: number;
}

/** A weight file that is not one buffer (e.g. above the platform's buffer limit): its blob records and their data. */
export interface WeightBlobSource {
  readonly byteLength: number;
  readonly records: Map<number, BlobRecord>;
  /** The data bytes of one blob. */
  data(record: BlobRecord): Uint8Array;
}

/** Parses and validates a whole weight.bin: version, count, sentinels, offsets, sizes. */
export function readWeightBlob(bytes: Uint8Array): Map<number, BlobRecord> {
  return readWeightBlobIndex(bytes.byteLength, (pos, len) => bytes.subarray(pos, pos + len));
}

/**
 * The same validation over a weight file of `byteLength` bytes that is read on demand:
 * `read(pos, len)` returns those bytes (only headers are read: 64 bytes at a time).
 */
export function readWeightBlobIndex(byteLength: number, read: (pos: number, len: number) => Uint8Array): Map<number, BlobRecord> {
  const fail = (msg: string): never => { throw new PackageFormatError(`weight.bin: ${msg}`, { rule: "weight-blob" }); };
  if (byteLength < BLOB_HEADER_SIZE) fail(`file of ${byteLength} bytes is shorter than the 64-byte storage header`);
  const view = (pos: number): DataView => {
    const b = read(pos, BLOB_METADATA_SIZE);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const header = view(0);
  const count = header.getUint32(0, true);
  const version = header.getUint32(4, true);
  if (version !== BLOB_STORAGE_VERSION) fail(`storage version ${version}, expected ${BLOB_STORAGE_VERSION}`);
  const records = new Map<number, BlobRecord>();
  let pos = BLOB_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    pos = alignUp(pos);
    if (pos + BLOB_METADATA_SIZE > byteLength) fail(`blob ${i} metadata at ${pos} runs past the end of the file (${byteLength} bytes)`);
    const dv = view(pos);
    const sentinel = dv.getUint32(0, true);
    if (sentinel !== BLOB_SENTINEL) fail(`blob ${i} at ${pos}: sentinel 0x${sentinel.toString(16)}, expected 0xdeadbeef`);
    const code = dv.getUint32(4, true);
    const dataType = BLOB_CODE_TO_DATA_TYPE[code];
    if (!dataType) fail(`blob ${i} at ${pos}: unknown dataType code ${code}`);
    const size = Number(dv.getBigUint64(8, true));
    const dataOffset = Number(dv.getBigUint64(16, true));
    const paddingBits = Number(dv.getBigUint64(24, true));
    if (dataOffset !== pos + BLOB_METADATA_SIZE) fail(`blob ${i} at ${pos}: data offset ${dataOffset}, expected ${pos + BLOB_METADATA_SIZE}`);
    if (dataOffset + size > byteLength) fail(`blob ${i} at ${pos}: ${size} data bytes run past the end of the file`);
    records.set(pos, { offset: pos, dataType, sizeInBytes: size, dataOffset, paddingBits });
    pos = dataOffset + size;
  }
  return records;
}
