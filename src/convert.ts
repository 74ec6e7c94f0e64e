// convertGraph: the whole pipeline — lowering → passes → serialization → packaging (→ zip).
import type { MLGraph } from "./graph/operand.js";
import { lowerGraph, lowerGraphAsync, type ImageOptions, type LoweredModel, type LowerOptions } from "./lowering/lower-graph.js";
import type { TargetName } from "./mil/target.js";
import { FUNCTION_NAME, type ModelMetadata } from "./mil/model.js";
import { programFunction } from "./mil/program.js";
import { GraphValidationError, UnsupportedError } from "./errors.js";
import type { CompressOptions } from "./passes/compress-weights.js";
import { checkLimit, resolveLimits, type PlatformLimits, type PlatformName } from "./limits.js";
import { createPackage, packageSize, type MLPackage } from "./packaging/package.js";
import { packageToZipBlob, writePackageZip, type ZipOptions, type ZipTarget } from "./packaging/zip.js";
import { runPasses } from "./passes/index.js";
import { serializeModel } from "./serialization/model-writer.js";

export type ConvertStage = "lower" | "serialize" | "package" | "zip";

export interface ConvertProgress {
  stage: ConvertStage;
  /**
   * Work done in this stage, of `total`: operations for "lower" (WebNN operations) and
   * "serialize" (MIL operations), 1 of 1 for "package", bytes for "zip".
   */
  done: number;
  total: number;
  /** Operations done so far in this stage ("lower", "serialize"). */
  operations?: number;
  /** Bytes done so far of `bytesTotal`: weight bytes for "package", archive bytes processed for "zip". */
  bytes?: number;
  bytesTotal?: number;
}

export interface ConvertOptions {
  /** Deployment target; default ios17. */
  target?: TargetName;
  /** Package name (files go under `<name>.mlpackage/`); default "Model". */
  name?: string;
  /** Short description stored in the model metadata (the same as metadata.description). */
  description?: string;
  /**
   * "float16" computes every float operation in float16 (what the Neural Engine runs; half the
   * weight bytes): float32 inputs are cast once at the start, float32 constants stored as float16,
   * outputs cast back, so the model's inputs and outputs keep their types. Default "float32".
   */
  precision?: "float32" | "float16";
  /**
   * Weight compression of conv/matmul/linear weights with at least minElements (2048) elements:
   * { mode: "int8" } (per output channel; iOS 16+) or { mode: "int4", blockSize: 32 } (iOS 18).
   */
  compress?: CompressOptions;
  /** Author, license, version, description, input/output descriptions and key/value pairs, where Xcode and coremltools read them. */
  metadata?: ModelMetadata;
  onProgress?: (p: ConvertProgress) => void;
  /**
   * Cancels the conversion: checked before each stage, after every operation, and between
   * slices of zip work. The conversion then rejects with the signal's reason and keeps no
   * reference to what it had built.
   */
  signal?: AbortSignal;
  /** Platform limits to enforce (default: the current platform's; see limits.ts). */
  limits?: PlatformName | Partial<PlatformLimits>;
  /** Things that do not stop the conversion but that a user should hear of. */
  onWarning?: (w: ConvertWarning) => void;
  /**
   * Core ML names for inputs and outputs, by their graph names (e.g. { "input.1": "image" }):
   * what Xcode's generated class and `MLFeatureProvider` use. Each must be an identifier; names
   * not given are the graph's, made identifiers ("input.1" → "input_1", "1890" → "_1890").
   */
  coremlNames?: Readonly<Record<string, string>>;
  /**
   * Inputs and outputs that are images (CVPixelBuffers for Core ML and Vision), by graph name:
   * float32 [1, 3, H, W] (RGB, BGR) or [1, 1, H, W] (GRAYSCALE); an input's `scale` and per-channel
   * `bias` preprocess it as coremltools' ImageType does (x · scale + bias).
   */
  images?: Readonly<Record<string, ImageOptions>>;
}

export interface ConvertWarning {
  code: "weights-over-2gib" | "quantized-weights-widened";
  message: string;
}

/** Core ML is reported to fail loading packages whose weight.bin exceeds 2 GiB (coremltools#1807). */
export const WEIGHT_FILE_WARN_BYTES = 2 ** 31;

/** The warning for a weight.bin of `blobBytes`, if it deserves one. */
export function weightSizeWarning(blobBytes: number): ConvertWarning | undefined {
  if (blobBytes <= WEIGHT_FILE_WARN_BYTES) return undefined;
  return {
    code: "weights-over-2gib",
    message: `weight.bin holds ${blobBytes} bytes; Core ML has been reported to fail loading packages with over 2 GiB of weights (coremltools#1807): consider float16 or compressed weights, or splitting the model`,
  };
}

