// The model the weight-compression tests convert: a conv weight [32, 16, 3, 3] and a matmul
// weight [64, 48], both big enough (≥ 2048 elements) to be compressed, and its input.
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { tensorFromNumbers } from "../../src/run-package.js";

export const W = Float32Array.from({ length: 32 * 16 * 3 * 3 }, (_, i) => Math.sin(i * 0.37) * 0.3);
export const M = Float32Array.from({ length: 64 * 48 }, (_, i) => Math.cos(i * 0.11) * 0.2);

/** relu(conv(x, w)) → mean over space → [f, f] · m, with the given weights (default W and M). */
export function weightsModel(w: Float32Array = W, m: Float32Array = M) {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [1, 16, 6, 6] });
  const c = b.relu(b.conv2d(x, b.constant({ dataType: "float32", shape: [32, 16, 3, 3] }, w), { padding: [1, 1, 1, 1] }));
  const f = b.reshape(b.reduceMean(c, { axes: [2, 3] }), [1, 32]);
  const h = b.matmul(b.concat([f, f], 1), b.constant({ dataType: "float32", shape: [64, 48] }, m));
  return b.buildSync({ y: h });
}

export const weightsModelInput = () => tensorFromNumbers("float32", [1, 16, 6, 6], Array.from({ length: 576 }, (_, i) => Math.cos(i * 0.3)));
