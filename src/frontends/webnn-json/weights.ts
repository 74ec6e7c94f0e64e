// Weights of webnn-graph JSON documents: the "wg-weights-manifest" and the ".weights" file it
// describes, and the bytes of each kind of constant initializer (weights, scalar fill, inline).
//
// Weights manifest: { format: "wg-weights-manifest", version: 1, endianness: "little",
//   tensors: { <ref>: { dataType, shape, byteOffset, byteLength, layout? } } }.
// byteOffset counts from the start of the .weights file. A file written by webnn-graph starts
// with an 8-byte header ("WGWT", then uint32 little-endian version 1) and its first tensor is at
// offset 8; a file without the header is accepted too (offsets then start at 0).
import { setFloat16 } from "@petamoriken/float16";
import { formatError } from "./document.js";
import type { GraphJsonConst } from "./document.js";
import { WeightsError, type ErrorDetails, type ErrorRule } from "../../errors.js";
import { isPlainObject } from "../../graph/shape-rules.js";
import {
  ALL_DATA_TYPES, bitsPerElement, byteLengthOf, checkDescriptor, elementCountOf, shapeToString,
  type MLOperandDataType, type MLOperandDescriptor,
} from "../../graph/types.js";
import { decodeUtf8, describeJson, parseJsonText } from "../json-text.js";

export interface WeightsManifestEntry {
  readonly dataType: MLOperandDataType;
  readonly shape: readonly number[];
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly layout?: string;
}

export interface WeightsManifest {
  readonly format: "wg-weights-manifest";
  readonly version: number;
  readonly endianness: string;
  readonly tensors: ReadonlyMap<string, WeightsManifestEntry>;
}

export const WEIGHTS_MANIFEST_FORMAT = "wg-weights-manifest";
/** "WGWT" */
export const WEIGHTS_MAGIC = new Uint8Array([0x57, 0x47, 0x57, 0x54]);
export const WEIGHTS_HEADER_SIZE = 8;
export const WEIGHTS_FILE_VERSION = 1;

export function weightsError(message: string, rule: ErrorRule, details: ErrorDetails = {}): never {
  throw new WeightsError(message, { ...details, rule });
}


