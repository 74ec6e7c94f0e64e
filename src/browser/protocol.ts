// What crosses the boundary between a page and the converter worker: sources, options, progress,
// results and errors. Plain data only (structured clone); buffers move by transfer.
import { errorFromJSON, WebNNCoreMLError, type ErrorDetails, type ErrorKind } from "../errors.js";
import type { SerializedGraph } from "../graph/serialize.js";
import { serializedGraphTransferables } from "../graph/serialize.js";
import type { TargetName } from "../mil/target.js";
import { PlatformLimitError } from "../limits.js";
import type { ConversionSummary } from "../summary.js";
import type { OnnxModelSummary } from "../frontends/onnx/describe.js";
import type { ModelMetadata } from "../mil/model.js";
import type { CompressOptions } from "../passes/compress-weights.js";
import type { ImageOptions } from "../lowering/lower-graph.js";

/**
 * A webnn-graph file as read from files: the `.webnn` text form or webnn-graph JSON (told apart by
 * content), with its weights — a safetensors file, or a .weights file and its manifest.
 */
export interface GraphJsonSource {
  kind: "graph-json";
  /** The graph file: `.webnn` text or webnn-graph JSON. */
  json: ArrayBuffer | string;
  weights?: ArrayBuffer;
  manifest?: ArrayBuffer | string;
  /** A safetensors sidecar. A Blob (a File) is read one tensor at a time, never whole. */
  safetensors?: ArrayBuffer | Blob;
}

/** A graph built with MLGraphBuilder, serialized with serializeGraph (src/graph/serialize.ts). */
export interface SerializedGraphSource {
  kind: "graph";
  graph: SerializedGraph;
}

/** An ONNX model, with its external data files by their `location` (ArrayBuffers or Blobs, read a tensor at a time). */
export interface OnnxSource {
  kind: "onnx";
  model: ArrayBuffer;
  externalData?: Record<string, ArrayBuffer | Blob>;
}

export type ConvertSource = GraphJsonSource | SerializedGraphSource | OnnxSource;

export interface WorkerConvertOptions {
  /** Deployment target; default ios17. */
  target?: TargetName;
  /** "float16" computes in float16 (Neural Engine, half the weight bytes); default "float32". */
  precision?: "float32" | "float16";
  /** Weight compression: { mode: "int8" }, { mode: "int4", blockSize } or { mode: "palettize", bits }. */
  compress?: CompressOptions;
  /** Package name; default: the graph document's name, else `defaultName`, else "Model". */
  name?: string;
  /** Package name for a graph document that has no name (e.g. its file's stem). */
  defaultName?: string;
  /** Short description stored in the model metadata. */
  description?: string;
  /** Author, license, version, descriptions, key/value pairs (an ONNX model's own come first). */
  metadata?: ModelMetadata;
  /** Sizes of named dimensions: ONNX dim_params, or `dyn("batch", 8)` (each at most its maximum). */
  freeDimensions?: Record<string, number>;
  /**
   * A multifunction package (iOS 18): one function per entry, each the model with its own sizes
   * of named dimensions (over `freeDimensions`); identical weights are stored once.
   */
  functions?: Array<{ name: string; freeDimensions?: Record<string, number> }>;
  /** The function Core ML runs when none is named (default: the first of `functions`). */
  defaultFunction?: string;
  /** ONNX inputs' whole shapes by name. */
  inputShapes?: Record<string, number[]>;
  /** ONNX inputs pinned to values (they leave the model; If conditions on them are decided). */
  inputValues?: Record<string, number | number[]>;
  /** A quantized ONNX model's activations: "float" (default; weights stay 8-bit) or "exact". */
  quantizedActivations?: "float" | "exact";
  /** Core ML names for inputs and outputs, by graph name (identifiers). */
  coremlNames?: Record<string, string>;
  /** Image inputs and outputs by graph name: color space, and an input's scale and bias. */
  images?: Record<string, ImageOptions>;
  /** How the zip comes back: an ArrayBuffer (transferred; the default) or a Blob. */
  output?: "arraybuffer" | "blob";
  /** Smallest interval between two progress calls, in ms (default 50); the final call always comes. */
  progressIntervalMs?: number;
}

export type ConversionStage = "read" | "import" | "lower" | "serialize" | "package" | "zip" | "done";

export interface ConversionProgress {
  stage: ConversionStage;
  /** Units done and total within the stage (nodes, operations, bytes). */
  done: number;
  total: number;
  /** Overall fraction, 0 to 1, never decreasing; 1 only in the final call (stage "done"). */
  fraction: number;
}

export type ProgressCallback = (p: ConversionProgress) => void;

export interface ConvertResult {
  /** Package name; the zip holds `<name>.mlpackage/`. */
  name: string;
  /** `<name>.mlpackage.zip` */
  fileName: string;
  zip: ArrayBuffer | Blob;
  zipBytes: number;
  summary: ConversionSummary;
  /** Milliseconds the worker spent on the conversion. */
  elapsedMs: number;
}

