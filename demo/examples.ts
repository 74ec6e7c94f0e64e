// Built-in examples made on the page's main thread with MLGraphBuilder, in the manner of the W3C
// WebNN conformance (WPT) cases: a few operators, small tensors, constants given as typed arrays.
import { MLGraphBuilder } from "../src/graph/builder.js";
import type { MLGraph } from "../src/graph/operand.js";

export interface BuilderExample {
  id: string;
  /** Package name. */
  name: string;
  build(): MLGraph;
}

const f32 = (shape: number[]) => ({ dataType: "float32" as const, shape });
const f16 = (shape: number[]) => ({ dataType: "float16" as const, shape });

/** Half-precision bits of a number (round to nearest even), for float16 constants. */
export function toHalfBits(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export const BUILDER_EXAMPLES: readonly BuilderExample[] = [
  {
    // conv2d.json style: a 3×3 filter over a 5×5 image, padding 1, bias, then relu.
    id: "conv2d-relu",
    name: "Conv2dRelu",
    build() {
      const b = new MLGraphBuilder();
      const input = b.input("input", f32([1, 1, 5, 5]));
      const filter = b.constant(f32([2, 1, 3, 3]), new Float32Array([
        1, 1, 1, 1, 1, 1, 1, 1, 1,
        0, 0, 0, 0, 1, 0, 0, 0, -1,
      ]), "filter");
      const bias = b.constant(f32([2]), new Float32Array([0.5, -0.25]), "bias");
      const conv = b.conv2d(input, filter, { padding: [1, 1, 1, 1], bias, label: "conv" });
      return b.buildSync({ output: b.relu(conv, { label: "relu" }) });
    },
  },
  {
    // matmul.json + add.json + softmax.json style: a small classifier head.
    id: "matmul-softmax",
    name: "MatmulSoftmax",
    build() {
      const b = new MLGraphBuilder();
      const x = b.input("x", f32([2, 4]));
      const w = b.constant(f32([4, 3]), new Float32Array([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9, 1.0, -1.1, 1.2]), "weights");
      const bias = b.constant(f32([3]), new Float32Array([0.01, 0.02, -0.03]), "bias");
      const logits = b.add(b.matmul(x, w, { label: "matmul" }), bias, { label: "logits" });
      return b.buildSync({ probabilities: b.softmax(logits, 1, { label: "softmax" }) });
    },
  },
  {
    // layer_normalization.json style, float16, with scale and bias over the last axis.
    id: "layernorm-f16",
    name: "LayerNormF16",
    build() {
      const b = new MLGraphBuilder();
      const x = b.input("x", f16([2, 3, 4]));
      const scale = b.constant(f16([4]), Uint16Array.from([1, 0.5, 2, -1], toHalfBits), "scale");
      const bias = b.constant(f16([4]), Uint16Array.from([0, 0.25, -0.5, 1], toHalfBits), "bias");
      const ln = b.layerNormalization(x, { axes: [2], scale, bias, epsilon: 1e-5, label: "layer_norm" });
      return b.buildSync({ y: b.sigmoid(ln, { label: "sigmoid" }) });
    },
  },
];
