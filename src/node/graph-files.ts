// Node side of the graph readers and writers: a webnn-graph file (`.webnn` text or `.webnn.json`)
// with its weights — a safetensors file, or a manifest and a .weights file — found beside the
// graph or named with --weights/--manifest; and a graph written back in either form.
import { open, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GraphFormatError, WeightsError } from "../errors.js";
import { parseSafetensorsHeader, safetensorsHeaderLength, type WeightTensor, type WeightTensors } from "../frontends/safetensors.js";
import { buildGraphFromDocument, graphJsonNeedsWeights, parseGraphJsonDocument, type GraphJsonDocument, type GraphJsonSources } from "../frontends/webnn-json/index.js";
import { writeGraphJsonFiles } from "../frontends/webnn-json/write.js";
import { isGraphText, parseGraphTextDocument, withLine } from "../frontends/webnn-text/index.js";
import { writeGraphTextFiles } from "../frontends/webnn-text/writer.js";
import type { MLGraph } from "../graph/operand.js";
import { resolveLimits } from "../limits.js";
import { refuseInputOverwrite, writeFileThroughTemporary } from "./output-path.js";
import { readFully, readRegularFile, regularFileSize } from "./file-read.js";

export interface GraphFileOptions {
  /** The weights: a .safetensors file, or a .weights file (with a manifest). Default: found beside the graph. */
  weights?: string;
  /** Path of the weights manifest (default: <stem>.manifest.json, then manifest.json, beside the graph). */
  manifest?: string;
  /** Sizes of the graph's named dimensions (dyn("batch", 8)). */
  freeDimensions?: Readonly<Record<string, number>>;
}

const GRAPH_EXTENSIONS = [".webnn.json", ".webnn", ".json"];

/** The graph file's name less ".webnn.json", ".webnn" or ".json". */
export function graphFileStem(path: string): string {
  const base = basename(path);
  for (const ext of GRAPH_EXTENSIONS) {
    if (base.toLowerCase().endsWith(ext) && base.length > ext.length) return base.slice(0, -ext.length);
  }
  return base;
}

export interface WeightsLocation {
  kind: "safetensors" | "weights";
  weights: string;
  manifest?: string;
}

/** The sidecar candidates in the order rustnn looks for them: <stem>.safetensors, <stem>.weights, model.safetensors, model.weights. */
export function companionCandidates(path: string, opts: GraphFileOptions = {}): WeightsLocation[] {
  const dir = dirname(path);
  const stem = graphFileStem(path);
  const manifests = (s: string) => (opts.manifest !== undefined ? [opts.manifest] : [join(dir, `${s}.manifest.json`), join(dir, "manifest.json")]);
  if (opts.weights !== undefined) {
    if (opts.weights.toLowerCase().endsWith(".safetensors")) return [{ kind: "safetensors", weights: opts.weights }];
    return manifests(stem).map((m) => ({ kind: "weights" as const, weights: opts.weights!, manifest: m }));
  }
  const out: WeightsLocation[] = [];
  for (const s of stem === "model" ? [stem] : [stem, "model"]) {
    // A manifest named on its own asks for the manifest + .weights layout.
    if (opts.manifest === undefined) out.push({ kind: "safetensors", weights: join(dir, `${s}.safetensors`) });
    for (const m of manifests(s)) out.push({ kind: "weights", weights: join(dir, `${s}.weights`), manifest: m });
  }
  return out;
}

/** Every file a conversion of `path` may read (so that an output never overwrites one). */
export function companionPaths(path: string, opts: GraphFileOptions = {}): string[] {
  return [...new Set(companionCandidates(path, opts).flatMap((c) => (c.manifest ? [c.weights, c.manifest] : [c.weights])))];
}

/** Largest graph text, JSON or manifest read; weights may be as large as one buffer can be. */
const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;
/** Tensors of a safetensors file are read in runs of at most this many bytes. */
const SAFETENSORS_READ_BYTES = 64 * 1024 * 1024;

