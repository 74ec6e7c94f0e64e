// Runs a model in ONNX Runtime (onnxruntime-node) and through webnn-coreml (importOnnx →
// convertGraph → the package's bytes run by the MIL reference runtime), and compares outputs.
import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import { convertGraph, type ConvertOptions } from "../../src/convert.js";
import { importOnnx, type OnnxImportOptions } from "../../src/frontends/onnx/import.js";
import type { MLOperandDataType } from "../../src/graph/types.js";
import { runPackage, tensorFromNumbers, tensorValues, type WebNNTensor } from "../../src/run-package.js";

export interface Feed { dataType: "float32" | "int64" | "int32" | "uint8" | "bool"; shape: number[]; data: number[] }

let seed = 12345;
/** Deterministic values in [lo, hi). */
export function rand(n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return lo + ((seed >>> 8) / 2 ** 24) * (hi - lo);
  });
}
export const f32 = (shape: number[], lo = -1, hi = 1): Feed => ({ dataType: "float32", shape, data: rand(shape.reduce((a, b) => a * b, 1), lo, hi) });

function ortTensor(f: Feed): ort.Tensor {
  switch (f.dataType) {
    case "float32": return new ort.Tensor("float32", Float32Array.from(f.data), f.shape);
    case "int64": return new ort.Tensor("int64", BigInt64Array.from(f.data.map((v) => BigInt(v))), f.shape);
    case "int32": return new ort.Tensor("int32", Int32Array.from(f.data), f.shape);
    case "uint8": return new ort.Tensor("uint8", Uint8Array.from(f.data), f.shape);
    case "bool": return new ort.Tensor("bool", Uint8Array.from(f.data), f.shape);
  }
}

function ourTensor(f: Feed): WebNNTensor {
  const t: MLOperandDataType = f.dataType === "bool" ? "uint8" : f.dataType;
  return tensorFromNumbers(t, f.shape, f.data.length ? f.data : [0]);
}

/** `optimized: false` runs the graph as written: no fused kernels (QDQ groups stay QDQ, not ONNX Runtime's integer QLinear kernels). */
export async function runOrt(model: Uint8Array, feeds: Record<string, Feed>, { optimized = true } = {}): Promise<Record<string, { shape: number[]; values: number[] }>> {
  const session = await ort.InferenceSession.create(model, optimized ? {} : { graphOptimizationLevel: "disabled" });
  const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, ortTensor(f)])));
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { shape: [...t.dims], values: Array.from(t.data as ArrayLike<number | bigint>, Number) }]));
}

export async function runOurs(model: Uint8Array, feeds: Record<string, Feed>, options: OnnxImportOptions = {}, convert: ConvertOptions = {}): Promise<Record<string, { shape: number[]; values: number[] }>> {
  const graph = await importOnnx(model, options);
  const pkg = await convertGraph(graph, { name: "Model", ...convert });
  // Pinned inputs, zero-size ones (an empty past cache) and ones nothing reads leave the model.
  const taken = new Set(graph.inputs.map((i) => i.name));
  const inputs = Object.fromEntries(Object.entries(feeds).filter(([k]) => taken.has(k)).map(([k, f]) => [k, ourTensor(f)]));
  const out = await runPackage(pkg, inputs);
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { shape: [...t.shape], values: tensorValues(t) }]));
}

/** Both runtimes give the same outputs: shapes equal, values within atol + rtol·|expected|. */
export async function expectSameAsOrt(model: Uint8Array, feeds: Record<string, Feed>, options: OnnxImportOptions & { atol?: number; rtol?: number } = {}): Promise<void> {
  const { atol = 1e-5, rtol = 1e-4, ...importOptions } = options;
  const want = await runOrt(model, feeds);
  const got = await runOurs(model, feeds, importOptions);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const g = got[name];
    expect(g.shape, `${name} shape`).toEqual(w.shape);
    let worst = 0, at = -1;
    w.values.forEach((v, i) => {
      if (Number.isNaN(v) && Number.isNaN(g.values[i])) return;
      if (v === g.values[i]) return; // equal infinities too
      const err = Math.abs(g.values[i] - v) - rtol * Math.abs(v);
      if (!(err <= atol) && (err > worst || at < 0)) { worst = err; at = i; }
    });
    expect(at, `${name}[${at}] = ${g.values[at]}, ONNX Runtime ${w.values[at]}`).toBe(-1);
  }
}
