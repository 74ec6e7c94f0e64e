// The fusion passes: each pattern as exporters spell it becomes the one MIL op, and the package
// computes what the spelled-out graph does (the reference runtime on both); a pattern whose
// inner value is read elsewhere stays as it is.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import type { MLOperand } from "../../src/graph/operand.js";
import { programFunction } from "../../src/mil/program.js";
import { readPackage } from "../../src/packaging/reader.js";
import { OPTIMIZING_PASSES, PASS_PIPELINE, runPasses } from "../../src/passes/index.js";
import { lowerGraph } from "../../src/lowering/lower-graph.js";
import { executeProgram } from "../../src/runtime/execute.js";
import { makeTensor, readNumbers } from "../../src/runtime/tensor.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";

const values = (n: number, scale = 3) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + 0.2) * scale);

/** The fused program's ops, and its outputs against the same program through the pipeline without the fusions. */
async function fused(build: (b: MLGraphBuilder, x: MLOperand) => Record<string, MLOperand>, shape = [2, 3, 8], target: "ios17" | "ios18" = "ios17") {
  const b = new MLGraphBuilder();
  const lowered = lowerGraph(b.buildSync(build(b, b.input("x", { dataType: "float32", shape }))), { target });
  const ctx = { target: lowered.target };
  const withFusions = runPasses(lowered.program, ctx);
  const without = runPasses(lowered.program, ctx, PASS_PIPELINE.filter((p) => !OPTIMIZING_PASSES.has(p.name)));
  const x = makeTensor("fp32", shape, values(shape.reduce((m, d) => m * d, 1)));
  const [a, c0] = [executeProgram(withFusions, { x }), executeProgram(without, { x })];
  const ops = programFunction(withFusions).operations.map((o) => o.type).filter((t) => t !== "const");
  const worst = Math.max(...Object.keys(c0).map((k) => Math.max(...readNumbers(a[k]).map((v, i) => Math.abs(v - readNumbers(c0[k])[i])))));
  return { ops, worst };
}

const c = (b: MLGraphBuilder, v: number) => b.constant({ dataType: "float32", shape: [] }, new Float32Array([v]));

