// The WKWebView bridge, end to end without a Mac: the Node stand-in host (src/node/bridge-host.ts)
// speaks the bridge protocol over 127.0.0.1 and runs packages with the reference runtime; the page
// client (src/bridge/) runs in headless Chromium (Debian's /usr/bin/chromium, never downloaded)
// and converts the graphs itself. Outputs are compared with runPackage in Node on the same graphs.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "node:http";
import { build } from "esbuild";
import JSZip from "jszip";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CoreMLBridge } from "../../src/bridge/client.js";
import { BridgeError, decodeTensorMessage, encodeTensorMessage, isSafePackagePath, type BridgeInfo, type BridgeTensor } from "../../src/bridge/protocol.js";
import { convertFunctions, convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import type { MLGraph } from "../../src/graph/operand.js";
import { fileBytes, type MLPackage } from "../../src/packaging/package.js";
import { packageToZipBytes } from "../../src/packaging/zip.js";
import { halfBitsFromNumber, numberFromHalfBits } from "../../src/runtime/fp16.js";
import { runPackage, tensorsFromJson, type WebNNTensor } from "../../src/run-package.js";
import type { Expected } from "../coremltools/coremltools-packages.js";
import { checkStoreZip, parseOffset, startBridgeHost, toBridgeError, type BridgeHost } from "../../src/node/bridge-host.js";
import { RuntimeError } from "../../src/errors.js";
import { float16Graph, float32Graph, int32Graph, largeGraph, matmulInput, mediumGraph, LARGE_K, LARGE_N } from "./models.js";
import type { BridgeTestsApi, PlainTensor } from "./page.js";

const CHROMIUM = "/usr/bin/chromium";
const MiB = 1024 * 1024;

async function zipOf(graph: MLGraph, name = "Model"): Promise<{ pkg: MLPackage; zip: Uint8Array }> {
  const pkg = await convertGraph(graph, { target: "ios17", name });
  return { pkg, zip: await packageToZipBytes(pkg) };
}

/** A client in Node: fetch with an explicit Origin header (a browser sets it itself). */
function nodeClient(host: BridgeHost, origin = host.origin, chunkBytes?: number): CoreMLBridge {
  return new CoreMLBridge({ baseUrl: host.url, chunkBytes, messageHandler: null, fetch: (url, init) => fetch(url, { ...init, headers: { origin } }) });
}

async function post(host: BridgeHost, path: string, body: BodyInit | undefined, origin: string | null = host.origin): Promise<{ status: number; json: any }> {
  const res = await fetch(`${host.url}${path}`, { method: "POST", body, headers: origin ? { origin } : {} });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function expectBridgeError(p: Promise<unknown>, code: string): Promise<BridgeError> {
  const e = await p.then(() => undefined, (x) => x);
  expect(e, `expected a BridgeError ${code}`).toBeInstanceOf(BridgeError);
  expect((e as BridgeError).code, (e as BridgeError).message).toBe(code);
  return e as BridgeError;
}

function plainOf(t: WebNNTensor): number[] {
  return Array.from(t.data as ArrayLike<number>, Number);
}

// ---------------------------------------------------------------------- host, in Node

describe("bridge protocol pieces", () => {
  it("encodes and decodes tensor messages as aligned views", () => {
    const msg = encodeTensorMessage({
      a: { dataType: "float16", shape: [3], data: Uint16Array.from([1, 2, 3].map(halfBitsFromNumber)) },
      b: { dataType: "int8", shape: [2, 1], data: Int8Array.from([-1, 5]) },
      c: { dataType: "float32", shape: [], data: Float32Array.from([Math.PI]) },
      d: { dataType: "uint64", shape: [1], data: BigUint64Array.from([2n ** 63n]) },
    });
    const bytes = new Uint8Array(msg.size);
    let pos = 0;
    for (const p of msg.parts) { bytes.set(p, pos); pos += p.byteLength; }
    const t = decodeTensorMessage(bytes);
    expect(Array.from(t.a.data as Uint16Array, numberFromHalfBits)).toEqual([1, 2, 3]);
    expect(t.a.data).toBeInstanceOf(Uint16Array);
    expect(t.a.data.buffer).toBe(bytes.buffer); // a view, not a copy
    expect(Array.from(t.b.data as Int8Array)).toEqual([-1, 5]);
    expect(t.b.shape).toEqual([2, 1]);
    expect(t.c.data[0]).toBe(Math.fround(Math.PI));
    expect(t.d.data[0]).toBe(2n ** 63n);
    expect(() => decodeTensorMessage(bytes.subarray(0, 20))).toThrow(BridgeError);
    expect(() => encodeTensorMessage({ x: { dataType: "float32", shape: [2], data: new Float32Array(3) } })).toThrow(/3 elements/);
    expect(() => encodeTensorMessage({ x: { dataType: "float16", shape: [2], data: new Float32Array(2) } as never })).toThrow(/Uint16Array/);
  });

  it("refuses unaligned offsets, keeps odd names as plain entries, and never leaks other errors' text", () => {
    /** A message written by hand: one int32 tensor at `byteOffset` in a 16-byte data section. */
    const handMade = (name: string, byteOffset: number) => {
      const json = new TextEncoder().encode(JSON.stringify({ tensors: [{ name, dataType: "int32", shape: [1], byteOffset, byteLength: 4 }] }));
      const start = Math.ceil((8 + json.byteLength) / 8) * 8;
      const bytes = new Uint8Array(start + 16);
      new DataView(bytes.buffer).setUint32(0, 0x4243_4e57, true);
      new DataView(bytes.buffer).setUint32(4, json.byteLength, true);
      bytes.set(json, 8);
      new DataView(bytes.buffer).setInt32(start + byteOffset, 7, true);
      return bytes;
    };
    expect(decodeTensorMessage(handMade("x", 8)).x.data[0]).toBe(7);
    expect(() => decodeTensorMessage(handMade("x", 4))).toThrow(/byteOffset 4 is not a multiple of 8/);
    for (const name of ["__proto__", "constructor", "hasOwnProperty"]) {
      const t = decodeTensorMessage(handMade(name, 0));
      expect(Object.keys(t)).toEqual([name]);
      expect(Object.getPrototypeOf(t)).toBe(null);
      expect(t[name].data[0]).toBe(7);
    }
    for (const [text, want] of [["0", 0], ["4096", 4096], ["0x64", undefined], ["1e3", undefined], ["+5", undefined], [" 7", undefined], ["07", undefined], ["-1", undefined], ["", undefined], [null, undefined], ["99999999999999999", undefined]] as const) {
      expect(parseOffset(text), String(text)).toBe(want);
    }
    const internal = toBridgeError(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect([internal.code, internal.message]).toEqual(["internal", "the host failed (TypeError)"]);
    const own = toBridgeError(new RuntimeError("add: shapes differ", { op: "add" }), "prediction-failed");
    expect([own.code, own.message]).toEqual(["prediction-failed", own.message]);
    expect(own.message).toMatch(/shapes differ/);
  });

  it("accepts only safe package paths", () => {
    for (const p of ["Manifest.json", "Data/com.apple.CoreML/model.mlmodel", "a b/c..d"]) expect(isSafePackagePath(p), p).toBe(true);
    for (const p of ["", "/etc/passwd", "../x", "a/../b", "a/./b", "a//b", "a\\b", "C:x", "a\u0000b", "a/", "x".repeat(256)]) expect(isSafePackagePath(p), p).toBe(false);
    expect(isSafePackagePath("Model.mlpackage/", true)).toBe(true);
  });
});

describe("stand-in host (Node client)", () => {
  let host: BridgeHost;
  beforeAll(async () => { host = await startBridgeHost({ limits: { maxPackageBytes: 4 * MiB, maxChunkBytes: 64 * 1024, maxModels: 2 } }); });
  afterAll(async () => {
    const dir = host.tempDir;
    await host.close();
    expect(existsSync(dir)).toBe(false);
  });

  it("answers info, and refuses other versions, methods, endpoints and origins", async () => {
    const info = await nodeClient(host).info();
    expect(info).toMatchObject({ protocol: "webnn-coreml-bridge", version: 1, computeUnits: ["cpuOnly", "cpuAndGPU", "cpuAndNeuralEngine", "all"] });
    expect(info.limits.maxChunkBytes).toBe(64 * 1024);
    expect((await post(host, "/v2/info", "")).json.error.code).toBe("unsupported-version");
    expect((await post(host, "/v1/nothing", "")).json.error.code).toBe("not-found");
    const noOrigin = await post(host, "/v1/info", "", null);
    expect([noOrigin.status, noOrigin.json.error.code]).toEqual([403, "origin-not-allowed"]);
    expect((await post(host, "/v1/info", "", "https://evil.example")).json.error.code).toBe("origin-not-allowed");
    expect((await fetch(`${host.url}/v1/info`, { headers: { origin: host.origin } })).status).toBe(400); // GET
    expect(await CoreMLBridge.isAvailable({ baseUrl: "http://127.0.0.1:9", timeoutMs: 1000, messageHandler: null })).toBe(false);
  });

  it("loads a zip in chunks, predicts, and unloads, leaving no files", async () => {
    const { pkg, zip } = await zipOf(float32Graph());
    const bridge = nodeClient(host, host.origin, 1024);
    let calls = 0;
    const model = await bridge.load(zip, { computeUnits: "cpuOnly", onProgress: () => { calls++; } });
    expect(calls).toBeGreaterThan(2);
    expect(model.inputs).toEqual([{ name: "x", dataType: "float32", shape: [2, 3] }]);
    const x = { dataType: "float32" as const, shape: [2, 3], data: Float32Array.from([1, -2, 3, 0.5, -0.25, 4]) };
    const out = await model.predict({ x });
    const want = await runPackage(pkg, { x });
    expect(Array.from(out.y.data as Float32Array)).toEqual(plainOf(want.y));
    expect(Array.from(out.z.data as Float32Array)).toEqual([2, -4, 6, 1, -0.5, 8]);
    await model.unload();
    await expectBridgeError(model.predict({ x }), "unknown-model");
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  });

  it("loads one function of a multifunction package by functionName", async () => {
    const graph = (n: number) => {
      const b = new MLGraphBuilder();
      const x = b.input("x", { dataType: "float32", shape: [n, 2] });
      return b.buildSync({ y: b.mul(x, b.constant({ dataType: "float32", shape: [2] }, Float32Array.of(2, 3))) });
    };
    const zip = await packageToZipBytes(await convertFunctions([{ name: "one", graph: graph(1) }, { name: "three", graph: graph(3) }], { target: "ios18" }));
    const bridge = nodeClient(host);
    const m = await bridge.load(zip, { functionName: "three" });
    expect(m.functionName).toBe("three");
    expect(m.inputs).toEqual([{ name: "x", dataType: "float32", shape: [3, 2] }]);
    const out = await m.predict({ x: { dataType: "float32", shape: [3, 2], data: Float32Array.of(1, 1, 2, 2, 3, 3) } });
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, 3, 4, 6, 6, 9]);
    await m.unload();
    const d = await bridge.load(zip);
    expect(d.functionName).toBeUndefined();
    expect(d.inputs[0].shape).toEqual([1, 2]); // the default: the first function
    await d.unload();
    await expectBridgeError(bridge.load(zip, { functionName: "two" }), "load-failed");
    await expectBridgeError(bridge.load(zip, { functionName: "no such" }), "bad-request");
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  });

  it("loads and runs packages that coremltools compressed, as runPackage does", async () => {
    const fixtures = fileURLToPath(new URL("../fixtures/coremltools", import.meta.url));
    const expected = JSON.parse(readFileSync(join(fixtures, "expected.json"), "utf8")) as Expected;
    const bridge = nodeClient(host);
    for (const name of ["palettize4-ios16.mlpackage", "int8-zp-ios17.mlpackage", "int4-b4-ios18.mlpackage"]) {
      // A stored zip of the folder coremltools wrote (another tool's zip, not ours).
      const jz = new JSZip();
      for (const f of readdirSync(join(fixtures, name), { recursive: true, encoding: "utf8" })) {
        const path = join(fixtures, name, f);
        if (statSync(path).isFile()) jz.file(`${name}/${f.split(sep).join("/")}`, readFileSync(path));
      }
      const zip = await jz.generateAsync({ type: "uint8array", compression: "STORE" });
      const check = expected.packages[name];
      const inputs = tensorsFromJson(check.inputs);
      const model = await bridge.load(zip);
      const out = await model.predict(inputs as Record<string, BridgeTensor>);
      const want = await runPackage(zip, inputs);
      for (const [o, t] of Object.entries(want)) {
        expect(Array.from(out[o].data as ArrayLike<number>, Number), `${name} ${o}`).toEqual(plainOf(t));
        const e = check.outputs[o].data as number[];
        plainOf(t).forEach((v, i) => expect(Math.abs(v - e[i]), `${name} ${o}[${i}]`).toBeLessThanOrEqual(check.outputs[o].tolerance * Math.max(1, Math.abs(e[i]))));
      }
      await model.unload();
    }
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  });

  it("checks chunk offsets, chunk sizes, declared sizes and completeness", async () => {
    const begin = async (size: number) => (await post(host, "/v1/uploads", JSON.stringify({ name: "M", format: "zip", size }))).json.uploadId as string;
    const id = await begin(100);
    expect((await post(host, `/v1/uploads/${id}/chunk?offset=10`, new Uint8Array(10))).json.error.code).toBe("bad-offset");
    expect((await post(host, `/v1/uploads/${id}/chunk?offset=0`, new Uint8Array(64 * 1024 + 1))).json.error.code).toBe("chunk-too-large");
    expect((await post(host, `/v1/uploads/${id}/chunk?offset=0`, new Uint8Array(60))).json).toEqual({ received: 60 });
    const early = await post(host, "/v1/models", JSON.stringify({ uploadId: id, computeUnits: "all" }));
    expect([early.status, early.json.error.code]).toEqual([409, "incomplete-upload"]);
    expect((await post(host, `/v1/uploads/${id}/chunk?offset=60`, new Uint8Array(1))).json.error.code).toBe("unknown-upload"); // load consumed it

    const id2 = await begin(100);
    expect((await post(host, `/v1/uploads/${id2}/chunk?offset=0`, new Uint8Array(101))).json.error.code).toBe("bad-offset"); // more than declared
    expect((await post(host, `/v1/uploads/${id2}/chunk?offset=0`, new Uint8Array(1))).json.error.code).toBe("unknown-upload"); // dropped

    expect((await post(host, "/v1/uploads", JSON.stringify({ name: "M", format: "zip", size: 4 * MiB + 1 }))).json.error.code).toBe("package-too-large");
    expect((await post(host, "/v1/uploads", "{not json")).json.error.code).toBe("bad-request");
    expect((await post(host, "/v1/models", JSON.stringify({ uploadId: "nope", computeUnits: "all" }))).json.error.code).toBe("unknown-upload");
    const id3 = await begin(10);
    expect((await post(host, "/v1/models", JSON.stringify({ uploadId: id3, computeUnits: "gpuOnly" }))).json.error.code).toBe("bad-request");
    expect((await post(host, `/v1/uploads/${id3}/cancel`, "")).json).toEqual({});
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  });

  it("limits uploads and models at once", async () => {
    const begin = () => post(host, "/v1/uploads", JSON.stringify({ name: "M", format: "zip", size: 10 }));
    const a = (await begin()).json.uploadId;
    const b = (await begin()).json.uploadId;
    const c = await begin();
    expect([c.status, c.json.error.code]).toEqual([429, "too-many-uploads"]);
    await post(host, `/v1/uploads/${a}/cancel`, "");
    await post(host, `/v1/uploads/${b}/cancel`, "");

    const { zip } = await zipOf(int32Graph());
    const bridge = nodeClient(host);
    const m1 = await bridge.load(zip);
    const m2 = await bridge.load(zip);
    await expectBridgeError(bridge.load(zip), "too-many-models");
    await m1.unload();
    await m2.unload();
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  });

  it("refuses unsafe paths, compressed entries, bad CRCs and non-packages", async () => {
    const { pkg, zip } = await zipOf(float32Graph());
    const bridge = nodeClient(host);
    const withFile = (path: string): MLPackage => ({ ...pkg, files: [...pkg.files, { path, parts: [new Uint8Array(3)], size: 3 }] });
    // A zip whose entry climbs out of the package folder.
    const traversal = await packageToZipBytes(withFile("../../evil.txt"));
    expect(() => checkStoreZip(traversal, host.limits)).toThrow(/unsafe path/);
    await expectBridgeError(bridge.load(traversal), "unsafe-path");
    await expectBridgeError(bridge.load(await packageToZipBytes(withFile("/abs/evil.txt"))), "unsafe-path");
    // The same in a files upload: refused before any byte is sent.
    await expectBridgeError(bridge.load(withFile("../evil.txt")), "unsafe-path");
    await expectBridgeError(bridge.load(withFile("Data/a\\b")), "unsafe-path");
    // Deflated entries (a zip made by another tool).
    const jz = new JSZip();
    for (const f of pkg.files) jz.file(`Model.mlpackage/${f.path}`, fileBytes(f));
    const deflated = await jz.generateAsync({ type: "uint8array", compression: "DEFLATE" });
    expect((await expectBridgeError(bridge.load(deflated), "invalid-package")).message).toMatch(/compressed/);
    // A flipped byte in the model file.
    const damaged = zip.slice();
    const at = checkStoreZip(zip, host.limits).find((e) => e.name.endsWith("model.mlmodel"))!.dataOffset + 5;
    damaged[at] ^= 0xff;
    expect((await expectBridgeError(bridge.load(damaged), "invalid-package")).message).toMatch(/CRC/);
    await expectBridgeError(bridge.load(Uint8Array.from({ length: 1000 }, (_, i) => i & 255)), "invalid-package");
    // A zip without a manifest; a files upload whose model is not a Core ML protobuf.
    await expectBridgeError(bridge.load(await packageToZipBytes({ ...pkg, files: pkg.files.slice(1) })), "invalid-package");
    const garbled: MLPackage = { ...pkg, files: pkg.files.map((f) => (f.path.endsWith("model.mlmodel") ? { path: f.path, parts: [new Uint8Array(40).fill(0xff)], size: 40 } : f)) };
    await expectBridgeError(bridge.load(garbled), "compile-failed");
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  });

  it("validates inputs against the model", async () => {
    const { zip } = await zipOf(int32Graph());
    const model = await nodeClient(host).load(zip);
    const a = { dataType: "int32" as const, shape: [2, 2], data: Int32Array.from([1, 2, 3, 4]) };
    const out = await model.predict({ a, b: a });
    expect(Array.from(out.sum.data as Int32Array)).toEqual([2, 4, 6, 8]);
    await expectBridgeError(model.predict({ a }), "invalid-input");
    await expectBridgeError(model.predict({ a, b: { ...a, shape: [4] } }), "invalid-input");
    await expectBridgeError(model.predict({ a, b: { dataType: "float32", shape: [2, 2], data: new Float32Array(4) } }), "invalid-input");
    await expectBridgeError(model.predict({ a, b: a, c: a }), "invalid-input");
    const garbage = await post(host, `/v1/models/${model.id}/predict`, new Uint8Array(12));
    expect([garbage.status, garbage.json.error.code]).toEqual([400, "bad-request"]);
    await model.unload();
  });

  it("holds its limits under concurrent and hostile requests", async () => {
    // Eight concurrent begins: exactly maxUploads are accepted.
    const begins = await Promise.all(Array.from({ length: 8 }, () => post(host, "/v1/uploads", JSON.stringify({ name: "M", format: "zip", size: 100 }))));
    const ok = begins.filter((r) => r.status === 200);
    expect(ok.length).toBe(host.limits.maxUploads);
    expect(begins.filter((r) => r.status === 429).length).toBe(8 - host.limits.maxUploads);
    const id = ok[0].json.uploadId as string;
    for (const q of ["0x0", "0e0", "+0", "%200", "00", "-0", ""]) {
      expect((await post(host, `/v1/uploads/${id}/chunk?offset=${q}`, new Uint8Array(4))).json.error.code, q).toBe("bad-request");
    }
    // A chunk whose body is still arriving holds the upload; a second chunk is refused at once,
    // without waiting for (or keeping) the first one's body.
    const url = new URL(`${host.url}/v1/uploads/${id}/chunk?offset=0`);
    const slow = request(url, { method: "POST", headers: { origin: host.origin, "content-length": "60" } });
    const slowReply = new Promise<any>((done, ko) => slow.on("response", (res) => { let t = ""; res.on("data", (c) => (t += c)); res.on("end", () => done(JSON.parse(t))); }).on("error", ko));
    slow.write(new Uint8Array(30));
    await new Promise((r) => setTimeout(r, 100));
    expect((await post(host, `/v1/uploads/${id}/chunk?offset=0`, new Uint8Array(10))).json.error.code).toBe("bad-offset");
    slow.end(new Uint8Array(30));
    expect(await slowReply).toEqual({ received: 60 });
    // A chunk that declares more than the upload has left is refused before its body is read.
    expect((await post(host, `/v1/uploads/${id}/chunk?offset=60`, new Uint8Array(41))).json.error.code).toBe("bad-offset");
    await post(host, `/v1/uploads/${ok[1].json.uploadId}/cancel`, "");
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });

    // Predictions at once are answered one at a time, each correctly; odd tensor names are refused by name.
    const { zip } = await zipOf(int32Graph());
    const model = await nodeClient(host).load(zip);
    const outs = await Promise.all(Array.from({ length: 6 }, (_, k) => {
      const a = { dataType: "int32" as const, shape: [2, 2], data: Int32Array.from([k, 1, 2, 3]) };
      return model.predict({ a, b: a });
    }));
    outs.forEach((o, k) => expect(Array.from(o.sum.data as Int32Array)).toEqual([2 * k, 2, 4, 6]));
    const a = { dataType: "int32" as const, shape: [2, 2], data: Int32Array.from([1, 2, 3, 4]) };
    const odd: Record<string, typeof a> = Object.create(null);
    odd.a = a;
    odd.b = a;
    odd["__proto__"] = a;
    const msg = encodeTensorMessage(odd);
    const body = new Uint8Array(msg.size);
    let pos = 0;
    for (const p of msg.parts) { body.set(p, pos); pos += p.byteLength; }
    const r = await post(host, `/v1/models/${model.id}/predict`, body);
    expect([r.status, r.json.error.code, r.json.error.message]).toEqual([400, "invalid-input", 'unknown input "__proto__"']);
    await model.unload();
  });

  it("drops idle uploads and their files", async () => {
    const h = await startBridgeHost({ limits: { uploadIdleSeconds: 0.2 } });
    try {
      const id = (await post(h, "/v1/uploads", JSON.stringify({ name: "M", format: "zip", size: 10 }))).json.uploadId;
      expect((await post(h, `/v1/uploads/${id}/chunk?offset=0`, new Uint8Array(5))).json).toEqual({ received: 5 });
      expect((await h.state()).tempEntries.length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 500));
      expect((await post(h, `/v1/uploads/${id}/chunk?offset=5`, new Uint8Array(5))).json.error.code).toBe("unknown-upload");
      expect(await h.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
    } finally {
      await h.close();
    }
  });

  it("answers control messages like the script message handler", async () => {
    const msg = async (m: unknown) => (await post(host, "/v1/message", JSON.stringify(m))).json;
    expect((await msg({ op: "info" })).result.protocol).toBe("webnn-coreml-bridge");
    expect(await msg({ op: "unload", modelId: "nope" })).toMatchObject({ ok: false, error: { code: "unknown-model" } });
    expect(await msg({ op: "launch" })).toMatchObject({ ok: false, error: { code: "bad-request" } });
    expect(await (await post(host, "/v1/message", JSON.stringify({ op: "info" }), "https://evil.example")).json.error.code).toBe("origin-not-allowed");
  });
});

