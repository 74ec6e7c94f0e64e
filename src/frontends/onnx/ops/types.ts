// The shape of an operator table entry: how one ONNX operator is imported. `fold` evaluates it
// on known inputs (used when all the inputs it reads are known); `lower` calls the builder;
// `expand` spells the node in other ONNX operators before import, so that every rewrite of the
// ONNX graph (the quantized-activation one) sees those operators.
import type { ImportContext, Result } from "../context.js";
import type { HostTensor } from "../tensor.js";
import type { OnnxNode, OnnxTensor } from "../proto.js";

export interface OnnxOp {
  /** Evaluates the node at import time, when `foldable` says its inputs allow it. */
  fold?: (c: ImportContext) => HostTensor[];
  /** Which inputs fold needs known (default: every given input). Shape and Size need none. */
  foldNeeds?: "all" | "none";
  /** Builds the node with MLGraphBuilder. */
  lower?: (c: ImportContext) => Result[];
  /** The node as other ONNX nodes (same inputs and outputs); `initializer` looks up constant inputs. */
  expand?: (node: OnnxNode, initializer: (name: string) => OnnxTensor | undefined) => OnnxNode[];
}

export type OnnxOpTable = Readonly<Record<string, OnnxOp>>;
