// Decoder of ONNX model files (onnx.proto's ModelProto), static code over protobufjs' minimal
// Reader: no generated classes, no eval. Only the fields the importer reads are kept; the rest
// are skipped. Byte fields (raw_data) are views of the file's bytes, never copies. 64-bit
// integers are read as numbers (exact to 2^53: dims, attributes; int64 tensor data in raw_data
// is read apart, exactly). Field numbers follow onnx.proto.
import { GraphFormatError } from "../../errors.js";
import type { Reader } from "protobufjs/minimal.js";
import { protobufRuntime } from "../../protobuf.js";

const $protobuf = protobufRuntime();

export interface OnnxTensor {
  name: string;
  dataType: number;
  dims: number[];
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  stringData?: Uint8Array[];
  /** location, offset, length, checksum (strings, as stored). */
  externalData?: Map<string, string>;
  dataLocation: number;
}

export const enum AttributeType { Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5, Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10 }

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: OnnxTensor[];
  graphs: OnnxGraph[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export interface OnnxDimension {
  value?: number;
  param?: string;
}

export interface OnnxValueInfo {
  name: string;
  /** Tensor element type (0 when the value is not a tensor or has no type). */
  elemType: number;
  /** Undefined when the shape is unknown (not even the rank). */
  shape?: OnnxDimension[];
  docString: string;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  docString: string;
}

export interface OnnxModel {
  irVersion: number;
  opsetImport: Map<string, number>;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: OnnxGraph;
  metadataProps: Map<string, string>;
  /** ModelProto.functions (model-local functions) are present: the importer refuses them by name. */
  functionNames: string[];
}

const MAX_DEPTH = 32;

function fail(message: string): never {
  throw new GraphFormatError(`not a readable ONNX model: ${message}`, { rule: "format" });
}

function repeatedNumbers(r: Reader, wire: number, read: () => number, out: number[]): void {
  if (wire === 2) {
    const end = r.uint32() + r.pos;
    if (end > r.len) fail("a packed field runs past its message");
    while (r.pos < end) out.push(read());
  } else {
    out.push(read());
  }
}

/** Reads a length-delimited submessage with `body`, checked to stay inside its parent. */
function sub<T>(r: Reader, depth: number, body: (r: Reader, end: number, depth: number) => T): T {
  if (depth > MAX_DEPTH) fail(`messages are nested more than ${MAX_DEPTH} deep`);
  const len = r.uint32();
  const end = r.pos + len;
  if (end > r.len) fail("a message runs past the end of its parent");
  return body(r, end, depth + 1);
}

function stringEntry(r: Reader, end: number): [string, string] {
  let key = "";
  let value = "";
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: key = r.string(); break;
      case 2: value = r.string(); break;
      default: r.skipType(tag & 7);
    }
  }
  return [key, value];
}

function tensor(r: Reader, end: number): OnnxTensor {
  const t: OnnxTensor = { name: "", dataType: 0, dims: [], dataLocation: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: repeatedNumbers(r, wire, () => Number(r.int64()), t.dims); break;
      case 2: t.dataType = r.int32(); break;
      case 4: repeatedNumbers(r, wire, () => r.float(), (t.floatData ??= [])); break;
      case 5: repeatedNumbers(r, wire, () => r.int32(), (t.int32Data ??= [])); break;
      case 6: (t.stringData ??= []).push(r.bytes()); break;
      case 7: repeatedNumbers(r, wire, () => Number(r.int64()), (t.int64Data ??= [])); break;
      case 8: t.name = r.string(); break;
      case 9: t.rawData = r.bytes(); break;
      case 10: repeatedNumbers(r, wire, () => r.double(), (t.doubleData ??= [])); break;
      case 11: repeatedNumbers(r, wire, () => Number(r.uint64()), (t.uint64Data ??= [])); break;
      case 13: { const [k, v] = sub(r, 0, stringEntry); (t.externalData ??= new Map()).set(k, v); break; }
      case 14: t.dataLocation = r.int32(); break;
      default: r.skipType(wire);
    }
  }
  return t;
}

function attribute(r: Reader, end: number, depth: number): OnnxAttribute {
  const a: OnnxAttribute = { name: "", type: 0, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: a.name = r.string(); break;
      case 20: a.type = r.int32(); break;
      case 2: a.f = r.float(); break;
      case 3: a.i = Number(r.int64()); break;
      case 4: a.s = r.bytes(); break;
      case 5: a.t = sub(r, depth, tensor); break;
      case 6: a.g = sub(r, depth, graph); break;
      case 7: repeatedNumbers(r, wire, () => r.float(), a.floats); break;
      case 8: repeatedNumbers(r, wire, () => Number(r.int64()), a.ints); break;
      case 9: a.strings.push(r.bytes()); break;
      case 10: a.tensors.push(sub(r, depth, tensor)); break;
      case 11: a.graphs.push(sub(r, depth, graph)); break;
      default: r.skipType(wire);
    }
  }
  return a;
}

function node(r: Reader, end: number, depth: number): OnnxNode {
  const n: OnnxNode = { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: [] };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: n.inputs.push(r.string()); break;
      case 2: n.outputs.push(r.string()); break;
      case 3: n.name = r.string(); break;
      case 4: n.opType = r.string(); break;
      case 7: { const d = r.string(); n.domain = d === "ai.onnx" ? "" : d; break; } // one name for the default domain
      case 5: n.attributes.push(sub(r, depth, attribute)); break;
      default: r.skipType(tag & 7);
    }
  }
  return n;
}

