import { mkdtempSync, copyFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getFloat16 } from "@petamoriken/float16";
import { describe, expect, it } from "vitest";
import { GraphFormatError, GraphValidationError, UnsupportedError, WeightsError, WebNNCoreMLError } from "../../src/errors.js";
import { decodeBase64, parseGraphJsonDocument, readGraphJson, readGraphJsonWithName } from "../../src/frontends/webnn-json/index.js";
import { MLOperand, nodeAttributeRecord, nodeInputRecord, type MLGraph, type GraphNode } from "../../src/graph/operand.js";
import { companionCandidates, companionPaths, graphFileStem, loadGraphFile } from "../../src/node/graph-files.js";

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");

type Json = Record<string, unknown>;

function doc(parts: { inputs?: Json; consts?: Json; nodes?: unknown[]; outputs?: unknown; version?: number; name?: string }): Json {
  return {
    format: "webnn-graph-json",
    version: parts.version ?? 2,
    ...(parts.name !== undefined ? { name: parts.name } : {}),
    quantized: false,
    inputs: parts.inputs ?? {},
    consts: parts.consts ?? {},
    nodes: parts.nodes ?? [],
    outputs: parts.outputs ?? {},
  };
}

function node(id: string, op: string, inputs: string[], options: Json = {}, outputs: string[] | null = null) {
  return { id, op, inputs, options, outputs };
}

const f32 = (shape: number[]) => ({ dataType: "float32", shape });

function f32Bytes(values: number[]): number[] {
  return [...new Uint8Array(new Float32Array(values).buffer)];
}

function floats(op: MLOperand): number[] {
  const d = op.data!;
  return [...new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength))];
}

/** A .weights file (optionally with the WGWT header) and its manifest, offsets absolute. */
function weightsFile(tensors: { name: string; shape: number[]; values: number[] }[], header = true) {
  const start = header ? 8 : 0;
  const total = start + tensors.reduce((s, t) => s + t.values.length * 4, 0);
  // Put the file at an offset inside a bigger buffer, to check views keep byteOffset right.
  const backing = new Uint8Array(total + 16);
  const weights = backing.subarray(5, 5 + total);
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  if (header) {
    weights.set([0x57, 0x47, 0x57, 0x54], 0);
    view.setUint32(4, 1, true);
  }
  const entries: Json = {};
  let off = start;
  for (const t of tensors) {
    t.values.forEach((v, i) => view.setFloat32(off + i * 4, v, true));
    entries[t.name] = { dataType: "float32", shape: t.shape, byteOffset: off, byteLength: t.values.length * 4, layout: "row-major" };
    off += t.values.length * 4;
  }
  return { weights, manifest: { format: "wg-weights-manifest", version: 1, endianness: "little", tensors: entries } };
}

function findNode(g: MLGraph, op: string): GraphNode {
  const n = g.nodes.find((x) => x.op === op);
  if (!n) throw new Error(`no ${op} node`);
  return n;
}

function catchError(fn: () => unknown): WebNNCoreMLError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof WebNNCoreMLError)) throw new Error(`expected a typed error, got ${String(e)}`);
    return e;
  }
  throw new Error("expected an error");
}

function expectError(fn: () => unknown, cls: new (...a: never[]) => WebNNCoreMLError, rule: string, ...mentions: string[]): WebNNCoreMLError {
  const e = catchError(fn);
  expect(e).toBeInstanceOf(cls);
  expect(e.rule).toBe(rule);
  for (const m of mentions) expect(e.message).toContain(m);
  return e;
}

// A small valid graph used as a base for the bad-input cases.
function baseDoc(): Json {
  return doc({
    inputs: { x: f32([1, 4]) },
    consts: { W: { ...f32([4, 2]), init: { kind: "scalar", value: 0.5 } } },
    nodes: [node("y", "matmul", ["x", "W"]), node("z", "relu", ["y"])],
    outputs: { z: "z" },
  });
}

