// The WKWebView bridge protocol (docs/bridge-protocol.md), shared by the page-side client
// (client.ts) and the Node stand-in host (src/node/bridge-host.ts): names, error codes, limits,
// JSON shapes, and the binary tensor message used by predict. Browser-safe: no Node imports.
import { PACKAGE_READ_LIMITS } from "../limits.js";

export const PROTOCOL_NAME = "webnn-coreml-bridge";
export const PROTOCOL_VERSION = 1;
/** Base URL of the host's WKURLSchemeHandler in an app (the stand-in host uses http://127.0.0.1:PORT). */
export const DEFAULT_BASE_URL = "webnn-coreml://host";
/** Name of the WKScriptMessageHandlerWithReply: `window.webkit.messageHandlers.webnnCoreML`. */
export const DEFAULT_MESSAGE_HANDLER = "webnnCoreML";
/** Global the host may inject (WKUserScript) to switch the bridge on: `{ baseUrl, messageHandler }`. */
export const CONFIG_GLOBAL = "__webnnCoreMLBridge";

export type ComputeUnits = "cpuOnly" | "cpuAndGPU" | "cpuAndNeuralEngine" | "all";
export const COMPUTE_UNITS: readonly ComputeUnits[] = ["cpuOnly", "cpuAndGPU", "cpuAndNeuralEngine", "all"];

/** Every error the protocol defines (docs/bridge-protocol.md, "Errors"), with its HTTP status. */
export const ERROR_STATUS = {
  "bad-request": 400,
  "unsupported-version": 400,
  "invalid-input": 400,
  "origin-not-allowed": 403,
  "not-found": 404,
  "unknown-upload": 404,
  "unknown-model": 404,
  "bad-offset": 409,
  "incomplete-upload": 409,
  "package-too-large": 413,
  "chunk-too-large": 413,
  "request-too-large": 413,
  "invalid-package": 422,
  "unsafe-path": 422,
  "compile-failed": 422,
  "too-many-uploads": 429,
  "too-many-models": 429,
  "load-failed": 500,
  "prediction-failed": 500,
  "internal": 500,
} as const;

/** Codes a host sends. */
export type HostErrorCode = keyof typeof ERROR_STATUS;
/** Codes the client adds: no host answered, or the caller aborted. */
export type ClientErrorCode = "unavailable" | "aborted";
export type BridgeErrorCode = HostErrorCode | ClientErrorCode;

export class BridgeError extends Error {
  override name = "BridgeError";
  constructor(readonly code: BridgeErrorCode, message: string, readonly status?: number) {
    super(message);
  }
}

export function isHostErrorCode(code: unknown): code is HostErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

export interface BridgeLimits {
  /** Largest package: the zip's size, or the sum of the files' sizes. */
  maxPackageBytes: number;
  /** Largest body of one upload chunk. */
  maxChunkBytes: number;
  /** Files in a package (directory entries of a zip not counted). */
  maxFiles: number;
  /** Models loaded at once. */
  maxModels: number;
  /** Uploads in progress at once. */
  maxUploads: number;
  /** Largest predict request body. */
  maxRequestBytes: number;
  /** An upload with no chunk for this long is dropped and its files deleted. */
  uploadIdleSeconds: number;
}

export const DEFAULT_LIMITS: Readonly<BridgeLimits> = Object.freeze({
  maxPackageBytes: 1024 * 1024 * 1024,
  maxChunkBytes: 16 * 1024 * 1024,
  maxFiles: PACKAGE_READ_LIMITS.maxFiles,
  maxModels: 4,
  maxUploads: 2,
  maxRequestBytes: 256 * 1024 * 1024,
  uploadIdleSeconds: 120,
});

/** Largest JSON control body a host reads. */
export const MAX_JSON_BYTES = 64 * 1024;

export interface BridgeInfo {
  protocol: typeof PROTOCOL_NAME;
  version: number;
  /** Host implementation, e.g. "webnn-coreml-swift/0.1.0" or "webnn-coreml-node-standin/0.1.0". */
  host: string;
  computeUnits: ComputeUnits[];
  limits: BridgeLimits;
  /** Models loaded now. */
  models: number;
}

export interface UploadFileEntry {
  /** '/'-separated path inside the package directory, e.g. "Data/com.apple.CoreML/model.mlmodel". */
  path: string;
  size: number;
}

/** POST /v1/uploads */
export type BeginUploadRequest =
  | { name: string; format: "zip"; size: number }
  | { name: string; format: "files"; size: number; files: UploadFileEntry[] };

export interface BeginUploadResponse {
  uploadId: string;
  /** Largest chunk the host accepts (its maxChunkBytes). */
  maxChunkBytes: number;
}

export interface ChunkResponse {
  received: number;
}

/** POST /v1/models */
export interface LoadRequest {
  uploadId: string;
  computeUnits: ComputeUnits;
  /**
   * The function of a multifunction package to load (MLModelConfiguration.functionName, iOS 18 /
   * macOS 15); default: the package's default function. An identifier of at most 128 characters.
   */
  functionName?: string;
}