/** A model's own metadata (ONNX doc_string, producer, metadata_props) under what the caller gives. */
export function mergeMetadata(fromModel: Record<string, string> | undefined, given: ModelMetadata | undefined): ModelMetadata | undefined {
  if (!fromModel && !given) return undefined;
  const userDefined: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(fromModel ?? {})) if (k !== "onnx.doc_string") userDefined[k] = v;
  Object.assign(userDefined, given?.userDefined ?? {});
  return { ...given, description: given?.description ?? fromModel?.["onnx.doc_string"], userDefined };
}

/** Checks platform limits that can be known from the graph alone, before any work. */
export function checkGraphLimits(graph: MLGraph, limits?: PlatformName | Partial<PlatformLimits>): void {
  const l = resolveLimits(limits);
  for (const c of graph.constants) {
    const bytes = c.data?.byteLength ?? 0;
    checkLimit(l, "maxTensorBytes", bytes, `constant ${c.name ? `"${c.name}" ` : ""}of ${c.dataType} [${c.shape.join(", ")}]`, { operator: "constant", operand: c.name });
  }
}

export async function convertGraph(graph: MLGraph, options: ConvertOptions = {}): Promise<MLPackage> {
  return (await convertGraphDetailed(graph, options)).package;
}

export interface ConvertResult {
  package: MLPackage;
  /** The lowered program and boundary mapping (for summaries and inspection). */
  lowered: LoweredModel;
}

/** convertGraph, also returning the lowered model. */
export async function convertGraphDetailed(graph: MLGraph, options: ConvertOptions = {}): Promise<ConvertResult> {
  return convertFunctionsDetailed([{ name: "main", graph }], options);
}

/** One function of a multifunction package: a name and the graph it computes. */
export interface ModelFunction {
  name: string;
  graph: MLGraph;
}

export interface ConvertFunctionsOptions extends ConvertOptions {
  /** The function Core ML runs when none is named (default: the first). */
  defaultFunction?: string;
}

/**
 * A package of several functions (iOS 18, specification 9): typically one model at several
 * sizes of its free dimensions. Each graph is lowered to a function of its own; they share one
 * weight.bin, where identical constants are stored once. A single function named "main" gives
 * exactly what convertGraph gives.
 */
export async function convertFunctions(functions: readonly ModelFunction[], options: ConvertFunctionsOptions = {}): Promise<MLPackage> {
  return (await convertFunctionsDetailed(functions, options)).package;
}

function checkFunctions(functions: readonly ModelFunction[], options: ConvertFunctionsOptions): string {
  if (functions.length === 0) throw new GraphValidationError("a package needs at least one function", { rule: "model" });
  const seen = new Set<string>();
  for (const f of functions) {
    if (!FUNCTION_NAME.test(f.name)) throw new GraphValidationError(`function name "${f.name}" must be an identifier (letters, digits, _; not starting with a digit)`, { rule: "model" });
    if (seen.has(f.name)) throw new GraphValidationError(`function "${f.name}" is given twice`, { rule: "model" });
    seen.add(f.name);
  }
  const def = options.defaultFunction ?? functions[0].name;
  if (!seen.has(def)) throw new GraphValidationError(`the default function "${def}" is not one of ${[...seen].join(", ")}`, { rule: "model" });
  return def;
}

/**
 * Every check a conversion makes, without serializing: the graph lowered to MIL and the passes
 * run (`inspect model.onnx` uses it to say whether a model converts). Returns the program.
 */
export async function checkConversion(graph: MLGraph, options: ConvertOptions = {}): Promise<LoweredModel> {
  return lowerFunctions([{ name: "main", graph }], options);
}

export async function convertFunctionsDetailed(functions: readonly ModelFunction[], options: ConvertFunctionsOptions = {}): Promise<ConvertResult> {
  const { signal, onProgress } = options;
  const lowered = await lowerFunctions(functions, options);
  const serialized = serializeModel(lowered, {
    // `description` is the short form of metadata.description.
    modelMetadata: options.description !== undefined && options.metadata?.description === undefined ? { ...options.metadata, description: options.description } : options.metadata,
    onProgress: onProgress || signal ? (done, total) => {
      signal?.throwIfAborted();
      onProgress?.({ stage: "serialize", done, total, operations: done });
    } : undefined,
  });
  checkLimit(resolveLimits(options.limits), "maxModelBytes", serialized.model.byteLength, "model.mlmodel");
  const weightWarning = weightSizeWarning(serialized.stats.blobBytes);
  if (weightWarning) options.onWarning?.(weightWarning);
  signal?.throwIfAborted();
  const pkg = await createPackage(options.name ?? "Model", serialized);
  signal?.throwIfAborted();
  const size = packageSize(pkg);
  onProgress?.({ stage: "package", done: 1, total: 1, bytes: size, bytesTotal: size });
  return { package: pkg, lowered };
}

