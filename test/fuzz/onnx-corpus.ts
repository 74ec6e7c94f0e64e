// ONNX seeds for the fuzz test: small models as JSON specs (mutated as JSON, then written with the
// test's ONNX writer), so mutations change operators, attributes, shapes and data, not only bytes.
import type { Json } from "./mutate.js";
import { onnxModel, T, type GraphSpec, type TensorSpec } from "../onnx/onnx-writer.js";

const arr = (n: number, k = 0.1) => Array.from({ length: n }, (_, i) => ((i % 5) - 2) * k);

export const ONNX_SEEDS: Json[] = [
  {
    opset: 13,
    nodes: [
      { op: "Conv", inputs: ["x", "w"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1], strides: [1, 1] } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "MaxPool", inputs: ["r"], outputs: ["p"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "Flatten", inputs: ["p"], outputs: ["f"] },
      { op: "Gemm", inputs: ["f", "fw", "fb"], outputs: ["y"], attrs: { transB: 1 } },
    ],
    inputs: [["x", T.FLOAT, ["N", 2, 4, 4]]], outputs: [["y", T.FLOAT]],
    initializers: [{ name: "w", type: T.FLOAT, dims: [3, 2, 3, 3], values: arr(54) }, { name: "fw", type: T.FLOAT, dims: [5, 12], values: arr(60) }, { name: "fb", type: T.FLOAT, dims: [5], values: arr(5) }],
  },
  {
    opset: 17,
    nodes: [
      { op: "Shape", inputs: ["x"], outputs: ["s"] },
      { op: "Gather", inputs: ["s", "zero"], outputs: ["n"], attrs: { axis: 0 } },
      { op: "Unsqueeze", inputs: ["n", "ax"], outputs: ["n1"] },
      { op: "Concat", inputs: ["n1", "m1"], outputs: ["shape"], attrs: { axis: 0 } },
      { op: "Reshape", inputs: ["x", "shape"], outputs: ["r"] },
      { op: "Softmax", inputs: ["r"], outputs: ["y"], attrs: { axis: -1 } },
      { op: "ReduceMean", inputs: ["r", "ax1"], outputs: ["m"], attrs: { keepdims: 0 } },
    ],
    inputs: [["x", T.FLOAT, [2, 3, 4]]], outputs: [["y", T.FLOAT], ["m", T.FLOAT]],
    initializers: [{ name: "zero", type: T.INT64, dims: [], values: [0] }, { name: "ax", type: T.INT64, dims: [1], values: [0] }, { name: "m1", type: T.INT64, dims: [1], values: [-1] }, { name: "ax1", type: T.INT64, dims: [1], values: [1] }],
  },
  {
    opset: 14,
    nodes: [{ op: "LSTM", inputs: ["x", "W", "R", "B"], outputs: ["Y", "Y_h"], attrs: { hidden_size: 2, direction: "bidirectional" } }],
    inputs: [["x", T.FLOAT, [3, 1, 2]]], outputs: [["Y", T.FLOAT], ["Y_h", T.FLOAT]],
    initializers: [{ name: "W", type: T.FLOAT, dims: [2, 8, 2], values: arr(32) }, { name: "R", type: T.FLOAT, dims: [2, 8, 2], values: arr(32, 0.05) }, { name: "B", type: T.FLOAT, dims: [2, 16], values: arr(32, 0.01) }],
  },
];

function typed(type: number, values: number[]): ArrayBufferView {
  switch (type) {
    case T.INT64: return BigInt64Array.from(values.map((v) => BigInt(Math.trunc(Number.isFinite(v) ? v : 0))));
    case T.INT32: return Int32Array.from(values);
    case T.UINT8: case T.BOOL: return Uint8Array.from(values);
    case T.INT8: return Int8Array.from(values);
    case T.FLOAT16: return Uint16Array.from(values);
    default: return Float32Array.from(values);
  }
}

/** A (possibly mutated) spec as model bytes; undefined when the writer cannot express it. */
export function writeSpec(spec: Json): Uint8Array | undefined {
  try {
    const s = spec as unknown as Omit<GraphSpec, "initializers"> & { opset: number; initializers: Array<TensorSpec & { values: number[] }> };
    const initializers = (s.initializers ?? []).map((t) => ({ name: t.name, type: t.type, dims: t.dims, data: typed(t.type, t.values) }));
    return onnxModel({ ...s, initializers }, s.opset);
  } catch {
    return undefined;
  }
}
