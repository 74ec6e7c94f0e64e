// compress: conv/matmul weights stored as int8 (per output channel) or int4 (blocks) and expanded
// by constexpr operations: weight.bin shrinks, the validator and the reference runtime accept the
// program, and outputs stay within the quantization error of the float model.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { M, W, weightsModel, weightsModelInput } from "./weights-model.js";
import { validateProgram } from "../../src/mil/validate.js";
import { programFunction } from "../../src/mil/program.js";
import { readPackage } from "../../src/packaging/reader.js";
import { quantizeBlocks } from "../../src/passes/compress-weights.js";
import { runPackage, tensorValues } from "../../src/run-package.js";

const model = weightsModel;
/** The weights as the compressed package holds them: quantized and scaled back. */
function reconstructed(w: Float32Array, shape: number[], blocks: number[], qmax: number): { w: Float32Array; rmse: number } {
  const { q, scales, scaleShape } = quantizeBlocks(Float64Array.from(w), shape, blocks, qmax);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const sStrides = scaleShape.map((_, i) => scaleShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(w.length);
  let se = 0;
  for (let i = 0; i < w.length; i++) {
    let si = 0, rem = i;
    for (let d = 0; d < shape.length; d++) { const c = Math.floor(rem / strides[d]); rem -= c * strides[d]; si += Math.floor(c / blocks[d]) * sStrides[d]; }
    out[i] = q[i] * scales[si];
    se += (out[i] - w[i]) ** 2;
  }
  return { w: out, rmse: Math.sqrt(se / w.length) };
}
const input = weightsModelInput;

describe("compress-weights", () => {
  it("quantizes symmetrically per block, within half a step", () => {
    const w = Float64Array.from({ length: 24 }, (_, i) => (i - 11) / 7);
    const { q, scales, scaleShape } = quantizeBlocks(w, [4, 6], [1, 3], 7);
    expect(scaleShape).toEqual([4, 2]);
    w.forEach((v, i) => expect(Math.abs(q[i] * scales[Math.floor(i / 6) * 2 + Math.floor((i % 6) / 3)] - v)).toBeLessThanOrEqual(scales[Math.floor(i / 6) * 2 + Math.floor((i % 6) / 3)] / 2 + 1e-12));
  });

  for (const [mode, target, ops] of [["int8", "ios16", "constexpr_affine_dequantize"], ["int8", "ios17", "constexpr_affine_dequantize"], ["int8", "ios18", "constexpr_blockwise_shift_scale"], ["int4", "ios18", "constexpr_blockwise_shift_scale"]] as const) {
    it(`${mode} at ${target}: ${ops}, a smaller weight.bin, outputs near the float model's`, async () => {
      const plain = await convertGraph(model(), { target });
      const packed = await convertGraph(model(), { target, compress: { mode, blockSize: 16 } });
      const read = readPackage(packed);
      const fn = programFunction(read.parsed.program);
      expect(fn.operations.filter((o) => o.type === ops)).toHaveLength(2);
      expect(validateProgram(read.parsed.program, { ios16: 16, ios17: 17, ios18: 18 }[target])).toEqual([]);
      const ratio = packed.stats.blobBytes / plain.stats.blobBytes;
      expect(ratio).toBeLessThan(mode === "int8" ? 0.3 : 0.2);
      // The package computes exactly what the float model computes with the reconstructed weights.
      const qmax = mode === "int8" ? 127 : 7;
      const w = reconstructed(W, [32, 16, 3, 3], mode === "int8" ? [1, 16, 3, 3] : [1, 16, 3, 3], qmax);
      const m = reconstructed(M, [64, 48], mode === "int8" ? [64, 1] : [16, 1], qmax);
      const expected = tensorValues((await runPackage(await convertGraph(model(w.w, m.w), { target }), { x: input() })).y);
      const got = tensorValues((await runPackage(read, { x: input() })).y);
      got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5 + 1e-4 * Math.abs(expected[i])));
      // Reconstruction error: within half a quantization step of weights of magnitude ≤ 0.3.
      expect(w.rmse).toBeLessThan(mode === "int8" ? 0.3 / 127 : 0.3 / 7);
    });
  }

  it("leaves small weights alone, and refuses targets without constexpr operations", async () => {
    const small = await convertGraph(model(), { target: "ios17", compress: { mode: "int8", minElements: 1_000_000 } });
    expect(programFunction(readPackage(small).parsed.program).operations.some((o) => o.type.startsWith("constexpr"))).toBe(false);
    await expect(convertGraph(model(), { target: "ios15", compress: { mode: "int8" } })).rejects.toThrow(/iOS 16 or later/);
    await expect(convertGraph(model(), { target: "ios17", compress: { mode: "int4" } })).rejects.toThrow(/iOS 18/);
  });

  it("compresses float16 weights of a float16-precision conversion", async () => {
    const packed = await convertGraph(model(), { target: "ios18", precision: "float16", compress: { mode: "int8" } });
    const fn = programFunction(readPackage(packed).parsed.program);
    const dq = fn.operations.filter((o) => o.type === "constexpr_blockwise_shift_scale");
    expect(dq.map((o) => o.outputs[0].type.dataType)).toEqual(["fp16", "fp16"]);
  });
});