describe("fusions", () => {
  it("gelu exact, in the orders exporters write it: (x·F)·0.5, (x·0.5)·F, x·(F·0.5); x/√2 and x·(1/√2)", async () => {
    const factor = (b: MLGraphBuilder, x: MLOperand, div: boolean) => b.add(b.erf(div ? b.div(x, c(b, Math.SQRT2)) : b.mul(x, c(b, Math.SQRT1_2))), c(b, 1));
    for (const form of [0, 1, 2]) {
      const r = await fused((b, x) => {
        const f = factor(b, x, form !== 2);
        const y = form === 0 ? b.mul(b.mul(x, f), c(b, 0.5)) : form === 1 ? b.mul(b.mul(x, c(b, 0.5)), f) : b.mul(x, b.mul(f, c(b, 0.5)));
        return { y };
      });
      expect(r.ops, `form ${form}`).toEqual(["gelu"]);
      expect(r.worst).toBeLessThanOrEqual(1e-6);
    }
  });

  it("gelu tanh (x³ as pow or x·x·x) and silu", async () => {
    for (const pow of [true, false]) {
      const r = await fused((b, x) => {
        const cube = pow ? b.pow(x, c(b, 3)) : b.mul(b.mul(x, x), x);
        const inner = b.mul(b.add(x, b.mul(cube, c(b, 0.044715))), c(b, Math.sqrt(2 / Math.PI)));
        return { y: b.mul(b.mul(x, c(b, 0.5)), b.add(c(b, 1), b.tanh(inner))) };
      });
      expect(r.ops).toEqual(["gelu"]);
      expect(r.worst).toBeLessThanOrEqual(1e-5);
    }
    // hard swish and hard sigmoid as exporters decompose them: clip(x + 3, 0, 6) / 6 (· x).
    const six = (b: MLGraphBuilder, x: MLOperand) => b.clamp(b.add(x, c(b, 3)), { minValue: 0, maxValue: 6 });
    const hs = await fused((b, x) => ({ y: b.div(b.mul(x, six(b, x)), c(b, 6)), z: b.mul(six(b, x), c(b, 1 / 6)) }));
    expect(hs.ops.sort()).toEqual(["mul", "sigmoid_hard", "sigmoid_hard"]);
    expect(hs.worst).toBeLessThanOrEqual(1e-6);
    const s = await fused((b, x) => ({ y: b.mul(b.sigmoid(x), x) }));
    expect(s.ops).toEqual(["silu"]);
    expect(s.worst).toBeLessThanOrEqual(1e-6);
  });

  it("linear from matmul with a constant weight and a bias add, plain and transposed weights; identities go", async () => {
    const w = (b: MLGraphBuilder, shape: number[]) => b.constant({ dataType: "float32", shape }, Float32Array.from(values(shape[0] * shape[1], 0.5)));
    const r = await fused((b, x) => ({ y: b.identity(b.add(b.matmul(x, w(b, [8, 5])), w(b, [1, 5]))) }));
    expect(r.ops).toEqual(["linear"]);
    expect(r.worst).toBeLessThanOrEqual(1e-5);
    const g = await fused((b, x) => ({ y: b.gemm(x, w(b, [4, 8]), { c: w(b, [1, 4]), bTranspose: true }) }), [3, 8]);
    expect(g.ops).toEqual(["linear"]);
    expect(g.worst).toBeLessThanOrEqual(1e-5);
  });

  it("linear without a bias (zeros, as coremltools writes it) from a transposed weight, and on rank-4 channels-last values", async () => {
    const w = (b: MLGraphBuilder, shape: number[]) => b.constant({ dataType: "float32", shape }, Float32Array.from(values(shape[0] * shape[1], 0.5)));
    // A weight already [N, K] (Gemm's transB): no copy. One [K, N] stays the matmul's.
    const plain = await fused((b, x) => ({ y: b.gemm(x, w(b, [5, 8]), { bTranspose: true }) }), [3, 8]);
    expect(plain.ops).toEqual(["linear"]);
    expect(plain.worst).toBeLessThanOrEqual(1e-5);
    expect((await fused((b, x) => ({ y: b.matmul(x, w(b, [8, 5])) }))).ops).toEqual(["matmul"]);
    const nhwc = await fused((b, x) => ({ y: b.add(b.matmul(x, w(b, [8, 6])), w(b, [1, 6])) }), [1, 2, 3, 8]);
    expect(nhwc.ops).toEqual(["linear"]);
    expect(nhwc.worst).toBeLessThanOrEqual(1e-5);
    // Rank 5 stays a matmul and an add.
    const five = await fused((b, x) => ({ y: b.add(b.matmul(x, w(b, [8, 6])), w(b, [1, 6])) }), [1, 2, 1, 3, 8]);
    expect(five.ops).toEqual(["matmul", "add"]);
  });

  it("arithmetic by neutral constants goes (x·1, x/1, x+0, x−0); a broadcasting one stays", async () => {
    const k = (b: MLGraphBuilder, v: number, shape = [8]) => b.constant({ dataType: "float32", shape }, new Float32Array(shape.reduce((m, d) => m * d, 1)).fill(v));
    const r = await fused((b, x) => ({ y: b.relu(b.sub(b.add(b.div(b.mul(k(b, 1), x), k(b, 1)), k(b, 0)), k(b, 0))) }));
    expect(r.ops).toEqual(["relu"]);
    const grow = await fused((b, x) => ({ y: b.relu(b.mul(x, k(b, 1, [4, 2, 3, 8]))) }));
    expect(grow.ops).toEqual(["mul", "relu"]);
    expect(grow.worst).toBe(0);
  });

  it("rsqrt from 1/√(v + ε), ε taken in; RMSNorm as T5 and Llama export it", async () => {
    const r = await fused((b, x) => {
      const ms = b.reduceMean(b.pow(x, c(b, 2)), { axes: [2], keepDimensions: true });
      return { y: b.mul(x, b.div(c(b, 1), b.sqrt(b.add(ms, c(b, 1e-6))))) };
    });
    expect(r.ops).toEqual(["pow", "reduce_mean", "rsqrt", "mul"]);
    expect(r.worst).toBeLessThanOrEqual(1e-5);
    const bare = await fused((b, x) => ({ y: b.div(c(b, 1), b.sqrt(b.abs(x))) }));
    expect(bare.ops).toEqual(["abs", "rsqrt"]);
    expect(bare.worst).toBeLessThanOrEqual(1e-4);
  });

  it("a gather's index wrap and clamp go where the indices are an argmax over an axis no longer than the gathered one", async () => {
    const table = (b: MLGraphBuilder, n: number) => b.constant({ dataType: "float32", shape: [n, 4] }, Float32Array.from(values(n * 4)));
    const r = await fused((b, x) => ({ y: b.gather(table(b, 8), b.argMax(x, 2, { outputDataType: "int32" })) }));
    expect(r.ops).toEqual(["reduce_argmax", "gather"]);
    expect(r.worst).toBe(0);
    // A shorter table may be indexed out of range: the clamp stays.
    const short = await fused((b, x) => ({ y: b.gather(table(b, 5), b.argMax(x, 2, { outputDataType: "int32" })) }));
    expect(short.ops).toContain("minimum");
    expect(short.worst).toBe(0);
  });

  it("a channels-last block's transposes out and back in go (ConvNeXt's layer scale and residual)", async () => {
    const r = await fused((b, x) => {
      const scale = b.constant({ dataType: "float32", shape: [3, 1, 1] }, new Float32Array([0.5, 2, -1]));
      const nhwc = b.transpose(x, { permutation: [0, 2, 3, 1] });
      const block = b.add(b.mul(scale, b.transpose(b.relu(nhwc), { permutation: [0, 3, 1, 2] })), x);
      return { y: b.softmax(b.transpose(block, { permutation: [0, 2, 3, 1] }), 3) };
    }, [1, 3, 4, 5]);
    // relu(transpose) transposed back is relu(x): one transpose is left, before the softmax.
    expect(r.ops).toEqual(["relu", "mul", "add", "transpose", "softmax"]);
    expect(r.worst).toBeLessThanOrEqual(1e-6);
  });

  it("a roll (concat of a value's ranges along one axis) is one gather; a strided slice stays", async () => {
    const r = await fused((b, x) => ({ y: b.concat([b.slice(x, [0, 0, 3], [2, 3, 5]), b.slice(x, [0, 0, 0], [2, 3, 3])], 2) }));
    expect(r.ops).toEqual(["gather"]);
    expect(r.worst).toBe(0);
    const strided = await fused((b, x) => ({ y: b.concat([b.slice(x, [0, 0, 0], [2, 3, 4], { strides: [1, 1, 2] }), b.slice(x, [0, 0, 1], [2, 3, 4], { strides: [1, 1, 2] })], 2) }));
    expect(strided.ops).toContain("concat");
  });

  it("one constant index: a slice that drops the axis (qkv[0]), also on 5-D values", async () => {
    const r = await fused((b, x) => ({ y: b.gather(b.reshape(x, [2, 3, 2, 2, 2]), b.constant({ dataType: "int32", shape: [] }, new Int32Array([-1])), { axis: 1 }) }));
    expect(r.ops).toEqual(["reshape", "slice_by_index"]);
    expect(r.worst).toBe(0);
  });

  it("layer_norm and instance_norm from their decompositions (÷√(v+ε) or ·1/√(v+ε), d² or d·d), with the scale and shift taken in", async () => {
    const norm = (b: MLGraphBuilder, x: MLOperand, axes: number[], form: number) => {
      const mean = (v: MLOperand) => b.reduceMean(v, { axes, keepDimensions: true });
      const d = b.sub(x, mean(x));
      const v = mean(form === 1 ? b.mul(d, d) : b.pow(d, c(b, 2)));
      const root = b.sqrt(b.add(v, c(b, 1e-5)));
      return form === 2 ? b.mul(d, b.div(c(b, 1), root)) : b.div(d, root);
    };
    const k = (b: MLGraphBuilder, shape: number[], scale: number) => b.constant({ dataType: "float32", shape }, Float32Array.from(values(shape.reduce((m, x) => m * x, 1), scale)));
    for (const form of [0, 1, 2]) {
      const r = await fused((b, x) => ({ y: b.add(b.mul(norm(b, x, [2], form), k(b, [8], 1)), k(b, [8], 0.5)) }));
      expect(r.ops, `form ${form}`).toEqual(["layer_norm"]);
      expect(r.worst).toBeLessThanOrEqual(1e-5);
    }
    const inst = await fused((b, x) => ({ y: b.add(b.mul(norm(b, x, [2, 3], 0), k(b, [3, 1, 1], 1)), k(b, [3, 1, 1], 0.5)) }), [2, 3, 4, 5]);
    expect(inst.ops).toEqual(["instance_norm"]);
    expect(inst.worst).toBeLessThanOrEqual(1e-5);
    // Axes that are not the trailing ones stay decomposed.
    const lead = await fused((b, x) => ({ y: norm(b, x, [1], 0) }));
    expect(lead.ops).toContain("reduce_mean");
  });

  it("a conv's batch norm, per-channel scale and bias go into its weight and bias", async () => {
    const k = (b: MLGraphBuilder, shape: number[], scale: number, offset = 0) => b.constant({ dataType: "float32", shape }, Float32Array.from(values(shape.reduce((m, x) => m * x, 1), scale), (v) => v + offset));
    const r = await fused((b, x) => {
      const y = b.conv2d(x, k(b, [4, 3, 3, 3], 0.5), { padding: [1, 1, 1, 1], bias: k(b, [4], 1) });
      const bn = b.batchNormalization(y, k(b, [4], 1), k(b, [4], 0.5, 2), { scale: k(b, [4], 1), bias: k(b, [4], 1), epsilon: 1e-3 });
      return { y: b.add(b.mul(bn, k(b, [4, 1, 1], 2)), k(b, [1, 4, 1, 1], 1)) };
    }, [1, 3, 6, 6]);
    expect(r.ops).toEqual(["conv"]);
    expect(r.worst).toBeLessThanOrEqual(1e-4);
    // A scale along the width is not per channel: it stays.
    const wide = await fused((b, x) => ({ y: b.mul(b.conv2d(x, k(b, [4, 3, 3, 3], 0.5)), k(b, [4], 1)) }), [1, 3, 6, 6]);
    expect(wide.ops).toEqual(["conv", "mul"]);
  });

  it("leaky_relu and prelu from select(x ≥ 0, x, α·x) (WebNN's prelu) and max(x, α·x)", async () => {
    const leaky = await fused((b, x) => ({ y: b.prelu(x, c(b, 0.1)), z: b.max(x, b.mul(x, c(b, 0.2))) }));
    expect(leaky.ops).toEqual(["leaky_relu", "leaky_relu"]);
    expect(leaky.worst).toBeLessThanOrEqual(1e-6);
    const slope = (b: MLGraphBuilder) => b.constant({ dataType: "float32", shape: [3, 1, 1] }, new Float32Array([0.1, 0.25, 0.5]));
    const p = await fused((b, x) => ({ y: b.prelu(x, slope(b)) }), [1, 3, 4, 5]);
    expect(p.ops).toEqual(["prelu"]);
    expect(p.worst).toBeLessThanOrEqual(1e-6);
    // max(x, 2x) is not a leaky relu.
    expect((await fused((b, x) => ({ y: b.max(x, b.mul(x, c(b, 2))) }))).ops).toEqual(["mul", "maximum"]);
  });

  it("a 1-D conv spelled as reshape → conv2d → reshape is one conv on the rank-3 value", async () => {
    for (const unitLast of [true, false]) {
      const r = await fused((b, x) => {
        const kernel = unitLast ? [4, 3, 3, 1] : [4, 3, 1, 3];
        const w = b.constant({ dataType: "float32", shape: kernel }, Float32Array.from(values(36, 0.5)));
        const x4 = b.reshape(x, unitLast ? [2, 3, 8, 1] : [2, 3, 1, 8]);
        const y = b.conv2d(x4, w, { padding: unitLast ? [1, 1, 0, 0] : [0, 0, 1, 1], strides: unitLast ? [2, 1] : [1, 2], bias: b.constant({ dataType: "float32", shape: [4] }, new Float32Array([1, 2, 3, 4])) });
        return { y: b.reshape(y, [2, 4, 4]) };
      });
      expect(r.ops, unitLast ? "[N, C, L, 1]" : "[N, C, 1, L]").toEqual(["conv"]);
      expect(r.worst).toBeLessThanOrEqual(1e-5);
    }
  });

  it("a compressed weight is transposed in its stored form (int8 at iOS 17 and 18)", async () => {
    for (const target of ["ios17", "ios18"] as const) {
      const b = new MLGraphBuilder();
      const x = b.input("x", { dataType: "float32", shape: [2, 16] });
      const q = b.constant({ dataType: "int8", shape: [16, 4] }, Int8Array.from(values(64, 100).map(Math.round)));
      const s = b.constant({ dataType: "float32", shape: [1, 4] }, Float32Array.of(0.01, 0.02, 0.03, 0.04));
      const z = b.constant({ dataType: "int8", shape: [1, 4] }, Int8Array.of(0, 1, -1, 2));
      const bias = b.constant({ dataType: "float32", shape: [4] }, Float32Array.of(1, 2, 3, 4));
      const w = b.dequantizeLinear(q, s, z);
      const pkg = await convertGraph(b.buildSync({ y: b.add(b.matmul(x, w), bias) }), { target });
      const ops = programFunction(readPackage(pkg).parsed.program).operations.map((o) => o.type).filter((t) => t !== "const");
      expect(ops).toEqual([target === "ios18" ? "constexpr_blockwise_shift_scale" : "constexpr_affine_dequantize", "linear"]);
      const xv = values(32);
      const out = tensorValues((await runPackage(pkg, { x: tensorFromNumbers("float32", [2, 16], xv) })).y);
      const qv = values(64, 100).map(Math.round), sv = [0.01, 0.02, 0.03, 0.04], zv = [0, 1, -1, 2];
      const want = Array.from({ length: 8 }, (_, i) => {
        const [r, col] = [Math.floor(i / 4), i % 4];
        let acc = col + 1;
        for (let k = 0; k < 16; k++) acc += xv[r * 16 + k] * (qv[k * 4 + col] - zv[col]) * sv[col];
        return acc;
      });
      out.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-4));
    }
  });

  it("a pattern whose inner value is read elsewhere stays as it is", async () => {
    const r = await fused((b, x) => {
      const sig = b.sigmoid(x);
      return { y: b.mul(x, sig), s: sig };
    });
    expect(r.ops).toEqual(["sigmoid", "mul"]);
  });

  it("scaled_dot_product_attention at iOS 18: scale on the scores, on Q and K, or any other (onto Q); a mask; K not yet transposed", async () => {
    const [B, N, L, E] = [1, 2, 5, 8];
    const shape = [B, N, L, E];
    const rand = (b: MLGraphBuilder, sh: number[], k = 0.7) => b.constant({ dataType: "float32", shape: sh }, Float32Array.from(values(sh.reduce((m, d) => m * d, 1), k)));
    const swap = [0, 1, 3, 2];
    const forms: Array<[string, (b: MLGraphBuilder, x: MLOperand) => MLOperand, string[]]> = [
      ["scores · 1/√E", (b, q) => b.mul(b.matmul(q, b.transpose(rand(b, shape), { permutation: swap })), c(b, 1 / Math.sqrt(E))), ["transpose", "scaled_dot_product_attention"]],
      ["scores / 0.3 (another scale, onto Q)", (b, q) => b.div(b.matmul(q, b.transpose(rand(b, shape), { permutation: swap })), c(b, 0.3)), ["transpose", "mul", "scaled_dot_product_attention"]],
      // K computed (from x), so that folding does not take its scale in.
      ["Q and K each · E^-¼", (b, q) => b.matmul(b.mul(q, c(b, E ** -0.25)), b.mul(b.transpose(b.relu(q), { permutation: swap }), c(b, E ** -0.25))), ["relu", "scaled_dot_product_attention"]],
      ["+ mask", (b, q) => b.add(b.matmul(q, b.transpose(rand(b, shape), { permutation: swap })), rand(b, [1, 1, L, L], 5)), ["transpose", "mul", "scaled_dot_product_attention"]],
      ["K given as [E, S]", (b, q) => b.matmul(q, rand(b, [B, N, E, L])), ["transpose", "mul", "scaled_dot_product_attention"]],
    ];
    for (const [name, scores, ops] of forms) {
      const r = await fused((b, x) => ({ y: b.matmul(b.softmax(scores(b, x), 3), rand(b, shape)) }), shape, "ios18");
      expect(r.ops, name).toEqual(ops);
      expect(r.worst, name).toBeLessThanOrEqual(1e-5);
    }
    const old = await fused((b, x) => ({ y: b.matmul(b.softmax(b.matmul(x, b.transpose(rand(b, shape), { permutation: swap })), 3), rand(b, shape)) }), shape, "ios17");
    expect(old.ops).not.toContain("scaled_dot_product_attention");
  });

  it("layer_norm then · γ + β (constants over the normalized trailing axes) → one layer_norm; other axes stay apart", async () => {
    const gamma = (b: MLGraphBuilder, shape: number[]) => b.constant({ dataType: "float32", shape }, Float32Array.from(values(shape.reduce((m, d) => m * d, 1), 1)));
    const r = await fused((b, x) => ({ y: b.layerNormalization(x, { axes: [2], scale: gamma(b, [8]), bias: gamma(b, [8]) }) }));
    expect(r.ops).toEqual(["layer_norm"]);
    expect(r.worst).toBeLessThanOrEqual(1e-5);
    const shift = await fused((b, x) => ({ y: b.layerNormalization(x, { axes: [2], bias: gamma(b, [8]) }) }));
    expect(shift.ops).toEqual(["layer_norm"]);
    expect(shift.worst).toBeLessThanOrEqual(1e-5);
    const two = await fused((b, x) => ({ y: b.layerNormalization(x, { axes: [1, 2], scale: gamma(b, [3, 8]) }) }));
    expect(two.ops).toEqual(["layer_norm"]);
    expect(two.worst).toBeLessThanOrEqual(1e-5);
    const moved = await fused((b, x) => ({ y: b.layerNormalization(x, { axes: [1], scale: gamma(b, [3]), bias: gamma(b, [3]) }) }));
    expect(moved.ops).toContain("mul");
    expect(moved.worst).toBeLessThanOrEqual(1e-5);
  });

  it("matmul operands: a transpose of the last two axes becomes transpose_y, scales on both sides one mul on x", async () => {
    const r = await fused((b, x) => {
      const k = b.relu(x);
      return { y: b.matmul(b.mul(x, c(b, 0.5)), b.mul(b.transpose(k, { permutation: [0, 2, 1] }), c(b, 0.25))) };
    }, [2, 4, 8]);
    expect(r.ops).toEqual(["relu", "mul", "matmul"]);
    expect(r.worst).toBeLessThanOrEqual(1e-5);
  });

  it("reshape of a reshape is one reshape; transposes compose, and cancel", async () => {
    const r = await fused((b, x) => ({ y: b.reshape(b.reshape(x, [6, 8]), [3, 16]) }));
    expect(r.ops).toEqual(["reshape"]);
    expect(r.worst).toBe(0);
    const t = await fused((b, x) => ({ y: b.transpose(b.transpose(x, { permutation: [1, 0, 2] }), { permutation: [0, 2, 1] }) }));
    expect(t.ops).toEqual(["transpose"]);
    expect(t.worst).toBe(0);
    const id = await fused((b, x) => ({ y: b.relu(b.transpose(b.transpose(x, { permutation: [2, 0, 1] }), { permutation: [1, 2, 0] })) }));
    expect(id.ops).toEqual(["relu"]);
    expect(id.worst).toBe(0);
  });
});
