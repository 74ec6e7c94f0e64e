// The shape of an operator table entry: how one ONNX operator is imported. `fold` evaluates it
// on known inputs (used when all the inputs it reads are known); `lower` calls the builder.
import type { ImportContext, Result } from "../context.js";
import type { HostTensor } from "../tensor.js";

export interface OnnxOp {
  /** Evaluates the node at import time, when `foldable` says its inputs allow it. */
  fold?: (c: ImportContext) => HostTensor[];
  /** Which inputs fold needs known (default: every given input). Shape and Size need none. */
  foldNeeds?: "all" | "none";
  /** Builds the node with MLGraphBuilder. */
  lower?: (c: ImportContext) => Result[];
}

export type OnnxOpTable = Readonly<Record<string, OnnxOp>>;
