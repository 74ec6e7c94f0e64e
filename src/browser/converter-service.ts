// The conversion service that runs inside the converter worker (worker/convert-worker.ts exposes it
// with comlink). It has no comlink or DOM-only dependency, so Node tests run it directly.
//
// One conversion: source → MLGraph (webnn-graph JSON reader, or deserializeGraph, both through
// MLGraphBuilder; one graph per function of a multifunction package) → convertFunctionsDetailed (keeping the lowered model) → zip → summary. Progress is throttled here, before it
// crosses to the page. Each job has an AbortController that `cancel(jobId)` aborts; the pipeline
// yields to the event loop between stages so that a cancel message gets in, and a cancelled job
// drops every reference to its graph, package and buffers.
import { convertFunctionsDetailed, mergeMetadata, type ConvertProgress } from "../convert.js";
import { GraphFormatError } from "../errors.js";
import { readSafetensors, readSafetensorsBlob, type WeightTensors } from "../frontends/safetensors.js";
import { readGraphJsonWithName } from "../frontends/webnn-json/index.js";
import { isGraphText, readGraphTextWithName } from "../frontends/webnn-text/index.js";
import { buildOnnxGraph, prepareOnnx } from "../frontends/onnx/import.js";
import { describeOnnx, type OnnxModelSummary } from "../frontends/onnx/describe.js";
import type { MLGraph } from "../graph/operand.js";
import { deserializeGraph } from "../graph/serialize.js";
import { packageToZipBlob, packageToZipBytes } from "../packaging/zip.js";
import { summarizeConversion } from "../summary.js";
import {
  safePackageName, type ConversionProgress, type ConversionStage, type ConvertResult, type ConvertSource,
  type ConverterStats, type ConverterWorkerApi, type ProgressCallback, type WorkerConvertOptions,
} from "./protocol.js";

/** Where each stage sits in the overall fraction. */
const STAGE_RANGE: Record<ConversionStage, [number, number]> = {
  read: [0, 0.03],
  import: [0.03, 0.08],
  lower: [0.08, 0.35],
  serialize: [0.35, 0.6],
  package: [0.6, 0.65],
  zip: [0.65, 0.999],
  done: [1, 1],
};

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

/**
 * Throttles progress: the first report goes out at once, then at most one per `intervalMs`;
 * `final` always goes out (and is awaited, so it arrives before the result).
 */
export class ProgressThrottle {
  private last = -Infinity;
  private fraction = 0;
  calls = 0;

  constructor(private readonly callback: ProgressCallback | undefined, private readonly intervalMs = 50, private readonly clock: () => number = now) {}

  private make(stage: ConversionStage, done: number, total: number): ConversionProgress {
    // A stage this table does not know (a newer convertGraph) keeps the fraction where it is.
    const [a, b] = Object.prototype.hasOwnProperty.call(STAGE_RANGE, stage) ? STAGE_RANGE[stage] : [this.fraction, this.fraction];
    const within = total > 0 ? Math.min(Math.max(done / total, 0), 1) : 1;
    this.fraction = Math.max(this.fraction, stage === "done" ? 1 : Math.min(a + (b - a) * within, 0.999));
    return { stage, done, total, fraction: this.fraction };
  }

  report(stage: ConversionStage, done: number, total: number): void {
    if (!this.callback) return;
    const t = this.clock();
    if (t - this.last < this.intervalMs) {
      this.make(stage, done, total); // keeps the fraction current
      return;
    }
    this.last = t;
    this.send(this.make(stage, done, total));
  }

  async final(): Promise<void> {
    if (!this.callback) return;
    await this.send(this.make("done", 1, 1));
  }

  private send(p: ConversionProgress): Promise<void> {
    this.calls++;
    try {
      // Through comlink the callback returns a promise; a page that went away must not fail the job.
      return Promise.resolve(this.callback!(p)).then(() => undefined, () => undefined);
    } catch {
      return Promise.resolve();
    }
  }
}

function bytesOf(v: ArrayBuffer | ArrayBufferView | string | undefined, what: string): Uint8Array | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new GraphFormatError(`${what} must be an ArrayBuffer or a string`, { rule: "source" });
}

type FunctionSizes = { name: string; freeDimensions?: Record<string, number> };

/**
 * The source's graph for each function (validated by MLGraphBuilder, each with its own sizes of
 * named dimensions), and its name. Weights are read once and shared by every graph.
 */
