/// <reference types="vite/client" />
// The worker converter in headless Chromium: a real module Worker started by createConverter(),
// comlink across the boundary. Transfer, progress, cancel, typed errors, and packages read back
// and run by the reference runtime.
import { afterEach, describe, expect, it } from "vitest";
import graphUrl from "../../examples/small-cnn.webnn.json?url";
import manifestUrl from "../../examples/small-cnn.manifest.json?url";
import weightsUrl from "../../examples/small-cnn.weights?url";
import { createConverter, type ConversionProgress, type Converter, type GraphJsonSource } from "../../src/browser/index.js";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { GraphFormatError, GraphValidationError, UnsupportedError, WebNNCoreMLError, WeightsError } from "../../src/errors.js";
import { readGraphJsonWithName } from "../../src/frontends/webnn-json/index.js";
import type { MLGraph } from "../../src/graph/operand.js";
import { readPackageZip } from "../../src/packaging/reader.js";
import { packageToZipBytes } from "../../src/packaging/zip.js";
import { runPackage, tensorFromNumbers } from "../../src/run-package.js";

const converters: Converter[] = [];
// The package's default worker is the built bundle (dist/worker/convert-worker.js, checked by the
// consumer test); here the worker comes from source.
const sourceWorker = () => new Worker(new URL("../../worker/convert-worker.ts", import.meta.url), { type: "module" });

function converter(options?: Parameters<typeof createConverter>[0]): Converter {
  const c = createConverter({ worker: sourceWorker, ...options });
  converters.push(c);
  return c;
}
afterEach(() => {
  for (const c of converters.splice(0)) c.close();
});

async function fetchBuffer(url: string): Promise<ArrayBuffer> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.arrayBuffer();
}

async function exampleSource(): Promise<GraphJsonSource> {
  const [json, weights, manifest] = await Promise.all([fetchBuffer(graphUrl), fetchBuffer(weightsUrl), fetchBuffer(manifestUrl)]);
  return { kind: "graph-json", json, weights, manifest };
}

/** y = relu(x · W + b) and z = x · 2 as float16, with values known in advance. */
function tinyGraph() {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [2, 3] });
  const W = new Float32Array([1, -1, 0.5, 2, 0, 1, -2, 1, 3, 0.25, 1, -1]);
  const bias = new Float32Array([0.5, -0.5, 0, 1]);
  const y = b.relu(b.add(b.matmul(x, b.constant({ dataType: "float32", shape: [3, 4] }, W, "W")), b.constant({ dataType: "float32", shape: [4] }, bias, "b")), { label: "y" });
  const z = b.cast(b.mul(x, b.constant({ dataType: "float32", shape: [1] }, new Float32Array([2]), "two")), "float16");
  return { graph: b.buildSync({ y, z }), W, bias };
}

function expectedTiny(x: number[], W: Float32Array, bias: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 4; j++) {
      let s = bias[j];
      for (let k = 0; k < 3; k++) s += x[i * 3 + k] * W[k * 4 + j];
      out.push(Math.fround(Math.max(s, 0)));
    }
  }
  return out;
}

/** A chain of float16 matmuls with distinct pseudo-random weights: `layers` × n×n×2 bytes. */
function largeGraph(layers: number, n: number): { graph: MLGraph; buffers: ArrayBuffer[] } {
  const b = new MLGraphBuilder();
  let v = b.input("x", { dataType: "float16", shape: [1, n] });
  const buffers: ArrayBuffer[] = [];
  for (let i = 0; i < layers; i++) {
    const u32 = new Uint32Array((n * n) / 2);
    let r = (0x9e3779b9 ^ (i * 7919)) >>> 0;
    for (let k = 0; k < u32.length; k++) { r ^= r << 13; r ^= r >>> 17; r ^= r << 5; u32[k] = r & 0x2bff2bff; }
    buffers.push(u32.buffer);
    v = b.matmul(v, b.constant({ dataType: "float16", shape: [n, n] }, new Uint16Array(u32.buffer), `w${i}`), { label: `mm${i}` });
  }
  return { graph: b.buildSync({ y: v }), buffers };
}

