// A plain-data form of a built MLGraph, for postMessage: a page builds a graph with
// MLGraphBuilder on its main thread and converts it in a Web Worker.
//
//   { format: "webnn-coreml-graph", version: 1,
//     buffers:   [ArrayBuffer, …],                 // the constants' bytes: transferable, never copied
//     inputs:    [{ id, name, dataType, shape }],
//     constants: [{ id, label?, dataType, shape, buffer, byteOffset, byteLength }],
//     nodes:     [{ op, label?, inputs: { param: id | [id, …] | null }, attributes, outputs: [{ id, dataType, shape }] }],
//     outputs:   [{ name, id }] }
//
// Operand ids are numbered here (inputs, then constants, then node results) and every node only
// refers to ids defined before it. Constants are views into `buffers` (several constants may share
// one buffer, as views into a weights file do); `serializedGraphTransferables` lists the buffers to
// transfer. After a transfer the sender's constant views are detached: the sender's graph can no
// longer be converted there.
//
// deserializeGraph rebuilds the graph through MLGraphBuilder, calling the builder method of each
// node, so that the worker validates it exactly as the builder does on the main thread, and
// checks that every rebuilt result has the data type and shape that was sent.
import { applyOperator, type OperatorCall } from "./apply-operator.js";
import { MLGraphBuilder } from "./builder.js";
import { isOperatorName, OPERATORS, type OperatorName } from "./operators.js";
import { GraphFormatError, WeightsError, type ErrorDetails, type ErrorRule, describeValue } from "../errors.js";
import { MLOperand, nodeInputRecord, type GraphNode, type MLGraph } from "./operand.js";
import { ALL_DATA_TYPES, shapeToString, type MLOperandDataType } from "./types.js";
import { setOwn } from "../records.js";

export const SERIALIZED_GRAPH_FORMAT = "webnn-coreml-graph";
export const SERIALIZED_GRAPH_VERSION = 1;

export interface SerializedDescriptor {
  dataType: MLOperandDataType;
  shape: number[];
}

export interface SerializedInput extends SerializedDescriptor {
  id: number;
  name: string;
}

export interface SerializedConstant extends SerializedDescriptor {
  id: number;
  label?: string;
  /** Index into `buffers`. */
  buffer: number;
  byteOffset: number;
  byteLength: number;
}

export type SerializedNodeInput = number | number[] | null;

export interface SerializedNode {
  op: string;
  label?: string;
  /** Operand arguments by parameter name, as GraphNode.inputs (null: an absent optional operand). */
  inputs: Record<string, SerializedNodeInput>;
  /** Non-operand arguments and options, as GraphNode.attributes (structured-cloneable values). */
  attributes: Record<string, unknown>;
  outputs: (SerializedDescriptor & { id: number })[];
}

export interface SerializedGraph {
  format: typeof SERIALIZED_GRAPH_FORMAT;
  version: typeof SERIALIZED_GRAPH_VERSION;
  buffers: ArrayBufferLike[];
  inputs: SerializedInput[];
  constants: SerializedConstant[];
  nodes: SerializedNode[];
  outputs: { name: string; id: number }[];
}

function formatError(message: string, rule: ErrorRule, details: ErrorDetails = {}): never {
  throw new GraphFormatError(message, { ...details, rule });
}

// ------------------------------------------------------------------------------------ serialize

/** Structured-cloneable attribute values: what the builder stores (numbers, strings, arrays …). */
function checkAttribute(v: unknown, path: string, node: GraphNode, depth = 0): void {
  if (depth > 16) formatError(`attribute ${path} is nested too deeply`, "serialize", { operator: node.op, operand: node.label });
  if (v === null || v === undefined) return;
  const t = typeof v;
  if (t === "number" || t === "string" || t === "boolean" || t === "bigint") return;
  if (Array.isArray(v)) { v.forEach((x, i) => checkAttribute(x, `${path}[${i}]`, node, depth + 1)); return; }
  if (ArrayBuffer.isView(v)) return;
  if (t === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) checkAttribute(x, `${path}.${k}`, node, depth + 1);
    return;
  }
  formatError(`attribute ${path} of ${node.op} cannot be serialized (${v instanceof MLOperand ? "an operand" : t})`, "serialize", { operator: node.op, operand: node.label });
}