/**
 * Reads a safetensors file tensor by tensor (runs of neighbouring tensors share one read of at
 * most 64 MiB): memory holds the tensors, never the whole file in one buffer, so files larger
 * than a buffer can be read.
 */
export async function readSafetensorsFile(path: string): Promise<WeightTensors> {
  const size = await regularFileSize(path, "safetensors file", WeightsError);
  if (size === undefined) throw new WeightsError(`safetensors file ${path} not found`, { rule: "missing-weights" });
  const what = `safetensors file ${basename(path)}`;
  const fh = await open(path, "r");
  try {
    const read = async (at: number, length: number) => {
      const b = new Uint8Array(length);
      await readFully(fh, b, at, (got) => { throw new WeightsError(`${what} ended early (read ${got} of ${length} bytes at ${at})`, { rule: "read" }); });
      return b;
    };
    const n = safetensorsHeaderLength(await read(0, Math.min(8, size)), size, what);
    const index = parseSafetensorsHeader(await read(8, n), size, what);
    const entries = [...index.entries.values()].sort((a, b) => a.begin - b.begin);
    const out = new Map<string, WeightTensor>();
    for (let i = 0; i < entries.length;) {
      let j = i + 1;
      while (j < entries.length && entries[j].end - entries[i].begin <= SAFETENSORS_READ_BYTES) j++;
      const start = entries[i].begin;
      const chunk = await read(start, entries[j - 1].end - start);
      for (let k = i; k < j; k++) {
        const e = entries[k];
        out.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: chunk.subarray(e.begin - start, e.end - start) });
      }
      i = j;
    }
    // Entries keep the file's header order, as readSafetensors gives them.
    return new Map([...index.entries.keys()].map((k) => [k, out.get(k)!]));
  } finally {
    await fh.close();
  }
}

/** Reads a graph file (text or JSON, told apart by content) into its document. */
async function readGraphDocument(path: string): Promise<{ document: GraphJsonDocument; lines: Map<string, number> }> {
  const bytes = await readRegularFile(path, MAX_TEXT_FILE_BYTES, "graph file", GraphFormatError);
  if (!bytes) throw new GraphFormatError(`cannot read graph file ${path}: no such file`, { rule: "read" });
  if (isGraphText(bytes)) return parseGraphTextDocument(bytes);
  return { document: parseGraphJsonDocument(bytes), lines: new Map() };
}

/**
 * Reads a webnn-graph file (`.webnn` text or JSON) and builds it. The name is the document's,
 * or else the file's stem. Weights are read only when some constant refers to them: the first
 * sidecar found of `companionCandidates`; constants are views into the bytes read.
 */
export async function loadGraphFile(path: string, opts: GraphFileOptions = {}): Promise<{ graph: MLGraph; name: string; files: string[] }> {
  return buildGraphFile(await readGraphFile(path, opts), opts.freeDimensions);
}

/** A graph file with its weights, read (once) and not yet built. */
export interface ReadGraphFile {
  document: GraphJsonDocument;
  lines: ReadonlyMap<string, number>;
  sources: Omit<GraphJsonSources, "freeDimensions">;
  name: string;
  files: string[];
}