function dimension(r: Reader, end: number): OnnxDimension {
  const d: OnnxDimension = {};
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: d.value = Number(r.int64()); break;
      case 2: d.param = r.string(); break;
      default: r.skipType(tag & 7);
    }
  }
  return d;
}

function shape(r: Reader, end: number): OnnxDimension[] {
  const dims: OnnxDimension[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) dims.push(sub(r, 0, dimension));
    else r.skipType(tag & 7);
  }
  return dims;
}

function tensorType(r: Reader, end: number): { elemType: number; shape?: OnnxDimension[] } {
  const t: { elemType: number; shape?: OnnxDimension[] } = { elemType: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: t.elemType = r.int32(); break;
      case 2: t.shape = sub(r, 0, shape); break;
      default: r.skipType(tag & 7);
    }
  }
  return t;
}

function typeProto(r: Reader, end: number): { elemType: number; shape?: OnnxDimension[] } {
  let t: { elemType: number; shape?: OnnxDimension[] } = { elemType: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) t = sub(r, 0, tensorType);
    else r.skipType(tag & 7);
  }
  return t;
}

function valueInfo(r: Reader, end: number): OnnxValueInfo {
  const v: OnnxValueInfo = { name: "", elemType: 0, docString: "" };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: v.name = r.string(); break;
      case 2: { const t = sub(r, 0, typeProto); v.elemType = t.elemType; v.shape = t.shape; break; }
      case 3: v.docString = r.string(); break;
      default: r.skipType(tag & 7);
    }
  }
  return v;
}

function graph(r: Reader, end: number, depth: number): OnnxGraph {
  const g: OnnxGraph = { name: "", nodes: [], initializers: [], inputs: [], outputs: [], docString: "" };
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: g.nodes.push(sub(r, depth, node)); break;
      case 2: g.name = r.string(); break;
      case 5: g.initializers.push(sub(r, depth, tensor)); break;
      case 10: g.docString = r.string(); break;
      case 11: g.inputs.push(sub(r, depth, valueInfo)); break;
      case 12: g.outputs.push(sub(r, depth, valueInfo)); break;
      default: r.skipType(tag & 7);
    }
  }
  return g;
}

function functionName(r: Reader, end: number): string {
  let name = "";
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) name = r.string();
    else r.skipType(tag & 7);
  }
  return name;
}

/** Decodes an ONNX ModelProto. Throws GraphFormatError for bytes that are not one. */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const r = $protobuf.Reader.create(bytes);
  const m: OnnxModel = {
    irVersion: 0, opsetImport: new Map(), producerName: "", producerVersion: "", domain: "", modelVersion: 0, docString: "",
    graph: { name: "", nodes: [], initializers: [], inputs: [], outputs: [], docString: "" }, metadataProps: new Map(), functionNames: [],
  };
  let hasGraph = false;
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 0) fail("a field tag is 0");
      switch (tag >>> 3) {
        case 1: m.irVersion = Number(r.int64()); break;
        case 2: m.producerName = r.string(); break;
        case 3: m.producerVersion = r.string(); break;
        case 4: m.domain = r.string(); break;
        case 5: m.modelVersion = Number(r.int64()); break;
        case 6: m.docString = r.string(); break;
        case 7: m.graph = sub(r, 0, graph); hasGraph = true; break;
        case 8: {
          const [domain, version] = sub(r, 0, (rr, end) => {
            let d = "";
            let v = 0;
            while (rr.pos < end) {
              const t = rr.uint32();
              if (t >>> 3 === 1) d = rr.string();
              else if (t >>> 3 === 2) v = Number(rr.int64());
              else rr.skipType(t & 7);
            }
            return [d, v] as const;
          });
          m.opsetImport.set(domain === "ai.onnx" ? "" : domain, version);
          break;
        }
        case 14: { const [k, v] = sub(r, 0, stringEntry); m.metadataProps.set(k, v); break; }
        case 25: m.functionNames.push(sub(r, 0, functionName)); break;
        default: r.skipType(tag & 7);
      }
    }
  } catch (e) {
    if (e instanceof GraphFormatError) throw e;
    fail(e instanceof Error ? e.message : String(e));
  }
  if (!hasGraph) fail("the model has no graph (ModelProto.graph)");
  if (m.irVersion < 3 && m.opsetImport.size === 0) m.opsetImport.set("", 1);
  return m;
}

/** A graph and every graph nested in its nodes' attributes (If, Loop, Scan bodies). */
export function forEachGraph(graph: OnnxGraph, visit: (graph: OnnxGraph) => void): void {
  visit(graph);
  for (const n of graph.nodes) {
    for (const a of n.attributes) {
      if (a.g) forEachGraph(a.g, visit);
      for (const g of a.graphs) forEachGraph(g, visit);
    }
  }
}

/** Every node of a graph and of the graphs nested in its attributes (If, Loop, Scan bodies), in order. */
export function forEachNode(graph: OnnxGraph, visit: (node: OnnxNode, graph: OnnxGraph) => void): void {
  for (const n of graph.nodes) {
    visit(n, graph);
    for (const a of n.attributes) {
      if (a.g) forEachNode(a.g, visit);
      for (const g of a.graphs) forEachNode(g, visit);
    }
  }
}