/**
 * The graph as plain data. Constant bytes are not copied: `buffers` holds the constants' own
 * ArrayBuffers (transfer them with `serializedGraphTransferables`).
 */
export function serializeGraph(graph: MLGraph): SerializedGraph {
  const ids = new Map<MLOperand, number>();
  const idOf = (o: MLOperand, where: ErrorDetails): number => {
    const id = ids.get(o);
    if (id === undefined) formatError(`operand ${o.label} is used before it is defined`, "serialize", where);
    return id;
  };
  const desc = (o: MLOperand): SerializedDescriptor => ({ dataType: o.dataType, shape: [...o.shape] });

  const inputs: SerializedInput[] = graph.inputs.map(({ name, operand }) => {
    const id = ids.size;
    ids.set(operand, id);
    return { id, name, ...desc(operand) };
  });

  const buffers: ArrayBufferLike[] = [];
  const bufferIndex = new Map<ArrayBufferLike, number>();
  const constants: SerializedConstant[] = graph.constants.map((c) => {
    const data = c.data;
    if (!data) formatError(`constant ${c.label} has no data`, "serialize", { operator: "constant", operand: c.name });
    let b = bufferIndex.get(data.buffer);
    if (b === undefined) {
      b = buffers.length;
      buffers.push(data.buffer);
      bufferIndex.set(data.buffer, b);
    }
    const id = ids.size;
    ids.set(c, id);
    const s: SerializedConstant = { id, ...desc(c), buffer: b, byteOffset: data.byteOffset, byteLength: data.byteLength };
    if (c.name !== undefined) s.label = c.name;
    return s;
  });

  const nodes: SerializedNode[] = graph.nodes.map((node) => {
    const where = { operator: node.op, operand: node.label };
    const inputsOut: Record<string, SerializedNodeInput> = {};
    for (const [key, v] of Object.entries(nodeInputRecord(node))) {
      if (v === undefined) inputsOut[key] = null;
      else if (v instanceof MLOperand) inputsOut[key] = idOf(v, where);
      else inputsOut[key] = v.map((o) => idOf(o, where));
    }
    const attributes: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(node.attributes)) {
      checkAttribute(v, key, node);
      attributes[key] = Array.isArray(v) ? [...v] : v;
    }
    const outputs = node.outputs.map((o) => {
      const id = ids.size;
      ids.set(o, id);
      return { id, ...desc(o) };
    });
    const s: SerializedNode = { op: node.op, inputs: inputsOut, attributes, outputs };
    if (node.label !== undefined) s.label = node.label;
    return s;
  });

  const outputs = graph.outputs.map(({ name, operand }) => ({ name, id: idOf(operand, { operator: "build", operand: name }) }));
  return { format: SERIALIZED_GRAPH_FORMAT, version: SERIALIZED_GRAPH_VERSION, buffers, inputs, constants, nodes, outputs };
}

/** The buffers to transfer with a serialized graph (SharedArrayBuffers are shared, not listed). */
export function serializedGraphTransferables(s: SerializedGraph): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const b of s.buffers) {
    if (b instanceof ArrayBuffer && !out.includes(b)) out.push(b);
  }
  return out;
}

// ------------------------------------------------------------------------------------ deserialize

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkDescriptorData(d: { dataType?: unknown; shape?: unknown } | null | undefined, what: string, where: ErrorDetails): SerializedDescriptor {
  if (!isPlainRecord(d)) formatError(`${what}: expected {dataType, shape}, got ${describeValue(d)}`, "descriptor", where);
  if (typeof d.dataType !== "string" || !(ALL_DATA_TYPES as readonly string[]).includes(d.dataType)) {
    formatError(`${what}: unknown dataType ${describeValue(d.dataType)}`, "descriptor", where);
  }
  if (!Array.isArray(d.shape) || !d.shape.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0)) {
    formatError(`${what}: shape must be an array of non-negative integers`, "descriptor", where);
  }
  return { dataType: d.dataType as MLOperandDataType, shape: d.shape as number[] };
}

