// webnn-coreml/browser: convert WebNN graphs to Core ML packages in a Web Worker.
//
//   import { MLGraphBuilder } from "webnn-coreml";
//   import { createConverter } from "webnn-coreml/browser";
//
//   const converter = createConverter();
//   const b = new MLGraphBuilder();            // built on the main thread …
//   const x = b.input("x", { dataType: "float32", shape: [1, 4] });
//   const graph = await b.build({ y: b.relu(x) });
//   const result = await converter.convert(graph, { target: "ios17", name: "Model", onProgress, signal });
//   link.href = URL.createObjectURL(converter.toZipBlob(result));   // Model.mlpackage.zip
//
// … and converted in the worker. Weights move to the worker by transfer: after convert(), the
// buffers of the source (the graph's constants, or the files' ArrayBuffers) are detached here.
import { proxy, releaseProxy, transfer, wrap, type Remote } from "comlink";
import { WeightsError } from "../errors.js";
import type { MLGraph } from "../graph/operand.js";
import { serializeGraph } from "../graph/serialize.js";
import { installErrorTransferHandler } from "./comlink-setup.js";
import {
  abortReason, sourceTransferables, type ConversionProgress, type ConverterStats, type ConvertResult, type ConvertSource,
  type ConverterWorkerApi, type WorkerConvertOptions,
} from "./protocol.js";

export type {
  ConversionProgress, ConversionStage, ConvertResult, ConvertSource, GraphJsonSource, SerializedGraphSource, OnnxSource,
  WorkerConvertOptions, SerializedError, ConverterStats,
} from "./protocol.js";
export { serializeError, deserializeError, sourceTransferables } from "./protocol.js";
export type { ConversionSummary, IOSummary } from "../summary.js";
export type { OnnxModelSummary, OnnxValueSummary } from "../frontends/onnx/describe.js";
import type { OnnxModelSummary } from "../frontends/onnx/describe.js";
export { serializeGraph, deserializeGraph, type SerializedGraph } from "../graph/serialize.js";

/** A graph-file, ONNX or serialized-graph source, or a built MLGraph (serialized here, without copying bytes). */
export type ConverterSource = ConvertSource | MLGraph;

export interface ConverterConvertOptions extends WorkerConvertOptions {
  /** Throttled progress (at most one call per progressIntervalMs, plus the final one). */
  onProgress?: (p: ConversionProgress) => void;
  /** Aborting rejects the conversion with the signal's reason and cancels the worker's job. */
  signal?: AbortSignal;
}

/** A running conversion: a promise of the result that can also be cancelled. */
export type ConversionTask = Promise<ConvertResult> & {
  readonly jobId: string;
  cancel(reason?: unknown): void;
};

export interface Converter {
  convert(source: ConverterSource, options?: ConverterConvertOptions): ConversionTask;
  /**
   * The result's zip as a Blob (`application/zip`). A Blob result is returned as it is; an
   * ArrayBuffer result is copied into a new Blob, on this thread: for large packages, convert
   * with `output: "blob"` (the worker builds the Blob).
   */
  toZipBlob(result: ConvertResult): Blob;
  /** Conversions the worker is running now (0 once cancelled work has been freed). */
  activeJobs(): Promise<number>;
  /** The current worker's counts of conversions by outcome (all 0 before it starts). */
  stats(): Promise<ConverterStats>;
  /**
   * An ONNX model's summary, read in the worker: inputs with their dim_params, the inputs that
   * decide control flow, operator counts and unsupported operators. The bytes are copied, not moved.
   */
  describeOnnx(model: ArrayBuffer | Blob): Promise<OnnxModelSummary>;
  /** Stops the worker; running conversions reject with an AbortError. */
  close(): void;
}

export interface CreateConverterOptions {
  /** Use this worker (or make one) instead of the one shipped in the package (dist/worker/convert-worker.js). */
  worker?: Worker | (() => Worker);
  /**
   * After a cancel, how long (ms) the worker may take to stop the job before it is terminated (a
   * job stuck in synchronous work cannot see the cancel). Other conversions running in that worker
   * then reject with an AbortError too; the next conversion starts a new worker. Default 2000.
   */
  cancelGraceMs?: number;
}

const WORKER_NAME = "webnn-coreml-converter";

/**
 * True once the worker answers a call; false if it fails to load. (Its comlink proxy is not
 * released: a release would make the worker stop listening. The converter wraps it anew.)
 */
