// Forms that Core ML devices crash on or that Apple's readers refuse, as recorded by Chromium's
// Core ML backend and coremltools, are never emitted; each rewrite computes the same values.
// (docs/coreml-quirks.md lists them with their sources.)
import { describe, expect, it } from "vitest";
import { convertGraphDetailed } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import type { MLGraph, MLOperand } from "../../src/graph/operand.js";
import { programFunction, type MilOperation } from "../../src/mil/program.js";
import { runPackage, tensorFromNumbers, tensorValues, type WebNNTensor } from "../../src/run-package.js";

const f32 = (shape: number[]) => ({ dataType: "float32" as const, shape });
const seq = (n: number, k = 0.37) => Array.from({ length: n }, (_, i) => Math.sin(i * k) * 2);
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

async function convertAndRun(graph: MLGraph, inputs: Record<string, WebNNTensor>, target: "ios15" | "ios17" | "ios18" = "ios17") {
  const { package: pkg, lowered } = await convertGraphDetailed(graph, { target });
  const ops = programFunction(lowered.program).operations;
  const out = await runPackage(pkg, inputs);
  return { ops, out };
}

const opsOf = (ops: readonly MilOperation[], type: string) => ops.filter((o) => o.type === type);

describe("device quirks", () => {
  it("batch_norm on 5-D input runs as 4-D (crbug 391566721) and matches the element-wise form", async () => {
    const shape = [1, 3, 2, 2, 2];
    const build = (computedMean: boolean) => {
      const b = new MLGraphBuilder();
      const x = b.input("x", f32(shape));
      const mean: MLOperand = computedMean ? b.input("m", f32([3])) : b.constant(f32([3]), new Float32Array([0.1, -0.2, 0.3]));
      const variance = b.constant(f32([3]), new Float32Array([1, 2, 0.5]));
      return b.buildSync({ y: b.batchNormalization(x, mean, variance, { epsilon: 1e-3 }) });
    };
    const x = tensorFromNumbers("float32", shape, seq(count(shape)));
    const native = await convertAndRun(build(false), { x });
    const bn = opsOf(native.ops, "batch_norm");
    expect(bn).toHaveLength(1);
    expect(native.ops.find((o) => o.name === bn[0].inputs.x[0])?.outputs[0].type.shape ?? []).toHaveLength(4);
    const decomposed = await convertAndRun(build(true), { x, m: tensorFromNumbers("float32", [3], [0.1, -0.2, 0.3]) });
    expect(opsOf(decomposed.ops, "batch_norm")).toHaveLength(0);
    const a = tensorValues(native.out.y), d = tensorValues(decomposed.out.y);
    a.forEach((v, i) => expect(v).toBeCloseTo(d[i], 5));
  });

  it("layer_norm normalizes trailing, sorted axes only (crbug 356905058, 391423301), moving others there and back", async () => {
    const shape = [2, 3, 4];
    const build = (axes: number[]) => {
      const b = new MLGraphBuilder();
      const x = b.input("x", f32(shape));
      const scaleShape = axes.map((a) => shape[a]);
      const scale = b.constant(f32(scaleShape), new Float32Array(seq(count(scaleShape), 0.9)));
      return b.buildSync({ y: b.layerNormalization(x, { axes, scale }) });
    };
    const x = tensorFromNumbers("float32", shape, seq(count(shape)));
    for (const axes of [[0, 2], [2, 1], [1, 0]]) {
      const { ops, out } = await convertAndRun(build(axes), { x });
      for (const ln of opsOf(ops, "layer_norm")) {
        const axesConst = ops.find((o) => o.name === ln.inputs.axes[0])!;
        const got = [...new Int32Array(axesConst.value!.bytes!.slice().buffer)];
        const rank = ops.find((o) => o.outputs.some((v) => v.name === ln.inputs.x[0]))?.outputs[0].type.shape.length ?? 3;
        expect(got).toEqual(got.map((_, i) => rank - got.length + i));
      }
      // Reference: mean and variance over `axes`, scale permuted to the input's order.
      const vals = tensorValues(x);
      const scaleVals = seq(count(axes.map((a) => shape[a])), 0.9);
      const y = tensorValues(out.y);
      for (let i = 0; i < 24; i++) {
        const idx = [Math.floor(i / 12), Math.floor(i / 4) % 3, i % 4];
        const group: number[] = [];
        for (let j = 0; j < 24; j++) {
          const jdx = [Math.floor(j / 12), Math.floor(j / 4) % 3, j % 4];
          if (jdx.every((v, d) => axes.includes(d) || v === idx[d])) group.push(vals[j]);
        }
        const mean = group.reduce((a, v) => a + v, 0) / group.length;
        const variance = group.reduce((a, v) => a + (v - mean) ** 2, 0) / group.length;
        let sIndex = 0;
        for (const a of axes) sIndex = sIndex * shape[a] + idx[a];
        const expected = ((vals[i] - mean) / Math.sqrt(variance + 1e-5)) * scaleVals[sIndex];
        expect(y[i]).toBeCloseTo(expected, 4);
      }
    }
  });

  it("gather with 0-D indices uses [1] indices and drops the axis (crbug 391672283)", async () => {
    const shape = [2, 2, 2, 2, 3];
    const b = new MLGraphBuilder();
    const x = b.input("x", f32(shape));
    const i = b.constant({ dataType: "int32", shape: [] }, new Int32Array([1]));
    const g = b.buildSync({ y: b.gather(x, i, { axis: 4 }) });
    const xs = seq(count(shape));
    const { ops, out } = await convertAndRun(g, { x: tensorFromNumbers("float32", shape, xs) });
    for (const op of opsOf(ops, "gather")) {
      const idx = ops.find((o) => o.outputs.some((v) => v.name === op.inputs.indices[0]))!;
      expect(idx.outputs[0].type.shape.length).toBeGreaterThan(0);
    }
    expect(out.y.shape).toEqual([2, 2, 2, 2]);
    expect(tensorValues(out.y)).toEqual(xs.filter((_, k) => k % 3 === 1).map((v) => Math.fround(v)));
  });

  it("where widens its values when the condition widens the result (select's type follows a and b)", async () => {
    const b = new MLGraphBuilder();
    const c = b.input("c", { dataType: "uint8", shape: [2, 1, 1, 1] });
    const t = b.input("t", f32([2, 3]));
    const f = b.input("f", f32([2, 2, 1]));
    const g = b.buildSync({ y: b.where(c, t, f) });
    const { ops, out } = await convertAndRun(g, {
      c: tensorFromNumbers("uint8", [2, 1, 1, 1], [1, 0]), t: tensorFromNumbers("float32", [2, 3], [1, 2, 3, 4, 5, 6]), f: tensorFromNumbers("float32", [2, 2, 1], [7, 8, 9, 10]),
    });
    const select = opsOf(ops, "select")[0];
    expect(select.outputs[0].type.shape).toEqual([2, 2, 2, 3]);
    expect(out.y.shape).toEqual([2, 2, 2, 3]);
    expect(tensorValues(out.y).slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensorValues(out.y).slice(12, 18)).toEqual([7, 7, 7, 8, 8, 8]);
  });

  it("binds validate_indices, batch_dims and pad's constant_val explicitly", async () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([3, 4]));
    const i = b.input("i", { dataType: "int32", shape: [2] });
    const p = b.pad(x, [1, 1], [1, 1], { mode: "edge" });
    const g = b.buildSync({ g: b.gather(x, i), e: b.gatherElements(x, b.input("j", { dataType: "int32", shape: [3, 4] })), p });
    const { ops } = await convertAndRun(g, {
      x: tensorFromNumbers("float32", [3, 4], seq(12)), i: tensorFromNumbers("int32", [2], [2, 0]), j: tensorFromNumbers("int32", [3, 4], new Array(12).fill(1)),
    });
    for (const op of [...opsOf(ops, "gather"), ...opsOf(ops, "gather_along_axis")]) expect(op.inputs.validate_indices).toBeDefined();
    for (const op of opsOf(ops, "gather")) expect(op.inputs.batch_dims).toBeDefined();
    for (const op of opsOf(ops, "pad")) expect(op.inputs.constant_val).toBeDefined();
    expect(opsOf(ops, "pad").length + opsOf(ops, "gather").length).toBeGreaterThan(1);
  });

  it("a graph without inputs gets a placeholder input that an operation reads", async () => {
    const b = new MLGraphBuilder();
    const c = b.constant(f32([2]), new Float32Array([1, -2]));
    const { package: pkg, lowered } = await convertGraphDetailed(b.buildSync({ y: b.relu(c) }));
    const fn = programFunction(lowered.program);
    expect(fn.inputs.map((i) => i.name)).toEqual(["placeholder"]);
    expect(fn.operations.some((o) => Object.values(o.inputs).flat().includes("placeholder"))).toBe(true);
    expect(tensorValues((await runPackage(pkg, {})).y)).toEqual([1, 0]);
  });
});

