// ONNX Runtime's com.microsoft operators, each on a model the test writes, against
// onnxruntime-node (which implements them).
import { describe, expect, it } from "vitest";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { convertGraph } from "../../src/convert.js";
import { programFunction } from "../../src/mil/program.js";
import { readPackage } from "../../src/packaging/reader.js";
import { onnxModel, T, tensor, type Attr, type TensorSpec } from "./onnx-writer.js";
import { expectSameAsOrt, f32, rand, runOurs } from "./ort.js";

const MS = { "com.microsoft": 1 };

function msModel(op: string, inputs: [string, number[]][], outputs: [string, number[]][], attrs: Record<string, Attr> = {}, initializers: TensorSpec[] = []): Uint8Array {
  return onnxModel({
    nodes: [{ op, domain: "com.microsoft", inputs: [...inputs.map(([n]) => n), ...initializers.map((t) => t.name)], outputs: outputs.map(([n]) => n), attrs }],
    inputs: inputs.map(([n, s]) => [n, T.FLOAT, s]), outputs: outputs.map(([n, s]) => [n, T.FLOAT, s]), initializers,
  }, 17, { opsets: MS });
}
const f = (name: string, shape: number[], lo = -1, hi = 1) => tensor(name, T.FLOAT, shape, Float32Array.from(rand(shape.reduce((a, b) => a * b, 1), lo, hi)));

