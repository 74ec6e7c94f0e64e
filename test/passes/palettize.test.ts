// palettize: weights stored as keys into a k-means lookup table and expanded by
// constexpr_lut_to_dense — keys packed into bytes at iOS 16/17, a uintN tensor at iOS 18.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { M, W, weightsModel, weightsModelInput } from "./weights-model.js";
import { programFunction, type MilOperation } from "../../src/mil/program.js";
import { validateProgram } from "../../src/mil/validate.js";
import { readPackage } from "../../src/packaging/reader.js";
import { palettize, palettizeGroups, parseCompressMode, type PaletteBits } from "../../src/passes/compress-weights.js";
import { assignNearest, kmeans1d } from "../../src/passes/kmeans.js";
import { constexprLutToDense } from "../../src/runtime/kernels/palettization.js";
import { KernelArgs } from "../../src/runtime/kernels/common.js";
import { makeTensor, numericView } from "../../src/runtime/tensor.js";
import { runPackage, tensorValues } from "../../src/run-package.js";

const model = weightsModel;
const input = weightsModelInput;
function rmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

describe("k-means (1-D)", () => {
  it("finds well separated clusters and assigns every value to its nearest centroid", () => {
    const centers = [-1, -0.25, 0.5, 2];
    const v = Float64Array.from({ length: 4000 }, (_, i) => centers[i % 4] + Math.sin(i) * 0.01);
    const c = kmeans1d(v, 4);
    Array.from(c).forEach((x, j) => expect(Math.abs(x - centers[j])).toBeLessThan(0.01));
    const keys = assignNearest(v, c);
    keys.forEach((k, i) => expect(k).toBe(i % 4));
  });

  it("keeps a tensor of few distinct values exactly, and is deterministic", () => {
    const v = Float64Array.from({ length: 5000 }, (_, i) => [0.5, -3, 7][i % 3]);
    const c = kmeans1d(v, 4);
    expect(new Set(c)).toEqual(new Set([-3, 0.5, 7]));
    const keys = assignNearest(v, c);
    keys.forEach((k, i) => expect(c[k]).toBe(v[i]));
    const w = Float64Array.from({ length: 1 << 20 }, (_, i) => Math.sin(i * 1.7) ** 3);
    expect(Array.from(kmeans1d(w, 16))).toEqual(Array.from(kmeans1d(w, 16)));
  });

  it("samples large tensors without lining up with their layout (3×3 kernels: every tap counts)", () => {
    // [512, 512, 3, 3] has 9 × 2^18 elements: a regular stride would see one tap of each kernel.
    const n = 512 * 512 * 9;
    const w = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7071) * (i % 9 === 4 ? 0.5 : 0.005));
    const c = kmeans1d(w, 16);
    const keys = assignNearest(w, c);
    let se = 0, ss = 0;
    for (let i = 4; i < n; i += 9) { se += (c[keys[i]] - w[i]) ** 2; ss += w[i] ** 2; }
    expect(Math.sqrt(se / ss)).toBeLessThan(0.1); // the centre taps are fitted too (a stride of 9 left them at 0.29)
    // A tap that is 0 in every kernel must not make the table all zeros.
    const z = Float64Array.from({ length: n }, (_, i) => (i % 9 === 0 ? 0 : Math.cos(i)));
    expect(new Set(kmeans1d(z, 16)).size).toBe(16);
  });

  it("beats a uniform grid of the same size on smooth weights", () => {
    const w = Float64Array.from({ length: 20000 }, (_, i) => Math.tanh(Math.sin(i * 0.123) * 3) * 0.1);
    const c = kmeans1d(w, 16);
    const grid = Float64Array.from({ length: 16 }, (_, j) => -0.1 + (0.2 * j) / 15);
    const err = (t: Float64Array) => rmse(Array.from(assignNearest(w, t), (k) => t[k]), w);
    expect(err(c)).toBeLessThan(err(grid));
  });
});

describe("constexpr_lut_to_dense (reference runtime)", () => {
  it("iOS 16 form: 2-bit keys packed from the low bits of each byte", () => {
    // keys 0,1,2,3,3 → byte 0 = 0b11100100, byte 1 = 0b00000011
    const out = constexprLutToDense(new KernelArgs({
      indices: makeTensor("uint8", [2], [0b11100100, 0b11]),
      lut: makeTensor("fp32", [4], [10, 20, 30, 40]),
      shape: makeTensor("uint32", [1], [5]),
    }), {} as never, {} as never)[0];
    expect(Array.from(numericView(out))).toEqual([10, 20, 30, 40, 40]);
  });

  it("iOS 18 form: per-group tables and vector entries (coremltools' documented cases)", () => {
    const grouped = constexprLutToDense(new KernelArgs({
      indices: makeTensor("uint2", [6, 2], [2, 3, 3, 0, 1, 0, 3, 0, 2, 1, 0, 3]),
      lut: makeTensor("fp16", [2, 1, 4, 1], [1, 5, 9, 13, 2, 10, 18, 26]),
    }), {} as never, {} as never)[0];
    expect(Array.from(numericView(grouped))).toEqual([9, 13, 13, 1, 5, 1, 26, 2, 18, 10, 2, 26]);
    const vec = (axis: number) => numericView(constexprLutToDense(new KernelArgs({
      indices: makeTensor("uint1", [2, 2, 2], [0, 0, 1, 0, 1, 1, 0, 0]),
      lut: makeTensor("int8", [1, 1, 1, 2, 3], [1, 2, 3, -1, -2, -3]),
      vector_axis: makeTensor("int32", [], [axis]),
    }), {} as never, {} as never)[0]);
    expect(Array.from(vec(2))).toEqual([1, 2, 3, 1, 2, 3, -1, -2, -3, 1, 2, 3, -1, -2, -3, -1, -2, -3, 1, 2, 3, 1, 2, 3]);
    expect(Array.from(vec(1))).toEqual([1, 1, 2, 2, 3, 3, -1, 1, -2, 2, -3, 3, -1, -1, -2, -2, -3, -3, 1, 1, 2, 2, 3, 3]);
  });
});