/** The API the worker exposes (through comlink). */
export interface ConverterWorkerApi {
  convert(source: ConvertSource, options?: WorkerConvertOptions, onProgress?: ProgressCallback, jobId?: string): Promise<ConvertResult>;
  /** Aborts a running conversion; false when no such job runs. */
  cancel(jobId: string): boolean;
  /** Conversions running now (0 once cancelled work is freed). */
  activeJobs(): number;
  /** Counts of conversions by outcome since the worker started. */
  stats(): ConverterStats;
  /** An ONNX model's inputs (with dim_params), inputs deciding control flow, operators (the bytes are copied, not moved). */
  describeOnnx(model: ArrayBuffer): OnnxModelSummary;
}

export interface ConverterStats {
  /** Running now. */
  active: number;
  completed: number;
  /** Ended by cancel(jobId) (an AbortError inside the worker). */
  cancelled: number;
  /** Ended by an error. */
  failed: number;
}

/** Buffers of a source that move to the worker by transfer (no copies). */
export function sourceTransferables(source: ConvertSource): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (b: unknown) => { if (b instanceof ArrayBuffer && !out.includes(b)) out.push(b); };
  if (source.kind === "graph-json") {
    add(source.json);
    add(source.weights);
    add(source.manifest);
    add(source.safetensors);
  } else if (source.kind === "onnx") {
    add(source.model);
    for (const f of Object.values(source.externalData ?? {})) add(f);
  } else if (source.kind === "graph") {
    for (const b of serializedGraphTransferables(source.graph)) add(b);
  }
  return out;
}

/** A file name made safe for a package name. */
export function safePackageName(name: string | undefined): string {
  const s = (name ?? "").replace(/[\\/:*?"<>|\u0000-\u001f]+/g, "_").replace(/^[.\s]+|\s+$/g, "");
  return s || "Model";
}

// ------------------------------------------------------------------------------------ errors

/** An error as plain data. */
export type SerializedError =
  | { type: "converter"; error: { kind: ErrorKind; message: string } & ErrorDetails; extra?: Record<string, unknown>; stack?: string }
  | { type: "abort"; message: string }
  | { type: "error"; name: string; message: string; stack?: string }
  | { type: "value"; value: unknown };

function isAbortError(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "AbortError";
}

const STANDARD_FIELDS = new Set(["name", "message", "stack", "cause", "kind", "operator", "operand", "rule"]);

/** A typed error's further own fields (e.g. PlatformLimitError's limit, actual, maximum), when plain values. */
function extraFields(e: WebNNCoreMLError): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(e)) {
    if (STANDARD_FIELDS.has(key)) continue;
    const v = (e as unknown as Record<string, unknown>)[key];
    const t = typeof v;
    if (v === null || t === "string" || t === "number" || t === "boolean" || t === "bigint" || (Array.isArray(v) && v.every((x) => typeof x === "number" || typeof x === "string"))) {
      out[key] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof WebNNCoreMLError) return { type: "converter", error: e.toJSON(), extra: extraFields(e), stack: e.stack };
  if (isAbortError(e)) return { type: "abort", message: String((e as { message?: unknown }).message ?? "The operation was aborted.") };
  if (e instanceof Error) return { type: "error", name: e.name, message: e.message, stack: e.stack };
  try {
    return { type: "value", value: structuredClone(e) };
  } catch {
    return { type: "error", name: "Error", message: String(e) };
  }
}

/** The same typed error as where it was thrown: same class, kind, message, operator, operand, rule. */
export function deserializeError(s: SerializedError): unknown {
  switch (s.type) {
    case "converter": {
      const e = errorFromJSON(s.error);
      if (s.extra) {
        // PlatformLimitError is an UnsupportedError with rule "platform-limit" and three more fields.
        if (s.error.kind === "UnsupportedError" && s.error.rule === "platform-limit") Object.setPrototypeOf(e, PlatformLimitError.prototype);
        for (const [k, v] of Object.entries(s.extra)) {
          if (!STANDARD_FIELDS.has(k)) Object.defineProperty(e, k, { value: v, enumerable: true, writable: false, configurable: true });
        }
      }
      if (s.stack) Object.defineProperty(e, "stack", { value: s.stack, writable: true, configurable: true });
      return e;
    }
    case "abort": return new DOMException(s.message, "AbortError");
    case "error": {
      const Ctor = ({ TypeError, RangeError, SyntaxError, ReferenceError } as Record<string, ErrorConstructor>)[s.name] ?? Error;
      const e = new Ctor(s.message);
      if (e.name !== s.name) e.name = s.name;
      if (s.stack) e.stack = s.stack;
      return e;
    }
    case "value": return s.value;
  }
}

/** The rejection of an aborted conversion: the signal's reason, or an AbortError. */
export function abortReason(signal?: AbortSignal): unknown {
  return signal?.reason ?? new DOMException("The conversion was cancelled.", "AbortError");
}