function sameDescriptor(o: MLOperand, d: SerializedDescriptor): boolean {
  return o.dataType === d.dataType && o.shape.length === d.shape.length && o.shape.every((x, i) => x === d.shape[i]);
}

/**
 * The operator call of one node, from the signature table: its operand parameters and
 * attributes named as positional parameters become arguments, everything else options.
 */
function nodeCall(op: OperatorName, node: SerializedNode, operand: (v: SerializedNodeInput, key: string) => MLOperand | MLOperand[] | undefined): OperatorCall {
  const where = { operator: node.op, operand: node.label };
  const positional = new Set<string>(OPERATORS[op].params.map((p) => p.name));
  const args: Record<string, unknown> = {};
  for (const p of OPERATORS[op].params) {
    if (p.kind === "value") {
      if (!Object.prototype.hasOwnProperty.call(node.attributes, p.name)) formatError(`node ${node.op} has no argument "${p.name}"`, "node-arguments", where);
      args[p.name] = node.attributes[p.name];
    } else {
      if (!Object.prototype.hasOwnProperty.call(node.inputs, p.name)) formatError(`node ${node.op} has no operand "${p.name}"`, "node-arguments", where);
      args[p.name] = operand(node.inputs[p.name], p.name);
    }
  }
  const options: Record<string, unknown> = {};
  for (const key of Object.keys(node.inputs)) {
    if (positional.has(key) || node.inputs[key] === null) continue;
    setOwn(options, key, operand(node.inputs[key], key));
  }
  for (const key of Object.keys(node.attributes)) {
    if (positional.has(key) || node.attributes[key] === undefined) continue;
    setOwn(options, key, node.attributes[key]);
  }
  if (node.label !== undefined) options.label = node.label;
  return { op, args, options };
}

/**
 * Rebuilds a serialized graph with MLGraphBuilder (so the builder's validation applies). Constant
 * bytes are views into `s.buffers`: nothing is copied. Malformed data is a GraphFormatError (or a
 * WeightsError for constant bytes out of range); invalid WebNN is the builder's GraphValidationError.
 */