function probe(w: Worker): Promise<boolean> {
  const r = wrap<ConverterWorkerApi>(w);
  return new Promise<boolean>((resolve) => {
    w.addEventListener("error", (e) => { e.preventDefault?.(); resolve(false); }, { once: true });
    r.stats().then(() => resolve(true), () => resolve(false));
  });
}

/**
 * The worker shipped in the package: dist/worker/convert-worker.js, one self-contained ES module
 * (no imports, no eval, no WebAssembly), started with `new Worker(new URL(…, import.meta.url))`
 * so that Vite and webpack 5 bundle or serve it and a page without a bundler loads it from beside
 * this module. Where that URL does not lead to it (a bundler that does not follow `new URL`, such
 * as esbuild), the same code is started from a Blob (the page's CSP must allow `worker-src blob:`).
 * In this repository's source tree the worker is worker/convert-worker.ts: the demo and the tests
 * pass it as `worker`.
 */
async function startDefaultWorker(): Promise<Worker> {
  const url = new URL("../worker/convert-worker.js", import.meta.url);
  const byUrl = new Worker(url, { type: "module", name: WORKER_NAME });
  if (await probe(byUrl)) return byUrl;
  byUrl.terminate();
  const hint = "serve node_modules/webnn-coreml/dist/worker/convert-worker.js and pass createConverter({ worker: () => new Worker(url, { type: \"module\" }) })";
  const { default: code } = await import("./worker-source.js");
  if (!code) throw new Error(`the converter worker (${url.href}) failed to load; ${hint}`);
  const blobUrl = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const byBlob = new Worker(blobUrl, { type: "module", name: WORKER_NAME });
  const ok = await probe(byBlob);
  URL.revokeObjectURL(blobUrl);
  if (ok) return byBlob;
  byBlob.terminate();
  throw new Error(`the converter worker (${url.href}) failed to load, and so did its copy from a Blob (does the page's CSP allow worker-src blob:?); ${hint}`);
}

function isMLGraph(s: unknown): s is MLGraph {
  const g = s as MLGraph;
  return typeof s === "object" && s !== null && !("kind" in s) && Array.isArray(g.nodes) && Array.isArray(g.inputs) && Array.isArray(g.outputs) && Array.isArray(g.constants);
}

/** A second convert() of the same buffers: they went to the worker the first time. */
function checkNotDetached(src: ConvertSource): void {
  for (const b of sourceTransferables(src)) {
    if ((b as ArrayBuffer & { detached?: boolean }).detached === true) {
      throw new WeightsError(
        "a buffer of this source was transferred to the converter already (convert() moves weights to the worker, it does not copy them); build the graph or read the files again to convert again",
        { rule: "detached" },
      );
    }
  }
}

interface Job {
  reject: (e: unknown) => void;
  worker: Worker;
}

interface Started {
  worker: Worker;
  remote: Remote<ConverterWorkerApi>;
}