describe("compress: palettize", () => {
  for (const target of ["ios16", "ios17", "ios18"] as const) {
    for (const bits of [1, 2, 4, 6, 8] as PaletteBits[]) {
      it(`${bits}-bit at ${target}: constexpr_lut_to_dense, weight.bin shrinks, the package computes with the palettized weights`, async () => {
        const plain = await convertGraph(model(), { target });
        const packed = await convertGraph(model(), { target, compress: { mode: "palettize", bits } });
        const read = readPackage(packed);
        const fn = programFunction(read.parsed.program);
        const luts = fn.operations.filter((o) => o.type === "constexpr_lut_to_dense");
        expect(luts).toHaveLength(2);
        if (target === "ios18") expect(fn.operations.find((o) => o.name === luts[0].inputs.indices[0])?.value?.type.dataType).toBe(`uint${bits}`);
        else expect(luts[0].inputs.shape).toBeDefined();
        expect(validateProgram(read.parsed.program, Number(target.slice(3)))).toEqual([]);
        expect(packed.stats.blobBytes / plain.stats.blobBytes).toBeLessThan(bits / 32 + 0.1); // plus the table: 256 entries weigh on tensors this small
        const pw = palettize(W, bits, "fp32");
        const pm = palettize(M, bits, "fp32");
        const w = Float32Array.from(pw.keys, (k) => pw.lut[k]);
        const m = Float32Array.from(pm.keys, (k) => pm.lut[k]);
        const expected = tensorValues((await runPackage(await convertGraph(model(w, m), { target }), { x: input() })).y);
        const got = tensorValues((await runPackage(read, { x: input() })).y);
        got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5 + 1e-4 * Math.abs(expected[i])));
        // k-means error shrinks with more bits; at 8 bits well under 1% of the weights' range.
        if (bits === 8) expect(rmse(w, W)).toBeLessThan(0.6 / 256);
      });
    }
  }

  it("iOS 18, a table per group of output channels: the lut has one table per group, and the package computes with them", async () => {
    const read = readPackage(await convertGraph(model(), { target: "ios18", compress: { mode: "palettize", bits: 2, groupSize: 8 } }));
    const fn = programFunction(read.parsed.program);
    const lutOf = (o: MilOperation) => fn.operations.find((x) => x.name === o.inputs.lut[0])!.value!.type.shape;
    const luts = fn.operations.filter((o) => o.type === "constexpr_lut_to_dense");
    // conv weight [32, 16, 3, 3]: 4 groups along axis 0; matmul weight [64, 48]: 6 groups along axis 1.
    expect(luts.map(lutOf)).toEqual([[4, 1, 1, 1, 4, 1], [1, 6, 4, 1]]);
    expect(validateProgram(read.parsed.program, 18)).toEqual([]);
    const pw = palettizeGroups(W, [32, 16, 3, 3], 0, 8, 2, "fp32");
    const pm = palettizeGroups(M, [64, 48], 1, 8, 2, "fp32");
    const inner = [9 * 16, 1];
    const w = Float32Array.from(pw.keys, (k, i) => pw.luts[Math.floor(i / inner[0] / 8) * 4 + k]);
    const m = Float32Array.from(pm.keys, (k, i) => pm.luts[Math.floor((i % 48) / 8) * 4 + k]);
    const expected = tensorValues((await runPackage(await convertGraph(model(w, m), { target: "ios18" }), { x: input() })).y);
    const got = tensorValues((await runPackage(read, { x: input() })).y);
    got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5 + 1e-4 * Math.abs(expected[i])));
    // Per-group tables fit better than one table for the whole weight.
    const one = palettize(W, 2, "fp32");
    expect(rmse(w, W)).toBeLessThan(rmse(Float32Array.from(one.keys, (k) => one.lut[k]), W));
    await expect(convertGraph(model(), { target: "ios17", compress: { mode: "palettize", bits: 2, groupSize: 8 } })).rejects.toThrow(/iOS 18/);
    expect(parseCompressMode("palettize:4:16")).toEqual({ mode: "palettize", bits: 4, groupSize: 16 });
  });

  it("float16 weights get a float16 table; bad bit counts and targets before iOS 16 are refused", async () => {
    const packed = await convertGraph(model(), { target: "ios18", precision: "float16", compress: { mode: "palettize", bits: 6 } });
    const fn = programFunction(readPackage(packed).parsed.program);
    const lut = fn.operations.find((o) => o.name === fn.operations.find((x) => x.type === "constexpr_lut_to_dense")!.inputs.lut[0]);
    expect(lut?.value?.type).toEqual({ dataType: "fp16", shape: [1, 1, 1, 1, 64, 1] });
    await expect(convertGraph(model(), { target: "ios17", compress: { mode: "palettize", bits: 3 as PaletteBits } })).rejects.toThrow(/1, 2, 4, 6 or 8 bits/);
    await expect(convertGraph(model(), { target: "ios15", compress: { mode: "palettize" } })).rejects.toThrow(/iOS 16 or later/);
  });

  it("leaves weights holding Infinity or NaN uncompressed", async () => {
    const w = W.slice();
    w[7] = Infinity;
    const fn = programFunction(readPackage(await convertGraph(model(w), { target: "ios17", compress: { mode: "palettize" } })).parsed.program);
    expect(fn.operations.filter((o) => o.type === "constexpr_lut_to_dense")).toHaveLength(1);
  });
});
