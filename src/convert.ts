// convertGraph: the whole pipeline — lowering → serialization → packaging.
import type { MLGraph } from "./graph/operand.js";
import { lowerGraph } from "./lowering/lower-graph.js";
import type { TargetName } from "./lowering/target.js";
import { createPackage, type MLPackage } from "./packaging/package.js";
import { serializeModel } from "./serialization/model-writer.js";

export type ConvertStage = "lower" | "serialize" | "package";

export interface ConvertProgress {
  stage: ConvertStage;
  done: number;
  total: number;
}

export interface ConvertOptions {
  /** Deployment target; default ios17. */
  target?: TargetName;
  /** Package name (files go under `<name>.mlpackage/`); default "Model". */
  name?: string;
  /** Short description stored in the model metadata. */
  description?: string;
  onProgress?: (p: ConvertProgress) => void;
  signal?: AbortSignal;
}

export async function convertGraph(graph: MLGraph, options: ConvertOptions = {}): Promise<MLPackage> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const lowered = lowerGraph(graph, {
    target: options.target,
    onNode: onProgress ? (done, total) => onProgress({ stage: "lower", done, total }) : undefined,
  });
  signal?.throwIfAborted();
  const serialized = serializeModel(lowered, {
    shortDescription: options.description,
    onProgress: onProgress ? (done, total) => onProgress({ stage: "serialize", done, total }) : undefined,
  });
  signal?.throwIfAborted();
  const pkg = await createPackage(options.name ?? "Model", serialized);
  onProgress?.({ stage: "package", done: 1, total: 1 });
  return pkg;
}
