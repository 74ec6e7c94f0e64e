// Reader for webnn-graph JSON documents ("format": "webnn-graph-json", versions 1 and 2), the
// canonical JSON form of the webnn-graph project, with weights from a "wg-weights-manifest" and
// a ".weights" file. The graph is built only through MLGraphBuilder, so the builder's WebNN
// validation applies to every node. No Node-only imports: this runs in Web Workers too.
//
// Document layout (as webnn-graph's serde model writes it):
//   { format: "webnn-graph-json", version: 1 | 2, name?: string, quantized?: boolean,
//     inputs:  { <name>: { dataType, shape } },
//     consts:  { <name>: { dataType, shape, init } },        // optional
//     nodes:   [ { id, op, inputs: [names], options: {}, outputs: [names] | null } ],
//     outputs: { <output name>: <value name> } }
// Const init is tagged by "kind": { kind: "weights", ref } | { kind: "scalar", value }
//   | { kind: "inlineBytes", bytes: [0..255, ...] }.
// Version 2 (webnn-graph's current default) added the "quantized" flag and the int4/uint4 data
// types; the layout is otherwise the same, and both versions are read the same way.
//
// Weights manifest: { format: "wg-weights-manifest", version: 1, endianness: "little",
//   tensors: { <ref>: { dataType, shape, byteOffset, byteLength, layout? } } }.
// byteOffset counts from the start of the .weights file. A file written by webnn-graph starts
// with an 8-byte header ("WGWT", then uint32 little-endian version 1) and its first tensor is at
// offset 8; a file without the header is accepted too (offsets then start at 0).
import { setFloat16 } from "@petamoriken/float16";
import { GraphFormatError, makeError, UnsupportedError, WebNNCoreMLError, WeightsError, type ErrorDetails, type ErrorRule } from "../errors.js";
import { builderOperatorNames, MLGraphBuilder } from "./builder.js";
import { MLOperand, type MLGraph } from "./operand.js";
import { fail, isPlainObject } from "./shape-rules.js";
import {
  ALL_DATA_TYPES, bitsPerElement, byteLengthOf, checkDescriptor, elementCountOf, shapeToString,
  type MLOperandDataType, type MLOperandDescriptor,
} from "./types.js";

// ------------------------------------------------------------------------------------ API types

export interface GraphJsonSources {
  /** The whole .weights file (with or without the WGWT header). Constants become views into it. */
  weights?: Uint8Array;
  /** The weights manifest: parsed JSON, or a JSON string (or its UTF-8 bytes). */
  manifest?: unknown;
}

export type ConstInitJson =
  | { kind: "weights"; ref: string }
  | { kind: "scalar"; value: unknown }
  | { kind: "inlineBytes"; bytes: Uint8Array };

export interface GraphJsonConst {
  readonly name: string;
  readonly dataType: unknown;
  readonly shape: unknown;
  readonly init: ConstInitJson;
}

export interface GraphJsonNode {
  /** Position in the document's nodes array. */
  readonly index: number;
  readonly id: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  /** Names of the node's results, for multi-output operators (split); null when absent. */
  readonly outputs: readonly string[] | null;
}

/** A webnn-graph JSON document, checked for structure (not yet for WebNN validity). */
export interface GraphJsonDocument {
  readonly format: "webnn-graph-json";
  readonly version: 1 | 2;
  readonly name?: string;
  readonly quantized: boolean;
  readonly inputs: ReadonlyArray<readonly [string, unknown]>;
  readonly consts: readonly GraphJsonConst[];
  readonly nodes: readonly GraphJsonNode[];
  /** [output name, referenced value name] pairs. */
  readonly outputs: ReadonlyArray<readonly [string, string]>;
}

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

export const GRAPH_JSON_FORMAT = "webnn-graph-json";
export const WEIGHTS_MANIFEST_FORMAT = "wg-weights-manifest";
/** "WGWT" */
export const WEIGHTS_MAGIC = new Uint8Array([0x57, 0x47, 0x57, 0x54]);
export const WEIGHTS_HEADER_SIZE = 8;
export const WEIGHTS_FILE_VERSION = 1;

// ------------------------------------------------------------------------------------ entry points

/** Reads a webnn-graph JSON document and builds it with MLGraphBuilder. */
export function readGraphJson(json: string | Uint8Array | object, sources?: GraphJsonSources): MLGraph {
  return readGraphJsonWithName(json, sources).graph;
}

