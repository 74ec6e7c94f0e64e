// Writes a built MLGraph as a webnn-graph JSON document (the form both `.webnn.json` and `.webnn`
// text hold), with its constants' bytes apart for a sidecar: one-element constants become
// `scalar` inits, the others `weights` inits keyed by their names (or `inlineBytes`, when asked).
// Each node becomes a call in the reader's dialect: operand parameters as inputs, plain
// arguments and options by name, operand-valued options as the names of their operands.
// For the text form every name must be an identifier: names are rewritten as rustnn does
// ("::" → "__", other characters outside [A-Za-z0-9_./] → "_", a leading digit gets "_") and
// made unique; outputs whose names differ from their values' go through aliases.
import { GraphFormatError } from "../../errors.js";
import type { GraphNode, MLGraph, MLOperand } from "../../graph/operand.js";
import { nodeAttributeRecord, nodeInputRecord } from "../../graph/operand.js";
import { OPERATORS } from "../../graph/operators.js";
import { elementCountOf, type MLOperandDataType } from "../../graph/types.js";
import { GRAPH_JSON_FORMAT } from "./document.js";
import { weightsHeader } from "./weights.js";
import { setOwn } from "../../records.js";

export interface GraphDocumentOptions {
  /** The graph's name in the document. */
  name?: string;
  /** Names as identifiers (needed by the text form); default false. */
  identifiers?: boolean;
  /** Where constants of more than one element go: "sidecar" (weights inits, default) or "inline" (inlineBytes). */
  constants?: "sidecar" | "inline";
}

export interface SidecarTensor {
  dataType: MLOperandDataType;
  shape: readonly number[];
  bytes: Uint8Array;
}

export interface WrittenGraphDocument {
  document: Record<string, unknown>;
  /** Input and output names as written (they differ from the graph's only when made identifiers). */
  inputNames: Map<string, string>;
  outputNames: Map<string, string>;
  /** The bytes of every `weights` init, by key, in document order. */
  tensors: Array<[string, SidecarTensor]>;
}

const IDENT = /^[A-Za-z_/$][A-Za-z0-9_./]*$/;

/** A name as a `.webnn` identifier. */
export function toIdentifier(name: string): string {
  let s = name.replaceAll("::", "__").replace(/[^A-Za-z0-9_./]/g, "_");
  if (!/^[A-Za-z_/$]/.test(s)) s = `_${s}`;
  return s;
}

const own = setOwn<unknown>;

export function graphToDocument(graph: MLGraph, options: GraphDocumentOptions = {}): WrittenGraphDocument {
  const ident = options.identifiers === true;
  const taken = new Set<string>();
  const names = new Map<MLOperand, string>();
  const claim = (wanted: string): string => {
    let base = ident ? toIdentifier(wanted) : wanted;
    if (base === "") base = "value";
    let n = base;
    for (let k = 2; taken.has(n); k++) n = `${base}_${k}`;
    taken.add(n);
    return n;
  };
  const nameOf = (o: MLOperand): string => names.get(o)!;

  // Inputs keep their names; an output's value takes the output's name when it is free.
  const inputs: Record<string, unknown> = {};
  const inputNames = new Map<string, string>();
  const outputNames = new Map<string, string>();
  for (const { name, operand } of graph.inputs) {
    const n = claim(name);
    inputNames.set(name, n);
    names.set(operand, n);
    own(inputs, n, { dataType: operand.dataType, shape: [...operand.shape] });
  }
  for (const { name, operand } of graph.outputs) {
    if (names.has(operand) || taken.has(ident ? toIdentifier(name) : name)) continue;
    names.set(operand, claim(name));
  }

  const consts: Record<string, unknown> = {};
  const tensors: Array<[string, SidecarTensor]> = [];
  graph.constants.forEach((c, k) => {
    const n = claim(c.name ?? `constant_${k}`);
    names.set(c, n);
    const bytes = c.data ?? new Uint8Array(0);
    const scalar = elementCountOf(c.shape) === 1 ? scalarValue(c.dataType, bytes) : undefined;
    let init: Record<string, unknown>;
    if (scalar !== undefined) init = { kind: "scalar", value: scalar };
    else if (options.constants === "inline") init = { kind: "inlineBytes", bytes: Array.from(bytes) };
    else {
      const key = ident ? (c.name ?? n) : n;
      init = { kind: "weights", ref: key };
      tensors.push([key, { dataType: c.dataType, shape: [...c.shape], bytes }]);
    }
    own(consts, n, { dataType: c.dataType, shape: [...c.shape], init });
  });

  const nodes: Record<string, unknown>[] = graph.nodes.map((node, k) => writeNode(node, k, names, claim));

  const outputs: Record<string, string> = {};
  for (const { name, operand } of graph.outputs) {
    const value = nameOf(operand);
    const wanted = ident ? toIdentifier(name) : name;
    if (!ident || value === wanted) { own(outputs, ident ? value : name, value); outputNames.set(name, ident ? value : name); continue; }
    // The text form lists outputs by value name: an alias carries the output's own name.
    if (taken.has(wanted)) {
      throw new GraphFormatError(`output "${name}" cannot be written in the text form: its name is already used by another value`, { rule: "serialize", operand: name });
    }
    taken.add(wanted);
    nodes.push({ id: wanted, op: "", inputs: [value], options: {}, outputs: null });
    own(outputs, wanted, wanted);
    outputNames.set(name, wanted);
  }

  const document: Record<string, unknown> = { format: GRAPH_JSON_FORMAT, version: 2 };
  if (options.name !== undefined) document.name = options.name;
  const quantized = graph.constants.some((c) => c.dataType === "int4" || c.dataType === "uint4" || c.dataType === "int8" || c.dataType === "uint8")
    && graph.nodes.some((n) => n.op === "dequantizeLinear");
  Object.assign(document, { quantized, inputs, consts, nodes, outputs });
  return { document, tensors, inputNames, outputNames };
}