/** The functions lowered to one MIL program, its passes run. */
async function lowerFunctions(functions: readonly ModelFunction[], options: ConvertFunctionsOptions): Promise<LoweredModel> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const defaultFunction = checkFunctions(functions, options);
  const multi = functions.length > 1 || functions[0].name !== "main";
  for (const f of functions) checkGraphLimits(f.graph, options.limits);
  // With a signal, lowering gives the event loop a turn now and then, so a cancel is seen.
  const lower = signal ? (g: MLGraph, o: LowerOptions) => lowerGraphAsync(g, { ...o, signal }) : (g: MLGraph, o: LowerOptions) => lowerGraph(g, o);
  const total = functions.reduce((n, f) => n + f.graph.nodes.length, 0);
  let before = 0;
  const parts: Array<[string, LoweredModel]> = [];
  for (const f of functions) {
    const offset = before;
    parts.push([f.name, await lower(f.graph, {
      target: options.target,
      coremlNames: options.coremlNames,
      images: options.images,
      onNode: onProgress || signal ? (done) => {
        signal?.throwIfAborted();
        onProgress?.({ stage: "lower", done: offset + done, total, operations: offset + done });
      } : undefined,
    })]);
    before += f.graph.nodes.length;
  }
  const target = parts[0][1].target;
  const widened = target.constexprOps ? 0 : functions.reduce((n, f) => n + f.graph.nodes.filter((g) => g.op === "dequantizeLinear" && g.inputs.input.kind === "constant").length, 0);
  if (widened) {
    options.onWarning?.({
      code: "quantized-weights-widened",
      message: `${widened} quantized weight${widened === 1 ? " is" : "s are"} stored as floats: ${target.name} has no constexpr dequantization (iOS 16 keeps them 8-bit, iOS 18 4- and 8-bit)`,
    });
  }
  if (multi && !target.multifunction) {
    throw new UnsupportedError(`a package of several functions needs a target of iOS 18 (specification 9); the target is ${target.name}`, { rule: "target" });
  }
  const first = parts.find(([n]) => n === defaultFunction)![1];
  const raw: LoweredModel = multi ? {
    ...first,
    program: { functions: new Map(parts.map(([n, l]) => [n, programFunction(l.program)])), defaultFunction },
    functions: new Map(parts.map(([n, l]) => [n, { inputs: l.inputs, outputs: l.outputs, ...(l.placeholderInput ? { placeholderInput: l.placeholderInput } : {}) }])),
  } : first;
  signal?.throwIfAborted();
  const lowered = { ...raw, program: runPasses(raw.program, { target: raw.target, precision: options.precision, compress: options.compress }) };
  signal?.throwIfAborted();
  return lowered;
}

export interface ConvertToZipOptions extends ConvertOptions, Pick<ZipOptions, "zip64" | "crc32"> {}

/** Zip options that report through a ConvertProgress callback as stage "zip". */
export function zipOptionsFrom(options: ConvertToZipOptions): ZipOptions {
  const { onProgress } = options;
  return {
    signal: options.signal,
    zip64: options.zip64,
    crc32: options.crc32,
    limits: options.limits,
    onProgress: onProgress ? (done, total) => onProgress({ stage: "zip", done, total, bytes: done, bytesTotal: total }) : undefined,
  };
}

/**
 * Converts and zips in one call, with one progress callback and one signal over all stages:
 * writes to `output` (a WritableStream or zip.js Writer) when given, else returns a Blob.
 */
export async function convertGraphToZip(graph: MLGraph, options: ConvertToZipOptions & { output: ZipTarget }): Promise<void>;
export async function convertGraphToZip(graph: MLGraph, options?: ConvertToZipOptions): Promise<Blob>;
export async function convertGraphToZip(graph: MLGraph, options: ConvertToZipOptions & { output?: ZipTarget } = {}): Promise<Blob | void> {
  const pkg = await convertGraph(graph, options);
  if (options.output) return writePackageZip(pkg, options.output, zipOptionsFrom(options));
  return packageToZipBlob(pkg, zipOptionsFrom(options));
}