/** Parses and checks a wg-weights-manifest (parsed JSON, a JSON string, or its UTF-8 bytes). */
export function parseWeightsManifest(manifest: unknown): WeightsManifest {
  const onJsonError: (m: string) => never = (m) => weightsError(m, "manifest-json");
  let raw: unknown = manifest;
  if (manifest instanceof Uint8Array) raw = parseJsonText(decodeUtf8(manifest, "the weights manifest", onJsonError), "the weights manifest", onJsonError);
  else if (typeof manifest === "string") raw = parseJsonText(manifest, "the weights manifest", onJsonError);
  if (!isPlainObject(raw)) weightsError(`the weights manifest must be a JSON object, got ${describeJson(raw)}`, "manifest-format");
  if (raw.format !== undefined && raw.format !== WEIGHTS_MANIFEST_FORMAT) {
    weightsError(`weights manifest "format" must be "${WEIGHTS_MANIFEST_FORMAT}", got ${describeJson(raw.format)}`, "manifest-format");
  }
  if (raw.version !== undefined && raw.version !== 1) weightsError(`unsupported weights manifest version ${describeJson(raw.version)} (expected 1)`, "manifest-format");
  const endianness = raw.endianness ?? "little";
  if (endianness !== "little") weightsError(`weights manifest endianness ${describeJson(endianness)} is not supported (only "little")`, "manifest-format");
  if (!isPlainObject(raw.tensors)) weightsError(`weights manifest "tensors" must be an object, got ${describeJson(raw.tensors)}`, "manifest-format");
  const tensors = new Map<string, WeightsManifestEntry>();
  for (const [ref, e] of Object.entries(raw.tensors)) {
    const where = { operand: ref };
    const bad: (m: string) => never = (m) => weightsError(`weights manifest entry "${ref}": ${m}`, "manifest-entry", where);
    if (!isPlainObject(e)) bad(`must be an object {dataType, shape, byteOffset, byteLength}, got ${describeJson(e)}`);
    const dataType = normalizeDataType(e.dataType);
    if (!dataType) bad(`unknown dataType ${describeJson(e.dataType)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) bad(`shape must be an array of non-negative integers, got ${describeJson(e.shape)}`);
    for (const key of ["byteOffset", "byteLength"] as const) {
      const v = e[key];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) bad(`${key} must be a non-negative integer, got ${describeJson(v)}`);
    }
    if (e.layout !== undefined && e.layout !== null && e.layout !== "row-major") bad(`layout ${describeJson(e.layout)} is not supported (only "row-major")`);
    tensors.set(ref, Object.freeze({
      dataType, shape: Object.freeze([...(e.shape as number[])]), byteOffset: e.byteOffset as number, byteLength: e.byteLength as number,
      layout: typeof e.layout === "string" ? e.layout : undefined,
    }));
  }
  return Object.freeze({ format: WEIGHTS_MANIFEST_FORMAT, version: 1, endianness: "little", tensors });
}

/** True when the bytes start with the webnn-graph weights header ("WGWT"). */
export function hasWeightsHeader(weights: Uint8Array): boolean {
  return weights.byteLength >= 4 && WEIGHTS_MAGIC.every((b, i) => weights[i] === b);
}

/** Checks the weights file header (when present) and returns the first byte tensors may use. */
/** The 8-byte header webnn-graph writes at the start of a .weights file: "WGWT", version. */
export function weightsHeader(): Uint8Array {
  const head = new Uint8Array(WEIGHTS_HEADER_SIZE);
  head.set(WEIGHTS_MAGIC);
  new DataView(head.buffer).setUint32(4, WEIGHTS_FILE_VERSION, true);
  return head;
}

export function checkWeightsHeader(weights: Uint8Array): number {
  if (!hasWeightsHeader(weights)) return 0;
  if (weights.byteLength < WEIGHTS_HEADER_SIZE) {
    weightsError(`weights file is too short: it starts with "WGWT" but has ${weights.byteLength} bytes, less than the ${WEIGHTS_HEADER_SIZE}-byte header`, "out-of-range");
  }
  const version = new DataView(weights.buffer, weights.byteOffset, WEIGHTS_HEADER_SIZE).getUint32(4, true);
  if (version !== WEIGHTS_FILE_VERSION) weightsError(`unsupported weights file version ${version} (expected ${WEIGHTS_FILE_VERSION})`, "weights-version");
  return WEIGHTS_HEADER_SIZE;
}

// ------------------------------------------------------------------------------------ constants

/** webnn-graph's ONNX converter spells data types as Rust enum names ("Float32"); WebNN's are lower case. */
export function normalizeDataType(v: unknown): MLOperandDataType | undefined {
  if (typeof v !== "string") return undefined;
  const lower = v.toLowerCase();
  return (ALL_DATA_TYPES as readonly string[]).includes(lower) ? (lower as MLOperandDataType) : undefined;
}

/** Checks a constant's descriptor the way the builder will (same errors), before any bytes are made. */
export function constDescriptor(c: { name: string; dataType: unknown; shape: unknown }): MLOperandDescriptor {
  return checkDescriptor({ dataType: c.dataType, shape: c.shape }, { operator: "constant", operand: c.name });
}

const MAX_SCALAR_FILL_BYTES = 2 ** 31 - 1;

/** The bytes of a constant whose every element is `value`. */
export function scalarBytes(name: string, desc: MLOperandDescriptor, value: unknown): Uint8Array {
  const where = { operator: "constant", operand: name };
  const bad: (m: string) => never = (m) => formatError(`constant "${name}": ${m}`, "scalar-value", where);
  const t = desc.dataType;
  const n = elementCountOf(desc.shape);
  const total = byteLengthOf(desc);
  if (total > MAX_SCALAR_FILL_BYTES) {
    formatError(`constant "${name}": a scalar fill of ${t} ${shapeToString(desc.shape)} would need ${total} bytes, over the limit of ${MAX_SCALAR_FILL_BYTES}`, "scalar-size", where);
  }
  let num: number | bigint;
  if (typeof value === "number") num = value;
  else if (typeof value === "boolean") num = value ? 1 : 0;
  else if (typeof value === "string") {
    const s = value.trim();
    if (s === "NaN") num = NaN;
    else if (s === "Infinity" || s === "+Infinity") num = Infinity;
    else if (s === "-Infinity") num = -Infinity;
    else if (/^[+-]?\d+$/.test(s) && (t === "int64" || t === "uint64")) num = BigInt(s);
    else if (s !== "" && !Number.isNaN(Number(s))) num = Number(s);
    else bad(`scalar value ${describeJson(value)} is not a number`);
  } else bad(`scalar value must be a number, got ${describeJson(value)}`);

  const isInt = !(t === "float32" || t === "float16");
  if (isInt) {
    if (typeof num === "number") {
      if (!Number.isInteger(num)) bad(`scalar value ${num} is not an integer, as ${t} needs`);
      if (!Number.isSafeInteger(num)) bad(`scalar value ${num} is not exactly representable; write it as a string of digits`);
    }
    const big = BigInt(num);
    const bits = bitsPerElement(t);
    const signed = t.startsWith("int");
    const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
    const hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    if (big < lo || big > hi) bad(`scalar value ${big} is out of range for ${t} [${lo}, ${hi}]`);
    num = big;
  } else if (typeof num === "bigint") {
    num = Number(num);
  }

  const out = new Uint8Array(total);
  if (total === 0) return out;
  const view = new DataView(out.buffer);
  let unit: number;
  switch (t) {
    case "float32": view.setFloat32(0, num as number, true); unit = 4; break;
    case "float16": setFloat16(view, 0, num as number, true); unit = 2; break;
    case "int32": view.setInt32(0, Number(num), true); unit = 4; break;
    case "uint32": view.setUint32(0, Number(num), true); unit = 4; break;
    case "int64": view.setBigInt64(0, num as bigint, true); unit = 8; break;
    case "uint64": view.setBigUint64(0, num as bigint, true); unit = 8; break;
    case "int8": view.setInt8(0, Number(num)); unit = 1; break;
    case "uint8": view.setUint8(0, Number(num)); unit = 1; break;
    case "int4": case "uint4": {
      const nib = Number(num) & 0xf;
      out[0] = nib | (nib << 4);
      unit = 1;
      break;
    }
  }
  // Fill by doubling the written prefix.
  for (let filled = unit; filled < total; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, total - filled));
  if ((t === "int4" || t === "uint4") && n % 2 === 1) out[total - 1] &= 0x0f;
  return out;
}

export function weightBytes(c: GraphJsonConst & { init: { kind: "weights" } }, desc: MLOperandDescriptor, manifest: WeightsManifest | undefined, weights: Uint8Array | undefined, dataStart: number): Uint8Array {
  const name = c.name;
  const ref = c.init.ref;
  const where = { operator: "constant", operand: name };
  const refText = ref === name ? `"${name}"` : `"${name}" (weights ref "${ref}")`;
  if (!manifest) weightsError(`constant ${refText} refers to the weights file, but no weights manifest was given`, "missing-manifest", where);
  if (!weights) weightsError(`constant ${refText} refers to the weights file, but no weights file was given`, "missing-weights", where);
  const e = manifest.tensors.get(ref);
  if (!e) weightsError(`constant ${refText}: the weights manifest has no tensor "${ref}"`, "missing-entry", where);
  if (e.dataType !== desc.dataType) {
    weightsError(`constant ${refText} is declared ${desc.dataType}, but the manifest says ${e.dataType}`, "data-type-mismatch", where);
  }
  if (e.shape.length !== desc.shape.length || e.shape.some((d, i) => d !== desc.shape[i])) {
    weightsError(`constant ${refText} is declared with shape ${shapeToString(desc.shape)}, but the manifest says ${shapeToString(e.shape)}`, "shape-mismatch", where);
  }
  const expected = byteLengthOf(desc);
  if (e.byteLength !== expected) {
    const packed = bitsPerElement(desc.dataType) === 4 ? " (4-bit types are packed two elements per byte, low nibble first)" : "";
    weightsError(`constant ${refText}: manifest byteLength ${e.byteLength} does not match ${desc.dataType} ${shapeToString(desc.shape)}, which needs ${expected} bytes${packed}`, "byte-length", where);
  }
  if (e.byteOffset < dataStart) {
    weightsError(`constant ${refText}: byteOffset ${e.byteOffset} overlaps the ${dataStart}-byte weights file header (offsets count from the start of the file)`, "out-of-range", where);
  }
  const end = e.byteOffset + e.byteLength;
  if (end > weights.byteLength) {
    weightsError(`weights file is too short for constant ${refText}: it needs bytes [${e.byteOffset}, ${end}), but the file has ${weights.byteLength} bytes`, "out-of-range", where);
  }
  return weights.subarray(e.byteOffset, end); // a view: zero copy
}

