// Node side of the webnn-graph JSON reader: loads a graph file and, beside it (or where given),
// its weights manifest and weights file.
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GraphFormatError, WeightsError } from "../errors.js";
import { buildGraphFromDocument, graphJsonNeedsWeights, parseGraphJsonDocument } from "../frontends/webnn-json/index.js";
import type { MLGraph } from "../graph/operand.js";

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

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new WeightsError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, { rule: "read" });
  }
}

/**
 * Reads a webnn-graph JSON file and builds it. The name is the document's "name", or else the
 * file's stem. Weights are read only when some constant refers to them; constants are views
 * into the weights file's bytes.
 */
export async function loadGraphFile(path: string, opts: GraphFileOptions = {}): Promise<{ graph: MLGraph; name: string }> {
  let json: Buffer;
  try {
    json = await readFile(path);
  } catch (e) {
    throw new GraphFormatError(`cannot read graph file ${path}: ${e instanceof Error ? e.message : String(e)}`, { rule: "read" });
  }
  const doc = parseGraphJsonDocument(new Uint8Array(json.buffer, json.byteOffset, json.byteLength));
  const paths = companionPaths(path, opts);
  const needs = graphJsonNeedsWeights(doc);
  let weights: Uint8Array | undefined;
  let manifest: Uint8Array | undefined;
  if (needs || opts.manifest !== undefined) {
    manifest = await readIfExists(paths.manifest);
    if (!manifest) {
      throw new WeightsError(
        `weights manifest not found: expected ${paths.manifest}${opts.manifest === undefined ? " beside the graph (or pass --manifest)" : ""}`,
        { rule: "missing-manifest" },
      );
    }
  }
  if (needs || opts.weights !== undefined) {
    weights = await readIfExists(paths.weights);
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
