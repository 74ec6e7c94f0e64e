// Measures the deployment options on the real ONNX models of the tests: weight.bin size, the
// compressed weights' reconstruction error, and the largest difference from ONNX Runtime's
// outputs, per option. Prints the table of docs/deployment.md.
//   npx tsx scripts/measure-deployment.ts
import { readFileSync } from "node:fs";
import { convertGraph, type ConvertOptions } from "../src/convert.js";
import { importOnnx } from "../src/frontends/onnx/import.js";
import type { MLGraph } from "../src/graph/operand.js";
import { lowerGraph } from "../src/lowering/lower-graph.js";
import { programFunction } from "../src/mil/program.js";
import { readPackage } from "../src/packaging/reader.js";
import { compressWeights, PASS_PIPELINE, runPasses } from "../src/passes/index.js";
import { evaluateOperation } from "../src/runtime/execute.js";
import { numericView, tensorFromConst } from "../src/runtime/tensor.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../src/run-package.js";
import { runOrt } from "../test/onnx/ort.js";
import { REAL_MODELS } from "../test/onnx/real-models.js";

const OPTIONS: Array<[string, ConvertOptions]> = [
  ["float32", { target: "ios18" }],
  ["float16", { target: "ios18", precision: "float16" }],
  ["int8", { target: "ios18", compress: { mode: "int8" } }],
  ["float16 + int8", { target: "ios18", precision: "float16", compress: { mode: "int8" } }],
  ["int4 (blocks of 16)", { target: "ios18", compress: { mode: "int4", blockSize: 16 } }],
  ["palettize 8 bits", { target: "ios18", compress: { mode: "palettize", bits: 8 } }],
  ["palettize 6 bits", { target: "ios18", compress: { mode: "palettize", bits: 6 } }],
  ["palettize 4 bits", { target: "ios18", compress: { mode: "palettize", bits: 4 } }],
  ["float16 + palettize 4 bits", { target: "ios18", precision: "float16", compress: { mode: "palettize", bits: 4 } }],
  ["palettize 8 bits, a table per 8 channels", { target: "ios18", compress: { mode: "palettize", bits: 8, groupSize: 8 } }],
  ["palettize 4 bits, a table per 8 channels", { target: "ios18", compress: { mode: "palettize", bits: 4, groupSize: 8 } }],
];

/**
 * The compressed weights against the weights they stand for: relative RMS error
 * (√(Σ(w' − w)² / Σw²)) over every compressed weight, the constexpr ops evaluated by the runtime.
 */
function weightError(graph: MLGraph, options: ConvertOptions): string {
  if (!options.compress) return "";
  const lowered = lowerGraph(graph, { target: options.target });
  const context = { target: lowered.target, precision: options.precision, compress: options.compress };
  // The pipeline up to compress-weights, then that pass on its result.
  const upTo = PASS_PIPELINE.slice(0, PASS_PIPELINE.indexOf(compressWeights));
  const prepared = runPasses(lowered.program, context, upTo);
  const before = programFunction(prepared);
  const after = programFunction(compressWeights.run(prepared, context));
  const original = new Map(before.operations.filter((o) => o.type === "const").map((o) => [o.outputs[0].name, o]));
  const consts = new Map(after.operations.filter((o) => o.type === "const").map((o) => [o.outputs[0].name, o]));
  let se = 0, ss = 0;
  for (const op of after.operations) {
    if (!op.type.startsWith("constexpr_")) continue;
    const got = numericView(evaluateOperation(op, (n) => { const c = consts.get(n)?.value; return c && tensorFromConst(c); }, { iosVersion: lowered.target.ios })[0]);
    const want = numericView(tensorFromConst(original.get(op.outputs[0].name)!.value!));
    for (let i = 0; i < want.length; i++) { se += (got[i] - want[i]) ** 2; ss += want[i] ** 2; }
  }
  return ss ? Math.sqrt(se / ss).toExponential(1) : "";
}

console.log("| model | option | weight.bin | weight error | largest difference from ONNX Runtime |");
console.log("| --- | --- | --- | --- | --- |");
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
    console.log(`| ${m.name} | ${label} | ${(pkg.stats.blobBytes / 1024).toFixed(0)} KiB | ${weightError(graph, options) || "—"} | ${diffs.join(", ")} |`);
  }
}
