// Node side of the webnn-graph JSON reader: loads a graph file and, beside it (or where given),
// its weights manifest and weights file.
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GraphFormatError, WeightsError } from "../errors.js";
import { buildGraphFromDocument, graphJsonNeedsWeights, parseGraphJsonDocument } from "../frontends/webnn-json/index.js";
import type { MLGraph } from "../graph/operand.js";
import { resolveLimits } from "../limits.js";

export interface GraphFileOptions {
  /** Path of the .weights file (default: <stem>.weights beside the graph). */
  weights?: string;
  /** Path of the weights manifest (default: <stem>.manifest.json beside the graph). */
  manifest?: string;
}

/** The graph file's name less ".webnn.json" or ".json". */
export function graphFileStem(path: string): string {
  const base = basename(path);
  for (const ext of [".webnn.json", ".json"]) {
    if (base.toLowerCase().endsWith(ext) && base.length > ext.length) return base.slice(0, -ext.length);
  }
  return base;
}

/** Where the manifest and weights of a graph file are looked for. */
export function companionPaths(path: string, opts: GraphFileOptions = {}): { weights: string; manifest: string } {
  const stem = graphFileStem(path);
  const dir = dirname(path);
  return {
    weights: opts.weights ?? join(dir, `${stem}.weights`),
    manifest: opts.manifest ?? join(dir, `${stem}.manifest.json`),
  };
}

/** Largest graph JSON or manifest read (text); weights may be as large as one buffer can be. */
const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a regular file of at most `maxBytes` (a device such as /dev/zero, a FIFO or a directory
 * is refused: it could be read without end). Undefined when there is no such file.
 */
async function readRegularFile(path: string, maxBytes: number, what: string, error: typeof WeightsError | typeof GraphFormatError): Promise<Uint8Array | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new error(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, { rule: "read" });
  }
  if (!info.isFile()) throw new error(`${what} ${path} is not a regular file`, { rule: "read" });
  if (info.size > maxBytes) throw new error(`${what} ${path} has ${info.size} bytes, over the limit of ${maxBytes}`, { rule: "read" });
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new error(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, { rule: "read" });
  }
}

/**
 * Reads a webnn-graph JSON file and builds it. The name is the document's "name", or else the
 * file's stem. Weights are read only when some constant refers to them; constants are views
 * into the weights file's bytes.
 */
export async function loadGraphFile(path: string, opts: GraphFileOptions = {}): Promise<{ graph: MLGraph; name: string }> {
  const json = await readRegularFile(path, MAX_TEXT_FILE_BYTES, "graph file", GraphFormatError);
  if (!json) throw new GraphFormatError(`cannot read graph file ${path}: no such file`, { rule: "read" });
  const doc = parseGraphJsonDocument(json);
  const paths = companionPaths(path, opts);
  const needs = graphJsonNeedsWeights(doc);
  let weights: Uint8Array | undefined;
  let manifest: Uint8Array | undefined;
  if (needs || opts.manifest !== undefined) {
    manifest = await readRegularFile(paths.manifest, MAX_TEXT_FILE_BYTES, "weights manifest", WeightsError);
    if (!manifest) {
      throw new WeightsError(
        `weights manifest not found: expected ${paths.manifest}${opts.manifest === undefined ? " beside the graph (or pass --manifest)" : ""}`,
        { rule: "missing-manifest" },
      );
    }
  }
  if (needs || opts.weights !== undefined) {
    weights = await readRegularFile(paths.weights, resolveLimits().maxBufferBytes, "weights file", WeightsError);
    if (!weights) {
      throw new WeightsError(
        `weights file not found: expected ${paths.weights}${opts.weights === undefined ? " beside the graph (or pass --weights)" : ""}`,
        { rule: "missing-weights" },
      );
    }
  }
  const graph = buildGraphFromDocument(doc, { weights, manifest });
  return { graph, name: doc.name || graphFileStem(path) };
}
