// Graphs for the bridge tests, built the same way in Node (the oracle: runPackage) and in the
// test page (which converts them itself and loads them through the bridge). Weights come from a
// seeded generator, so both sides build byte-identical packages.
import { MLGraphBuilder } from "../../src/graph/builder.js";
import type { MLGraph } from "../../src/graph/operand.js";
import { halfBitsFromNumber } from "../../src/runtime/fp16.js";

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000 - 0.5;
  };
}

/** float32: y = relu(x · W + b), z = x * 2 (x: [2, 3]). */
export function float32Graph(): MLGraph {
  const b = new MLGraphBuilder();
  const r = random(1);
  const x = b.input("x", { dataType: "float32", shape: [2, 3] });
  const w = b.constant({ dataType: "float32", shape: [3, 4] }, Float32Array.from({ length: 12 }, r));
  const bias = b.constant({ dataType: "float32", shape: [4] }, Float32Array.from({ length: 4 }, r));
  const two = b.constant({ dataType: "float32", shape: [1] }, new Float32Array([2]));
  return b.buildSync({ y: b.relu(b.add(b.matmul(x, w), bias)), z: b.mul(x, two) });
}

/** float16 in and out: y = x * c + x (x: [8]). */
export function float16Graph(): MLGraph {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float16", shape: [8] });
  const c = b.constant({ dataType: "float16", shape: [8] }, Uint16Array.from([0.5, 1, 1.5, 2, -1, -0.25, 3, 0.125], halfBitsFromNumber));
  return b.buildSync({ y: b.add(b.mul(x, c), x) });
}

/** int32: sum = a + b, diff = a - b (a, b: [2, 2]). */
export function int32Graph(): MLGraph {
  const b = new MLGraphBuilder();
  const a = b.input("a", { dataType: "int32", shape: [2, 2] });
  const c = b.input("b", { dataType: "int32", shape: [2, 2] });
  return b.buildSync({ sum: b.add(a, c), diff: b.sub(a, c) });
}

export const LARGE_K = 2500;
export const LARGE_N = 4000;

/** y = x · W (x: [1, k], W: [k, n] float32 weights from seed 7). */
function matmulGraph(k: number, n: number): MLGraph {
  const b = new MLGraphBuilder();
  const r = random(7);
  const w = new Float32Array(k * n);
  for (let i = 0; i < w.length; i++) w[i] = r();
  const x = b.input("x", { dataType: "float32", shape: [1, k] });
  return b.buildSync({ y: b.matmul(x, b.constant({ dataType: "float32", shape: [k, n] }, w)) });
}

/** 40 MB of weights: x [1, 2500] · W [2500, 4000]. */
export const largeGraph = () => matmulGraph(LARGE_K, LARGE_N);
/** 8 MB of weights: x [1, 1000] · W [1000, 2000]. */
export const mediumGraph = () => matmulGraph(1000, 2000);

export function matmulInput(k: number): Float32Array {
  const r = random(11);
  return Float32Array.from({ length: k }, r);
}