export function createConverter(options: CreateConverterOptions = {}): Converter {
  installErrorTransferHandler();
  const graceMs = options.cancelGraceMs ?? 2000;
  let worker: Worker | undefined;
  let remote: Remote<ConverterWorkerApi> | undefined;
  let closed = false;
  let counter = 0;
  /** Jobs started and not yet settled in the worker (a cancelled job stays until the worker lets go). */
  const running = new Map<string, Job>();

  let starting: Promise<Started> | undefined;

  /** Makes `w` the converter's worker. */
  function adopt(w: Worker, given: boolean): Started {
    worker = w;
    remote = wrap<ConverterWorkerApi>(w);
    // A worker that fails to load (or throws outside a call) would leave calls waiting forever.
    w.addEventListener("error", (e: ErrorEvent) => {
      e.preventDefault?.();
      const what = given ? "the converter worker (given as `worker`)" : "the converter worker";
      stopWorker(w, new Error(e.message ? `${what} failed: ${e.message}` : `${what} failed to load`));
    });
    w.addEventListener("messageerror", () => stopWorker(w, new Error("the converter worker sent a message that could not be read")));
    return { worker: w, remote };
  }

  /**
   * The running worker, or a given one started now (synchronously, so a conversion's buffers are
   * transferred at once); the shipped worker is started (and checked) asynchronously.
   */
  function start(): Started | Promise<Started> {
    if (closed) throw new DOMException("The converter is closed.", "InvalidStateError");
    if (worker && remote) return { worker, remote };
    if (options.worker) return adopt(typeof options.worker === "function" ? options.worker() : options.worker, true);
    starting ??= startDefaultWorker().then((w) => {
      if (closed) { w.terminate(); throw new DOMException("The converter was closed.", "AbortError"); }
      return adopt(w, false);
    }).finally(() => { starting = undefined; });
    return starting;
  }

  /** Terminates the worker (when it does not let go of a cancelled job): frees all its work. */
  function stopWorker(w: Worker, reason: unknown): void {
    if (worker !== w) return;
    remote?.[releaseProxy]();
    w.terminate();
    worker = undefined;
    remote = undefined;
    for (const [id, job] of running) {
      if (job.worker === w) { running.delete(id); job.reject(reason); }
    }
  }

  function convert(source: ConverterSource, opts: ConverterConvertOptions = {}): ConversionTask {
    const jobId = `c${++counter}`;
    const { signal, onProgress, ...workerOptions } = opts;
    let cancelTask: (reason?: unknown) => void = () => {};
    const promise = new Promise<ConvertResult>((resolve, reject) => {
      if (signal?.aborted) { reject(abortReason(signal)); return; }
      let src: ConvertSource;
      try {
        src = isMLGraph(source) ? { kind: "graph", graph: serializeGraph(source) } : source;
        checkNotDetached(src);
      } catch (e) {
        reject(e);
        return;
      }
      let settled = false;
      let started: Started | Promise<Started>;
      try {
        started = start();
      } catch (e) {
        reject(e);
        return;
      }
      const send = ({ worker: w, remote: r }: Started) => {
        const finish = () => {
          settled = true;
          signal?.removeEventListener("abort", onAbort);
        };
        running.set(jobId, { worker: w, reject: (e) => { if (!settled) { finish(); reject(e); } } });
        const callback = onProgress ? proxy((p: ConversionProgress) => { if (!settled) onProgress(p); }) : undefined;
        r.convert(transfer(src, sourceTransferables(src)), workerOptions, callback, jobId).then(
          (result) => { running.delete(jobId); if (!settled) { finish(); resolve(result); } },
          (error) => { running.delete(jobId); if (!settled) { finish(); reject(error); } },
        );
        const cancel = (reason: unknown) => {
          if (settled) return;
          finish();
          reject(reason);
          r.cancel(jobId).catch(() => false);
          // A job stuck in synchronous work cannot see the cancel message: stop the worker then.
          setTimeout(() => { if (running.has(jobId)) stopWorker(w, new DOMException("The converter worker was restarted after a cancel.", "AbortError")); }, graceMs);
        };
        const onAbort = () => cancel(abortReason(signal));
        signal?.addEventListener("abort", onAbort, { once: true });
        cancelTask = (reason?: unknown) => cancel(reason ?? new DOMException("The conversion was cancelled.", "AbortError"));
      };
      if (!(started instanceof Promise)) { send(started); return; }
      // Until the shipped worker is up, a cancel only rejects: nothing has been sent yet.
      cancelTask = (reason?: unknown) => { if (!settled) { settled = true; reject(reason ?? new DOMException("The conversion was cancelled.", "AbortError")); } };
      const onEarlyAbort = () => cancelTask(abortReason(signal));
      signal?.addEventListener("abort", onEarlyAbort, { once: true });
      started.then(
        (st) => { signal?.removeEventListener("abort", onEarlyAbort); if (!settled) send(st); },
        (e) => { signal?.removeEventListener("abort", onEarlyAbort); if (!settled) { settled = true; reject(e); } },
      );
    });
    return Object.assign(promise, { jobId, cancel: (reason?: unknown) => cancelTask(reason) });
  }

  return {
    convert,
    toZipBlob(result: ConvertResult): Blob {
      return result.zip instanceof Blob ? result.zip : new Blob([result.zip], { type: "application/zip" });
    },
    async activeJobs(): Promise<number> {
      if (!remote) return 0;
      return remote.activeJobs();
    },
    async stats(): Promise<ConverterStats> {
      if (!remote) return { active: 0, completed: 0, cancelled: 0, failed: 0 };
      return remote.stats();
    },
    async describeOnnx(model: ArrayBuffer | Blob): Promise<OnnxModelSummary> {
      const { remote: r } = await start();
      return r.describeOnnx(model instanceof Blob ? await model.arrayBuffer() : model);
    },
    close(): void {
      if (closed) return;
      if (worker) stopWorker(worker, new DOMException("The converter was closed.", "AbortError"));
      closed = true;
    },
  };
}