describe("createConverter (worker)", () => {
  it("converts a builder graph: constants move by transfer, the package runs with correct outputs", async () => {
    const { graph, W, bias } = tinyGraph();
    const c = converter();
    const task = c.convert(graph, { name: "Tiny", target: "ios16" });
    // Transferred, not copied: the main thread's constant buffers are detached at once.
    expect(W.buffer.byteLength).toBe(0);
    expect(bias.buffer.byteLength).toBe(0);
    const result = await task;
    expect(result.fileName).toBe("Tiny.mlpackage.zip");
    expect(result.zip).toBeInstanceOf(ArrayBuffer);
    expect(result.summary.operators).toEqual({ add: 1, cast: 1, matmul: 1, mul: 1, relu: 1 });
    expect(result.summary.target).toBe("ios16");
    expect(result.summary.inputs).toEqual([expect.objectContaining({ name: "x", dataType: "float32", shape: [2, 3] })]);
    expect(result.summary.outputs.map((o) => [o.name, o.dataType, o.shape])).toEqual([["y", "float32", [2, 4]], ["z", "float16", [2, 3]]]);

    const blob = c.toZipBlob(result);
    expect(blob.type).toBe("application/zip");
    const read = await readPackageZip(blob);
    expect(read.manifest.rootModelIdentifier).toBeTruthy();
    const x = [1, 2, 3, -1, 0.5, 2];
    const out = await runPackage(read, { x: tensorFromNumbers("float32", [2, 3], x) });
    expect([...(out.y.data as Float32Array)]).toEqual(expectedTiny(x, new Float32Array([1, -1, 0.5, 2, 0, 1, -2, 1, 3, 0.25, 1, -1]), new Float32Array([0.5, -0.5, 0, 1])));
    expect(out.z.dataType).toBe("float16");
    expect([...(out.z.data as Uint16Array)]).toEqual([0x4000, 0x4400, 0x4600, 0xc000, 0x3c00, 0x4400]); // 2, 4, 6, -2, 1, 4 as half
  });

  it("converts the webnn-graph JSON example to the bytes of a main-thread conversion; the files' buffers are detached", async () => {
    const source = await exampleSource();
    const copies = { json: source.json.slice(0) as ArrayBuffer, weights: source.weights!.slice(0), manifest: (source.manifest as ArrayBuffer).slice(0) };
    const c = converter();
    const task = c.convert(source, { target: "ios17" });
    expect((source.json as ArrayBuffer).byteLength).toBe(0);
    expect(source.weights!.byteLength).toBe(0);
    expect((source.manifest as ArrayBuffer).byteLength).toBe(0);
    const result = await task;
    expect(result.name).toBe("SmallCNN");

    const { graph, name } = readGraphJsonWithName(new Uint8Array(copies.json), { weights: new Uint8Array(copies.weights), manifest: new Uint8Array(copies.manifest) });
    const reference = await packageToZipBytes(await convertGraph(graph, { name, target: "ios17" }));
    expect(new Uint8Array(result.zip as ArrayBuffer)).toEqual(reference);

    const read = await readPackageZip(new Uint8Array(result.zip as ArrayBuffer));
    const image = tensorFromNumbers("float16", [1, 3, 32, 32], Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i) * 0.5));
    const out = await runPackage(read, { image });
    const probs = out.probabilities;
    expect(probs.shape).toEqual([1, 10]);
    const values = [...(probs.data as Uint16Array)].map(halfToNumber);
    expect(values.every((p) => p > 0 && p < 1)).toBe(true);
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(result.summary.milText).toContain("softmax(");
  });

  it("a second convert() of the same (transferred) graph is a WeightsError, not a DataCloneError", async () => {
    const { graph } = tinyGraph();
    const c = converter();
    await c.convert(graph);
    const err = await c.convert(graph).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as WeightsError).rule).toBe("detached");
  });

  it("returns the zip as a Blob when asked", async () => {
    const c = converter();
    const result = await c.convert(await exampleSource(), { output: "blob" });
    expect(result.zip).toBeInstanceOf(Blob);
    expect(c.toZipBlob(result)).toBe(result.zip);
    expect((await readPackageZip(result.zip as Blob)).parsed.outputs[0].name).toBe("probabilities");
  });

  it("proxies progress, throttled to one call per 50 ms plus the final one", async () => {
    const { graph } = largeGraph(12, 2048); // 96 MiB of float16 weights
    const c = converter();
    const calls: { p: ConversionProgress; t: number }[] = [];
    const started = performance.now();
    const result = await c.convert(graph, { progressIntervalMs: 50, onProgress: (p) => calls.push({ p, t: performance.now() }) });
    const elapsed = performance.now() - started;
    expect(result.summary.constants.bytes).toBe(12 * 2048 * 2048 * 2);
    expect(calls.at(-1)!.p).toEqual({ stage: "done", done: 1, total: 1, fraction: 1 });
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(Math.floor(elapsed / 50) + 2);
    const fractions = calls.map((c) => c.p.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(calls.some((c) => c.p.stage === "zip")).toBe(true);
  });

  it("an AbortSignal cancels the job in the worker, which frees it; the converter works on", async () => {
    const c = converter({ cancelGraceMs: 60_000 }); // the worker must stop the job by itself
    const { graph } = largeGraph(12, 2048);
    const controller = new AbortController();
    let progressCalls = 0;
    const task = c.convert(graph, {
      signal: controller.signal,
      onProgress: () => { if (++progressCalls === 1) controller.abort(); },
    });
    const err = await task.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe("AbortError");
    // The cancel reaches the worker: its job ends as cancelled (not completed), and is freed.
    const t0 = performance.now();
    while ((await c.activeJobs()) > 0) {
      expect(performance.now() - t0).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await c.stats()).toEqual({ active: 0, completed: 0, cancelled: 1, failed: 0 });
    expect((await c.convert(await exampleSource())).name).toBe("SmallCNN");
    expect(await c.stats()).toEqual({ active: 0, completed: 1, cancelled: 1, failed: 0 });
  });

  it("task.cancel() and an already aborted signal reject with an AbortError", async () => {
    const c = converter();
    const task = c.convert(largeGraph(4, 1024).graph);
    task.cancel();
    await expect(task).rejects.toMatchObject({ name: "AbortError" });
    const aborted = AbortSignal.abort(new DOMException("stop", "AbortError"));
    await expect(c.convert(tinyGraph().graph, { signal: aborted })).rejects.toMatchObject({ name: "AbortError", message: "stop" });
    const t0 = performance.now();
    while ((await c.activeJobs()) > 0) {
      expect(performance.now() - t0).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  it("stops the worker when a cancelled job does not end within the grace period, and starts a new one", async () => {
    const c = converter({ cancelGraceMs: 0 });
    const task = c.convert(largeGraph(8, 2048).graph);
    await new Promise((r) => setTimeout(r, 5));
    task.cancel();
    await expect(task).rejects.toMatchObject({ name: "AbortError" });
    await new Promise((r) => setTimeout(r, 20));
    expect(await c.activeJobs()).toBe(0);
    expect((await c.convert(await exampleSource())).name).toBe("SmallCNN");
  });

  it("errors arrive as the same typed errors, with the same fields, as on the main thread", async () => {
    const c = converter();
    const mainThread = (fn: () => unknown): WebNNCoreMLError => {
      try { fn(); } catch (e) { return e as WebNNCoreMLError; }
      throw new Error("expected an error");
    };

    // The reader and builder: conv2d with 2 groups over 3 channels.
    const source = await exampleSource();
    const doc = JSON.parse(new TextDecoder().decode(source.json as ArrayBuffer));
    doc.nodes[0].options.groups = 2;
    const json = JSON.stringify(doc);
    const expected = mainThread(() => readGraphJsonWithName(json, { weights: new Uint8Array(source.weights!.slice(0)), manifest: new Uint8Array((source.manifest as ArrayBuffer).slice(0)) }));
    const e1 = await c.convert({ ...source, json }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(GraphValidationError);
    expect((e1 as WebNNCoreMLError).toJSON()).toEqual(expected.toJSON());
    expect((e1 as WebNNCoreMLError).toJSON()).toMatchObject({ kind: "GraphValidationError", operator: "conv2d", operand: "conv1", rule: "channels" });

    // The weights: no manifest.
    const e2 = await c.convert({ kind: "graph-json", json: (await exampleSource()).json }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(WeightsError);
    expect((e2 as WeightsError).toJSON()).toMatchObject({ kind: "WeightsError", rule: "missing-manifest" });

    // Lowering: an unknown target.
    const e3 = await c.convert(tinyGraph().graph, { target: "ios12" as never }).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(UnsupportedError);
    expect((e3 as UnsupportedError).rule).toBe("target");
    const expected3 = (await convertGraph(tinyGraph().graph, { target: "ios12" as never }).catch((e: unknown) => e)) as WebNNCoreMLError;
    expect((e3 as UnsupportedError).toJSON()).toEqual(expected3.toJSON());

    // A malformed source.
    const e4 = await c.convert({ kind: "graph-json", json: "{ not json" }).catch((e: unknown) => e);
    expect(e4).toBeInstanceOf(GraphFormatError);
    expect((e4 as GraphFormatError).kind).toBe("GraphFormatError");
  });

  it("a worker that fails to load rejects the conversion instead of hanging", async () => {
    const c = converter({ worker: () => new Worker(new URL("/no-such-worker.js", location.href), { type: "module" }) });
    const err = await c.convert(tinyGraph().graph).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/converter worker \(given as `worker`\) failed to load/);
  });

  it("the default worker's load failure names the URL it tried and how to pass one", async () => {
    // In this source tree the built worker does not exist beside src/browser/: the default URL fails.
    const c = createConverter();
    converters.push(c);
    const err = await c.convert(tinyGraph().graph).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/the converter worker \(http:\/\/[^)]+\/worker\/convert-worker\.js\) failed to load; .*createConverter\(\{ worker/);
  });

  it("close() rejects running conversions and refuses new ones", async () => {
    const c = converter();
    const task = c.convert(largeGraph(4, 1024).graph);
    c.close();
    await expect(task).rejects.toMatchObject({ name: "AbortError" });
    await expect(c.convert(tinyGraph().graph)).rejects.toMatchObject({ name: "InvalidStateError" });
  });
});

function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
