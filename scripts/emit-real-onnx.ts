// Converts the real ONNX models of the tests (test/onnx/real-models.ts: PP-OCRv4, Silero VAD)
// into packages under DIR, for Apple's readers (npm run check:coreml).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { convertGraph } from "../src/convert.js";
import { loadOnnxFile } from "../src/node/onnx-files.js";
import { writePackagePath } from "../src/node/package-files.js";
import { REAL_MODELS } from "../test/onnx/real-models.js";

const dir = process.argv[2];
mkdirSync(dir, { recursive: true });
for (const m of REAL_MODELS) {
  const { graph } = await loadOnnxFile(m.path, m.options);
  for (const target of ["ios15", "ios18"] as const) {
    const name = `${m.path.split("/").pop()!.replace(/\.onnx$/, "")}-${target}`;
    await writePackagePath(await convertGraph(graph, { name, target }), join(dir, `${name}.mlpackage`));
  }
}
console.log(`wrote ${REAL_MODELS.length * 2} packages of real ONNX models to ${dir}`);