export function deserializeGraph(s: SerializedGraph): MLGraph {
  if (!isPlainRecord(s)) formatError("a serialized graph must be an object", "format");
  if (s.format !== SERIALIZED_GRAPH_FORMAT) formatError(`not a serialized graph: format ${describeValue(s.format)}, expected "${SERIALIZED_GRAPH_FORMAT}"`, "format");
  if (s.version !== SERIALIZED_GRAPH_VERSION) formatError(`unsupported serialized graph version ${describeValue(s.version)}`, "version");
  for (const key of ["buffers", "inputs", "constants", "nodes", "outputs"] as const) {
    if (!Array.isArray(s[key])) formatError(`serialized graph: "${key}" must be an array`, "format");
  }
  const builder = new MLGraphBuilder();
  const values = new Map<number, MLOperand>();
  const define = (id: unknown, o: MLOperand, where: ErrorDetails) => {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) formatError(`operand id ${describeValue(id)} is not a non-negative integer`, "operand-id", where);
    if (values.has(id)) formatError(`operand id ${id} is defined twice`, "operand-id", where);
    values.set(id, o);
  };
  const ref = (id: unknown, where: ErrorDetails, via: string): MLOperand => {
    const o = typeof id === "number" ? values.get(id) : undefined;
    if (!o) formatError(`${via} refers to operand ${describeValue(id)}, which is not defined before it`, "dangling-operand", where);
    return o;
  };

  for (const i of s.inputs) {
    const where = { operator: "input", operand: String(i?.name) };
    if (!isPlainRecord(i)) formatError("an input must be an object", "format", where);
    define(i.id, builder.input(i.name, checkDescriptorData(i, `input "${i.name}"`, where)), where);
  }

  for (const c of s.constants) {
    const where = { operator: "constant", operand: c?.label };
    if (!isPlainRecord(c)) formatError("a constant must be an object", "format", where);
    const name = c.label !== undefined ? `constant "${c.label}"` : `constant ${c.id}`;
    const d = checkDescriptorData(c, name, where);
    const buffer = s.buffers[c.buffer];
    if (!(buffer instanceof ArrayBuffer) && !(typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer)) {
      formatError(`${name} refers to buffer ${describeValue(c.buffer)}, which is not an ArrayBuffer`, "constant-buffer", where);
    }
    const { byteOffset, byteLength } = c;
    if (!Number.isInteger(byteOffset) || !Number.isInteger(byteLength) || byteOffset < 0 || byteLength < 0) {
      formatError(`${name}: byteOffset and byteLength must be non-negative integers`, "constant-buffer", where);
    }
    if (buffer.byteLength === 0 && byteLength > 0) {
      throw new WeightsError(`${name}: its buffer is empty or detached (was it transferred already?)`, { ...where, rule: "detached" });
    }
    if (byteOffset + byteLength > buffer.byteLength) {
      throw new WeightsError(`${name}: bytes [${byteOffset}, ${byteOffset + byteLength}) lie outside its ${buffer.byteLength}-byte buffer`, { ...where, rule: "out-of-range" });
    }
    const label = typeof c.label === "string" ? c.label : undefined;
    define(c.id, builder.constant(d, new Uint8Array(buffer, byteOffset, byteLength), label), where);
  }

  for (const [k, node] of s.nodes.entries()) {
    if (!isPlainRecord(node) || typeof node.op !== "string") formatError(`node ${k} must be an object with an "op"`, "format");
    const where = { operator: node.op, operand: typeof node.label === "string" ? node.label : undefined };
    if (!isPlainRecord(node.inputs) || !isPlainRecord(node.attributes) || !Array.isArray(node.outputs)) {
      formatError(`node ${k} (${node.op}) needs "inputs", "attributes" and "outputs"`, "format", where);
    }
    const op = node.op;
    if (!isOperatorName(op)) formatError(`node ${k} uses "${node.op}", which is not an MLGraphBuilder operator`, "unknown-operator", where);
    const operand = (v: SerializedNodeInput, key: string): MLOperand | MLOperand[] | undefined => {
      if (v === null || v === undefined) return undefined;
      if (Array.isArray(v)) return v.map((x, i) => ref(x, where, `input ${key}[${i}]`));
      return ref(v, where, `input ${key}`);
    };
    const results = applyOperator(builder, nodeCall(op, node, operand));
    if (results.length !== node.outputs.length || !results.every((r) => r instanceof MLOperand && r.producer?.op === node.op)) {
      formatError(`node ${k} (${node.op}) rebuilt into ${results.length} results, but ${node.outputs.length} were sent`, "rebuild", where);
    }
    node.outputs.forEach((o, i) => {
      const d = checkDescriptorData(o, `node ${k} (${node.op}) output ${i}`, where);
      const r = results[i] as MLOperand;
      if (!sameDescriptor(r, d)) {
        formatError(`node ${k} (${node.op}) output ${i} rebuilt as ${r.dataType} ${shapeToString(r.shape)}, but ${d.dataType} ${shapeToString(d.shape)} was sent`, "rebuild", where);
      }
      define(o.id, r, where);
    });
  }

  const outputs: Record<string, MLOperand> = {};
  for (const o of s.outputs) {
    const where = { operator: "build", operand: String(o?.name) };
    if (!isPlainRecord(o) || typeof o.name !== "string") formatError("an output must be an object with a name", "format", where);
    if (Object.prototype.hasOwnProperty.call(outputs, o.name)) formatError(`output "${o.name}" is named twice`, "duplicate-name", where);
    setOwn(outputs, o.name, ref(o.id, where, `output "${o.name}"`));
  }
  return builder.buildSync(outputs);
}