export async function graphsFromSource(source: ConvertSource, functions: readonly FunctionSizes[], options: Pick<WorkerConvertOptions, "freeDimensions" | "inputShapes" | "inputValues" | "quantizedActivations">): Promise<{ graphs: Array<{ name: string; graph: MLGraph }>; name?: string; metadata?: Record<string, string> }> {
  const dims = (f: FunctionSizes) => ({ ...options.freeDimensions, ...f.freeDimensions });
  if (typeof source !== "object" || source === null) throw new GraphFormatError("the conversion source must be an object", { rule: "source" });
  if (source.kind === "graph-json") {
    const json = bytesOf(source.json, "the graph file");
    if (json === undefined) throw new GraphFormatError("the graph file is missing", { rule: "source" });
    const weights = bytesOf(source.weights, "the weights file");
    if (typeof weights === "string") throw new GraphFormatError("the weights file must be an ArrayBuffer", { rule: "source" });
    let tensors: WeightTensors | undefined;
    const st = source.safetensors;
    if (st !== undefined && st !== null) {
      if (typeof Blob !== "undefined" && st instanceof Blob) tensors = await readSafetensorsBlob(st);
      else if (st instanceof ArrayBuffer || ArrayBuffer.isView(st)) tensors = readSafetensors(bytesOf(st, "the safetensors file") as Uint8Array);
      else throw new GraphFormatError("the safetensors file must be an ArrayBuffer or a Blob", { rule: "source" });
    }
    const sources = { weights, manifest: bytesOf(source.manifest, "the weights manifest"), tensors };
    const read = isGraphText(json) ? readGraphTextWithName : readGraphJsonWithName;
    const built = functions.map((f) => ({ fn: f.name, doc: read(json, { ...sources, freeDimensions: dims(f) }) }));
    return { graphs: built.map((b) => ({ name: b.fn, graph: b.doc.graph })), name: built[0].doc.name };
  }
  if (source.kind === "graph") {
    const graph = deserializeGraph(source.graph);
    return { graphs: functions.map((f) => ({ name: f.name, graph })) };
  }
  if (source.kind === "onnx") {
    if (!(source.model instanceof ArrayBuffer) && !ArrayBuffer.isView(source.model)) throw new GraphFormatError("the ONNX model must be an ArrayBuffer", { rule: "source" });
    const ext = source.externalData ?? {};
    const externalData: Record<string, Uint8Array | Blob> = Object.create(null);
    for (const [k, v] of Object.entries(ext)) externalData[k] = typeof Blob !== "undefined" && v instanceof Blob ? v : (bytesOf(v as ArrayBuffer, `external data "${k}"`) as Uint8Array);
    const prepared = await prepareOnnx({ model: bytesOf(source.model, "the ONNX model") as Uint8Array, externalData });
    const built = functions.map((f) => ({ name: f.name, r: buildOnnxGraph(prepared, { freeDimensions: dims(f), inputShapes: options.inputShapes, inputValues: options.inputValues, quantizedActivations: options.quantizedActivations }) }));
    return { graphs: built.map((b) => ({ name: b.name, graph: b.r.graph })), name: built[0].r.name, metadata: built[0].r.metadata };
  }
  throw new GraphFormatError(`unknown source kind ${JSON.stringify((source as { kind?: unknown }).kind)} (expected "graph-json", "onnx" or "graph")`, { rule: "source" });
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function checkpoint(signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  await yieldToEventLoop();
  signal.throwIfAborted();
}

export interface ConverterService extends ConverterWorkerApi {}

export function createConverterService(): ConverterService {
  const jobs = new Map<string, AbortController>();
  let counter = 0;
  const counts = { completed: 0, cancelled: 0, failed: 0 };

  async function convert(source: ConvertSource, options: WorkerConvertOptions = {}, onProgress?: ProgressCallback, jobId?: string): Promise<ConvertResult> {
    const id = jobId ?? `job-${++counter}`;
    if (jobs.has(id)) throw new GraphFormatError(`a conversion with id "${id}" is already running`, { rule: "job-id" });
    const controller = new AbortController();
    const signal = controller.signal;
    jobs.set(id, controller);
    const started = now();
    const progress = new ProgressThrottle(onProgress, options.progressIntervalMs ?? 50);
    try {
      progress.report("read", 0, 1);
      await checkpoint(signal);
      const onnx = source?.kind === "onnx";
      if (onnx) progress.report("import", 0, 1);
      // One graph per function (a multifunction package), each with its own named-dimension sizes.
      const wanted = options.functions?.length ? options.functions : [{ name: "main" }];
      const { graphs: built, name: docName, metadata: fromModel } = await graphsFromSource(source, wanted, options);
      await checkpoint(signal);
      progress.report(onnx ? "import" : "read", 1, 1);
      const name = safePackageName(options.name ?? (docName || undefined) ?? options.defaultName);
      const defaultFunction = options.defaultFunction ?? built[0].name;
      const graph = (built.find((f) => f.name === defaultFunction) ?? built[0]).graph;
      const { package: pkg, lowered } = await convertFunctionsDetailed(built, {
        defaultFunction,
        target: options.target,
        precision: options.precision,
        compress: options.compress,
        coremlNames: options.coremlNames,
        images: options.images,
        name,
        description: options.description,
        metadata: mergeMetadata(fromModel, options.metadata),
        signal,
        onProgress: (p: ConvertProgress) => progress.report(p.stage as ConversionStage, p.done, p.total),
      });
      await checkpoint(signal);
      const zipOptions = { signal, onProgress: (done: number, total: number) => progress.report("zip", done, total) };
      let zip: ArrayBuffer | Blob;
      if (options.output === "blob") {
        zip = await packageToZipBlob(pkg, zipOptions);
      } else {
        const bytes = await packageToZipBytes(pkg, zipOptions);
        zip = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
          ? bytes.buffer
          : bytes.slice().buffer;
      }
      signal.throwIfAborted();
      const summary = summarizeConversion(graph, lowered, pkg);
      await progress.final();
      signal.throwIfAborted();
      const zipBytes = zip instanceof Blob ? zip.size : zip.byteLength;
      counts.completed++;
      return { name, fileName: `${name}.mlpackage.zip`, zip, zipBytes, summary, elapsedMs: now() - started };
    } catch (e) {
      if (signal.aborted) counts.cancelled++;
      else counts.failed++;
      throw e;
    } finally {
      jobs.delete(id);
    }
  }

  return {
    convert,
    cancel(jobId: string): boolean {
      const c = jobs.get(jobId);
      if (!c) return false;
      c.abort(new DOMException("The conversion was cancelled.", "AbortError"));
      return true;
    },
    activeJobs(): number {
      return jobs.size;
    },
    describeOnnx(model: ArrayBuffer): OnnxModelSummary {
      return describeOnnx(new Uint8Array(model));
    },
    stats(): ConverterStats {
      return { active: jobs.size, ...counts };
    },
  };
}