// ---------------------------------------------------------------------- the page, in Chromium

describe.skipIf(!existsSync(CHROMIUM))("CoreMLBridge in headless Chromium", () => {
  let host: BridgeHost;
  let other: BridgeHost;
  let browser: Browser;
  let page: Page;
  let fixtures: Map<string, Uint8Array>;
  const call = <K extends keyof BridgeTestsApi>(name: K, ...args: Parameters<BridgeTestsApi[K]>): Promise<Awaited<ReturnType<BridgeTestsApi[K]>>> =>
    page.evaluate(([n, a]) => ((globalThis as any).bridgeTests[n as string] as (...x: unknown[]) => unknown)(...(a as unknown[])), [name, args] as const) as never;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [new URL("./page.ts", import.meta.url).pathname], bundle: true, format: "esm", platform: "browser", target: "es2022", write: false, logLevel: "error",
    });
    const script = bundle.outputFiles[0].contents;
    const { pkg } = await zipOf(float32Graph());
    fixtures = new Map([
      ["traversal.zip", await packageToZipBytes({ ...pkg, files: [...pkg.files, { path: "../../evil.txt", parts: [new Uint8Array(3)], size: 3 }] })],
    ]);
    host = await startBridgeHost({
      limits: { maxPackageBytes: 48 * MiB, maxModels: 4 },
      extraRoutes: (req, res) => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        const send = (type: string, body: Uint8Array | string) => { res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" }); res.end(body); return true; };
        if (path === "/") return send("text/html", '<!doctype html><meta charset="utf-8"><title>bridge test</title><script type="module" src="/page.js"></script>');
        if (path === "/page.js") return send("text/javascript", script);
        const f = path.startsWith("/fixtures/") ? fixtures.get(path.slice(10)) : undefined;
        return f ? send("application/zip", f) : false;
      },
    });
    // A second host that allows only another origin: the test page's origin is refused there.
    other = await startBridgeHost({ allowedOrigins: ["https://app.example"] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(`${host.url}/`);
    await page.waitForFunction(() => "bridgeTests" in globalThis);
    await call("setup", { baseUrl: host.url, chunkBytes: 4 * MiB });
  }, 60_000);

  afterEach(async () => {
    await call("unloadAll"); // models a failed test left behind
  });

  afterAll(async () => {
    await browser?.close();
    const dirs = [host?.tempDir, other?.tempDir];
    await host?.close();
    await other?.close();
    for (const d of dirs) if (d) expect(existsSync(d)).toBe(false);
  });

  it("finds the host and reads its limits", async () => {
    expect(await call("isAvailable", host.url)).toBe(true);
    expect(await call("isAvailable", "http://127.0.0.1:9")).toBe(false);
    const info = (await call("info")) as BridgeInfo;
    expect(info).toMatchObject({ protocol: "webnn-coreml-bridge", version: 1, host: "webnn-coreml-node-standin/0.1.0" });
    expect(info.limits.maxPackageBytes).toBe(48 * MiB);
  });

  it("float32: loads an in-memory package (files) and predicts", async () => {
    const m = await call("load", "float32", "package", "cpuOnly");
    expect(m).toMatchObject({ name: "Model", computeUnits: "cpuOnly" });
    expect(m.inputs).toEqual([{ name: "x", dataType: "float32", shape: [2, 3] }]);
    expect(m.outputs.map((o) => o.name).sort()).toEqual(["y", "z"]);
    const x = [1, -2, 3, 0.5, -0.25, 4];
    const out = await call("predict", m.id, { x: { dataType: "float32", shape: [2, 3], data: x } });
    const want = await runPackage((await zipOf(float32Graph())).zip, { x: { dataType: "float32", shape: [2, 3], data: Float32Array.from(x) } });
    expect(out.y).toEqual({ dataType: "float32", shape: [2, 4], data: plainOf(want.y), ctor: "Float32Array" });
    expect(out.y.data.some((v) => v > 0) && out.y.data.every((v) => v >= 0)).toBe(true); // relu
    expect(out.z.data).toEqual([2, -4, 6, 1, -0.5, 8]);
    await call("unload", m.id);
  });

  it("float16: loads a zip Blob and returns Uint16Array half bits", async () => {
    const m = await call("load", "float16", "blob", "cpuAndGPU");
    expect(m.inputs).toEqual([{ name: "x", dataType: "float16", shape: [8] }]);
    const x = [1, 2, -3, 0.5, 7, 100, -0.125, 6].map(halfBitsFromNumber);
    const out = await call("predict", m.id, { x: { dataType: "float16", shape: [8], data: x } });
    const want = await runPackage((await zipOf(float16Graph())).zip, { x: { dataType: "float16", shape: [8], data: Uint16Array.from(x) } });
    expect(out.y.ctor).toBe("Uint16Array");
    expect(out.y.data).toEqual(plainOf(want.y));
    expect(out.y.data.map(numberFromHalfBits)).toEqual([1.5, 4, -7.5, 1.5, 0, 75, -0.5, 6.75]);
    await call("unload", m.id);
  });

  it("int32: loads zip bytes (Uint8Array and ArrayBuffer) and predicts exactly", async () => {
    for (const form of ["bytes", "buffer"]) {
      const m = await call("load", "int32", form, "cpuAndNeuralEngine");
      expect(m.computeUnits).toBe("cpuAndNeuralEngine");
      const a = [2147483647, -5, 100, 0];
      const b = [1, -7, -100, 12];
      const out = await call("predict", m.id, { a: { dataType: "int32", shape: [2, 2], data: a }, b: { dataType: "int32", shape: [2, 2], data: b } });
      const want = await runPackage((await zipOf(int32Graph())).zip, {
        a: { dataType: "int32", shape: [2, 2], data: Int32Array.from(a) }, b: { dataType: "int32", shape: [2, 2], data: Int32Array.from(b) },
      });
      expect(out.sum).toEqual({ dataType: "int32", shape: [2, 2], data: plainOf(want.sum), ctor: "Int32Array" });
      expect(out.sum.data).toEqual([-2147483648, -12, 0, 12]); // int32 wrap-around
      expect(out.diff.data).toEqual([2147483646, 2, 200, -12]);
      await call("unload", m.id);
    }
  });

  it("loads a converter result { zip, name } with computeUnits all", async () => {
    const m = await call("load", "float32", "result", "all");
    expect(m.name).toBe("float32-result");
    await call("unload", m.id);
  });

  it("sends a 40 MB package in chunks and predicts with it", async () => {
    const m = await call("load", "large", "blob", "all");
    const [sent, total] = m.lastProgress;
    expect(total).toBeGreaterThan(40_000_000);
    expect(sent).toBe(total);
    expect(m.progressCalls).toBeGreaterThanOrEqual(Math.ceil(total / (4 * MiB)) + 1); // one per 4 MiB chunk, plus the start
    const x = Array.from(matmulInput(LARGE_K));
    const y = await call("predictMatmul", m.id, x);
    const want = await runPackage((await zipOf(largeGraph(), "Large")).zip, { x: { dataType: "float32", shape: [1, x.length], data: Float32Array.from(x) } });
    expect(y.shape).toEqual([1, LARGE_N]);
    expect(y.data).toEqual(plainOf(want.y));
    expect(new Set(y.data).size).toBeGreaterThan(LARGE_N / 2); // real values, not a constant
    await call("unload", m.id);
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  }, 40_000);

  it("sends an in-memory package's weight parts as views, in chunks", async () => {
    const m = await call("load", "medium", "package", "cpuOnly");
    const [sent, total] = m.lastProgress;
    expect(total).toBeGreaterThan(8_000_000);
    expect(sent).toBe(total);
    expect(m.progressCalls).toBeGreaterThanOrEqual(3);
    const x = Array.from(matmulInput(1000));
    const y = await call("predictMatmul", m.id, x);
    const want = await runPackage((await zipOf(mediumGraph(), "Large")).zip, { x: { dataType: "float32", shape: [1, 1000], data: Float32Array.from(x) } });
    expect(y.data).toEqual(plainOf(want.y));
    await call("unload", m.id);
  }, 30_000);

  it("maps failures to protocol errors", async () => {
    expect(await call("loadError", "garbage", "")).toMatchObject({ name: "BridgeError", code: "invalid-package" });
    expect(await call("loadError", "fixture:traversal.zip", "")).toMatchObject({ code: "unsafe-path" });
    expect(await call("loadError", "float32", "traversal")).toMatchObject({ code: "unsafe-path" });
    expect(await call("loadError", "huge", "", 48 * MiB + 1)).toMatchObject({ code: "package-too-large" });

    const m = await call("load", "int32", "bytes", "cpuOnly");
    const good = { dataType: "int32" as const, shape: [2, 2], data: [1, 2, 3, 4] };
    expect(await call("predictError", m.id, { a: good, b: { ...good, shape: [1, 4] } })).toMatchObject({ code: "invalid-input", message: expect.stringMatching(/shape/) });
    expect(await call("predictError", m.id, { a: good, b: { ...good, dataType: "float32" } })).toMatchObject({ code: "invalid-input", message: expect.stringMatching(/int32/) });
    expect(await call("predictError", m.id, { a: good })).toMatchObject({ code: "invalid-input", message: expect.stringMatching(/missing input "b"/) });
    expect(await call("predictError", m.id, { a: good, b: { ...good, data: [1, 2, 3] } })).toMatchObject({ code: "invalid-input" }); // caught in the page
    await call("unload", m.id);
    expect(await call("predictError", m.id, { a: good, b: good })).toMatchObject({ code: "unknown-model" });

    // Models at once: the host allows 4.
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await call("load", "int32", "bytes", "cpuOnly")).id);
    expect(await call("loadError", "int32", "bytes")).toMatchObject({ code: "too-many-models" });
    for (const id of ids) await call("unload", id);
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  });

  it("is refused by a host that does not allow the page's origin", async () => {
    expect(await call("isAvailable", other.url)).toBe(false);
    await call("setup", { baseUrl: other.url });
    try {
      expect(await call("loadError", "float32", "bytes")).toMatchObject({ code: "origin-not-allowed" });
      expect(await other.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
    } finally {
      await call("setup", { baseUrl: host.url, chunkBytes: 4 * MiB });
    }
  });

  it("uses webkit.messageHandlers for control messages when the host installed one", async () => {
    await call("installMessageHandler", host.url);
    await call("setup", { baseUrl: host.url });
    try {
      expect(((await call("info")) as BridgeInfo).protocol).toBe("webnn-coreml-bridge");
      const m = await call("load", "float32", "bytes", "cpuOnly");
      expect((await host.state()).models).toBe(1);
      await call("unload", m.id);
      expect((await host.state()).models).toBe(0);
      expect(await call("messageCalls")).toEqual(["info", "unload"]);
      const silent = await call("isAvailableWithSilentHandler");
      expect(silent.available).toBe(false);
      expect(silent.ms).toBeLessThan(2000);
    } finally {
      await page.evaluate(() => { delete (globalThis as any).webkit; });
      await call("setup", { baseUrl: host.url, chunkBytes: 4 * MiB });
    }
  });
});

export type { PlainTensor };
