// ONNX Runtime's fused attention operators (com.microsoft Attention, MultiHeadAttention,
// RotaryEmbedding), each on models the test writes, against onnxruntime-node.
import { describe, expect, it } from "vitest";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { onnxModel, T, tensor, type Attr, type TensorSpec } from "./onnx-writer.js";
import { expectSameAsOrt, f32, rand, type Feed } from "./ort.js";

const MS = { "com.microsoft": 1 };
type Input = [name: string, type: number, shape: number[]];

function msModel(op: string, inputs: (Input | "")[], outputs: [string, number[]][], attrs: Record<string, Attr>, initializers: TensorSpec[] = []): Uint8Array {
  const given = inputs.filter((i): i is Input => i !== "");
  return onnxModel({
    nodes: [{ op, domain: "com.microsoft", inputs: inputs.map((i) => (i === "" ? "" : i[0])), outputs: outputs.map(([n]) => n), attrs }],
    inputs: given.filter(([n]) => !initializers.some((t) => t.name === n)).map(([n, t, s]) => [n, t, s]),
    outputs: outputs.map(([n, s]) => [n, T.FLOAT, s]), initializers,
  }, 17, { opsets: MS });
}
const w = (name: string, shape: number[], scale = 0.5) => tensor(name, T.FLOAT, shape, Float32Array.from(rand(shape.reduce((a, b) => a * b, 1), -scale, scale)));
const i32 = (shape: number[], data: number[]): Feed => ({ dataType: "int32", shape, data });

