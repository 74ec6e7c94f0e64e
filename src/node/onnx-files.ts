// ONNX files in Node: a model and its external data files beside it (each tensor read on its
// own, from a file that must lie in the model's folder), the graph files of webnn-graph told
// apart by content, and `inspect`'s summary of an ONNX model.
import { open, realpath, stat } from "node:fs/promises";
import { basename, dirname, extname, resolve, sep } from "node:path";
import { GraphFormatError, WeightsError } from "../errors.js";
import { buildOnnxGraph, importOnnxDetailed, prepareOnnx, type OnnxImportOptions, type OnnxImportResult } from "../frontends/onnx/import.js";
import { describeOnnx, type OnnxValueSummary } from "../frontends/onnx/describe.js";
import type { MLGraph } from "../graph/operand.js";
import { readFully, readRegularFile } from "./file-read.js";
import { buildGraphFile, loadGraphFile, readGraphFile, type GraphFileOptions } from "./graph-files.js";

/** protobuf messages, and so ONNX files without external data, stop at 2 GiB. */
const MAX_ONNX_FILE_BYTES = 2 ** 31 - 1;

/** True when the file is an ONNX model: its name ends in .onnx, or it starts like a ModelProto (ir_version). */
export async function isOnnxFile(path: string): Promise<boolean> {
  if (extname(path).toLowerCase() === ".onnx") return true;
  const fh = await open(path, "r").catch(() => undefined);
  if (!fh) return false;
  try {
    const head = new Uint8Array(1);
    await fh.read(head, 0, 1, 0);
    return head[0] === 0x08;
  } finally {
    await fh.close();
  }
}

async function readModelBytes(path: string): Promise<Uint8Array> {
  const bytes = await readRegularFile(path, MAX_ONNX_FILE_BYTES, "ONNX model", GraphFormatError, " (protobuf's 2 GiB; large weights belong in external data files)");
  if (!bytes) throw new GraphFormatError(`cannot read ONNX model ${path}: no such file`, { rule: "read" });
  return bytes;
}

/** Reads external data beside the model: files inside its folder only, each range read on its own. */
function externalDataReader(modelPath: string, used: Set<string>) {
  const dir = resolve(dirname(modelPath));
  let realDir: Promise<string> | undefined;
  return async (location: string, offset: number, length: number | undefined): Promise<Uint8Array> => {
    const path = resolve(dir, location);
    const fail = (m: string): never => { throw new WeightsError(`external data "${location}" of ${basename(modelPath)}: ${m}`, { rule: "missing-weights" }); };
    let real: string;
    try { real = await realpath(path); } catch { return fail(`no file ${path}`); }
    if (!real.startsWith((await (realDir ??= realpath(dir))) + sep)) fail("the file lies outside the model's folder");
    const info = await stat(real);
    if (!info.isFile()) fail("not a regular file");
    const end = length === undefined ? info.size : offset + length;
    if (offset > info.size || end > info.size) fail(`bytes [${offset}, ${end}) run past the end of the file (${info.size} bytes)`);
    used.add(real);
    const out = new Uint8Array(end - offset);
    const fh = await open(real, "r");
    try {
      await readFully(fh, out, offset, () => fail("the file ended early"));
    } finally {
      await fh.close();
    }
    return out;
  };
}

export interface LoadedModel {
  graph: MLGraph;
  name: string;
  /** Every file read (so that an output never replaces one). */
  files: string[];
  metadata: Record<string, string>;
}

export async function loadOnnxFile(path: string, options: OnnxImportOptions = {}): Promise<LoadedModel> {
  const bytes = await readModelBytes(path);
  const used = new Set<string>();
  const r = await importOnnxDetailed({ model: bytes, externalData: externalDataReader(path, used) }, options);
  return loadedOnnx(path, r, used);
}

function loadedOnnx(path: string, r: OnnxImportResult, used: ReadonlySet<string>): LoadedModel {
  return { graph: r.graph, name: r.name ?? basename(path).replace(/\.onnx$/i, ""), files: [path, ...used], metadata: r.metadata };
}

/** Any graph file the CLI converts: ONNX, `.webnn` text or webnn-graph JSON. */
export async function loadModelFile(path: string, options: GraphFileOptions & OnnxImportOptions = {}): Promise<LoadedModel> {
  if (await isOnnxFile(path)) return loadOnnxFile(path, options);
  const r = await loadGraphFile(path, options);
  return { ...r, metadata: {} };
}

/**
 * The model once per function of a multifunction package, each with its own named-dimension
 * sizes over `options.freeDimensions`. The file and its weights are read (an ONNX model decoded
 * and checked) once, and every function's graph is built from that: they share the weight bytes.
 */
export async function loadModelFileFunctions(path: string, options: GraphFileOptions & OnnxImportOptions,
  functions: ReadonlyArray<{ name: string; freeDimensions?: Readonly<Record<string, number>> }>): Promise<Array<{ name: string; model: LoadedModel }>> {
  const dims = (f: { freeDimensions?: Readonly<Record<string, number>> }) => ({ ...options.freeDimensions, ...f.freeDimensions });
  const out: Array<{ name: string; model: LoadedModel }> = [];
  if (!(await isOnnxFile(path))) {
    const read = await readGraphFile(path, options);
    for (const f of functions) out.push({ name: f.name, model: { ...buildGraphFile(read, dims(f)), metadata: {} } });
    return out;
  }
  const used = new Set<string>();
  const prepared = await prepareOnnx({ model: await readModelBytes(path), externalData: externalDataReader(path, used) });
  for (const f of functions) {
    const r = buildOnnxGraph(prepared, { ...options, freeDimensions: dims(f) });
    out.push({ name: f.name, model: loadedOnnx(path, r, used) });
  }
  return out;
}

/** `inspect model.onnx`: inputs with their dim_params, outputs, opsets, operator counts, unsupported operators. */
export async function describeOnnxFile(path: string): Promise<string> {
  return (await summarizeOnnxFile(path)).text;
}

/** describeOnnxFile's text with the model's free dimension names, which `inspect` fills in to check. */
export async function summarizeOnnxFile(path: string): Promise<{ text: string; freeDimensions: string[] }> {
  const d = describeOnnx(await readModelBytes(path));
  const dims = (v: OnnxValueSummary) => (v.dims ? `[${v.dims.map((x) => x ?? "?").join(", ")}]` : "(no shape)");
  const lines = [`ONNX model, IR version ${d.irVersion}${d.producer ? `, from ${d.producer}` : ""}`];
  lines.push(`opsets: ${Object.entries(d.opsets).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const v of d.inputs) lines.push(`input  ${v.name}: ${v.elementType} ${dims(v)}`);
  for (const v of d.outputs) lines.push(`output ${v.name}: ${v.elementType} ${dims(v)}`);
  if (d.freeDimensions.length) lines.push(`free dimensions: ${d.freeDimensions.join(", ")} (give sizes with --free-dim NAME=N)`);
  if (d.controlInputs.length) lines.push(`inputs deciding control flow: ${d.controlInputs.join(", ")} (pin them with --input-value NAME=V)`);
  lines.push(`initializers: ${d.initializers}`);
  lines.push("operators:");
  for (const [k, n] of Object.entries(d.operators).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(5)}  ${k}`);
  lines.push(d.unsupported.length ? `not supported: ${d.unsupported.join(", ")}` : "every operator type has a conversion");
  return { text: lines.join("\n"), freeDimensions: d.freeDimensions };
}