/** As readGraphJson, and also returns the graph's name from the document, if it has one. */
export function readGraphJsonWithName(json: string | Uint8Array | object, sources?: GraphJsonSources): { graph: MLGraph; name?: string } {
  const doc = parseGraphJsonDocument(json);
  return { graph: buildGraphFromDocument(doc, sources), name: doc.name };
}

/** True when some constant of the document refers to the weights file. */
export function graphJsonNeedsWeights(doc: GraphJsonDocument): boolean {
  return doc.consts.some((c) => c.init.kind === "weights");
}

// ------------------------------------------------------------------------------------ parsing

function formatError(message: string, rule: ErrorRule, details: ErrorDetails = {}): never {
  throw new GraphFormatError(message, { ...details, rule });
}

function weightsError(message: string, rule: ErrorRule, details: ErrorDetails = {}): never {
  throw new WeightsError(message, { ...details, rule });
}

function describeJson(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 40 ? s.slice(0, 40) + "…" : s}`;
}

function decodeUtf8(bytes: Uint8Array, what: string, onError: (m: string) => never): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return onError(`${what} is not valid UTF-8`);
  }
}

function parseJsonText(text: string, what: string, onError: (m: string) => never): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    return onError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Parses (if needed) and checks the structure of a webnn-graph JSON document. */
export function parseGraphJsonDocument(json: string | Uint8Array | object): GraphJsonDocument {
  const onJsonError: (m: string) => never = (m) => formatError(m, "json");
  let raw: unknown = json;
  if (json instanceof Uint8Array) raw = parseJsonText(decodeUtf8(json, "the graph file", onJsonError), "the graph file", onJsonError);
  else if (typeof json === "string") raw = parseJsonText(json, "the graph file", onJsonError);
  if (!isPlainObject(raw)) formatError(`a webnn-graph JSON document must be a JSON object, got ${describeJson(raw)}`, "format");

  if (raw.format !== GRAPH_JSON_FORMAT) {
    formatError(`"format" must be "${GRAPH_JSON_FORMAT}", got ${describeJson(raw.format)}`, "format");
  }
  const version = raw.version;
  if (version !== 1 && version !== 2) {
    formatError(`unsupported webnn-graph JSON version ${describeJson(version)} (versions 1 and 2 are supported)`, "version");
  }
  let name: string | undefined;
  if (raw.name !== undefined && raw.name !== null) {
    if (typeof raw.name !== "string") formatError(`"name" must be a string, got ${describeJson(raw.name)}`, "format");
    name = raw.name;
  }
  if (raw.quantized !== undefined && raw.quantized !== null && typeof raw.quantized !== "boolean") {
    formatError(`"quantized" must be a boolean, got ${describeJson(raw.quantized)}`, "format");
  }
  const quantized = raw.quantized === true;

  // inputs
  if (!isPlainObject(raw.inputs)) formatError(`"inputs" must be an object mapping input names to {dataType, shape}, got ${describeJson(raw.inputs)}`, "format");
  const inputs = Object.entries(raw.inputs).map(([n, d]) => [n, d] as const);

  // consts
  const consts: GraphJsonConst[] = [];
  if (raw.consts !== undefined && raw.consts !== null) {
    if (!isPlainObject(raw.consts)) formatError(`"consts" must be an object mapping constant names to declarations, got ${describeJson(raw.consts)}`, "format");
    for (const [cname, decl] of Object.entries(raw.consts)) consts.push(parseConst(cname, decl));
  }

  // nodes
  if (!Array.isArray(raw.nodes)) formatError(`"nodes" must be an array, got ${describeJson(raw.nodes)}`, "format");
  const nodes = raw.nodes.map((n, i) => parseNode(n, i));

  // outputs: webnn-graph writes { <output name>: <value name> }; a list of names is accepted too.
  const outputs: [string, string][] = [];
  if (Array.isArray(raw.outputs)) {
    for (const [i, o] of raw.outputs.entries()) {
      if (typeof o !== "string" || o.length === 0) formatError(`outputs[${i}] must be a value name, got ${describeJson(o)}`, "format");
      outputs.push([o, o]);
    }
  } else if (isPlainObject(raw.outputs)) {
    for (const [oname, ref] of Object.entries(raw.outputs)) {
      if (typeof ref !== "string" || ref.length === 0) formatError(`output "${oname}" must name a value, got ${describeJson(ref)}`, "format", { operand: oname });
      outputs.push([oname, ref]);
    }
  } else {
    formatError(`"outputs" must be an object mapping output names to value names, got ${describeJson(raw.outputs)}`, "format");
  }
  if (outputs.length === 0) formatError(`"outputs" must name at least one output`, "format");

  return Object.freeze({ format: GRAPH_JSON_FORMAT, version, name, quantized, inputs, consts, nodes, outputs });
}

function parseConst(name: string, decl: unknown): GraphJsonConst {
  const where = { operator: "constant", operand: name };
  if (!isPlainObject(decl)) formatError(`constant "${name}" must be an object {dataType, shape, init}, got ${describeJson(decl)}`, "const", where);
  const init = decl.init;
  if (!isPlainObject(init)) formatError(`constant "${name}" needs an "init" object ({kind: "weights" | "scalar" | "inlineBytes", ...}), got ${describeJson(init)}`, "const-init", where);
  let parsed: ConstInitJson;
  switch (init.kind) {
    case "weights": {
      if (typeof init.ref !== "string" || init.ref.length === 0) formatError(`constant "${name}": weights init needs a "ref" string, got ${describeJson(init.ref)}`, "const-init", where);
      parsed = { kind: "weights", ref: init.ref };
      break;
    }
    case "scalar": {
      if (!("value" in init)) formatError(`constant "${name}": scalar init needs a "value"`, "const-init", where);
      parsed = { kind: "scalar", value: init.value };
      break;
    }
    case "inlineBytes": {
      parsed = { kind: "inlineBytes", bytes: parseInlineBytes(name, init.bytes) };
      break;
    }
    default:
      formatError(`constant "${name}": unknown init kind ${describeJson(init.kind)} (expected "weights", "scalar" or "inlineBytes")`, "const-init", where);
  }
  return Object.freeze({ name, dataType: decl.dataType, shape: decl.shape, init: parsed });
}

/** webnn-graph writes inline bytes as an array of numbers 0..255; a base64 string is accepted too. */
function parseInlineBytes(name: string, bytes: unknown): Uint8Array {
  const where = { operator: "constant", operand: name };
  if (typeof bytes === "string") {
    const out = decodeBase64(bytes);
    if (!out) formatError(`constant "${name}": inline bytes string is not valid base64`, "const-init", where);
    return out;
  }
  if (!Array.isArray(bytes)) formatError(`constant "${name}": inlineBytes init needs "bytes", an array of byte values 0..255, got ${describeJson(bytes)}`, "const-init", where);
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) {
      formatError(`constant "${name}": bytes[${i}] is ${describeJson(b)}, not a byte value 0..255`, "const-init", where);
    }
    out[i] = b;
  }
  return out;
}

function parseNode(n: unknown, index: number): GraphJsonNode {
  const at = `nodes[${index}]`;
  if (!isPlainObject(n)) formatError(`${at} must be an object {id, op, inputs, options, outputs}, got ${describeJson(n)}`, "node");
  if (typeof n.id !== "string" || n.id.length === 0) formatError(`${at}: "id" must be a non-empty string, got ${describeJson(n.id)}`, "node");
  const id = n.id;
  const where = { operand: id };
  if (typeof n.op !== "string") formatError(`node "${id}": "op" must be a string, got ${describeJson(n.op)}`, "node", where);
  let inputs: string[] = [];
  if (n.inputs !== undefined && n.inputs !== null) {
    if (!Array.isArray(n.inputs)) formatError(`node "${id}": "inputs" must be an array of value names, got ${describeJson(n.inputs)}`, "node", { operator: n.op, ...where });
    inputs = n.inputs.map((x, i) => {
      if (typeof x !== "string" || x.length === 0) formatError(`node "${id}": inputs[${i}] must be a value name, got ${describeJson(x)}`, "node", { operator: n.op as string, ...where });
      return x;
    });
  }
  let options: Record<string, unknown> = {};
  if (n.options !== undefined && n.options !== null) {
    if (!isPlainObject(n.options)) formatError(`node "${id}": "options" must be an object, got ${describeJson(n.options)}`, "node", { operator: n.op, ...where });
    options = { ...n.options };
  }
  let outputs: string[] | null = null;
  if (n.outputs !== undefined && n.outputs !== null) {
    if (!Array.isArray(n.outputs) || n.outputs.length === 0) formatError(`node "${id}": "outputs" must be a non-empty array of names or null, got ${describeJson(n.outputs)}`, "node", { operator: n.op, ...where });
    outputs = n.outputs.map((x, i) => {
      if (typeof x !== "string" || x.length === 0) formatError(`node "${id}": outputs[${i}] must be a name, got ${describeJson(x)}`, "node", { operator: n.op as string, ...where });
      return x;
    });
  }
  return Object.freeze({ index, id, op: n.op, inputs: Object.freeze(inputs), options: Object.freeze(options), outputs: outputs && Object.freeze(outputs) });
}

// ------------------------------------------------------------------------------------ manifest

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
function checkWeightsHeader(weights: Uint8Array): number {
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
function normalizeDataType(v: unknown): MLOperandDataType | undefined {
  if (typeof v !== "string") return undefined;
  const lower = v.toLowerCase();
  return (ALL_DATA_TYPES as readonly string[]).includes(lower) ? (lower as MLOperandDataType) : undefined;
}

/** Checks a constant's descriptor the way the builder will (same errors), before any bytes are made. */
function constDescriptor(c: { name: string; dataType: unknown; shape: unknown }): MLOperandDescriptor {
  return checkDescriptor({ dataType: c.dataType, shape: c.shape }, { operator: "constant", operand: c.name });
}

const MAX_SCALAR_FILL_BYTES = 2 ** 31 - 1;

/** The bytes of a constant whose every element is `value`. */
function scalarBytes(name: string, desc: MLOperandDescriptor, value: unknown): Uint8Array {
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

function weightBytes(c: GraphJsonConst & { init: { kind: "weights" } }, desc: MLOperandDescriptor, manifest: WeightsManifest | undefined, weights: Uint8Array | undefined, dataStart: number): Uint8Array {
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

// ------------------------------------------------------------------------------------ operators

interface OpSpec {
  /** Required positional operands. */
  operands: number;
  /** Further positional operands map to these options (webnn-graph's ONNX converter writes them so). */
  operandOptions?: readonly string[];
  /** All inputs form one sequence argument (concat). */
  variadic?: boolean;
  /** Method-level (positional) arguments, in order, read from options. */
  args?: readonly string[];
  /** Returns several operands. */
  multi?: boolean;
}

const BINARY: OpSpec = { operands: 2 };
const UNARY: OpSpec = { operands: 1 };

const OP_SPECS: Record<string, OpSpec> = {
  add: BINARY, sub: BINARY, mul: BINARY, div: BINARY, max: BINARY, min: BINARY, pow: BINARY,
  equal: BINARY, notEqual: BINARY, greater: BINARY, greaterOrEqual: BINARY, lesser: BINARY, lesserOrEqual: BINARY,
  logicalAnd: BINARY, logicalOr: BINARY, logicalXor: BINARY, matmul: BINARY, gather: BINARY,
  abs: UNARY, ceil: UNARY, cos: UNARY, erf: UNARY, exp: UNARY, floor: UNARY, identity: UNARY, log: UNARY, neg: UNARY,
  reciprocal: UNARY, sin: UNARY, sqrt: UNARY, tan: UNARY, logicalNot: UNARY, relu: UNARY, sigmoid: UNARY, tanh: UNARY,
  hardSwish: UNARY, softsign: UNARY, softplus: UNARY, elu: UNARY, leakyRelu: UNARY, hardSigmoid: UNARY, linear: UNARY,
  clamp: UNARY, transpose: UNARY,
  reduceL1: UNARY, reduceL2: UNARY, reduceLogSum: UNARY, reduceLogSumExp: UNARY, reduceMax: UNARY, reduceMean: UNARY,
  reduceMin: UNARY, reduceProduct: UNARY, reduceSum: UNARY, reduceSumSquare: UNARY,
  cast: { operands: 1, args: ["to"] },
  softmax: { operands: 1, args: ["axis"] },
  reshape: { operands: 1, args: ["newShape"] },
  expand: { operands: 1, args: ["newShape"] },
  concat: { operands: 1, variadic: true, args: ["axis"] },
  slice: { operands: 1, args: ["starts", "sizes"] },
  split: { operands: 1, args: ["splits"], multi: true },
  conv2d: { operands: 2, operandOptions: ["bias"] },
  convTranspose2d: { operands: 2, operandOptions: ["bias"] },
  batchNormalization: { operands: 3, operandOptions: ["scale", "bias"] },
  instanceNormalization: { operands: 1, operandOptions: ["scale", "bias"] },
  layerNormalization: { operands: 1, operandOptions: ["scale", "bias"] },
};

/** Builder methods that are not graph operators (or are internal helpers). */

/** Option keys consumed as method-level arguments (not passed on as options). */
const CONSUMED_OPTIONS: Record<string, readonly string[]> = {
  cast: ["to", "dataType", "type"],
  softmax: ["axis"],
  reshape: ["newShape", "axes"],
  expand: ["newShape"],
  concat: ["axis"],
  slice: ["starts", "sizes", "ends", "axes", "steps"],
  split: ["splits"],
};

/** The spec for op, or undefined when it is not an MLGraphBuilder operator. "" (a webnn-graph alias `y = x;`) is identity. */
function opSpec(op: string, methods: Set<string>): OpSpec | undefined {
  if (op === "") op = "identity";
  if (Object.prototype.hasOwnProperty.call(OP_SPECS, op)) return methods.has(op) ? OP_SPECS[op] : undefined;
  if (methods.has(op)) return { operands: 0 }; // a builder method this reader has no table entry for: operands then options
  return undefined;
}

/** Names of values a node reads (positional inputs and operand-valued options). */
function nodeReferences(node: GraphJsonNode, spec: OpSpec): { name: string; via: string }[] {
  const refs = node.inputs.map((name, i) => ({ name, via: `inputs[${i}]` }));
  for (const key of spec.operandOptions ?? []) {
    const v = node.options[key];
    if (typeof v === "string") refs.push({ name: v, via: `option ${key}` });
  }
  return refs;
}

// ------------------------------------------------------------------------------------ building

function isConstantNode(node: GraphJsonNode): boolean {
  return node.op === "constant";
}

/** Builds the document with MLGraphBuilder. */
export function buildGraphFromDocument(doc: GraphJsonDocument, sources: GraphJsonSources = {}): MLGraph {
  if (!isPlainObject(sources)) sources = {};
  const weights = sources.weights;
  if (weights !== undefined && !(weights instanceof Uint8Array)) {
    weightsError(`the weights file must be given as a Uint8Array, got ${describeJson(weights)}`, "weights-type");
  }
  const methods = builderOperatorNames();

  // ---- names: inputs, constants, node results
  const defined = new Map<string, string>(); // name → what defines it (for messages)
  const define = (name: string, what: string, details: ErrorDetails) => {
    const prev = defined.get(name);
    if (prev !== undefined) formatError(`the name "${name}" is defined twice: by ${prev} and by ${what}`, "duplicate-name", details);
    defined.set(name, what);
  };
  for (const [name] of doc.inputs) define(name, `input "${name}"`, { operator: "input", operand: name });
  for (const c of doc.consts) define(c.name, `constant "${c.name}"`, { operator: "constant", operand: c.name });

  const specs: OpSpec[] = [];
  const producer = new Map<string, number>(); // value name → node index
  for (const node of doc.nodes) {
    const spec = isConstantNode(node) ? { operands: 0 } : opSpec(node.op, methods);
    if (!spec) {
      throw new UnsupportedError(`node "${node.id}" uses unknown operator "${node.op}", which is not a WebNN MLGraphBuilder method`, { operator: node.op, operand: node.id, rule: "unknown-operator" });
    }
    specs.push(spec);
    // A single-result node is named by its id (and by its one "outputs" name, if given); a
    // multi-result node (split) by its "outputs" names only, as webnn-graph's emitters do.
    const results = new Set<string>(spec.multi ? node.outputs ?? [] : [node.id, ...(node.outputs ?? [])]);
    for (const name of results) {
      define(name, `node "${node.id}"`, { operator: node.op, operand: node.id });
      producer.set(name, node.index);
    }
  }

  // ---- references: every name must exist
  const deps: number[][] = doc.nodes.map(() => []);
  for (const [k, node] of doc.nodes.entries()) {
    for (const { name, via } of nodeReferences(node, specs[k])) {
      if (!defined.has(name)) {
        const multi = doc.nodes.find((n) => n.id === name && n.outputs && specs[n.index].multi);
        const hint = multi ? ` (node "${name}" has several results; refer to one of ${multi.outputs!.map((o) => `"${o}"`).join(", ")})` : "";
        formatError(`node "${node.id}" (${via}) refers to "${name}", which is not an input, constant or node result${hint}`, "dangling-operand", { operator: node.op, operand: name });
      }
      const p = producer.get(name);
      if (p !== undefined) deps[k].push(p);
    }
  }
  for (const [oname, ref] of doc.outputs) {
    if (!defined.has(ref)) formatError(`output "${oname}" refers to "${ref}", which is not an input, constant or node result`, "dangling-operand", { operator: "build", operand: ref });
  }

  // ---- dependency order
  const order = topologicalOrder(doc.nodes, deps);

  // ---- build
  const builder = new MLGraphBuilder();
  const values = new Map<string, MLOperand>();
  for (const [name, desc] of doc.inputs) values.set(name, builder.input(name, desc as MLOperandDescriptor));

  let manifest: WeightsManifest | undefined;
  let dataStart = 0;
  if (graphJsonNeedsWeights(doc)) {
    if (sources.manifest !== undefined && sources.manifest !== null) manifest = parseWeightsManifest(sources.manifest);
    if (weights) dataStart = checkWeightsHeader(weights);
  }
  for (const c of doc.consts) {
    const desc = constDescriptor(c);
    let bytes: Uint8Array;
    if (c.init.kind === "weights") bytes = weightBytes(c as GraphJsonConst & { init: { kind: "weights" } }, desc, manifest, weights, dataStart);
    else if (c.init.kind === "scalar") bytes = scalarBytes(c.name, desc, c.init.value);
    else {
      bytes = c.init.bytes;
      const expected = byteLengthOf(desc);
      if (bytes.byteLength !== expected) {
        weightsError(`constant "${c.name}" has ${bytes.byteLength} inline bytes, but ${desc.dataType} ${shapeToString(desc.shape)} needs ${expected}`, "byte-length", { operator: "constant", operand: c.name });
      }
    }
    values.set(c.name, builder.constant(desc, bytes, c.name));
  }

  for (const k of order) {
    const node = doc.nodes[k];
    const spec = specs[k];
    const result = withNodeName(node, () => addNode(builder, node, spec, values));
    const results = Array.isArray(result) ? result : [result];
    if (Array.isArray(result)) {
      if (node.outputs) {
        if (node.outputs.length !== results.length) {
          formatError(`node "${node.id}" names ${node.outputs.length} outputs, but ${node.op} produced ${results.length}`, "output-count", { operator: node.op, operand: node.id });
        }
        node.outputs.forEach((name, i) => values.set(name, results[i]));
      }
      if (!spec.multi) values.set(node.id, results[0]); // (an operator this reader has no table entry for)
    } else {
      values.set(node.id, results[0]);
      if (node.outputs) {
        if (node.outputs.length !== 1) formatError(`node "${node.id}" names ${node.outputs.length} outputs, but ${node.op} has one result`, "output-count", { operator: node.op, operand: node.id });
        values.set(node.outputs[0], results[0]);
      }
    }
  }

  // ---- outputs (an input or constant cannot be a WebNN output: it goes through identity)
  const outputs: Record<string, MLOperand> = {};
  for (const [oname, ref] of doc.outputs) {
    const v = values.get(ref);
    if (!v) formatError(`output "${oname}" refers to "${ref}", which has no value`, "dangling-operand", { operator: "build", operand: ref });
    outputs[oname] = v.kind === "output" ? v : builder.identity(v, { label: oname });
  }
  return builder.buildSync(outputs);
}

/** Kahn's algorithm, keeping document order among ready nodes; a cycle is a GraphFormatError naming a node in it. */
function topologicalOrder(nodes: readonly GraphJsonNode[], deps: number[][]): number[] {
  const n = nodes.length;
  const indegree = new Array<number>(n).fill(0);
  const users: number[][] = nodes.map(() => []);
  for (let k = 0; k < n; k++) {
    for (const d of new Set(deps[k])) {
      indegree[k]++;
      users[d].push(k);
    }
  }
  // Ready nodes come out lowest document index first, so a document already in order keeps it.
  const order: number[] = [];
  const ready = new MinHeap();
  for (let k = 0; k < n; k++) if (indegree[k] === 0) ready.push(k);
  while (ready.size) {
    const k = ready.pop();
    order.push(k);
    for (const u of users[k]) if (--indegree[u] === 0) ready.push(u);
  }
  if (order.length === n) return order;
  // Find a cycle: from any unordered node, follow unordered dependencies until a node repeats.
  const done = new Set(order);
  let k = 0;
  while (done.has(k)) k++;
  const path: number[] = [];
  const seenAt = new Map<number, number>();
  while (!seenAt.has(k)) {
    seenAt.set(k, path.length);
    path.push(k);
    k = deps[k].find((d) => !done.has(d))!;
  }
  const cycle = path.slice(seenAt.get(k)!).map((i) => nodes[i].id);
  const first = nodes[k];
  formatError(`node "${first.id}" is part of a dependency cycle: ${[...cycle, cycle[0]].map((id) => `"${id}"`).join(" → ")}`, "cycle", { operator: first.op, operand: first.id });
}

class MinHeap {
  private readonly a: number[] = [];
  get size(): number { return this.a.length; }
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= a.length) break;
        if (c + 1 < a.length && a[c + 1] < a[c]) c++;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Runs fn; a typed error that names no operand is thrown again (same class and rule) naming the node. */
function withNodeName<T>(node: GraphJsonNode, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WebNNCoreMLError && e.operand === undefined) {
      const prefix = e.operator ? `operator ${e.operator}: ` : "";
      const message = prefix && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      throw makeError(e.kind, message, { operator: e.operator ?? node.op, operand: node.id, rule: e.rule });
    }
    throw e;
  }
}

function addNode(builder: MLGraphBuilder, node: GraphJsonNode, spec: OpSpec, values: Map<string, MLOperand>): MLOperand | MLOperand[] {
  const where = { operator: node.op, operand: node.id };
  const get = (name: string) => values.get(name)!; // every name was checked to exist and ordered before use
  const options: Record<string, unknown> = { ...node.options };
  if (typeof options.label !== "string") options.label = node.id;

  if (isConstantNode(node)) return constantNode(builder, node);

  const b = builder as unknown as Record<string, (...args: unknown[]) => MLOperand | MLOperand[]>;
  const op = node.op === "" ? "identity" : node.op;

  // Operand-valued options: by name in options, or positionally after the required operands.
  const required = spec.variadic ? node.inputs.length : spec.operands;
  const extra = spec.operandOptions ?? [];
  if (!spec.variadic && spec.operands > 0) {
    const max = spec.operands + extra.length;
    if (node.inputs.length < spec.operands || node.inputs.length > max) {
      const want = max === spec.operands ? `${spec.operands}` : `${spec.operands} to ${max}`;
      formatError(`node "${node.id}": ${op} takes ${want} operand inputs, got ${node.inputs.length}`, "arity", where);
    }
  }
  if (spec.variadic && node.inputs.length === 0) formatError(`node "${node.id}": ${op} needs at least one input`, "arity", where);
  for (const [i, key] of extra.entries()) {
    const positional = node.inputs[spec.operands + i];
    const named = options[key];
    if (positional !== undefined && named !== undefined && named !== null) {
      formatError(`node "${node.id}": ${key} is given both as inputs[${spec.operands + i}] and as an option`, "duplicate-argument", where);
    }
    if (positional !== undefined) options[key] = get(positional);
    else if (typeof named === "string") options[key] = get(named);
    else if (named === null) delete options[key];
  }

  for (const key of CONSUMED_OPTIONS[op] ?? []) delete options[key];
  const operands = node.inputs.slice(0, spec.operands === 0 ? node.inputs.length : required).map(get);

  switch (op) {
    case "cast": {
      const to = node.options.to ?? node.options.dataType ?? node.options.type;
      return b.cast(operands[0], normalizeDataType(to) ?? to, options);
    }
    case "softmax": return b.softmax(operands[0], node.options.axis, options);
    case "concat": return b.concat(operands, node.options.axis, options);
    case "reshape": return b.reshape(operands[0], reshapeTarget(node, operands[0]), options);
    case "expand": return b.expand(operands[0], node.options.newShape, options);
    case "slice": {
      const { starts, sizes, strides } = sliceArguments(node, operands[0]);
      if (strides !== undefined) options.strides = strides;
      return b.slice(operands[0], starts, sizes, options);
    }
    case "split": {
      const splits = node.options.splits ?? (node.outputs ? node.outputs.length : undefined);
      return b.split(operands[0], splits, options);
    }
    default:
      return b[op].call(builder, ...operands, options);
  }
}

/** reshape's newShape; webnn-graph's ONNX converter writes Squeeze as reshape with only "axes". */
function reshapeTarget(node: GraphJsonNode, input: MLOperand): unknown {
  const o = node.options;
  if (o.newShape !== undefined || o.axes === undefined) return o.newShape;
  const where = { operator: "reshape", operand: node.id };
  const rank = input.rank;
  if (!Array.isArray(o.axes) || !o.axes.every((a) => typeof a === "number" && Number.isInteger(a) && a >= -rank && a < rank)) {
    fail(where, "option-type", `option axes (squeeze) must be an array of axes in [-${rank}, ${rank}), got ${JSON.stringify(o.axes)}`);
  }
  const axes = new Set((o.axes as number[]).map((a) => (a < 0 ? a + rank : a)));
  if (axes.size === 0) return input.shape.filter((d) => d !== 1);
  for (const a of axes) if (input.shape[a] !== 1) fail(where, "option-value", `cannot squeeze axis ${a} of size ${input.shape[a]}`);
  return input.shape.filter((_, i) => !axes.has(i));
}

/**
 * slice's starts and sizes. webnn-graph writes WebNN's starts/sizes, but its ONNX converter
 * writes ONNX-style starts/ends (with optional axes and steps): those are converted here.
 */
function sliceArguments(node: GraphJsonNode, input: MLOperand): { starts: unknown; sizes: unknown; strides?: unknown } {
  const o = node.options;
  if (o.sizes !== undefined || o.ends === undefined) return { starts: o.starts, sizes: o.sizes };
  const where = { operator: "slice", operand: node.id };
  const ints = (v: unknown, key: string): number[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x))) {
      fail(where, "option-type", `option ${key} must be an array of integers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  };
  const rank = input.rank;
  const starts = ints(o.starts, "starts");
  const ends = ints(o.ends, "ends");
  const axes = o.axes === undefined ? starts.map((_, i) => i) : ints(o.axes, "axes");
  const steps = o.steps === undefined ? undefined : ints(o.steps, "steps");
  if (starts.length !== axes.length || ends.length !== axes.length || (steps && steps.length !== axes.length)) {
    fail(where, "option-value", `options starts, ends, axes and steps must have the same length`);
  }
  const st = new Array<number>(rank).fill(0);
  const sz = [...input.shape];
  const strides = new Array<number>(rank).fill(1);
  const clampIndex = (v: number, dim: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
  for (const [i, axis] of axes.entries()) {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) fail(where, "axis-range", `axes value ${axis} is out of range for rank ${rank}`);
    const dim = input.shape[a];
    const step = steps ? steps[i] : 1;
    if (step <= 0) fail(where, "option-value", `steps[${i}] = ${step}: only positive steps are supported`);
    const s = clampIndex(starts[i], dim);
    const e = clampIndex(ends[i], dim);
    st[a] = s;
    sz[a] = Math.max(e - s, 0);
    strides[a] = step;
  }
  return { starts: st, sizes: sz, strides: steps ? strides : o.strides };
}

