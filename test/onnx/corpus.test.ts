// The real-architecture corpus (test/fixtures/onnx-corpus, scripts/make-onnx-corpus.py):
// torchvision and Hugging Face architectures with seeded random weights, some quantized by ONNX
// Runtime's quantizer and one through its transformer optimizer. Each converts at iOS 17 and 18
// and runs as ONNX Runtime runs it. Tolerances, relative to the largest |output| of ONNX Runtime:
// - float32 models: 1e-4 (measured ≤ 6.7e-7);
// - quantized models, activations in float (the default) against the float model they came
//   from: 5e-2, the 8-bit weights' rounding (measured 5.9e-3 to 2.5e-2); with "exact"
//   activations against ONNX Runtime running the graph as written: 1e-5 (measured ≤ 1.7e-7;
//   ONNX Runtime's optimized integer kernels round differently, up to 2.5e-2 on llama-qdq).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { programFunction } from "../../src/mil/program.js";
import { readPackage } from "../../src/packaging/reader.js";
import { runOrt, runOurs, type Feed } from "./ort.js";

const dir = fileURLToPath(new URL("../fixtures/onnx-corpus/", import.meta.url));

interface InputSpec { dataType: Feed["dataType"]; shape: number[]; fill?: number; data?: number[]; range?: [number, number] }
interface Entry { name: string; file: string; inputs: Record<string, InputSpec>; quantized?: boolean }
const CORPUS: Entry[] = JSON.parse(readFileSync(`${dir}corpus.json`, "utf8"));

/** Fixed inputs: the listed values, a fill, token ids spread over the range, or a smooth signal. */
function feedsOf(e: Entry): Record<string, Feed> {
  return Object.fromEntries(Object.entries(e.inputs).map(([k, s]) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = s.data ?? (s.fill !== undefined ? new Array<number>(n).fill(s.fill)
      : s.range ? Array.from({ length: n }, (_, i) => s.range![0] + ((i * 37 + 11) % (s.range![1] - s.range![0])))
        : Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + 0.1) * 1.5));
    return [k, { dataType: s.dataType, shape: s.shape, data }];
  }));
}

const bytesOf = (file: string) => new Uint8Array(readFileSync(`${dir}${file}`));

/** The largest difference over every output, relative to the largest |expected| of each. */
function worst(ours: Awaited<ReturnType<typeof runOurs>>, want: Awaited<ReturnType<typeof runOrt>>): number {
  let w = 0;
  for (const [name, t] of Object.entries(want)) {
    expect(ours[name].shape, `${name} shape`).toEqual(t.shape);
    const scale = Math.max(...t.values.map(Math.abs)) || 1;
    w = Math.max(w, Math.max(...ours[name].values.map((v, i) => Math.abs(v - t.values[i]))) / scale);
  }
  return w;
}

async function computeOps(bytes: Uint8Array, target: "ios17" | "ios18"): Promise<{ ops: number; bytes: number }> {
  const pkg = await convertGraph(await importOnnx(bytes), { target });
  const ops = programFunction(readPackage(pkg).parsed.program).operations.filter((o) => o.type !== "const" && !o.type.startsWith("constexpr_")).length;
  return { ops, bytes: pkg.files.reduce((n, f) => n + f.size, 0) };
}

describe("the real-architecture ONNX corpus", () => {
  it("has the architectures it promises", () => {
    expect(CORPUS.length).toBe(30);
    expect(CORPUS.filter((e) => e.quantized).length).toBe(12);
  });

  for (const e of CORPUS) {
    it(`${e.name}: converts at iOS 17 and 18 and matches ONNX Runtime`, async () => {
      const bytes = bytesOf(e.file);
      const feeds = feedsOf(e);
      const sizes = [await computeOps(bytes, "ios17"), await computeOps(bytes, "ios18")];
      const ours = await runOurs(bytes, feeds);
      if (!e.quantized) {
        const want = await runOrt(bytes, feeds);
        expect(worst(ours, want), "iOS 17").toBeLessThanOrEqual(1e-4);
        // iOS 18 packages hold fused attention (scaled_dot_product_attention).
        expect(worst(await runOurs(bytes, feeds, {}, { target: "ios18" }), want), "iOS 18").toBeLessThanOrEqual(1e-4);
        return;
      }
      const base = bytesOf(e.file.replace(/-(dynamic|qdq)\.onnx$/, ".onnx"));
      expect(worst(ours, await runOrt(base, feeds)), "against the float model").toBeLessThanOrEqual(5e-2);
      const exact = await runOurs(bytes, feeds, { quantizedActivations: "exact" });
      expect(worst(exact, await runOrt(bytes, feeds, { optimized: false })), "exact, against ONNX Runtime").toBeLessThanOrEqual(1e-5);
      const floatOps = [(await computeOps(base, "ios17")).ops, (await computeOps(base, "ios18")).ops];
      sizes.forEach((s, i) => {
        expect(s.bytes, "package bytes").toBeLessThanOrEqual(1.2 * bytes.byteLength);
        expect(s.ops / floatOps[i], `operations against the float model at ${i ? "iOS 18" : "iOS 17"}`).toBeLessThanOrEqual(1.2);
      });
    });
  }
});
