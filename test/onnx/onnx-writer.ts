// Writes small ONNX models for the tests (ModelProto with protobufjs' Writer; field numbers from
// onnx.proto), so that every model a test needs is made by the test itself.
import $protobuf from "protobufjs/minimal.js";

export const T = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;

export type Dim = number | string;
export interface TensorSpec { name: string; type: number; dims: number[]; data?: ArrayBufferView; external?: { location: string; offset?: number; length?: number } }
export interface GraphSpec { name?: string; nodes: NodeSpec[]; inputs: [string, number, Dim[] | undefined][]; outputs: [string, number, Dim[]?][]; initializers?: TensorSpec[] }
export interface NodeSpec { op: string; inputs: string[]; outputs: string[]; name?: string; domain?: string; attrs?: Record<string, Attr> }
export type Attr = number | number[] | string | string[] | { float: number } | { floats: number[] } | { tensor: TensorSpec } | { graph: GraphSpec };

export const float = (v: number) => ({ float: v });
export const floats = (v: number[]) => ({ floats: v });

type W = $protobuf.Writer;
const msg = (w: W, field: number, body: (w: W) => void) => { w.uint32((field << 3) | 2).fork(); body(w); w.ldelim(); };
const str = (w: W, field: number, s: string) => w.uint32((field << 3) | 2).string(s);
const int = (w: W, field: number, v: number) => w.uint32(field << 3).int64(v);

export function tensor(name: string, type: number, dims: number[], data?: ArrayBufferView): TensorSpec {
  return { name, type, dims, data };
}

function writeTensor(w: W, t: TensorSpec): void {
  if (t.dims.length) { w.uint32((1 << 3) | 2).fork(); for (const d of t.dims) w.int64(d); w.ldelim(); }
  w.uint32(2 << 3).int32(t.type);
  str(w, 8, t.name);
  if (t.data) w.uint32((9 << 3) | 2).bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  if (t.external) {
    const e = t.external;
    const entry = (k: string, v: string) => msg(w, 13, (x) => { str(x, 1, k); str(x, 2, v); });
    entry("location", e.location);
    if (e.offset !== undefined) entry("offset", String(e.offset));
    if (e.length !== undefined) entry("length", String(e.length));
    w.uint32(14 << 3).int32(1);
  }
}

function writeAttr(w: W, name: string, a: Attr): void {
  str(w, 1, name);
  if (typeof a === "number") {
    if (Number.isInteger(a)) { w.uint32(20 << 3).int32(2); int(w, 3, a); }
    else { w.uint32(20 << 3).int32(1); w.uint32((2 << 3) | 5).float(a); }
  } else if (typeof a === "string") {
    w.uint32(20 << 3).int32(3); w.uint32((4 << 3) | 2).bytes(new TextEncoder().encode(a));
  } else if (Array.isArray(a)) {
    if (a.length && typeof a[0] === "string") { w.uint32(20 << 3).int32(8); for (const s of a as string[]) w.uint32((9 << 3) | 2).bytes(new TextEncoder().encode(s)); }
    else { w.uint32(20 << 3).int32(7); w.uint32((8 << 3) | 2).fork(); for (const v of a as number[]) w.int64(v); w.ldelim(); }
  } else if ("float" in a) { w.uint32(20 << 3).int32(1); w.uint32((2 << 3) | 5).float(a.float); }
  else if ("floats" in a) { w.uint32(20 << 3).int32(6); w.uint32((7 << 3) | 2).fork(); for (const v of a.floats) w.float(v); w.ldelim(); }
  else if ("tensor" in a) { w.uint32(20 << 3).int32(4); msg(w, 5, (x) => writeTensor(x, a.tensor)); }
  else { w.uint32(20 << 3).int32(5); msg(w, 6, (x) => writeGraph(x, a.graph)); }
}

function writeValueInfo(w: W, name: string, type: number, dims: Dim[] | undefined): void {
  str(w, 1, name);
  msg(w, 2, (tp) => msg(tp, 1, (tt) => {
    tt.uint32(1 << 3).int32(type);
    if (dims) msg(tt, 2, (sh) => { for (const d of dims) msg(sh, 1, (dd) => (typeof d === "number" ? int(dd, 1, d) : str(dd, 2, d))); });
  }));
}

function writeGraph(w: W, g: GraphSpec): void {
  g.nodes.forEach((n, k) => msg(w, 1, (x) => {
    for (const i of n.inputs) str(x, 1, i);
    for (const o of n.outputs) str(x, 2, o);
    str(x, 3, n.name ?? `${n.op}_${k}`);
    str(x, 4, n.op);
    if (n.domain) str(x, 7, n.domain);
    for (const [k2, a] of Object.entries(n.attrs ?? {})) msg(x, 5, (y) => writeAttr(y, k2, a));
  }));
  str(w, 2, g.name ?? "graph");
  for (const t of g.initializers ?? []) msg(w, 5, (x) => writeTensor(x, t));
  for (const [name, type, dims] of g.inputs) msg(w, 11, (x) => writeValueInfo(x, name, type, dims));
  for (const [name, type, dims] of g.outputs) msg(w, 12, (x) => writeValueInfo(x, name, type, dims));
}

export function onnxModel(graph: GraphSpec, opset = 17, extra: { producer?: string; doc?: string; metadata?: Record<string, string>; irVersion?: number; opsets?: Record<string, number> } = {}): Uint8Array {
  const w = $protobuf.Writer.create();
  int(w, 1, extra.irVersion ?? 8);
  str(w, 2, extra.producer ?? "webnn-coreml tests");
  if (extra.doc) str(w, 6, extra.doc);
  msg(w, 7, (x) => writeGraph(x, graph));
  msg(w, 8, (x) => { str(x, 1, ""); int(x, 2, opset); });
  for (const [domain, version] of Object.entries(extra.opsets ?? {})) msg(w, 8, (x) => { str(x, 1, domain); int(x, 2, version); });
  for (const [k, v] of Object.entries(extra.metadata ?? {})) msg(w, 14, (x) => { str(x, 1, k); str(x, 2, v); });
  return w.finish();
}

/** A single-node model: inputs and outputs float32 of the given shapes unless typed. */
export function nodeModel(op: string, inputs: [string, number[], number?][], outputs: string[], attrs: Record<string, Attr> = {}, opset = 17, initializers: TensorSpec[] = []): Uint8Array {
  return onnxModel({
    nodes: [{ op, inputs: [...inputs.map(([n]) => n), ...initializers.map((t) => t.name)], outputs, attrs }],
    inputs: inputs.map(([n, s, t]) => [n, t ?? T.FLOAT, s]),
    outputs: outputs.map((o) => [o, T.FLOAT]),
    initializers,
  }, opset);
}