/** Reads a graph file and its weights sidecar (found as rustnn looks for them). */
export async function readGraphFile(path: string, opts: Omit<GraphFileOptions, "freeDimensions"> = {}): Promise<ReadGraphFile> {
  const { document, lines } = await readGraphDocument(path);
  const files = [path];
  const sources: ReadGraphFile["sources"] = {};
  if (graphJsonNeedsWeights(document) || opts.weights !== undefined) {
    const candidates = companionCandidates(path, opts);
    let found: WeightsLocation | undefined;
    let withoutManifest: WeightsLocation | undefined;
    for (const c of candidates) {
      if ((await regularFileSize(c.weights, "weights file", WeightsError)) === undefined) continue;
      if (c.manifest && (await regularFileSize(c.manifest, "weights manifest", WeightsError)) === undefined) {
        withoutManifest ??= c;
        continue;
      }
      found = c;
      break;
    }
    if (!found && withoutManifest) {
      const tried = candidates.filter((c) => c.weights === withoutManifest!.weights && c.manifest).map((c) => c.manifest).join(", ");
      throw new WeightsError(`weights manifest not found for ${withoutManifest.weights}: tried ${tried}${opts.manifest === undefined ? " (or pass --manifest)" : ""}`, { rule: "missing-manifest" });
    }
    if (!found) {
      const tried = candidates.map((c) => (c.manifest ? `${c.weights} + ${c.manifest}` : c.weights)).join(", ");
      throw new WeightsError(`the graph's weights were not found: tried ${tried}${opts.weights === undefined ? " (or pass --weights)" : ""}`, { rule: "missing-weights" });
    }
    files.push(found.weights, ...(found.manifest ? [found.manifest] : []));
    if (found.kind === "safetensors") sources.tensors = await readSafetensorsFile(found.weights);
    else {
      sources.manifest = await readRegularFile(found.manifest!, MAX_TEXT_FILE_BYTES, "weights manifest", WeightsError);
      sources.weights = await readRegularFile(found.weights, resolveLimits().maxBufferBytes, "weights file", WeightsError);
    }
  }
  return { document, lines, sources, name: document.name || graphFileStem(path), files };
}

/** The graph of a read graph file, with these sizes of its named dimensions. */
export function buildGraphFile(read: ReadGraphFile, freeDimensions?: Readonly<Record<string, number>>): { graph: MLGraph; name: string; files: string[] } {
  try {
    return { graph: buildGraphFromDocument(read.document, { ...read.sources, freeDimensions }), name: read.name, files: read.files };
  } catch (e) {
    throw withLine(e, read.lines);
  }
}

export type GraphFileForm = "text" | "json";

/** The form a graph output path asks for: `.webnn` text, or `.webnn.json` / `.json`. */
export function graphOutputForm(path: string): GraphFileForm | undefined {
  const name = basename(path).toLowerCase();
  if (name.endsWith(".webnn") && name.length > 6) return "text";
  if (name.endsWith(".json") && name.length > 5) return "json";
  return undefined;
}

/**
 * Writes a graph as `.webnn` text with a `<stem>.safetensors` sidecar, or as webnn-graph JSON
 * with `<stem>.weights` and `<stem>.manifest.json`. Each file goes through a temporary sibling;
 * none may be one of `inputs`. Returns the paths written.
 */
export async function writeGraphFiles(graph: MLGraph, path: string, options: { name?: string; inputs?: readonly string[]; force?: boolean } = {}): Promise<string[]> {
  const form = graphOutputForm(path);
  if (!form) throw new GraphFormatError(`output ${path} must end in .webnn or .webnn.json`, { rule: "output-path" });
  const dir = dirname(path);
  const stem = graphFileStem(path);
  const files: Array<[string, Uint8Array[]]> = [];
  const utf8 = (t: string) => [new TextEncoder().encode(t)];
  if (form === "text") {
    const w = writeGraphTextFiles(graph, { name: options.name });
    files.push([path, utf8(w.text)]);
    if (w.safetensors) files.push([join(dir, `${stem}.safetensors`), w.safetensors]);
  } else {
    const w = writeGraphJsonFiles(graph, { name: options.name });
    files.push([path, utf8(w.json)]);
    if (w.manifest && w.weights) {
      files.push([join(dir, `${stem}.manifest.json`), utf8(w.manifest)]);
      files.push([join(dir, `${stem}.weights`), w.weights]);
    }
  }
  for (const [p] of files) await refuseInputOverwrite(p, options.inputs ?? [], { force: options.force });
  for (const [p, parts] of files) await writeFileThroughTemporary(p, async (tmp) => { await writeParts(tmp, parts); });
  return files.map(([p]) => p);
}

async function writeParts(path: string, parts: readonly Uint8Array[]): Promise<void> {
  if (parts.length === 1) { await writeFile(path, parts[0]); return; }
  const fh = await open(path, "w");
  try {
    for (const p of parts) await fh.write(p);
  } finally {
    await fh.close();
  }
}
