// Weight compression of dilated convolutions (DeepLab, U²-Net, WaveNet-style audio): a constexpr
// output is a compile-time constant, which Core ML's conv takes with dilations (coremltools
// compresses the same pattern), so every mode converts and keeps the weight compressed.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import type { CompressOptions } from "../../src/passes/compress-options.js";
import { readPackage } from "../../src/packaging/reader.js";
import { programFunction } from "../../src/mil/program.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import type { TargetName } from "../../src/mil/target.js";

/** Deterministic values spread over [lo, hi) (no sinusoid: its outputs cancel, and any weight error looks large). */
const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + (hi - lo) * (((i * 2654435761) >>> 0) % 1000) / 1000);

function dilated() {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [1, 8, 12, 12] });
  const w = b.constant({ dataType: "float32", shape: [16, 8, 3, 3] }, Float32Array.from(spread(16 * 8 * 9, -1, 1)));
  return b.buildSync({ y: b.conv2d(x, w, { dilations: [2, 3], padding: [2, 2, 3, 3] }) });
}

const x = tensorFromNumbers("float32", [1, 8, 12, 12], spread(8 * 144, 0, 1).reverse());

describe("compressing the weight of a dilated convolution", () => {
  const cases: Array<[TargetName, CompressOptions, string, number]> = [
    ["ios16", { mode: "int8", minElements: 64 }, "constexpr_affine_dequantize", 0.01],
    ["ios16", { mode: "palettize", bits: 4, minElements: 64 }, "constexpr_lut_to_dense", 0.1],
    ["ios18", { mode: "int8", minElements: 64 }, "constexpr_blockwise_shift_scale", 0.01],
    ["ios18", { mode: "int4", blockSize: 8, minElements: 64 }, "constexpr_blockwise_shift_scale", 0.1],
    ["ios18", { mode: "palettize", bits: 2, minElements: 64 }, "constexpr_lut_to_dense", 0.3],
  ];
  for (const [target, compress, op, tolerance] of cases) {
    it(`${target} ${compress.mode}${compress.bits ?? ""}: ${op} feeds conv with its dilations`, async () => {
      const plain = tensorValues((await runPackage(await convertGraph(dilated(), { target }), { x })).y).map(Number);
      const pkg = await convertGraph(dilated(), { target, compress });
      const fn = programFunction(readPackage(pkg).parsed.program);
      const conv = fn.operations.find((o) => o.type === "conv")!;
      const producer = fn.operations.find((o) => o.outputs.some((v) => v.name === conv.inputs.weight[0]));
      expect(producer?.type).toBe(op);
      const got = tensorValues((await runPackage(pkg, { x })).y).map(Number);
      // The compression's own error, as root mean square relative to the output's (measured:
      // int8 0.4%, palettize 4-bit 6.9%, int4 blocks of 8 5.1%, palettize 2-bit 15%).
      const rms = (v: number[]) => Math.sqrt(v.reduce((n, a) => n + a * a, 0) / v.length);
      const error = rms(got.map((v, i) => v - plain[i])) / rms(plain);
      expect(error).toBeLessThan(tolerance);
    });
  }
});
