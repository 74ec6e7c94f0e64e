// Section (g): package quality on the real-architecture corpus (test/fixtures/onnx-corpus):
// our non-const MIL op count against coremltools' for the same PyTorch module (recorded in
// corpus.json by scripts/make-onnx-corpus.py), at iOS 17 and 18, and the time the passes take
// with and without the fusions. Printed per model on stderr; medians and the worst ratio go
// to the results.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { importOnnx } from "../src/frontends/onnx/import.js";
import { lowerGraph } from "../src/lowering/lower-graph.js";
import { programFunction } from "../src/mil/program.js";
import { OPTIMIZING_PASSES, PASS_PIPELINE, runPasses } from "../src/passes/index.js";
import { median, now, report, ROOT, round, type Result } from "./common.js";

const dir = join(ROOT, "test/fixtures/onnx-corpus");
const corpus: Array<{ name: string; file: string; quantized?: boolean; coremltools?: { ios17?: number; ios18?: number } }> = JSON.parse(readFileSync(join(dir, "corpus.json"), "utf8"));

const r: Result = {};
const ratios: Record<"ios17" | "ios18", number[]> = { ios17: [], ios18: [] };
const passMs: number[] = [], plainMs: number[] = [];
process.stderr.write("model                                              target  ours  coremltools  ratio\n");
for (const e of corpus) {
  if (e.quantized || !e.coremltools) continue;
  const graph = await importOnnx(new Uint8Array(readFileSync(join(dir, e.file))));
  for (const target of ["ios17", "ios18"] as const) {
    const theirs = e.coremltools[target];
    if (theirs === undefined) continue;
    const lowered = lowerGraph(graph, { target });
    const ctx = { target: lowered.target };
    let t = now();
    const program = runPasses(lowered.program, ctx);
    passMs.push(now() - t);
    t = now();
    runPasses(lowered.program, ctx, PASS_PIPELINE.filter((p) => !OPTIMIZING_PASSES.has(p.name)));
    plainMs.push(now() - t);
    const ours = programFunction(program).operations.filter((o) => o.type !== "const" && !o.type.startsWith("constexpr_")).length;
    ratios[target].push(ours / theirs);
    process.stderr.write(`${e.name.slice(0, 50).padEnd(51)}${target.padEnd(8)}${String(ours).padStart(4)}  ${String(theirs).padStart(11)}  ${(ours / theirs).toFixed(2)}\n`);
  }
}
for (const target of ["ios17", "ios18"] as const) {
  r[`quality.${target}.models`] = ratios[target].length;
  r[`quality.${target}.median_ratio`] = round(median(ratios[target]), 2);
  r[`quality.${target}.worst_ratio`] = round(Math.max(...ratios[target]), 2);
  r[`quality.${target}.at_most_1`] = ratios[target].filter((x) => x <= 1).length;
}
r["quality.passes_ms"] = round(passMs.reduce((a, b) => a + b, 0), 1);
r["quality.passes_without_fusions_ms"] = round(plainMs.reduce((a, b) => a + b, 0), 1);
report(r);
