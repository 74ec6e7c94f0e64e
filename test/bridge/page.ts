// The test page's script (bundled on the fly with esbuild by bridge.test.ts): it converts the
// test graphs in the browser and drives CoreMLBridge against the stand-in host. Results go back
// to the test as plain data.
import { convertGraph } from "../../src/convert.js";
import type { MLPackage } from "../../src/packaging/package.js";
import { packageToZipBlob, packageToZipBytes } from "../../src/packaging/zip.js";
import { BridgeError, CoreMLBridge, type BridgeTensor, type ComputeUnits, type CoreMLBridgeModel, type WireDataType } from "../../src/bridge/index.js";
import { float16Graph, float32Graph, int32Graph, largeGraph, mediumGraph } from "./models.js";

export interface PlainTensor { dataType: WireDataType; shape: number[]; data: number[]; ctor?: string }

const graphs = { float32: float32Graph, float16: float16Graph, int32: int32Graph, large: largeGraph, medium: mediumGraph };
let bridge = new CoreMLBridge();
const models = new Map<string, CoreMLBridgeModel>();

function typed(t: PlainTensor): BridgeTensor {
  const make: Record<string, (d: number[]) => BridgeTensor["data"]> = {
    float32: (d) => Float32Array.from(d), float16: (d) => Uint16Array.from(d), int32: (d) => Int32Array.from(d),
    uint32: (d) => Uint32Array.from(d), int8: (d) => Int8Array.from(d), uint8: (d) => Uint8Array.from(d),
  };
  return { dataType: t.dataType, shape: t.shape, data: make[t.dataType](t.data) };
}

function plain(t: BridgeTensor): PlainTensor {
  return { dataType: t.dataType, shape: t.shape, data: Array.from(t.data as ArrayLike<number>, Number), ctor: t.data.constructor.name };
}

function errorInfo(e: unknown) {
  return e instanceof BridgeError ? { name: e.name, code: e.code, message: e.message } : { name: (e as Error)?.name, code: undefined, message: String((e as Error)?.message ?? e) };
}

async function source(kind: string, form: string, hugeBytes = 0): Promise<Parameters<CoreMLBridge["load"]>[0]> {
  if (kind.startsWith("fixture:")) return new Uint8Array(await (await fetch(`/fixtures/${kind.slice(8)}`)).arrayBuffer());
  if (kind === "garbage") return Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 255);
  if (kind === "huge") return new Blob([new Uint8Array(hugeBytes)], { type: "application/zip" });
  const pkg = await convertGraph(graphs[kind as keyof typeof graphs](), { target: "ios17", name: kind === "large" || kind === "medium" ? "Large" : "Model" });
  if (form === "traversal") return { ...pkg, files: [...pkg.files, { path: "../evil.txt", parts: [new Uint8Array(4)], size: 4 }] } satisfies MLPackage;
  if (form === "package") return pkg;
  if (form === "blob") return packageToZipBlob(pkg);
  if (form === "bytes") return packageToZipBytes(pkg);
  if (form === "buffer") return (await packageToZipBytes(pkg)).buffer as ArrayBuffer;
  if (form === "result") return { zip: await packageToZipBlob(pkg), name: `${kind}-result` };
  throw new Error(`unknown form ${form}`);
}

const api = {
  setup(options: { baseUrl: string; chunkBytes?: number; messageHandler?: string | null }) {
    bridge = new CoreMLBridge(options);
  },
  isAvailable(baseUrl: string) {
    return CoreMLBridge.isAvailable({ baseUrl, timeoutMs: 3000 });
  },
  info() {
    return bridge.info();
  },
  async load(kind: string, form: string, computeUnits: ComputeUnits) {
    let progressCalls = 0;
    let lastProgress = [0, 0];
    const started = performance.now();
    const model = await bridge.load(await source(kind, form), {
      computeUnits, onProgress: (sent, total) => { progressCalls++; lastProgress = [sent, total]; },
    });
    models.set(model.id, model);
    return { id: model.id, name: model.name, computeUnits: model.computeUnits, inputs: model.inputs, outputs: model.outputs, progressCalls, lastProgress, ms: performance.now() - started };
  },
  async loadError(kind: string, form: string, hugeBytes = 0) {
    try {
      const m = await bridge.load(await source(kind, form, hugeBytes), { computeUnits: "cpuOnly" });
      await m.unload();
      return { name: "none", code: undefined, message: "loaded" };
    } catch (e) {
      return errorInfo(e);
    }
  },
  async predict(id: string, inputs: Record<string, PlainTensor>) {
    const out = await models.get(id)!.predict(Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, typed(t)])));
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, plain(t)]));
  },
  async predictError(id: string, inputs: Record<string, PlainTensor>) {
    try {
      await models.get(id)!.predict(Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, typed(t)])));
      return { name: "none", code: undefined, message: "predicted" };
    } catch (e) {
      return errorInfo(e);
    }
  },
  async predictMatmul(id: string, x: number[]) {
    const out = await models.get(id)!.predict({ x: { dataType: "float32", shape: [1, x.length], data: Float32Array.from(x) } });
    return plain(out.y);
  },
  async unload(id: string) {
    await models.get(id)!.unload(); // kept, so that predicting afterwards reaches the host
  },
  async unloadAll() {
    for (const m of models.values()) await m.unload().catch(() => {});
    models.clear();
  },
  /** A stand-in for WebKit's `window.webkit.messageHandlers.webnnCoreML` (WKScriptMessageHandlerWithReply). */
  installMessageHandler(baseUrl: string) {
    const calls: string[] = [];
    (globalThis as Record<string, unknown>).webkit = {
      messageHandlers: {
        webnnCoreML: {
          async postMessage(m: { op: string }) {
            calls.push(m.op);
            const r = await fetch(`${baseUrl}/v1/message`, { method: "POST", body: JSON.stringify(m) });
            return r.json();
          },
        },
      },
    };
    (globalThis as Record<string, unknown>).__messageCalls = calls;
  },
  /** isAvailable() with a message handler that never replies: false once the timeout passes. */
  async isAvailableWithSilentHandler() {
    const g = globalThis as Record<string, unknown>;
    const saved = g.webkit;
    g.webkit = { messageHandlers: { webnnCoreML: { postMessage: () => new Promise(() => {}) } } };
    const started = performance.now();
    try {
      return { available: await CoreMLBridge.isAvailable({ timeoutMs: 200 }), ms: performance.now() - started };
    } finally {
      g.webkit = saved;
    }
  },
  messageCalls() {
    return [...((globalThis as Record<string, unknown>).__messageCalls as string[] ?? [])];
  },
};

(globalThis as Record<string, unknown>).bridgeTests = api;
export type BridgeTestsApi = typeof api;