describe("rank limit", () => {
  it("blockwise dequantization of 5-D input keeps every value at rank 5 or less", async () => {
    const shape = [1, 2, 2, 2, 4];
    const b = new MLGraphBuilder();
    const q = b.input("q", { dataType: "int32", shape });
    const scale = b.constant(f32([1, 2, 1, 1, 2]), new Float32Array([0.5, 2, 1, 4]));
    const zp = b.constant({ dataType: "int32", shape: [1, 2, 1, 1, 2] }, new Int32Array([1, 0, -1, 2]));
    const g = b.buildSync({ y: b.dequantizeLinear(q, scale, zp) });
    const qs = Array.from({ length: 32 }, (_, i) => (i % 7) - 3);
    const { ops, out } = await convertAndRun(g, { q: tensorFromNumbers("int32", shape, qs) });
    for (const op of ops) for (const o of op.outputs) expect(o.type.shape.length, `${op.type} ${op.name}`).toBeLessThanOrEqual(5);
    const y = tensorValues(out.y);
    for (let i = 0; i < 32; i++) {
      const c = Math.floor(i / 16) % 2, w = i % 4; // strides [32, 16, 8, 4, 1]
      const k = c * 2 + Math.floor(w / 2);
      expect(y[i]).toBe((qs[i] - [1, 0, -1, 2][k]) * [0.5, 2, 1, 4][k]);
    }
  });
});

describe("weight.bin over 2 GiB", () => {
  it("is warned of (coremltools#1807), and only then", async () => {
    const { weightSizeWarning } = await import("../../src/convert.js");
    expect(weightSizeWarning(2 ** 31)).toBeUndefined();
    expect(weightSizeWarning(2 ** 31 + 64)).toMatchObject({ code: "weights-over-2gib", message: expect.stringMatching(/2147483712 bytes.*coremltools#1807/) });
  });
});
