// Converts the real ONNX models of the tests (test/onnx/real-models.ts: PP-OCRv4, Silero VAD)
// into packages under DIR, for Apple's readers (npm run check:coreml); a dilated convolution in
// the same forms; the quantized test models; the real-architecture corpus.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { convertFunctions, convertGraph, type ConvertOptions } from "../src/convert.js";
import { MLGraphBuilder } from "../src/graph/builder.js";
import { loadOnnxFile } from "../src/node/onnx-files.js";
import { writePackagePath } from "../src/node/package-files.js";
import { REAL_MODELS } from "../test/onnx/real-models.js";

const dir = process.argv[2];
mkdirSync(dir, { recursive: true });
// Each model at two targets, and in the deployment forms: float16 compute, int8, int4 and palettized weights.
const VARIANTS: Array<{ suffix: string; options: ConvertOptions }> = [
  { suffix: "ios15", options: { target: "ios15" } },
  { suffix: "ios18", options: { target: "ios18" } },
  { suffix: "ios17-fp16-int8", options: { target: "ios17", precision: "float16", compress: { mode: "int8", minElements: 256 } } },
  { suffix: "ios18-int4", options: { target: "ios18", compress: { mode: "int4", blockSize: 16, minElements: 256 } } },
  { suffix: "ios16-palettize4", options: { target: "ios16", compress: { mode: "palettize", bits: 4, minElements: 256 } } },
  { suffix: "ios17-fp16-palettize6", options: { target: "ios17", precision: "float16", compress: { mode: "palettize", bits: 6, minElements: 256 } } },
  { suffix: "ios18-palettize2", options: { target: "ios18", compress: { mode: "palettize", bits: 2, minElements: 256 } } },
  { suffix: "ios18-palettize4-g8", options: { target: "ios18", compress: { mode: "palettize", bits: 4, groupSize: 8, minElements: 256 } } },
  { suffix: "ios18-fp16-palettize8", options: { target: "ios18", precision: "float16", compress: { mode: "palettize", bits: 8, minElements: 256 } } },
];
let count = 0;
for (const m of REAL_MODELS) {
  const { graph } = await loadOnnxFile(m.path, m.options);
  for (const v of VARIANTS) {
    const name = `${m.path.split("/").pop()!.replace(/\.onnx$/, "")}-${v.suffix}`;
    await writePackagePath(await convertGraph(graph, { ...v.options, name }), join(dir, `${name}.mlpackage`));
    count++;
  }
}
// Multifunction packages: PP-OCRv4 detection at two input sizes, one function each.
const det = REAL_MODELS.find((m) => m.name === "PP-OCRv4 detection")!;
const sizes = { s96x128: [96, 128], s160x224: [160, 224] } as const;
const functions = await Promise.all(Object.entries(sizes).map(async ([name, [h, w]]) => ({
  name, graph: (await loadOnnxFile(det.path, { freeDimensions: { "p2o.DynamicDimension.0": 1, "p2o.DynamicDimension.1": h, "p2o.DynamicDimension.2": w } })).graph,
})));
for (const [suffix, options] of [["ios18-functions", {}], ["ios18-functions-fp16-int8", { precision: "float16", compress: { mode: "int8", minElements: 256 } }]] as const) {
  const name = `ch_PP-OCRv4_det_infer-${suffix}`;
  await writePackagePath(await convertFunctions(functions, { ...options, target: "ios18", name, defaultFunction: "s160x224" }), join(dir, `${name}.mlpackage`));
  count++;
}
// Dilated convolutions (DeepLab, U²-Net, WaveNet-style audio) in every form: compressed weights feed them.
const dilated = () => {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [1, 8, 20, 20] });
  const w = b.constant({ dataType: "float32", shape: [16, 8, 3, 3] }, Float32Array.from({ length: 16 * 8 * 9 }, (_, i) => Math.sin(i * 0.7)));
  return b.buildSync({ y: b.conv2d(x, w, { dilations: [2, 3], padding: [2, 2, 3, 3] }) });
};
for (const v of VARIANTS) {
  const name = `dilated-conv-${v.suffix}`;
  await writePackagePath(await convertGraph(dilated(), { ...v.options, compress: v.options.compress && { ...v.options.compress, minElements: 64 }, name }), join(dir, `${name}.mlpackage`));
  count++;
}
// Quantized ONNX models (test/fixtures/onnx-quantized): 8-bit weights as constexpr ops from
// iOS 16, folded on iOS 15; and "exact" activations' integer arithmetic.
const quantized = join(import.meta.dirname, "../test/fixtures/onnx-quantized");
for (const model of ["cnn-dynamic", "cnn-qdq", "cnn-qoperator", "mlp-dynamic", "mlp-qdq", "mlp-qoperator"]) {
  for (const [suffix, options, activations] of [["ios15", { target: "ios15" }, "float"], ["ios16", { target: "ios16" }, "float"], ["ios18", { target: "ios18" }, "float"], ["ios17-exact", { target: "ios17" }, "exact"]] as const) {
    const { graph } = await loadOnnxFile(join(quantized, `${model}.onnx`), { quantizedActivations: activations });
    const name = `${model}-${suffix}`;
    await writePackagePath(await convertGraph(graph, { ...options, name }), join(dir, `${name}.mlpackage`));
    count++;
  }
}
// The real-architecture corpus (test/fixtures/onnx-corpus) at iOS 17 and 18.
const corpusDir = join(import.meta.dirname, "../test/fixtures/onnx-corpus");
const corpus: Array<{ file: string }> = JSON.parse(readFileSync(join(corpusDir, "corpus.json"), "utf8"));
for (const { file } of corpus) {
  const { graph } = await loadOnnxFile(join(corpusDir, file));
  for (const target of ["ios17", "ios18"] as const) {
    const name = `corpus-${file.replace(/\.onnx$/, "")}-${target}`;
    await writePackagePath(await convertGraph(graph, { target, name }), join(dir, `${name}.mlpackage`));
    count++;
  }
}
// Image inputs (RGB with scale and bias, BGR, grayscale) and an image output, as Vision uses them.
{
  const { graph } = await loadOnnxFile(join(corpusDir, "resnet.onnx"));
  const images = [{ x: { scale: 1 / 255, bias: [-0.485, -0.456, -0.406] } }, { x: { colorSpace: "BGR" as const } }];
  for (const [i, image] of images.entries()) {
    const name = `corpus-resnet-image${i}-ios17`;
    await writePackagePath(await convertGraph(graph, { target: "ios17", name, images: image, coremlNames: { x: "image", y: "logits" } }), join(dir, `${name}.mlpackage`));
    count++;
  }
  const gray = new MLGraphBuilder();
  const x = gray.input("x", { dataType: "float32", shape: [1, 1, 16, 16] });
  const g = gray.buildSync({ y: gray.sigmoid(x) });
  await writePackagePath(await convertGraph(g, { target: "ios17", name: "gray-image-to-image", images: { x: { colorSpace: "GRAYSCALE", scale: 2, bias: [-1] }, y: { colorSpace: "GRAYSCALE" } } }), join(dir, "gray-image-to-image.mlpackage"));
  count++;
}
console.log(`wrote ${count} packages of real ONNX models (dilated convolutions, quantized models, the corpus, image features) to ${dir}`);