describe("webnn-graph JSON: constants", () => {
  it("reads inlineBytes as webnn-graph writes them (an array of byte values)", () => {
    const g = readGraphJson(doc({
      inputs: { x: f32([2]) },
      consts: { c: { ...f32([2]), init: { kind: "inlineBytes", bytes: f32Bytes([1.5, -2]) } } },
      nodes: [node("y", "add", ["x", "c"])],
      outputs: { y: "y" },
    }));
    expect(g.constants).toHaveLength(1);
    expect(g.constants[0].name).toBe("c");
    expect(floats(g.constants[0])).toEqual([1.5, -2]);
  });

  it("accepts inline bytes as a base64 string too", () => {
    const b64 = btoa(String.fromCharCode(...f32Bytes([3, 4])));
    const g = readGraphJson(doc({
      inputs: { x: f32([2]) },
      consts: { c: { ...f32([2]), init: { kind: "inlineBytes", bytes: b64 } } },
      nodes: [node("y", "mul", ["x", "c"])],
      outputs: { y: "y" },
    }));
    expect(floats(g.constants[0])).toEqual([3, 4]);
    expect(decodeBase64("AQID")).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("fills the declared shape with a scalar value", () => {
    const g = readGraphJson(doc({
      inputs: { x: f32([2, 3]), h: { dataType: "float16", shape: [3] }, i: { dataType: "int64", shape: [2] }, q: { dataType: "int32", shape: [3] } },
      consts: {
        s: { ...f32([2, 3]), init: { kind: "scalar", value: 2.5 } },
        h1: { dataType: "float16", shape: [3], init: { kind: "scalar", value: 0.1 } },
        big: { dataType: "int64", shape: [2], init: { kind: "scalar", value: "-9007199254740993" } },
        n4: { dataType: "int4", shape: [3], init: { kind: "scalar", value: -2 } },
      },
      nodes: [
        node("y", "add", ["x", "s"]), node("z", "add", ["h", "h1"]), node("w", "add", ["i", "big"]),
        node("c4", "cast", ["n4"], { to: "int32" }), node("v", "add", ["q", "c4"]),
      ],
      outputs: { y: "y", z: "z", w: "w", v: "v" },
    }));
    const byName = new Map(g.constants.map((c) => [c.name, c]));
    expect(floats(byName.get("s")!)).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
    const h = byName.get("h1")!.data!;
    const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    expect([0, 2, 4].map((o) => getFloat16(hv, o, true))).toEqual([0.0999755859375, 0.0999755859375, 0.0999755859375]);
    const b = byName.get("big")!.data!;
    const bv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    expect([bv.getBigInt64(0, true), bv.getBigInt64(8, true)]).toEqual([-9007199254740993n, -9007199254740993n]);
    // int4 packs two per byte, low nibble first; the odd last element leaves the high nibble 0.
    expect([...byName.get("n4")!.data!]).toEqual([0xee, 0x0e]);
  });

  it("resolves weights refs through the manifest, as views into a file with the WGWT header", () => {
    const { weights, manifest } = weightsFile([
      { name: "W", shape: [2, 2], values: [1, 2, 3, 4] },
      { name: "b", shape: [2], values: [0.5, -0.5] },
    ]);
    const g = readGraphJson(doc({
      inputs: { x: f32([1, 2]) },
      consts: {
        W: { ...f32([2, 2]), init: { kind: "weights", ref: "W" } },
        bias: { ...f32([2]), init: { kind: "weights", ref: "b" } },
      },
      nodes: [node("y0", "matmul", ["x", "W"]), node("y", "add", ["y0", "bias"])],
      outputs: { y: "y" },
    }), { weights, manifest: JSON.stringify(manifest) });
    const W = g.constants.find((c) => c.name === "W")!;
    const bias = g.constants.find((c) => c.name === "bias")!;
    expect(floats(W)).toEqual([1, 2, 3, 4]);
    expect(floats(bias)).toEqual([0.5, -0.5]);
    // Zero copy: the constant bytes are views into the weights file's buffer.
    expect(W.data!.buffer).toBe(weights.buffer);
    expect(W.data!.byteOffset).toBe(weights.byteOffset + 8);
    expect(bias.data!.buffer).toBe(weights.buffer);
    expect(bias.data!.byteOffset).toBe(weights.byteOffset + 8 + 16);
  });

  it("resolves weights refs in a file without the header (offsets from 0)", () => {
    const { weights, manifest } = weightsFile([{ name: "W", shape: [2, 2], values: [5, 6, 7, 8] }], false);
    expect((manifest.tensors as Json).W).toMatchObject({ byteOffset: 0 });
    const g = readGraphJson(doc({
      inputs: { x: f32([1, 2]) },
      consts: { W: { ...f32([2, 2]), init: { kind: "weights", ref: "W" } } },
      nodes: [node("y", "matmul", ["x", "W"])],
      outputs: { y: "y" },
    }), { weights, manifest });
    expect(floats(g.constants[0])).toEqual([5, 6, 7, 8]);
    expect(g.constants[0].data!.buffer).toBe(weights.buffer);
    expect(g.constants[0].data!.byteOffset).toBe(weights.byteOffset);
  });

  it("reads a webnn-graph ONNX-converter constant node (base64 data, Rust dtype name)", () => {
    const data = btoa(String.fromCharCode(...f32Bytes([1, 2])));
    const g = readGraphJson(doc({
      inputs: { x: f32([2]) },
      nodes: [node("k", "constant", [], { dataType: "Float32", shape: [2], data }), node("y", "add", ["x", "k"])],
      outputs: { y: "y" },
    }));
    expect(floats(g.constants[0])).toEqual([1, 2]);
  });
});

describe("webnn-graph JSON: operands and arguments", () => {
  const convDoc = (conv: unknown, filterShape = [4, 3, 3, 3]) => doc({
    inputs: { x: f32([1, 3, 8, 8]) },
    consts: {
      w: { ...f32(filterShape), init: { kind: "scalar", value: 0.1 } },
      b: { ...f32([4]), init: { kind: "scalar", value: 1 } },
    },
    nodes: [conv],
    outputs: { y: "y" },
  });

  it("takes operand options by name (conv2d bias)", () => {
    const g = readGraphJson(convDoc(node("y", "conv2d", ["x", "w"], { padding: [1, 1, 1, 1], bias: "b" })));
    const n = findNode(g, "conv2d");
    expect((nodeInputRecord(n).bias as MLOperand).name).toBe("b");
    expect(n.outputs[0].shape).toEqual([1, 4, 8, 8]);
  });

  it("takes operand options positionally (conv2d and convTranspose2d [input, filter, bias])", () => {
    const g = readGraphJson(convDoc(node("y", "conv2d", ["x", "w", "b"])));
    expect((nodeInputRecord(findNode(g, "conv2d")).bias as MLOperand).name).toBe("b");
    const t = readGraphJson(convDoc(node("y", "convTranspose2d", ["x", "w", "b"]), [3, 4, 3, 3]));
    const n = findNode(t, "convTranspose2d");
    expect((nodeInputRecord(n).bias as MLOperand).name).toBe("b");
    expect(n.outputs[0].shape).toEqual([1, 4, 10, 10]);
  });

  it("maps [input, scale, bias] and [input, mean, variance, scale, bias] for normalizations", () => {
    const consts = {
      s6: { ...f32([6]), init: { kind: "scalar", value: 1 } },
      b6: { ...f32([6]), init: { kind: "scalar", value: 0 } },
      s3: { ...f32([3]), init: { kind: "scalar", value: 1 } },
      b3: { ...f32([3]), init: { kind: "scalar", value: 0 } },
      m3: { ...f32([3]), init: { kind: "scalar", value: 0 } },
      v3: { ...f32([3]), init: { kind: "scalar", value: 1 } },
    };
    const g = readGraphJson(doc({
      inputs: { x: f32([2, 6]), im: f32([1, 3, 4, 4]) },
      consts,
      nodes: [
        node("ln", "layerNormalization", ["x", "s6", "b6"], { epsilon: 1e-5, axes: [1] }),
        node("lnNamed", "layerNormalization", ["x"], { scale: "s6", bias: "b6" }),
        node("inorm", "instanceNormalization", ["im", "s3", "b3"]),
        node("bn", "batchNormalization", ["im", "m3", "v3", "s3", "b3"], { epsilon: 1e-3 }),
        node("bnNamed", "batchNormalization", ["im", "m3", "v3"], { scale: "s3", bias: "b3" }),
      ],
      outputs: { ln: "ln", lnNamed: "lnNamed", inorm: "inorm", bn: "bn", bnNamed: "bnNamed" },
    }));
    const byLabel = (l: string) => g.nodes.find((n) => n.label === l)!;
    for (const l of ["ln", "lnNamed"]) {
      expect((nodeInputRecord(byLabel(l)).scale as MLOperand).name).toBe("s6");
      expect((nodeInputRecord(byLabel(l)).bias as MLOperand).name).toBe("b6");
    }
    expect((nodeInputRecord(byLabel("inorm")).scale as MLOperand).name).toBe("s3");
    expect((nodeInputRecord(byLabel("inorm")).bias as MLOperand).name).toBe("b3");
    for (const l of ["bn", "bnNamed"]) {
      const n = byLabel(l);
      expect(["mean", "variance", "scale", "bias"].map((k) => nodeInputRecord(n)[k]).map((o) => (o as MLOperand).name)).toEqual(["m3", "v3", "s3", "b3"]);
    }
    expect(nodeAttributeRecord(byLabel("bn")).epsilon).toBe(1e-3);
  });

  it("maps method-level arguments from options", () => {
    const g = readGraphJson(doc({
      inputs: { x: f32([2, 3, 4]), y: f32([2, 1, 4]), v: f32([3, 1]) },
      nodes: [
        node("r", "reshape", ["x"], { newShape: [6, 4] }),
        node("e", "expand", ["v"], { newShape: [2, 3, 5] }),
        node("c", "concat", ["x", "y"], { axis: 1 }),
        node("s", "softmax", ["x"], { axis: 2 }),
        node("sl", "slice", ["x"], { starts: [0, 1, 2], sizes: [2, 2, 2] }),
        node("t", "transpose", ["x"], { permutation: [2, 0, 1] }),
        node("k1", "cast", ["x"], { to: "int32" }),
        node("k2", "cast", ["x"], { dataType: "float16" }),
        node("k3", "cast", ["x"], { to: "Int64" }), // webnn-graph's ONNX converter writes Rust enum names
      ],
      outputs: Object.fromEntries(["r", "e", "c", "s", "sl", "t", "k1", "k2", "k3"].map((n) => [n, n])),
    }));
    const out = Object.fromEntries(g.outputs.map((o) => [o.name, o.operand]));
    expect(out.r.shape).toEqual([6, 4]);
    expect(out.e.shape).toEqual([2, 3, 5]);
    expect(out.c.shape).toEqual([2, 4, 4]);
    expect(nodeAttributeRecord(out.s.producer!).axis).toBe(2);
    expect(out.sl.shape).toEqual([2, 2, 2]);
    expect(nodeAttributeRecord(out.sl.producer!).starts).toEqual([0, 1, 2]);
    expect(out.t.shape).toEqual([4, 2, 3]);
    expect([out.k1.dataType, out.k2.dataType, out.k3.dataType]).toEqual(["int32", "float16", "int64"]);
  });

  it("maps split's splits, and names its results from the node's outputs list", () => {
    const g = readGraphJson(doc({
      inputs: { x: f32([6, 2]) },
      nodes: [
        node("a", "split", ["x"], { splits: [1, 2, 3], axis: 0 }, ["a", "b", "c"]),
        node("parts_split", "split", ["x"], { axis: 1 }, ["p", "q"]), // no splits: one part per output
        node("sum", "add", ["p", "q"]),
      ],
      outputs: { a: "a", b: "b", c: "c", sum: "sum" },
    }));
    const out = Object.fromEntries(g.outputs.map((o) => [o.name, o.operand]));
    expect([out.a.shape, out.b.shape, out.c.shape]).toEqual([[1, 2], [2, 2], [3, 2]]);
    expect(out.a.producer).toBe(out.c.producer);
    expect(out.sum.shape).toEqual([6, 1]);
  });

  it("converts ONNX-style slice (starts/ends/axes/steps) and squeeze-as-reshape (axes)", () => {
    const g = readGraphJson(doc({
      inputs: { x: f32([4, 1, 6]) },
      nodes: [
        node("s", "slice", ["x"], { starts: [1, -4], ends: [9223372036854775807, 6], axes: [0, -1], steps: [1, 2] }),
        node("q", "reshape", ["x"], { axes: [1] }),
      ],
      outputs: { s: "s", q: "q" },
    }));
    const out = Object.fromEntries(g.outputs.map((o) => [o.name, o.operand]));
    expect(out.s.producer!.attributes).toMatchObject({ starts: [1, 0, 2], sizes: [3, 1, 4], strides: [1, 1, 2] });
    expect(out.s.shape).toEqual([3, 1, 2]);
    expect(out.q.shape).toEqual([4, 6]);
  });

  it("sorts nodes into dependency order and routes input/constant outputs through identity", () => {
    const g = readGraphJson(doc({
      inputs: { x: f32([2]) },
      nodes: [node("c", "relu", ["b"]), node("b", "neg", ["a"]), node("a", "abs", ["x"]), node("alias", "", ["c"])],
      outputs: { out: "alias", passthrough: "x" },
    }));
    expect(g.nodes.map((n) => n.op)).toEqual(["abs", "neg", "relu", "identity", "identity"]);
    expect(g.outputs.map((o) => o.name)).toEqual(["out", "passthrough"]);
  });

  it("reads version 1 and version 2 documents alike, with the name", () => {
    const v1 = {
      format: "webnn-graph-json", version: 1,
      inputs: { x: f32([1, 4]) },
      consts: { W: { ...f32([4, 3]), init: { kind: "scalar", value: 1 } }, b: { ...f32([3]), init: { kind: "scalar", value: 0 } } },
      nodes: [
        { id: "logits0", op: "matmul", inputs: ["x", "W"], options: {} },
        { id: "logits", op: "add", inputs: ["logits0", "b"], options: {} },
        { id: "probs", op: "softmax", inputs: ["logits"], options: { axis: 1 } },
      ],
      outputs: { probs: "probs" },
    };
    const r1 = readGraphJsonWithName(JSON.stringify(v1));
    expect(r1.name).toBeUndefined();
    expect(r1.graph.outputs[0].operand.shape).toEqual([1, 3]);
    const v2 = { ...v1, version: 2, name: "head", quantized: true, inputs: { x: f32([1, 4]), q: { dataType: "uint4", shape: [3] } } };
    const r2 = readGraphJsonWithName(new TextEncoder().encode(JSON.stringify(v2)));
    expect(r2.name).toBe("head");
    expect(r2.graph.outputs[0].operand.shape).toEqual([1, 3]);
    expect(parseGraphJsonDocument(v2).quantized).toBe(true);
  });
});

describe("webnn-graph JSON: files", () => {
  it("loads the built-in example with its manifest and weights", async () => {
    const { graph, name } = await loadGraphFile(join(EXAMPLES, "small-cnn.webnn.json"));
    expect(name).toBe("SmallCNN");
    expect(graph.inputs.map((i) => [i.name, i.operand.dataType, i.operand.shape])).toEqual([["image", "float16", [1, 3, 32, 32]]]);
    expect(graph.outputs.map((o) => [o.name, o.operand.shape])).toEqual([["probabilities", [1, 10]]]);
    expect(graph.nodes.map((n) => n.op)).toEqual(["conv2d", "relu", "conv2d", "relu", "reduceMean", "reshape", "matmul", "add", "softmax"]);
    expect(graph.constants).toHaveLength(6);
    // All constants are views into one buffer: the weights file.
    expect(new Set(graph.constants.map((c) => c.data!.buffer)).size).toBe(1);
    expect(findNode(graph, "conv2d").outputs[0].shape).toEqual([1, 8, 32, 32]);
  });

  it("derives companion paths from the stem, and lets options override them", () => {
    expect(graphFileStem("/a/b/model.webnn.json")).toBe("model");
    expect(graphFileStem("/a/b/model.json")).toBe("model");
    expect(graphFileStem("/a/b/model.webnn")).toBe("model");
    expect(companionCandidates("/a/b/model.webnn.json")).toEqual([
      { kind: "safetensors", weights: "/a/b/model.safetensors" },
      { kind: "weights", weights: "/a/b/model.weights", manifest: "/a/b/model.manifest.json" },
      { kind: "weights", weights: "/a/b/model.weights", manifest: "/a/b/manifest.json" },
    ]);
    expect(companionCandidates("/a/net.webnn").map((c) => c.weights)).toEqual(["/a/net.safetensors", "/a/net.weights", "/a/net.weights", "/a/model.safetensors", "/a/model.weights", "/a/model.weights"]);
    expect(companionCandidates("/a/m.json", { weights: "/w/x.weights", manifest: "/w/x.json" })).toEqual([{ kind: "weights", weights: "/w/x.weights", manifest: "/w/x.json" }]);
    expect(companionCandidates("/a/m.webnn", { weights: "/w/x.safetensors" })).toEqual([{ kind: "safetensors", weights: "/w/x.safetensors" }]);
    expect(companionPaths("/a/m.webnn", { weights: "/w/x.safetensors" })).toEqual(["/w/x.safetensors"]);
  });

  it("reports a missing weights file with the expected path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wg-"));
    copyFileSync(join(EXAMPLES, "small-cnn.webnn.json"), join(dir, "net.webnn.json"));
    copyFileSync(join(EXAMPLES, "small-cnn.manifest.json"), join(dir, "net.manifest.json"));
    const err = await loadGraphFile(join(dir, "net.webnn.json")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as WeightsError).rule).toBe("missing-weights");
    expect((err as WeightsError).message).toContain(join(dir, "net.weights"));
    // --weights given: that path is used.
    const w = join(dir, "elsewhere.weights");
    copyFileSync(join(EXAMPLES, "small-cnn.weights"), w);
    const { graph, name } = await loadGraphFile(join(dir, "net.webnn.json"), { weights: w });
    expect(name).toBe("SmallCNN");
    expect(graph.constants).toHaveLength(6);
  });

  it("needs no weights files for a graph without weights refs, and names it by its stem", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wg-"));
    writeFileSync(join(dir, "tiny.json"), JSON.stringify(baseDoc()));
    const { graph, name } = await loadGraphFile(join(dir, "tiny.json"));
    expect(name).toBe("tiny");
    expect(graph.outputs[0].operand.shape).toEqual([1, 2]);
  });
});