describe("com.microsoft operators", () => {
  it("Gelu, BiasGelu, FastGelu (with and without bias), QuickGelu, BiasAdd", async () => {
    const x = f32([2, 3, 8], -3, 3);
    await expectSameAsOrt(msModel("Gelu", [["x", [2, 3, 8]]], [["y", [2, 3, 8]]]), { x });
    await expectSameAsOrt(msModel("BiasGelu", [["x", [2, 3, 8]]], [["y", [2, 3, 8]]], {}, [f("bias", [8])]), { x });
    await expectSameAsOrt(msModel("FastGelu", [["x", [2, 3, 8]]], [["y", [2, 3, 8]]]), { x });
    await expectSameAsOrt(msModel("FastGelu", [["x", [2, 3, 8]]], [["y", [2, 3, 8]]], {}, [f("bias", [8])]), { x });
    await expectSameAsOrt(msModel("QuickGelu", [["x", [2, 3, 8]]], [["y", [2, 3, 8]]], { alpha: { float: 1.5 } }), { x });
  });

  it("BiasAdd (ONNX Runtime implements it for CUDA only): x + bias + skip", async () => {
    const x = f32([2, 3, 8]);
    const bias = f("bias", [8]), skip = f("skip", [2, 3, 8]);
    const got = await runOurs(msModel("BiasAdd", [["x", [2, 3, 8]]], [["y", [2, 3, 8]]], {}, [bias, skip]), { x });
    const b = bias.data as Float32Array, k = skip.data as Float32Array;
    const want = x.data.map((v, i) => Math.fround(Math.fround(v + b[i % 8]) + k[i]));
    expect(got.y.values).toEqual(want);
  });

  it("SkipLayerNormalization and SkipSimplifiedLayerNormalization, with the sum output", async () => {
    const x = f32([2, 3, 16], -2, 2);
    const skip = f32([2, 3, 16], -2, 2);
    const gamma = f("gamma", [16], 0.5, 1.5), beta = f("beta", [16]), bias = f("bias", [16]);
    const skipLn = onnxModel({
      nodes: [{ op: "SkipLayerNormalization", domain: "com.microsoft", inputs: ["x", "skip", "gamma", "beta", "bias"], outputs: ["y", "", "", "sum"], attrs: { epsilon: { float: 1e-5 } } }],
      inputs: [["x", T.FLOAT, [2, 3, 16]], ["skip", T.FLOAT, [2, 3, 16]]], outputs: [["y", T.FLOAT, [2, 3, 16]], ["sum", T.FLOAT, [2, 3, 16]]], initializers: [gamma, beta, bias],
    }, 17, { opsets: MS });
    await expectSameAsOrt(skipLn, { x, skip }, { atol: 1e-4 });
    const skipRms = onnxModel({
      nodes: [{ op: "SkipSimplifiedLayerNormalization", domain: "com.microsoft", inputs: ["x", "skip", "gamma", "bias"], outputs: ["y"], attrs: { epsilon: { float: 1e-6 } } }],
      inputs: [["x", T.FLOAT, [2, 3, 16]], ["skip", T.FLOAT, [2, 3, 16]]], outputs: [["y", T.FLOAT, [2, 3, 16]]], initializers: [gamma, bias],
    }, 17, { opsets: MS });
    await expectSameAsOrt(skipRms, { x, skip }, { atol: 1e-4 });
  });

  for (const [bits, zeros] of [[4, "packed"], [4, "none"], [8, "packed"], [4, "float"]] as const) {
    it(`MatMulNBits, ${bits}-bit, ${zeros} zero points: matches ONNX Runtime, weights kept quantized at iOS 18`, async () => {
      const [K, N, block] = [64, 24, 32];
      const blocks = K / block;
      const codes = Array.from({ length: N * K }, (_, i) => (i * 7 + (i >> 3)) % (1 << bits));
      const packed = new Uint8Array(N * K * bits / 8);
      codes.forEach((v, i) => { packed[Math.floor(i * bits / 8)] |= v << ((i * bits) % 8); });
      const scales = Float32Array.from({ length: N * blocks }, (_, i) => 0.01 + 0.002 * (i % 11));
      const zp = Array.from({ length: N * blocks }, (_, i) => (i * 5) % (1 << bits));
      const inits: TensorSpec[] = [tensor("B", T.UINT8, [N, blocks, block * bits / 8], packed), tensor("scales", T.FLOAT, [N * blocks], scales)];
      if (zeros === "packed") {
        const perRow = Math.ceil(blocks * bits / 8);
        const z = new Uint8Array(N * perRow);
        zp.forEach((v, i) => { const r = Math.floor(i / blocks), k = i % blocks; z[r * perRow + Math.floor(k * bits / 8)] |= v << ((k * bits) % 8); });
        inits.push(tensor("zp", T.UINT8, [N * perRow], z));
      } else if (zeros === "float") inits.push(tensor("zp", T.FLOAT, [N * blocks], Float32Array.from(zp)));
      const model = onnxModel({
        nodes: [{ op: "MatMulNBits", domain: "com.microsoft", inputs: ["a", ...inits.map((t) => t.name)], outputs: ["y"], attrs: { K, N, bits, block_size: block } }],
        inputs: [["a", T.FLOAT, [2, 3, K]]], outputs: [["y", T.FLOAT, [2, 3, N]]], initializers: inits,
      }, 17, { opsets: MS });
      await expectSameAsOrt(model, { a: f32([2, 3, K]) }, { atol: 1e-4 });
      const pkg = await convertGraph(await importOnnx(model), { target: "ios18" });
      const ops = programFunction(readPackage(pkg).parsed.program).operations.map((o) => o.type);
      expect(ops).toContain("constexpr_blockwise_shift_scale");
    });
  }

  it("GatherBlockQuantized (4- and 8-bit uint8 tables, with and without zero points): matches ONNX Runtime, the table kept quantized at iOS 18", async () => {
    const [V, K, block] = [6, 32, 16];
    for (const bits of [4, 8]) {
      for (const withZeros of [false, true]) {
        const data = tensor("data", T.UINT8, [V, K * bits / 8], Uint8Array.from(rand(V * K * bits / 8, 0, 255).map(Math.floor)));
        const scales = f("scales", [V, K / block], 0.01, 0.1);
        const zeros = tensor("zp", T.UINT8, [V, Math.ceil((K / block) * bits / 8)], Uint8Array.from(rand(V * Math.ceil((K / block) * bits / 8), 0, 255).map(Math.floor)));
        const model = onnxModel({
          nodes: [{ op: "GatherBlockQuantized", domain: "com.microsoft", inputs: ["data", "idx", "scales", ...(withZeros ? ["zp"] : [])], outputs: ["y"], attrs: { bits, block_size: block, gather_axis: 0, quantize_axis: 1 } }],
          inputs: [["idx", T.INT64, [2, 3]]], outputs: [["y", T.FLOAT, [2, 3, K]]], initializers: [data, scales, ...(withZeros ? [zeros] : [])],
        }, 17, { opsets: MS });
        await expectSameAsOrt(model, { idx: { dataType: "int64", shape: [2, 3], data: [0, 1, 5, 2, 3, 4] } });
        const pkg = await convertGraph(await importOnnx(model), { target: "ios18" });
        expect(programFunction(readPackage(pkg).parsed.program).operations.some((o) => o.type === "constexpr_blockwise_shift_scale"), `${bits}-bit table kept quantized`).toBe(true);
        // Known indices, negative ones counting from the end; one out of range is refused.
        const known = (idx: number[]) => onnxModel({
          nodes: [{ op: "GatherBlockQuantized", domain: "com.microsoft", inputs: ["data", "idx", "scales"], outputs: ["g"], attrs: { bits, block_size: block } }, { op: "Add", inputs: ["g", "x"], outputs: ["y"] }],
          inputs: [["x", T.FLOAT, [2, K]]], outputs: [["y", T.FLOAT, [2, K]]], initializers: [data, scales, tensor("idx", T.INT64, [2], BigInt64Array.from(idx.map(BigInt)))],
        }, 17, { opsets: MS });
        await expectSameAsOrt(known([-1, 2]), { x: f32([2, K]) });
        await expect(importOnnx(known([0, V]))).rejects.toThrow(/an index is outside \[-6, 5\]/);
      }
    }
  });

  it("EmbedLayerNormalization: word + position (+ segment) embeddings, layer-normalized; mask_index and the sum", async () => {
    const [B, S, V, H, P] = [2, 5, 20, 8, 16];
    const inits = [f("word", [V, H]), f("pos", [P, H]), f("seg", [2, H]), f("gamma", [H], 0.5, 1.5), f("beta", [H])];
    const ids = { dataType: "int32" as const, shape: [B, S], data: [1, 4, 7, 19, 0, 3, 3, 12, 5, 8] };
    const segments = { dataType: "int32" as const, shape: [B, S], data: [0, 0, 0, 1, 1, 0, 1, 1, 1, 1] };
    const mask = { dataType: "int32" as const, shape: [B, S], data: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0] };
    const model = (withSegments: boolean) => onnxModel({
      nodes: [{
        op: "EmbedLayerNormalization", domain: "com.microsoft", attrs: { epsilon: { float: 1e-5 } },
        inputs: ["ids", withSegments ? "segments" : "", "word", "pos", withSegments ? "seg" : "", "gamma", "beta", "mask"], outputs: ["y", "mask_index", "sum"],
      }],
      inputs: [["ids", T.INT32, [B, S]], ...(withSegments ? [["segments", T.INT32, [B, S]] as [string, number, number[]]] : []), ["mask", T.INT32, [B, S]]],
      outputs: [["y", T.FLOAT, [B, S, H]], ["mask_index", T.INT32, [B]], ["sum", T.FLOAT, [B, S, H]]], initializers: inits,
    }, 17, { opsets: MS });
    await expectSameAsOrt(model(true), { ids, segments, mask });
    await expectSameAsOrt(model(false), { ids, mask });
  });
});
