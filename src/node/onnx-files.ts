// ONNX files in Node: a model and its external data files beside it (each tensor read on its
// own, from a file that must lie in the model's folder), the graph files of webnn-graph told
// apart by content, and `inspect`'s summary of an ONNX model.
import { open, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, extname, resolve, sep } from "node:path";
import { GraphFormatError, WeightsError } from "../errors.js";
import { importOnnxDetailed, type OnnxImportOptions } from "../frontends/onnx/import.js";
import { SUPPORTED_ONNX_OPERATORS } from "../frontends/onnx/ops/index.js";
import { decodeOnnxModel, type OnnxGraph } from "../frontends/onnx/proto.js";
import { onnxTypeName } from "../frontends/onnx/tensor.js";
import type { MLGraph } from "../graph/operand.js";
import { loadGraphFile, type GraphFileOptions } from "./graph-files.js";

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
  let info;
  try { info = await stat(path); } catch (e) { throw new GraphFormatError(`cannot read ONNX model ${path}: ${(e as Error).message}`, { rule: "read" }); }
  if (!info.isFile()) throw new GraphFormatError(`ONNX model ${path} is not a regular file`, { rule: "read" });
  if (info.size > MAX_ONNX_FILE_BYTES) throw new GraphFormatError(`ONNX model ${path} has ${info.size} bytes, over protobuf's 2 GiB limit (large weights belong in external data files)`, { rule: "read" });
  const b = await readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads external data beside the model: files inside its folder only, each range read on its own. */
function externalDataReader(modelPath: string, used: Set<string>) {
  const dir = resolve(dirname(modelPath));
  return async (location: string, offset: number, length: number | undefined): Promise<Uint8Array> => {
    const path = resolve(dir, location);
    const fail = (m: string): never => { throw new WeightsError(`external data "${location}" of ${basename(modelPath)}: ${m}`, { rule: "missing-weights" }); };
    let real: string;
    try { real = await realpath(path); } catch { return fail(`no file ${path}`); }
    const realDir = await realpath(dir);
    if (!real.startsWith(realDir + sep)) fail("the file lies outside the model's folder");
    const info = await stat(real);
    if (!info.isFile()) fail("not a regular file");
    const end = length === undefined ? info.size : offset + length;
    if (offset > info.size || end > info.size) fail(`bytes [${offset}, ${end}) run past the end of the file (${info.size} bytes)`);
    used.add(real);
    const out = new Uint8Array(end - offset);
    const fh = await open(real, "r");
    try {
      let done = 0;
      while (done < out.byteLength) {
        const { bytesRead } = await fh.read(out, done, Math.min(out.byteLength - done, 1 << 30), offset + done);
        if (bytesRead === 0) fail("the file ended early");
        done += bytesRead;
      }
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
  return { graph: r.graph, name: r.name && !/^(main_graph|torch_jit|graph)$/.test(r.name) ? r.name : basename(path).replace(/\.onnx$/i, ""), files: [path, ...used], metadata: r.metadata };
}

/** Any graph file the CLI converts: ONNX, `.webnn` text or webnn-graph JSON. */
export async function loadModelFile(path: string, options: GraphFileOptions & OnnxImportOptions = {}): Promise<LoadedModel> {
  if (await isOnnxFile(path)) return loadOnnxFile(path, options);
  const r = await loadGraphFile(path, options);
  return { ...r, metadata: {} };
}

/** `inspect model.onnx`: inputs with their dim_params, outputs, opsets, operator counts, unsupported operators. */
export async function describeOnnxFile(path: string): Promise<string> {
  const m = decodeOnnxModel(await readModelBytes(path));
  const lines: string[] = [];
  const inits = new Set(m.graph.initializers.map((t) => t.name));
  const dims = (d?: { value?: number; param?: string }[]) => (d ? `[${d.map((x) => x.param ?? x.value ?? "?").join(", ")}]` : "(no shape)");
  lines.push(`ONNX model, IR version ${m.irVersion}${m.producerName ? `, from ${m.producerName} ${m.producerVersion}` : ""}`);
  lines.push(`opsets: ${[...m.opsetImport].map(([d, v]) => `${d || "ai.onnx"} ${v}`).join(", ")}`);
  for (const v of m.graph.inputs.filter((i) => !inits.has(i.name))) lines.push(`input  ${v.name}: ${onnxTypeName(v.elemType).toLowerCase()} ${dims(v.shape)}`);
  for (const v of m.graph.outputs) lines.push(`output ${v.name}: ${onnxTypeName(v.elemType).toLowerCase()} ${dims(v.shape)}`);
  const params = [...new Set(m.graph.inputs.flatMap((v) => (v.shape ?? []).map((d) => d.param).filter((p): p is string => !!p)))];
  if (params.length) lines.push(`free dimensions: ${params.join(", ")} (give sizes with --free-dim NAME=N)`);
  const counts = new Map<string, number>();
  const visit = (g: OnnxGraph) => {
    for (const n of g.nodes) {
      const k = n.domain && n.domain !== "ai.onnx" ? `${n.domain}:${n.opType}` : n.opType;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      for (const a of n.attributes) { if (a.g) visit(a.g); a.graphs.forEach(visit); }
    }
  };
  visit(m.graph);
  lines.push(`initializers: ${m.graph.initializers.length}`);
  lines.push("operators:");
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(5)}  ${k}`);
  const unsupported = [...counts.keys()].filter((k) => !SUPPORTED_ONNX_OPERATORS.includes(k));
  lines.push(unsupported.length ? `not supported: ${unsupported.join(", ")}` : "every operator is supported");
  return lines.join("\n");
}