function writeNode(node: GraphNode, k: number, names: Map<MLOperand, string>, claim: (n: string) => string): Record<string, unknown> {
  const sig = OPERATORS[node.op];
  const record = nodeInputRecord(node);
  const inputs: string[] = [];
  const options: Record<string, unknown> = {};
  const where = { operator: node.op, operand: node.label };
  const nameOf = (o: MLOperand) => {
    const n = names.get(o);
    if (n === undefined) throw new GraphFormatError(`operand ${o.name ?? o.id} is used before it is defined`, { rule: "serialize", ...where });
    return n;
  };
  for (const p of sig.params) {
    if (p.kind === "value") continue;
    const v = record[p.name];
    if (Array.isArray(v)) inputs.push(...v.map(nameOf));
    else if (v) inputs.push(nameOf(v as MLOperand));
  }
  for (const key of sig.operandOptions) {
    const v = record[key];
    if (v && !Array.isArray(v)) own(options, key, nameOf(v as MLOperand));
  }
  for (const [key, v] of Object.entries(nodeAttributeRecord(node))) {
    const value = plainValue(v, key, node);
    if (value !== undefined) own(options, key, value);
  }
  const base = node.label ?? `${node.op}_${k}`;
  if (sig.returns === "sequence") {
    // Results without a name of their own are named after the first (the node's id when read back), so a round trip keeps them.
    const first = names.get(node.outputs[0]) ?? claim(base);
    const outputs = node.outputs.map((o, i) => {
      const n = i === 0 ? first : names.get(o) ?? claim(`${first}_${i}`);
      names.set(o, n);
      return n;
    });
    return { id: outputs[0], op: node.op, inputs, options, outputs };
  }
  const result = node.outputs[0];
  const id = names.get(result) ?? claim(base);
  names.set(result, id);
  return { id, op: node.op, inputs, options, outputs: null };
}

/** An attribute as a document value (clamp's infinite default bounds left out; bigints as numbers or digit strings). */
function plainValue(v: unknown, key: string, node: GraphNode): unknown {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === "number") {
    if (Number.isFinite(v)) return Object.is(v, -0) ? 0 : v;
    // clamp's default bounds go unsaid; other non-finite values stay numbers (JSON files spell them "Infinity", "-Infinity", "NaN").
    if ((key === "minValue" && v === -Infinity) || (key === "maxValue" && v === Infinity)) return undefined;
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => plainValue(x, key, node));
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

/** The number a one-element constant holds, when a scalar init writes it exactly. */
function scalarValue(dataType: MLOperandDataType, bytes: Uint8Array): number | string | undefined {
  if (bytes.byteLength === 0) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let x: number | bigint;
  switch (dataType) {
    case "float32": x = v.getFloat32(0, true); break;
    case "float16": return undefined; // written as bytes: exact without a float16 decoder here
    case "int32": x = v.getInt32(0, true); break;
    case "uint32": x = v.getUint32(0, true); break;
    case "int8": x = v.getInt8(0); break;
    case "uint8": x = v.getUint8(0); break;
    case "int64": x = v.getBigInt64(0, true); break;
    case "uint64": x = v.getBigUint64(0, true); break;
    default: return undefined;
  }
  if (typeof x === "bigint") return x.toString();
  if (!Number.isFinite(x) || Object.is(x, -0)) return undefined;
  return x;
}

export { IDENT as IDENTIFIER_PATTERN };

/** A graph as webnn-graph JSON files: the document, its manifest and its .weights file (WGWT header, then the tensors). */
export interface GraphJsonFiles {
  json: string;
  /** Absent when the graph has no constant for the sidecar. */
  manifest?: string;
  /** The .weights file as parts: the header, then views of the constants' own bytes. */
  weights?: Uint8Array[];
}

/** Writes a graph as webnn-graph JSON with a manifest and a .weights file (with its header, as webnn-graph writes it). */
export function writeGraphJsonFiles(graph: MLGraph, options: { name?: string } = {}): GraphJsonFiles {
  const { document, tensors } = graphToDocument(graph, { name: options.name });
  // JSON has no Infinity or NaN: they are written as strings, which the reader turns back into numbers.
  const json = JSON.stringify(document, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 1) + "\n";
  if (!tensors.length) return { json };
  const head = weightsHeader();
  const entries: Record<string, unknown> = {};
  const weights: Uint8Array[] = [head];
  let at = head.byteLength;
  for (const [key, t] of tensors) {
    own(entries, key, { dataType: t.dataType, shape: [...t.shape], byteOffset: at, byteLength: t.bytes.byteLength, layout: "row-major" });
    weights.push(t.bytes);
    at += t.bytes.byteLength;
  }
  const manifest = JSON.stringify({ format: "wg-weights-manifest", version: 1, endianness: "little", tensors: entries }, null, 1) + "\n";
  return { json, manifest, weights };
}
