// Writes the built-in example: examples/small-cnn.webnn.json (webnn-graph JSON, version 2),
// examples/small-cnn.manifest.json (wg-weights-manifest) and examples/small-cnn.weights
// (8-byte "WGWT" header, then float16 tensors). Weights come from a fixed-seed PRNG, so the
// output is the same on every run.
//
//   npx tsx scripts/make-example.ts
//
// image f16[1,3,32,32] → conv2d 8×3×3 pad 1 + bias → relu → conv2d 16×3×3 stride 2 + bias → relu
//   → reduceMean [2,3] → reshape [1,16] → matmul [16,10] → add [10] → softmax axis 1 → probabilities
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFloat16 } from "@petamoriken/float16";

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "examples");
const STEM = "small-cnn";

/** mulberry32: a small, fixed-seed PRNG giving floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(0x5eed);

interface Tensor { name: string; shape: number[]; values: number[] }

/** Uniform values in ±sqrt(6 / fanIn) (He-style), or ±scale for biases. */
function tensor(name: string, shape: number[], fanIn: number, scale?: number): Tensor {
  const bound = scale ?? Math.sqrt(6 / fanIn);
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, values: Array.from({ length: n }, () => (random() * 2 - 1) * bound) };
}

const tensors: Tensor[] = [
  tensor("conv1_w", [8, 3, 3, 3], 3 * 9),
  tensor("conv1_b", [8], 1, 0.1),
  tensor("conv2_w", [16, 8, 3, 3], 8 * 9),
  tensor("conv2_b", [16], 1, 0.1),
  tensor("fc_w", [16, 10], 16),
  tensor("fc_b", [10], 1, 0.1),
];

// Weights file: header ("WGWT", uint32 LE version 1), then tensors in name order (as
// webnn-graph's create-manifest lays them out), offsets counted from the start of the file.
const HEADER = 8;
const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const total = HEADER + sorted.reduce((s, t) => s + t.values.length * 2, 0);
const file = new Uint8Array(total);
const view = new DataView(file.buffer);
file.set([0x57, 0x47, 0x57, 0x54], 0);
view.setUint32(4, 1, true);
const manifestTensors: Record<string, unknown> = {};
let offset = HEADER;
for (const t of sorted) {
  for (const [i, v] of t.values.entries()) setFloat16(view, offset + i * 2, v, true);
  const byteLength = t.values.length * 2;
  manifestTensors[t.name] = { dataType: "float16", shape: t.shape, byteOffset: offset, byteLength, layout: "row-major" };
  offset += byteLength;
}

const manifest = { format: "wg-weights-manifest", version: 1, endianness: "little", tensors: manifestTensors };

const consts: Record<string, unknown> = {};
for (const t of sorted) consts[t.name] = { dataType: "float16", shape: t.shape, init: { kind: "weights", ref: t.name } };

const node = (id: string, op: string, inputs: string[], options: Record<string, unknown> = {}) => ({ id, op, inputs, options, outputs: null });

const graph = {
  format: "webnn-graph-json",
  version: 2,
  name: "SmallCNN",
  quantized: false,
  inputs: { image: { dataType: "float16", shape: [1, 3, 32, 32] } },
  consts,
  nodes: [
    node("conv1", "conv2d", ["image", "conv1_w"], { padding: [1, 1, 1, 1], bias: "conv1_b" }),
    node("relu1", "relu", ["conv1"]),
    node("conv2", "conv2d", ["relu1", "conv2_w"], { strides: [2, 2], bias: "conv2_b" }),
    node("relu2", "relu", ["conv2"]),
    node("pooled", "reduceMean", ["relu2"], { axes: [2, 3], keepDimensions: false }),
    node("flat", "reshape", ["pooled"], { newShape: [1, 16] }),
    node("logits0", "matmul", ["flat", "fc_w"]),
    node("logits", "add", ["logits0", "fc_b"]),
    node("probabilities", "softmax", ["logits"], { axis: 1 }),
  ],
  outputs: { probabilities: "probabilities" },
};

mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(join(OUT_DIR, `${STEM}.webnn.json`), JSON.stringify(graph, null, 2) + "\n");
writeFileSync(join(OUT_DIR, `${STEM}.manifest.json`), JSON.stringify(manifest, null, 2) + "\n");
writeFileSync(join(OUT_DIR, `${STEM}.weights`), file);
console.log(`wrote examples/${STEM}.webnn.json, examples/${STEM}.manifest.json, examples/${STEM}.weights (${total} bytes)`);