describe("webnn-graph JSON: bad input", () => {
  it("malformed JSON → GraphFormatError json", () => {
    expectError(() => readGraphJson('{"format": "webnn-graph-json", "version": 2,'), GraphFormatError, "json", "not valid JSON");
    expectError(() => readGraphJson(new Uint8Array([0x7b, 0xff, 0xfe])), GraphFormatError, "json", "UTF-8");
  });

  it("wrong top-level format → GraphFormatError format / version", () => {
    expectError(() => readGraphJson({ ...baseDoc(), format: "onnx" }), GraphFormatError, "format", "webnn-graph-json");
    expectError(() => readGraphJson("[1, 2]"), GraphFormatError, "format");
    expectError(() => readGraphJson({ ...baseDoc(), nodes: "nope" }), GraphFormatError, "format", "nodes");
    expectError(() => readGraphJson({ ...baseDoc(), version: 3 }), GraphFormatError, "version", "3");
    expectError(() => readGraphJson({ ...baseDoc(), nodes: [{ id: "n", op: "relu", inputs: [3] }] }), GraphFormatError, "node", '"n"');
  });

  it("unknown operator → UnsupportedError unknown-operator", () => {
    const d = baseDoc();
    (d.nodes as unknown[]).push(node("u", "unsqueeze", ["z"], { axes: [0] }));
    const e = expectError(() => readGraphJson(d), UnsupportedError, "unknown-operator", '"u"', '"unsqueeze"');
    expect(e.operator).toBe("unsqueeze");
    // Object.prototype names and builder internals are not operators either.
    const d2 = baseDoc();
    (d2.nodes as unknown[]).push(node("t", "toString", ["z"]), node("h", "node", ["z"]));
    expectError(() => readGraphJson(d2), UnsupportedError, "unknown-operator", '"toString"');
  });

  it("wrong option types → the builder's GraphValidationError, naming the node", () => {
    const d = doc({
      inputs: { x: f32([1, 3, 8, 8]) },
      consts: { w: { ...f32([4, 3, 3, 3]), init: { kind: "scalar", value: 1 } } },
      nodes: [node("conv", "conv2d", ["x", "w"], { padding: "same" })],
      outputs: { conv: "conv" },
    });
    const e = expectError(() => readGraphJson(d), GraphValidationError, "option-type", '"conv"', "padding");
    expect(e.operator).toBe("conv2d");
    expect(e.operand).toBe("conv");
    const d2 = doc({ inputs: { x: f32([2, 3]) }, nodes: [node("sm", "softmax", ["x"], { axis: "last" })], outputs: { sm: "sm" } });
    expectError(() => readGraphJson(d2), GraphValidationError, "argument-type", '"sm"', "axis");
    const d3 = doc({ inputs: { x: f32([2, 3]) }, nodes: [node("cv", "cast", ["x"], { to: "float64" })], outputs: { cv: "cv" } });
    expectError(() => readGraphJson(d3), GraphValidationError, "argument-type", '"cv"', "float64");
  });

  it("an operand option that is not an operand name → the builder's error, naming the node", () => {
    const d = doc({
      inputs: { x: f32([1, 3, 8, 8]) },
      consts: { w: { ...f32([4, 3, 3, 3]), init: { kind: "scalar", value: 1 } } },
      nodes: [node("conv", "conv2d", ["x", "w"], { bias: 7 })],
      outputs: { conv: "conv" },
    });
    expectError(() => readGraphJson(d), GraphValidationError, "operand-type", '"conv"', "bias");
  });

  it("shape mismatch → the builder's error (graph) or WeightsError (manifest), naming node / constant", () => {
    const d = baseDoc();
    (d.consts as Json).W = { ...f32([3, 2]), init: { kind: "scalar", value: 1 } };
    expectError(() => readGraphJson(d), GraphValidationError, "shape-mismatch", '"y"', "[1, 4]", "[3, 2]");

    const { weights, manifest } = weightsFile([{ name: "W", shape: [2, 4], values: new Array(8).fill(1) }]);
    const dw = baseDoc();
    (dw.consts as Json).W = { ...f32([4, 2]), init: { kind: "weights", ref: "W" } };
    expectError(() => readGraphJson(dw, { weights, manifest }), WeightsError, "shape-mismatch", '"W"', "[4, 2]", "[2, 4]");
  });

  it("dtype mismatch → the builder's error (graph) or WeightsError (manifest)", () => {
    const d = baseDoc();
    (d.consts as Json).W = { dataType: "float16", shape: [4, 2], init: { kind: "scalar", value: 1 } };
    expectError(() => readGraphJson(d), GraphValidationError, "data-type-mismatch", '"y"', "float16");

    const { weights, manifest } = weightsFile([{ name: "W", shape: [4, 2], values: new Array(8).fill(1) }]);
    const dw = baseDoc();
    (dw.consts as Json).W = { dataType: "int32", shape: [4, 2], init: { kind: "weights", ref: "W" } };
    expectError(() => readGraphJson(dw, { weights, manifest }), WeightsError, "data-type-mismatch", '"W"', "int32", "float32");
  });

  it("dangling operand name → GraphFormatError dangling-operand, naming node and operand", () => {
    const d = baseDoc();
    (d.nodes as Json[])[1] = node("z", "relu", ["nothing"]);
    const e = expectError(() => readGraphJson(d), GraphFormatError, "dangling-operand", '"z"', '"nothing"');
    expect(e.operand).toBe("nothing");
    // by name in an operand option
    const d2 = doc({
      inputs: { x: f32([1, 3, 8, 8]) },
      consts: { w: { ...f32([4, 3, 3, 3]), init: { kind: "scalar", value: 1 } } },
      nodes: [node("conv", "conv2d", ["x", "w"], { bias: "missing_b" })],
      outputs: { conv: "conv" },
    });
    expectError(() => readGraphJson(d2), GraphFormatError, "dangling-operand", '"conv"', '"missing_b"', "option bias");
    // in the outputs map
    expectError(() => readGraphJson({ ...baseDoc(), outputs: { out: "zz" } }), GraphFormatError, "dangling-operand", '"out"', '"zz"');
  });

  it("cycle → GraphFormatError cycle, naming a node in it", () => {
    const d = doc({
      inputs: { x: f32([2]) },
      nodes: [node("a", "add", ["x", "c"]), node("b", "relu", ["a"]), node("c", "neg", ["b"]), node("d", "abs", ["x"])],
      outputs: { d: "d" },
    });
    const e = expectError(() => readGraphJson(d), GraphFormatError, "cycle");
    expect(["a", "b", "c"]).toContain(e.operand);
    expect(e.message).toContain(`"${e.operand}"`);
    const self = doc({ inputs: { x: f32([2]) }, nodes: [node("s", "add", ["x", "s"])], outputs: { s: "s" } });
    expectError(() => readGraphJson(self), GraphFormatError, "cycle", '"s"');
  });

  it("zero-size shape → GraphValidationError zero-size, naming the operand", () => {
    const d = baseDoc();
    (d.inputs as Json).x = f32([1, 0]);
    expectError(() => readGraphJson(d), GraphValidationError, "zero-size", '"x"');
    const dc = baseDoc();
    (dc.consts as Json).W = { ...f32([4, 0]), init: { kind: "scalar", value: 1 } };
    expectError(() => readGraphJson(dc), GraphValidationError, "zero-size", '"W"');
  });

  it("overflowing shape → GraphValidationError shape-overflow, before any bytes are allocated", () => {
    const d = baseDoc();
    (d.consts as Json).W = { ...f32([65536, 65536, 65536]), init: { kind: "scalar", value: 1 } };
    expectError(() => readGraphJson(d), GraphValidationError, "shape-overflow", '"W"');
    const di = baseDoc();
    (di.inputs as Json).x = f32([4294967295, 4294967295]);
    expectError(() => readGraphJson(di), GraphValidationError, "shape-overflow", '"x"');
  });

  it("weights file too short → WeightsError out-of-range, naming the constant", () => {
    const { weights, manifest } = weightsFile([{ name: "W", shape: [4, 2], values: new Array(8).fill(1) }]);
    const d = baseDoc();
    (d.consts as Json).W = { ...f32([4, 2]), init: { kind: "weights", ref: "W" } };
    expect(readGraphJson(d, { weights, manifest }).constants).toHaveLength(1);
    expectError(() => readGraphJson(d, { weights: weights.subarray(0, 20), manifest }), WeightsError, "out-of-range", '"W"', "too short", "20 bytes");
  });

  it("other weights problems → WeightsError naming the constant", () => {
    const { weights, manifest } = weightsFile([{ name: "W", shape: [4, 2], values: new Array(8).fill(1) }]);
    const d = baseDoc();
    (d.consts as Json).W = { ...f32([4, 2]), init: { kind: "weights", ref: "weights/W" } };
    expectError(() => readGraphJson(d, { weights, manifest }), WeightsError, "missing-entry", '"W"', '"weights/W"');
    (d.consts as Json).W = { ...f32([4, 2]), init: { kind: "weights", ref: "W" } };
    expectError(() => readGraphJson(d, { weights }), WeightsError, "missing-manifest", '"W"');
    expectError(() => readGraphJson(d, { manifest }), WeightsError, "missing-weights", '"W"');
    const bad = structuredClone(manifest);
    ((bad.tensors as Json).W as Json).byteLength = 30;
    expectError(() => readGraphJson(d, { weights, manifest: bad }), WeightsError, "byte-length", '"W"', "30");
    expectError(() => readGraphJson(d, { weights, manifest: "{not json" }), WeightsError, "manifest-json");
    const inline = baseDoc();
    (inline.consts as Json).W = { ...f32([4, 2]), init: { kind: "inlineBytes", bytes: [1, 2, 3] } };
    expectError(() => readGraphJson(inline), WeightsError, "byte-length", '"W"', "3 inline bytes");
  });

  it("bad scalar or inline values → GraphFormatError naming the constant", () => {
    const d = baseDoc();
    (d.consts as Json).W = { ...f32([4, 2]), init: { kind: "scalar", value: [1] } };
    expectError(() => readGraphJson(d), GraphFormatError, "scalar-value", '"W"');
    (d.consts as Json).W = { dataType: "uint8", shape: [4, 2], init: { kind: "scalar", value: 300 } };
    expectError(() => readGraphJson(d), GraphFormatError, "scalar-value", '"W"', "out of range");
    (d.consts as Json).W = { ...f32([4, 2]), init: { kind: "inlineBytes", bytes: [1, 256] } };
    expectError(() => readGraphJson(d), GraphFormatError, "const-init", '"W"');
    (d.consts as Json).W = { ...f32([4, 2]), init: { kind: "random" } };
    expectError(() => readGraphJson(d), GraphFormatError, "const-init", '"W"', "random");
  });

  it("wrong input counts and duplicate names → GraphFormatError naming the node", () => {
    const d = baseDoc();
    (d.nodes as Json[])[1] = node("z", "relu", ["y", "x"]);
    expectError(() => readGraphJson(d), GraphFormatError, "arity", '"z"');
    const d2 = baseDoc();
    (d2.nodes as Json[])[1] = node("x", "relu", ["y"]);
    expectError(() => readGraphJson(d2), GraphFormatError, "duplicate-name", '"x"');
  });

  it("never throws anything but typed errors on junk documents", () => {
    const junk: unknown[] = [
      null, 1, "x", "null", "{}", { format: "webnn-graph-json", version: 2 },
      { ...baseDoc(), inputs: { x: null } }, { ...baseDoc(), inputs: { x: { dataType: "float32", shape: "4" } } },
      { ...baseDoc(), consts: { W: null } }, { ...baseDoc(), consts: { W: { dataType: "float32", shape: [1], init: null } } },
      { ...baseDoc(), nodes: [null] }, { ...baseDoc(), nodes: [{ id: 3 }] }, { ...baseDoc(), outputs: [] }, { ...baseDoc(), outputs: { a: 1 } },
      { ...baseDoc(), nodes: [node("y", "matmul", ["x", "W"], { label: 5 }), node("z", "split", ["y"], { splits: "x" }, ["z"])] },
      { ...baseDoc(), nodes: [node("y", "concat", [], { axis: 0 })] },
      { ...baseDoc(), nodes: [node("y", "slice", ["x"], { starts: [0], ends: "x" })] },
      { ...baseDoc(), nodes: [node("y", "reshape", ["x"], { axes: [{}] })] },
      { ...baseDoc(), nodes: [node("y", "constant", [], { dataType: "float32", shape: [2], data: "!!" })] },
    ];
    for (const j of junk) {
      const e = catchError(() => readGraphJson(j as object, { manifest: 5 }));
      expect(e.rule, JSON.stringify(j)).toBeTruthy();
    }
  });
});