/** A "constant" node, as webnn-graph's ONNX converter writes one: options {dataType, shape, data (base64)}. */
function constantNode(builder: MLGraphBuilder, node: GraphJsonNode): MLOperand {
  const o = node.options;
  const where = { operator: "constant", operand: node.id };
  if (node.inputs.length !== 0) formatError(`constant node "${node.id}" takes no inputs`, "arity", where);
  const desc = checkDescriptor({ dataType: normalizeDataType(o.dataType) ?? o.dataType, shape: o.shape }, where);
  let bytes: Uint8Array;
  if (typeof o.data === "string") {
    const d = decodeBase64(o.data);
    if (!d) formatError(`constant node "${node.id}": "data" is not valid base64`, "const-init", where);
    bytes = d;
  } else if (Array.isArray(o.data)) {
    bytes = parseInlineBytes(node.id, o.data);
  } else if (o.value !== undefined) {
    bytes = scalarBytes(node.id, desc, o.value);
  } else {
    formatError(`constant node "${node.id}" needs "data" (base64 bytes) or "value" (a scalar) in its options`, "const-init", where);
  }
  if (bytes.byteLength !== byteLengthOf(desc)) {
    weightsError(`constant node "${node.id}" has ${bytes.byteLength} bytes, but ${desc.dataType} ${shapeToString(desc.shape)} needs ${byteLengthOf(desc)}`, "byte-length", where);
  }
  return builder.constant(desc, bytes, node.id);
}

// ------------------------------------------------------------------------------------ base64

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  t["-".charCodeAt(0)] = 62; // base64url
  t["_".charCodeAt(0)] = 63;
  return t;
})();

/** Decodes standard or URL-safe base64 (padding optional, whitespace ignored); undefined when invalid. */
export function decodeBase64(s: string): Uint8Array | undefined {
  const clean = s.replace(/[\s]/g, "").replace(/=+$/, "");
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0, bits = 0, j = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
