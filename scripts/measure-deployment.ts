// Measures the deployment options on the real ONNX models of the tests: weight.bin size and the
// largest difference from ONNX Runtime's outputs, per option. Prints the table of docs/deployment.md.
//   npx tsx scripts/measure-deployment.ts
import { readFileSync } from "node:fs";
import { convertGraph, type ConvertOptions } from "../src/convert.js";
import { importOnnx } from "../src/frontends/onnx/import.js";
import { readPackage } from "../src/packaging/reader.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../src/run-package.js";
import { runOrt } from "../test/onnx/ort.js";
import { REAL_MODELS } from "../test/onnx/real-models.js";

const OPTIONS: Array<[string, ConvertOptions]> = [
  ["float32", { target: "ios18" }],
  ["float16", { target: "ios18", precision: "float16" }],
  ["int8", { target: "ios18", compress: { mode: "int8"} }],
  ["float16 + int8", { target: "ios18", precision: "float16", compress: { mode: "int8"} }],
  ["int4 (blocks of 16)", { target: "ios18", compress: { mode: "int4", blockSize: 16} }],
];

console.log("| model | option | weight.bin | largest difference from ONNX Runtime |");
console.log("| --- | --- | --- | --- |");
for (const m of REAL_MODELS.filter((x) => !x.name.includes("op18") && !x.name.includes("silero_vad.onnx"))) {
  const bytes = new Uint8Array(readFileSync(m.path));
  const graph = await importOnnx(bytes, m.options);
  const want = await runOrt(bytes, m.feeds);
  const pinned = m.options.inputValues ?? {};
  const inputs = Object.fromEntries(Object.entries(m.feeds).filter(([k]) => !(k in pinned)).map(([k, f]) => [k, tensorFromNumbers(f.dataType === "bool" ? "uint8" : f.dataType, f.shape, f.data)]));
  for (const [label, options] of OPTIONS) {
    const pkg = await convertGraph(graph, options);
    const ours = await runPackage(readPackage(pkg), inputs);
    const diffs = Object.entries(want).map(([k, w]) => {
      const v = tensorValues(ours[k]);
      return `${k} ${w.values.reduce((worst, x, i) => Math.max(worst, Math.abs(v[i] - x)), 0).toExponential(1)}`;
    });
    console.log(`| ${m.name} | ${label} | ${(pkg.stats.blobBytes / 1024).toFixed(0)} KiB | ${diffs.join(", ")} |`);
  }
}
