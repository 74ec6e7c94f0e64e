// The worker's conversion service and its wire formats, in Node (the browser tests run the same
// service in a real Worker through comlink).
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createConverterService, ProgressThrottle } from "../../src/browser/converter-service.js";
import { deserializeError, serializeError, sourceTransferables, type ConversionProgress, type ConvertSource } from "../../src/browser/protocol.js";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { GraphFormatError, GraphValidationError, UnsupportedError, WebNNCoreMLError, WeightsError } from "../../src/errors.js";
import { serializeGraph } from "../../src/graph/serialize.js";
import { loadGraphFile } from "../../src/node/graph-files.js";
import { PlatformLimitError } from "../../src/limits.js";
import { readPackageZip } from "../../src/packaging/reader.js";
import { packageToZipBytes } from "../../src/packaging/zip.js";
import { runPackage, tensorFromNumbers } from "../../src/run-package.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const EXAMPLE = join(ROOT, "examples/small-cnn.webnn.json");

function fileBuffer(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function exampleSource(): ConvertSource {
  return {
    kind: "graph-json",
    json: fileBuffer(EXAMPLE),
    weights: fileBuffer(join(ROOT, "examples/small-cnn.weights")),
    manifest: fileBuffer(join(ROOT, "examples/small-cnn.manifest.json")),
  };
}

/** y = relu(x · W + b), float32, with known values. */
function tinyGraph() {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [2, 3] });
  const W = new Float32Array([1, -1, 0.5, 2, 0, 1, -2, 1, 3, 0.25, 1, -1]);
  const bias = new Float32Array([0.5, -0.5, 0, 1]);
  const y = b.relu(b.add(b.matmul(x, b.constant({ dataType: "float32", shape: [3, 4] }, W, "W")), b.constant({ dataType: "float32", shape: [4] }, bias, "b")), { label: "y" });
  return { graph: b.buildSync({ y }), W, bias };
}

function expectedTiny(x: number[], W: Float32Array, bias: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 4; j++) {
      let s = bias[j];
      for (let k = 0; k < 3; k++) s += x[i * 3 + k] * W[k * 4 + j];
      out.push(Math.max(s, 0));
    }
  }
  return out;
}

/** A graph whose conversion takes a while: a chain of float16 matmuls with distinct weights. */
function largeSource(layers: number, n: number): ConvertSource {
  const b = new MLGraphBuilder();
  let v = b.input("x", { dataType: "float16", shape: [1, n] });
  for (let i = 0; i < layers; i++) {
    const w = new Uint16Array(n * n);
    const u32 = new Uint32Array(w.buffer);
    let r = 0x9e3779b9 ^ i;
    for (let k = 0; k < u32.length; k++) { r ^= r << 13; r ^= r >>> 17; r ^= r << 5; u32[k] = r & 0x2bff2bff; }
    v = b.matmul(v, b.constant({ dataType: "float16", shape: [n, n] }, w, `w${i}`), { label: `mm${i}` });
  }
  return { kind: "graph", graph: serializeGraph(b.buildSync({ y: v })) };
}