/** What a functionName must look like: the converter's rule for function names. */
export { FUNCTION_NAME as FUNCTION_NAME_PATTERN } from "../mil/model.js";

export interface TensorDescription {
  name: string;
  dataType: WireDataType;
  shape: number[];
}

export interface LoadResponse {
  modelId: string;
  name: string;
  computeUnits: ComputeUnits;
  /** The function loaded, when the request named one. */
  functionName?: string;
  inputs: TensorDescription[];
  outputs: TensorDescription[];
}

/** Messages to the WKScriptMessageHandlerWithReply (and the stand-in host's POST /v1/message). */
export type ControlMessage =
  | { op: "info" }
  | { op: "unload"; modelId: string }
  | { op: "cancelUpload"; uploadId: string };

/** Its replies: `{ ok: true, result }` or `{ ok: false, error: { code, message } }`. */
export type ControlReply =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: string; message: string } };

export interface ErrorBody {
  error: { code: string; message: string };
}

// ------------------------------------------------------------------ tensors on the wire

/** WebNN data types a tensor may have on the wire (the model's WebNN types; the host converts). */
export type WireDataType = "float32" | "float16" | "int32" | "uint32" | "int8" | "uint8" | "int64" | "uint64";
export const WIRE_DATA_TYPES: readonly WireDataType[] = ["float32", "float16", "int32", "uint32", "int8", "uint8", "int64", "uint64"];

export type WireArray = Float32Array | Uint16Array | Int32Array | Uint32Array | Int8Array | Uint8Array | BigInt64Array | BigUint64Array;

/** A tensor as the page gives and gets it: the same shape as the reference runtime's WebNNTensor. */
export interface BridgeTensor {
  dataType: WireDataType;
  shape: number[];
  /** float16 as Uint16Array of half bits; int64/uint64 as BigInt64Array/BigUint64Array. */
  data: WireArray;
}

export function elementSize(t: WireDataType): number {
  switch (t) {
    case "int8": case "uint8": return 1;
    case "float16": return 2;
    case "float32": case "int32": case "uint32": return 4;
    case "int64": case "uint64": return 8;
  }
}