describe("com.microsoft attention operators", () => {
  const [B, S, D, N] = [2, 5, 16, 2];
  const x = f32([B, S, D]);

  it("Attention (ONNX Runtime's BERT fusion): plain, raw 2-D and 3-D masks, lengths, unidirectional, attention_bias, scale, qkv_hidden_sizes", async () => {
    const weights = [w("w", [D, 3 * D]), w("bias", [3 * D])];
    const base: (Input | "")[] = [["x", T.FLOAT, [B, S, D]], ["w", T.FLOAT, [D, 3 * D]], ["bias", T.FLOAT, [3 * D]]];
    const out: [string, number[]][] = [["y", [B, S, D]]];
    await expectSameAsOrt(msModel("Attention", base, out, { num_heads: N }, weights), { x });
    await expectSameAsOrt(msModel("Attention", base, out, { num_heads: N, unidirectional: 1, scale: { float: 0.3 } }, weights), { x });
    const raw = i32([B, S], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    await expectSameAsOrt(msModel("Attention", [...base, ["mask", T.INT32, [B, S]]], out, { num_heads: N }, weights), { x, mask: raw });
    const raw3 = i32([B, S, S], Array.from({ length: B * S * S }, (_, i) => (i % 7 === 3 ? 0 : 1)));
    await expectSameAsOrt(msModel("Attention", [...base, ["mask", T.INT32, [B, S, S]]], out, { num_heads: N, mask_filter_value: { float: -1e4 } }, weights), { x, mask: raw3 });
    await expectSameAsOrt(msModel("Attention", [...base, ["mask", T.INT32, [B]]], out, { num_heads: N }, weights), { x, mask: i32([B], [5, 3]) });
    const ab = f32([1, N, S, S]);
    await expectSameAsOrt(msModel("Attention", [...base, "", "", ["ab", T.FLOAT, [1, N, S, S]]], out, { num_heads: N }, weights), { x, ab });
    // V narrower than Q and K.
    const narrow = [w("w", [D, 2 * D + 8]), w("bias", [2 * D + 8])];
    await expectSameAsOrt(msModel("Attention", [["x", T.FLOAT, [B, S, D]], ["w", T.FLOAT, [D, 2 * D + 8]], ["bias", T.FLOAT, [2 * D + 8]]], [["y", [B, S, 8]]], { num_heads: N, qkv_hidden_sizes: [D, D, 8] }, narrow), { x });
  });

  it("Attention refuses what it does not read: past state, left-padding indices", async () => {
    const weights = [w("w", [D, 3 * D]), w("bias", [3 * D])];
    const past = msModel("Attention", [["x", T.FLOAT, [B, S, D]], ["w", T.FLOAT, [D, 3 * D]], ["bias", T.FLOAT, [3 * D]], "", ["past", T.FLOAT, [2, B, N, 3, D / N]]], [["y", [B, S, D]]], { num_heads: N }, weights);
    await expect(importOnnx(past)).rejects.toThrow(/Attention node .*past and present key\/value states are not supported/);
    const left = msModel("Attention", [["x", T.FLOAT, [B, S, D]], ["w", T.FLOAT, [D, 3 * D]], ["bias", T.FLOAT, [3 * D]], ["mask", T.INT32, [2 * B]]], [["y", [B, S, D]]], { num_heads: N }, weights);
    await expect(importOnnx(left)).rejects.toThrow(/mask_index of shape \[4\] is not supported/);
  });

  it("MultiHeadAttention: separate Q, K, V (cross attention), bias, key padding mask, split K/V, unidirectional", async () => {
    const T2 = 7;
    const kv = f32([B, T2, D]);
    const inputs: Input[] = [["q", T.FLOAT, [B, S, D]], ["k", T.FLOAT, [B, T2, D]], ["v", T.FLOAT, [B, T2, D]]];
    const out: [string, number[]][] = [["y", [B, S, D]]];
    await expectSameAsOrt(msModel("MultiHeadAttention", inputs, out, { num_heads: N }), { q: x, k: kv, v: f32([B, T2, D]) });
    await expectSameAsOrt(msModel("MultiHeadAttention", [...inputs, ["bias", T.FLOAT, [3 * D]], ["mask", T.INT32, [B, T2]]], out, { num_heads: N }, [w("bias", [3 * D])]),
      { q: x, k: kv, v: kv, mask: i32([B, T2], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]) });
    const split: Input[] = [["q", T.FLOAT, [B, S, D]], ["k", T.FLOAT, [B, N, T2, D / N]], ["v", T.FLOAT, [B, N, T2, D / N]]];
    await expectSameAsOrt(msModel("MultiHeadAttention", split, out, { num_heads: N, scale: { float: 0.25 } }), { q: x, k: f32([B, N, T2, D / N]), v: f32([B, N, T2, D / N]) });
    const self: Input[] = [["q", T.FLOAT, [B, S, D]], ["k", T.FLOAT, [B, S, D]], ["v", T.FLOAT, [B, S, D]]];
    await expectSameAsOrt(msModel("MultiHeadAttention", self, out, { num_heads: N, unidirectional: 1 }), { q: x, k: f32([B, S, D]), v: f32([B, S, D]) });
  });

  it("RotaryEmbedding (com.microsoft): 3-D and 4-D input, position ids per token or one offset, interleaved, partial rotary_embedding_dim", async () => {
    const H = 8, P = 16;
    const caches = (half: number) => [tensor("cos", T.FLOAT, [P, half], Float32Array.from(rand(P * half))), tensor("sin", T.FLOAT, [P, half], Float32Array.from(rand(P * half)))];
    const ids: Feed = { dataType: "int64", shape: [B, S], data: [0, 1, 2, 3, 4, 7, 8, 9, 10, 11] };
    const offset: Feed = { dataType: "int64", shape: [1], data: [3] };
    for (const interleaved of [0, 1]) {
      const three: (Input | "")[] = [["x", T.FLOAT, [B, S, N * H]], ["pos", T.INT64, [B, S]], ["cos", T.FLOAT, [P, H / 2]], ["sin", T.FLOAT, [P, H / 2]]];
      await expectSameAsOrt(msModel("RotaryEmbedding", three, [["y", [B, S, N * H]]], { interleaved }, caches(H / 2)), { x: f32([B, S, N * H]), pos: ids });
      const four: (Input | "")[] = [["x", T.FLOAT, [B, N, S, H]], ["pos", T.INT64, [1]], ["cos", T.FLOAT, [P, H / 2]], ["sin", T.FLOAT, [P, H / 2]]];
      await expectSameAsOrt(msModel("RotaryEmbedding", four, [["y", [B, N, S, H]]], { interleaved }, caches(H / 2)), { x: f32([B, N, S, H]), pos: offset });
    }
    const partial: (Input | "")[] = [["x", T.FLOAT, [B, S, N * H]], ["pos", T.INT64, [B, S]], ["cos", T.FLOAT, [P, 2]], ["sin", T.FLOAT, [P, 2]]];
    await expectSameAsOrt(msModel("RotaryEmbedding", partial, [["y", [B, S, N * H]]], { num_heads: N, rotary_embedding_dim: 4 }, caches(2)), { x: f32([B, S, N * H]), pos: ids });
  });

  it("GroupQueryAttention: first prompt, decoding over a past, a ragged batch, packed QKV, rotary; the present caches", async () => {
    const [Nq, Nkv, H] = [4, 2, 16]; // ONNX Runtime rotates heads of a multiple of 16 only
    const gqa = (S: number, P: number, total: number, opts: { packed?: boolean; rotary?: boolean } = {}) => {
      const inputs: (Input | "")[] = [
        ["q", T.FLOAT, [B, S, opts.packed ? (Nq + 2 * Nkv) * H : Nq * H]],
        opts.packed ? "" : ["k", T.FLOAT, [B, S, Nkv * H]], opts.packed ? "" : ["v", T.FLOAT, [B, S, Nkv * H]],
        ["pk", T.FLOAT, [B, Nkv, P, H]], ["pv", T.FLOAT, [B, Nkv, P, H]], ["seqlens", T.INT32, [B]], ["total", T.INT32, []],
        ...(opts.rotary ? [["cos", T.FLOAT, [16, H / 2]], ["sin", T.FLOAT, [16, H / 2]]] as Input[] : []),
      ];
      const present = Math.max(total, P);
      const inits = [tensor("total", T.INT32, [], Int32Array.of(total)), ...(opts.rotary ? [w("cos", [16, H / 2], 1), w("sin", [16, H / 2], 1)] : [])];
      return msModel("GroupQueryAttention", inputs, [["y", [B, S, Nq * H]], ["pk_out", [B, Nkv, present, H]], ["pv_out", [B, Nkv, present, H]]],
        { num_heads: Nq, kv_num_heads: Nkv, ...(opts.rotary ? { do_rotary: 1 } : {}) }, inits);
    };
    const feeds = (S: number, P: number, seqlens: number[], packed = false) => ({
      q: f32([B, S, packed ? (Nq + 2 * Nkv) * H : Nq * H]), ...(packed ? {} : { k: f32([B, S, Nkv * H]), v: f32([B, S, Nkv * H]) }),
      pk: f32([B, Nkv, P, H]), pv: f32([B, Nkv, P, H]), seqlens: i32([B], seqlens),
    });
    // First prompt: no past (P = 0), total = S. The empty past caches leave the model.
    await expectSameAsOrt(gqa(5, 0, 5), feeds(5, 0, [4, 4]));
    expect((await importOnnx(gqa(5, 0, 5))).inputs.map((i) => i.name)).toEqual(["q", "k", "v"]);
    await expectSameAsOrt(gqa(5, 0, 5, { rotary: true }), feeds(5, 0, [4, 4]));
    // One decoding step over 4 past positions; then a ragged batch (the second has 2 valid).
    await expectSameAsOrt(gqa(1, 4, 5), feeds(1, 4, [4, 4]));
    await expectSameAsOrt(gqa(1, 4, 5, { rotary: true }), feeds(1, 4, [4, 2]));
    // ONNX Runtime takes several new tokens over a past only for batch 1.
    await expectSameAsOrt(gqa(1, 4, 5, { packed: true }), feeds(1, 4, [4, 3], true));
    await expectSameAsOrt(gqa(5, 0, 5, { packed: true, rotary: true }), feeds(5, 0, [4, 4], true));
  });
});
