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
import { GraphFormatError, type ErrorDetails, type ErrorRule } from "../../errors.js";
import { isPlainObject } from "../../graph/shape-rules.js";
import { decodeBase64, decodeUtf8, describeJson, parseJsonText } from "../json-text.js";

// ------------------------------------------------------------------------------------ API types

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

export const GRAPH_JSON_FORMAT = "webnn-graph-json";

export function formatError(message: string, rule: ErrorRule, details: ErrorDetails = {}): never {
  throw new GraphFormatError(message, { ...details, rule });
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
export function parseInlineBytes(name: string, bytes: unknown): Uint8Array {
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