/** The typed array class that holds a wire data type. */
export function arrayTypeOf(t: WireDataType): { new (buffer: ArrayBufferLike, byteOffset: number, length: number): WireArray; name: string } {
  switch (t) {
    case "float32": return Float32Array;
    case "float16": return Uint16Array;
    case "int32": return Int32Array;
    case "uint32": return Uint32Array;
    case "int8": return Int8Array;
    case "uint8": return Uint8Array;
    case "int64": return BigInt64Array;
    case "uint64": return BigUint64Array;
  }
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isDimension(d: unknown): d is number {
  return typeof d === "number" && Number.isSafeInteger(d) && d >= 0;
}

export const MESSAGE_MAGIC = 0x4243_4e57; // "WNCB" read as a little-endian u32
const ALIGN = 8;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

interface HeaderEntry {
  name: string;
  dataType: WireDataType;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

/**
 * Encodes named tensors as a predict message: "WNCB", u32 LE header length, the JSON header
 * `{ tensors: [{ name, dataType, shape, byteOffset, byteLength }] }`, zero padding to 8 bytes,
 * then the data section (each tensor at an 8-byte aligned byteOffset from its start). Returns
 * the message as parts: the header, padding, and views of the tensors' own bytes (not copied).
 */
export function encodeTensorMessage(tensors: Record<string, BridgeTensor>): { parts: Uint8Array[]; size: number } {
  const entries: HeaderEntry[] = [];
  const data: Uint8Array[] = [];
  let pos = 0;
  for (const [name, t] of Object.entries(tensors)) {
    checkTensor(name, t);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const at = align(pos);
    if (at > pos) data.push(new Uint8Array(at - pos));
    entries.push({ name, dataType: t.dataType, shape: [...t.shape], byteOffset: at, byteLength: bytes.byteLength });
    data.push(bytes);
    pos = at + bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify({ tensors: entries }));
  const start = align(8 + json.byteLength);
  const head = new Uint8Array(start);
  const v = new DataView(head.buffer);
  v.setUint32(0, MESSAGE_MAGIC, true);
  v.setUint32(4, json.byteLength, true);
  head.set(json, 8);
  return { parts: [head, ...data], size: start + pos };
}

/** Checks that a tensor is self-consistent: a typed array of its data type, as many elements as its shape. */
export function checkTensor(name: string, t: BridgeTensor): void {
  if (!t || typeof t !== "object") throw new BridgeError("invalid-input", `tensor "${name}" is not an object`);
  if (!WIRE_DATA_TYPES.includes(t.dataType)) throw new BridgeError("invalid-input", `tensor "${name}": unsupported dataType ${String(t.dataType)}`);
  if (!Array.isArray(t.shape) || !t.shape.every(isDimension)) throw new BridgeError("invalid-input", `tensor "${name}": shape must be an array of non-negative integers`);
  const Type = arrayTypeOf(t.dataType);
  if (!(t.data instanceof (Type as unknown as typeof Uint8Array))) {
    throw new BridgeError("invalid-input", `tensor "${name}": ${t.dataType} data must be a ${Type.name}${t.dataType === "float16" ? " of half bits" : ""}`);
  }
  const n = elementCount(t.shape);
  if (t.data.length !== n) throw new BridgeError("invalid-input", `tensor "${name}": ${t.data.length} elements for shape [${t.shape.join(", ")}] (${n})`);
}

/**
 * Decodes a predict message into a record without prototype. Tensors are views of `message`
 * when it is aligned in its buffer, else copies. Throws BridgeError("bad-request") on a malformed
 * message, including a byteOffset that is not a multiple of 8.
 */
export function decodeTensorMessage(message: Uint8Array): Record<string, BridgeTensor> {
  const bad = (why: string): never => { throw new BridgeError("bad-request", `malformed tensor message: ${why}`); };
  if (message.byteLength < 8) bad("shorter than its 8-byte prefix");
  const v = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (v.getUint32(0, true) !== MESSAGE_MAGIC) bad('no "WNCB" magic');
  const headerLength = v.getUint32(4, true);
  if (8 + headerLength > message.byteLength) bad("header runs past the end");
  let header: { tensors?: unknown };
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(message.subarray(8, 8 + headerLength)));
  } catch {
    return bad("header is not UTF-8 JSON");
  }
  const start = align(8 + headerLength);
  if (start > message.byteLength) bad("data section starts past the end");
  const dataLength = message.byteLength - start;
  if (!header || typeof header !== "object" || !Array.isArray(header.tensors)) bad("header has no tensors array");
  // No prototype: a tensor named "__proto__" or "constructor" is an ordinary entry.
  const out: Record<string, BridgeTensor> = Object.create(null);
  for (const raw of header.tensors as unknown[]) {
    const e = raw as Partial<HeaderEntry>;
    if (!e || typeof e.name !== "string") bad("a tensor has no name");
    const name = e.name as string;
    if (Object.prototype.hasOwnProperty.call(out, name)) bad(`tensor "${name}" appears twice`);
    if (!WIRE_DATA_TYPES.includes(e.dataType as WireDataType)) bad(`tensor "${name}": unsupported dataType ${String(e.dataType)}`);
    if (!Array.isArray(e.shape) || !e.shape.every(isDimension)) bad(`tensor "${name}": bad shape`);
    if (!isDimension(e.byteOffset) || !isDimension(e.byteLength)) bad(`tensor "${name}": bad byteOffset/byteLength`);
    const dataType = e.dataType as WireDataType;
    const shape = e.shape as number[];
    const byteOffset = e.byteOffset as number;
    const byteLength = e.byteLength as number;
    if (byteOffset % ALIGN !== 0) bad(`tensor "${name}": byteOffset ${byteOffset} is not a multiple of ${ALIGN}`);
    if (byteOffset + byteLength > dataLength) bad(`tensor "${name}" runs past the end of the message`);
    const size = elementSize(dataType);
    const count = elementCount(shape);
    if (byteLength !== count * size) bad(`tensor "${name}": ${byteLength} bytes for ${dataType}[${shape.join(",")}] (${count * size})`);
    const Type = arrayTypeOf(dataType);
    // Offsets are 8-aligned within the message; the message itself may sit anywhere in its buffer.
    const at = message.byteOffset + start + byteOffset;
    const data = at % size === 0
      ? new Type(message.buffer, at, count)
      : new Type(message.slice(start + byteOffset, start + byteOffset + byteLength).buffer, 0, count);
    out[name] = { dataType, shape: [...shape], data };
  }
  return out;
}

// ------------------------------------------------------------------ package paths

/**
 * Whether a '/'-separated path inside a package is safe to create under a private folder:
 * relative, no "." or ".." or empty segments, no backslashes, NUL or other control characters,
 * no ':' (drive letters, alternate streams), at most 1024 UTF-8 bytes and 255 per segment.
 * `directory` allows one trailing '/'. Hosts check every file name and zip entry name with it.
 */
export function isSafePackagePath(path: string, directory = false): boolean {
  if (typeof path !== "string" || path.length === 0) return false;
  let p = path;
  if (directory && p.endsWith("/")) p = p.slice(0, -1);
  if (p.length === 0 || new TextEncoder().encode(p).byteLength > 1024) return false;
  if (p.startsWith("/") || /[\\:\u0000-\u001f\u007f]/.test(p)) return false;
  for (const s of p.split("/")) {
    if (s === "" || s === "." || s === "..") return false;
    if (new TextEncoder().encode(s).byteLength > 255) return false;
  }
  return true;
}