describe("converter service", () => {
  it("converts a webnn-graph JSON source to the same package as the CLI path, with a summary", async () => {
    const service = createConverterService();
    const result = await service.convert(exampleSource(), { target: "ios17" });
    expect(result.name).toBe("SmallCNN");
    expect(result.fileName).toBe("SmallCNN.mlpackage.zip");
    expect(result.zip).toBeInstanceOf(ArrayBuffer);
    const zip = new Uint8Array(result.zip as ArrayBuffer);
    expect(zip.byteLength).toBe(result.zipBytes);
    const { graph, name } = await loadGraphFile(EXAMPLE);
    expect(zip).toEqual(await packageToZipBytes(await convertGraph(graph, { name, target: "ios17" })));

    const s = result.summary;
    expect(s.operators).toEqual({ add: 1, conv2d: 2, matmul: 1, reduceMean: 1, relu: 2, reshape: 1, softmax: 1 });
    expect(s.constants.count).toBe(6);
    expect(s.blobBytes).toBeGreaterThan(s.constants.bytes);
    expect(s.inputs).toEqual([expect.objectContaining({ name: "image", dataType: "float16", shape: [1, 3, 32, 32] })]);
    expect(s.outputs).toEqual([expect.objectContaining({ name: "probabilities", dataType: "float16", shape: [1, 10] })]);
    expect(s.milText).toMatch(/^main\[CoreML7\]\(%image: fp16\[1, 3, 32, 32\]\)/);
    expect(s.milText).toContain("= conv(");
    expect(service.activeJobs()).toBe(0);
  });

  it("converts a serialized builder graph; the package runs with correct outputs", async () => {
    const { graph, W, bias } = tinyGraph();
    const service = createConverterService();
    const result = await service.convert({ kind: "graph", graph: serializeGraph(graph) }, { name: "Tiny", output: "blob" });
    expect(result.zip).toBeInstanceOf(Blob);
    const read = await readPackageZip(result.zip as Blob);
    const x = [1, 2, 3, -1, 0.5, 2];
    const out = await runPackage(read, { x: tensorFromNumbers("float32", [2, 3], x) });
    expect([...out.y.data as Float32Array]).toEqual(expectedTiny(x, W, bias).map(Math.fround));
    expect(result.summary.operators).toEqual({ add: 1, matmul: 1, relu: 1 });
  });

  it("lists each source buffer once for transfer", () => {
    const shared = new ArrayBuffer(8);
    expect(sourceTransferables({ kind: "graph-json", json: "{}", weights: shared, manifest: shared })).toEqual([shared]);
    const { graph } = tinyGraph();
    expect(sourceTransferables({ kind: "graph", graph: serializeGraph(graph) })).toHaveLength(2);
  });

  it("throttles progress to one call per interval, plus the final call", async () => {
    const service = createConverterService();
    const calls: { p: ConversionProgress; t: number }[] = [];
    const started = performance.now();
    await service.convert(largeSource(6, 1024), { progressIntervalMs: 50 }, (p) => { calls.push({ p, t: performance.now() }); });
    const elapsed = performance.now() - started;
    const last = calls.at(-1)!.p;
    expect(last).toEqual({ stage: "done", done: 1, total: 1, fraction: 1 });
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(Math.floor(elapsed / 50) + 2);
    // The spacing of each call is checked with a fake clock below (ProgressThrottle); measured here
    // in wall time it would depend on GC pauses between the throttle's clock read and the callback.
    for (let i = 1; i < calls.length; i++) expect(calls[i].p.fraction).toBeGreaterThanOrEqual(calls[i - 1].p.fraction);
  });

  it("ProgressThrottle: first call at once, then at most one per interval, final always", async () => {
    let t = 0;
    const seen: ConversionProgress[] = [];
    const th = new ProgressThrottle((p) => { seen.push(p); }, 50, () => t);
    th.report("lower", 1, 10);
    for (let i = 2; i <= 10; i++) { t += 10; th.report("lower", i, 10); }
    expect(seen.map((p) => p.done)).toEqual([1, 6]);
    await th.final();
    expect(seen.at(-1)).toEqual({ stage: "done", done: 1, total: 1, fraction: 1 });
    expect(seen).toHaveLength(3);
  });

  it("cancel() aborts a running job and frees it", async () => {
    const service = createConverterService();
    let cancelled = false;
    const job = service.convert(largeSource(8, 1024), {}, () => {
      if (!cancelled) { cancelled = true; expect(service.cancel("big")).toBe(true); }
    }, "big");
    expect(service.activeJobs()).toBe(1);
    const err = await job.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe("AbortError");
    expect(service.activeJobs()).toBe(0);
    expect(service.cancel("big")).toBe(false);
    // The service still converts afterwards.
    expect((await service.convert(exampleSource())).name).toBe("SmallCNN");
  });

  it("rejects with the typed errors of the reader, builder and lowering", async () => {
    const service = createConverterService();
    const doc = JSON.parse(readFileSync(EXAMPLE, "utf8"));
    doc.nodes[0].options.groups = 2;
    const bad = { ...exampleSource(), json: JSON.stringify(doc) } as ConvertSource;
    const e1 = await service.convert(bad).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(GraphValidationError);
    expect((e1 as WebNNCoreMLError).toJSON()).toMatchObject({ kind: "GraphValidationError", operator: "conv2d", operand: "conv1", rule: "channels" });

    const e2 = await service.convert({ kind: "graph-json", json: fileBuffer(EXAMPLE) }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(WeightsError);
    expect((e2 as WeightsError).rule).toBe("missing-manifest");

    const e3 = await service.convert(exampleSource(), { target: "ios12" as never }).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(UnsupportedError);
    expect((e3 as UnsupportedError).rule).toBe("target");

    const e4 = await service.convert({ kind: "pictures" } as never).catch((e: unknown) => e);
    expect(e4).toBeInstanceOf(GraphFormatError);
  });
});

describe("errors across the worker boundary", () => {
  it("rebuild the same class with the same fields after structured clone", () => {
    const errors: unknown[] = [
      new GraphValidationError("bad shape", { operator: "conv2d", operand: "conv1", rule: "channels" }),
      new WeightsError("short", { operator: "constant", operand: "w", rule: "out-of-range" }),
      new GraphFormatError("no", { rule: "format" }),
      new PlatformLimitError("too big", "maxTensorBytes", 10, 5, { operator: "constant", operand: "w" }),
    ];
    for (const e of errors) {
      const back = deserializeError(structuredClone(serializeError(e))) as WebNNCoreMLError;
      expect(back.constructor).toBe((e as object).constructor);
      expect(back.toJSON()).toEqual((e as WebNNCoreMLError).toJSON());
      expect(back.message).toBe((e as Error).message);
    }
    const limit = deserializeError(structuredClone(serializeError(errors[3]))) as PlatformLimitError;
    expect(limit).toBeInstanceOf(PlatformLimitError);
    expect([limit.limit, limit.actual, limit.maximum]).toEqual(["maxTensorBytes", 10, 5]);

    const abort = deserializeError(structuredClone(serializeError(new DOMException("stop", "AbortError")))) as DOMException;
    expect(abort).toBeInstanceOf(DOMException);
    expect(abort.name).toBe("AbortError");
    const type = deserializeError(structuredClone(serializeError(new TypeError("t")))) as Error;
    expect(type).toBeInstanceOf(TypeError);
    expect(type.message).toBe("t");
  });
});

describe("converter service: ONNX and .webnn sources", () => {
  it("converts an ONNX source with external data (a Blob), free dimensions and a pinned input; describes the model", async () => {
    const { onnxModel, T, tensor } = await import("../onnx/onnx-writer.js");
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const branch = (op: string) => ({ nodes: [{ op, inputs: ["mm"], outputs: ["o"] }], inputs: [], outputs: [["o", T.FLOAT] as [string, number]] });
    const model = onnxModel({
      nodes: [{ op: "MatMul", inputs: ["x", "w"], outputs: ["mm"] }, { op: "Greater", inputs: ["k", "zero"], outputs: ["c"] }, { op: "If", inputs: ["c"], outputs: ["y"], attrs: { then_branch: { graph: branch("Relu") }, else_branch: { graph: branch("Neg") } } }],
      inputs: [["x", T.FLOAT, ["n", 2]], ["k", T.FLOAT, []]], outputs: [["y", T.FLOAT]],
      initializers: [{ name: "w", type: T.FLOAT, dims: [2, 3], external: { location: "w.bin" } }, tensor("zero", T.FLOAT, [], Float32Array.of(0))],
    }, 13);
    const service = createConverterService();
    const summary = service.describeOnnx(new Uint8Array(model).buffer);
    expect(summary).toMatchObject({ freeDimensions: ["n"], controlInputs: ["k"], unsupported: [], inputs: [{ name: "x", elementType: "float", dims: ["n", 2] }, { name: "k", elementType: "float", dims: [] }] });
    const stages: string[] = [];
    const result = await service.convert({ kind: "onnx", model: new Uint8Array(model).buffer, externalData: { "w.bin": new Blob([w]) } }, { freeDimensions: { n: 1 }, inputValues: { k: -1 }, progressIntervalMs: 0 }, (p) => { stages.push(p.stage); });
    expect(stages).toContain("import");
    const read = await readPackageZip(new Uint8Array(result.zip as ArrayBuffer));
    const out = await runPackage(read, { x: tensorFromNumbers("float32", [1, 2], [1, 1]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([-5, -7, -9]); // Neg, since k = -1
    const own = new Uint8Array(model).buffer;
    expect(sourceTransferables({ kind: "onnx", model: own, externalData: { a: w.buffer, b: new Blob([]) } })).toEqual([own, w.buffer]);
  });

  it("builds a multifunction package from one source, one function per set of named-dimension sizes", async () => {
    const text = `webnn_graph "Dyn" v2 {\n  inputs { x: f32[dyn("batch", 8), 3]; }\n  nodes { y = relu(x); }\n  outputs { y; }\n}\n`;
    const service = createConverterService();
    const result = await service.convert({ kind: "graph-json", json: text }, {
      target: "ios18", functions: [{ name: "one", freeDimensions: { batch: 1 } }, { name: "four", freeDimensions: { batch: 4 } }], defaultFunction: "four",
    });
    const read = await readPackageZip(new Uint8Array(result.zip as ArrayBuffer));
    expect(read.parsed.proto.description!.functions!.map((f) => f.name)).toEqual(["four", "one"]);
    expect(result.summary.inputs[0].shape).toEqual([4, 3]);
    const out = await runPackage(read, { x: tensorFromNumbers("float32", [1, 3], [-1, 0, 2]) }, { function: "one" });
    expect(Array.from(out.y.data as Float32Array)).toEqual([0, 0, 2]);
  });
});
