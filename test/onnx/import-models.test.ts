// ONNX import beyond single operators, against ONNX Runtime: recurrent networks, Resize and
// Upsample, Einsum, quantization, If, pinned inputs, free dimensions, external data, metadata,
// and the errors a model that cannot be converted gets.
import { describe, expect, it } from "vitest";
import { GraphFormatError, UnsupportedError } from "../../src/errors.js";
import { importOnnx, importOnnxDetailed } from "../../src/frontends/onnx/import.js";
import { expectSameAsOrt, f32, rand, runOrt, runOurs } from "./ort.js";
import { float, floats, nodeModel, onnxModel, T, tensor, type TensorSpec } from "./onnx-writer.js";

const F = (name: string, shape: number[], lo = -0.5, hi = 0.5) => tensor(name, T.FLOAT, shape, Float32Array.from(rand(shape.reduce((a, b) => a * b, 1), lo, hi)));
const i64 = (name: string, values: number[], dims = [values.length]) => tensor(name, T.INT64, dims, BigInt64Array.from(values.map(BigInt)));

describe("ONNX import: recurrent networks", () => {
  const seq = 4, batch = 2, inSize = 3, hidden = 5;
  it.each(["forward", "reverse", "bidirectional"])("LSTM %s with biases, initial states and every output", async (direction) => {
    const dirs = direction === "bidirectional" ? 2 : 1;
    const m = onnxModel({
      nodes: [{ op: "LSTM", inputs: ["x", "W", "R", "B", "", "h0", "c0"], outputs: ["Y", "Y_h", "Y_c"], attrs: { hidden_size: hidden, direction } }],
      inputs: [["x", T.FLOAT, [seq, batch, inSize]], ["h0", T.FLOAT, [dirs, batch, hidden]], ["c0", T.FLOAT, [dirs, batch, hidden]]],
      outputs: [["Y", T.FLOAT], ["Y_h", T.FLOAT], ["Y_c", T.FLOAT]],
      initializers: [F("W", [dirs, 4 * hidden, inSize]), F("R", [dirs, 4 * hidden, hidden]), F("B", [dirs, 8 * hidden])],
    }, 14);
    await expectSameAsOrt(m, { x: f32([seq, batch, inSize]), h0: f32([dirs, batch, hidden]), c0: f32([dirs, batch, hidden]) }, { atol: 1e-5 });
  });
  it("LSTM batch-first (layout 1) with only Y_h, against the same network with explicit transposes in ONNX Runtime (which has no layout 1)", async () => {
    const W = F("W", [1, 4 * hidden, inSize]), R = F("R", [1, 4 * hidden, hidden]);
    const batchFirst = onnxModel({
      nodes: [{ op: "LSTM", inputs: ["x", "W", "R"], outputs: ["", "Y_h"], attrs: { hidden_size: hidden, layout: 1 } }],
      inputs: [["x", T.FLOAT, [batch, seq, inSize]]], outputs: [["Y_h", T.FLOAT]], initializers: [W, R],
    }, 14);
    const explicit = onnxModel({
      nodes: [
        { op: "Transpose", inputs: ["x"], outputs: ["xt"], attrs: { perm: [1, 0, 2] } },
        { op: "LSTM", inputs: ["xt", "W", "R"], outputs: ["", "h"], attrs: { hidden_size: hidden } },
        { op: "Transpose", inputs: ["h"], outputs: ["Y_h"], attrs: { perm: [1, 0, 2] } },
      ],
      inputs: [["x", T.FLOAT, [batch, seq, inSize]]], outputs: [["Y_h", T.FLOAT]], initializers: [W, R],
    }, 14);
    const feeds = { x: f32([batch, seq, inSize]) };
    const want = (await runOrt(explicit, feeds)).Y_h;
    const got = (await runOurs(batchFirst, feeds)).Y_h;
    expect(got.shape).toEqual([batch, 1, hidden]);
    got.values.forEach((v, i) => expect(Math.abs(v - want.values[i])).toBeLessThan(1e-5));
  });
  it.each([[0, "forward"], [1, "bidirectional"]] as const)("GRU linear_before_reset=%i %s", async (lbr, direction) => {
    const dirs = direction === "bidirectional" ? 2 : 1;
    const m = onnxModel({
      nodes: [{ op: "GRU", inputs: ["x", "W", "R", "B", "", "h0"], outputs: ["Y", "Y_h"], attrs: { hidden_size: hidden, direction, linear_before_reset: lbr } }],
      inputs: [["x", T.FLOAT, [seq, batch, inSize]], ["h0", T.FLOAT, [dirs, batch, hidden]]],
      outputs: [["Y", T.FLOAT], ["Y_h", T.FLOAT]],
      initializers: [F("W", [dirs, 3 * hidden, inSize]), F("R", [dirs, 3 * hidden, hidden]), F("B", [dirs, 6 * hidden])],
    }, 14);
    await expectSameAsOrt(m, { x: f32([seq, batch, inSize]), h0: f32([dirs, batch, hidden]) });
  });
});

describe("ONNX import: Resize, Upsample, Einsum, quantization", () => {
  const x = f32([1, 2, 3, 4]);
  it.each([
    ["nearest asymmetric floor", { mode: "nearest", coordinate_transformation_mode: "asymmetric", nearest_mode: "floor" }],
    ["nearest half_pixel round_prefer_floor", { mode: "nearest" }],
    ["nearest align_corners round_prefer_ceil", { mode: "nearest", coordinate_transformation_mode: "align_corners", nearest_mode: "round_prefer_ceil" }],
    ["nearest tf_half_pixel_for_nn ceil", { mode: "nearest", coordinate_transformation_mode: "tf_half_pixel_for_nn", nearest_mode: "ceil" }],
    ["linear half_pixel", { mode: "linear" }],
    ["linear pytorch_half_pixel", { mode: "linear", coordinate_transformation_mode: "pytorch_half_pixel" }],
  ] as const)("Resize %s, by scales and by sizes", async (_, attrs) => {
    await expectSameAsOrt(onnxModel({ nodes: [{ op: "Resize", inputs: ["x", "", "scales"], outputs: ["y"], attrs }], inputs: [["x", T.FLOAT, [1, 2, 3, 4]]], outputs: [["y", T.FLOAT]], initializers: [tensor("scales", T.FLOAT, [4], Float32Array.of(1, 1, 2, 1.5))] }, 13), { x }, { atol: 1e-5 });
    await expectSameAsOrt(onnxModel({ nodes: [{ op: "Resize", inputs: ["x", "", "", "sizes"], outputs: ["y"], attrs }], inputs: [["x", T.FLOAT, [1, 2, 3, 4]]], outputs: [["y", T.FLOAT]], initializers: [i64("sizes", [1, 2, 5, 7])] }, 13), { x }, { atol: 1e-5 });
  });
  it("Upsample (opset 9) and Resize (opset 10)", async () => {
    await expectSameAsOrt(onnxModel({ nodes: [{ op: "Upsample", inputs: ["x", "s"], outputs: ["y"], attrs: { mode: "nearest" } }], inputs: [["x", T.FLOAT, [1, 2, 3, 4]]], outputs: [["y", T.FLOAT]], initializers: [tensor("s", T.FLOAT, [4], Float32Array.of(1, 1, 2, 3))] }, 9), { x });
    await expectSameAsOrt(onnxModel({ nodes: [{ op: "Resize", inputs: ["x", "s"], outputs: ["y"], attrs: { mode: "nearest" } }], inputs: [["x", T.FLOAT, [1, 2, 3, 4]]], outputs: [["y", T.FLOAT]], initializers: [tensor("s", T.FLOAT, [4], Float32Array.of(1, 1, 2, 2))] }, 10), { x });
  });
  it.each([["ij,jk->ik", [3, 4], [4, 5]], ["bij,bjk->bik", [2, 3, 4], [2, 4, 5]], ["bhqd,bhkd->bhqk", [1, 2, 3, 4], [1, 2, 5, 4]], ["ij->ji", [3, 4], undefined], ["ik,jk->ij", [3, 4], [2, 4]], ["bij,jk->bk", [2, 3, 4], [4, 5]]] as const)("Einsum %s", async (equation, a, b) => {
    const inputs: [string, number, number[]][] = [["a", T.FLOAT, [...a]], ...(b ? [["b", T.FLOAT, [...b]] as [string, number, number[]]] : [])];
    const m = onnxModel({ nodes: [{ op: "Einsum", inputs: inputs.map(([n]) => n), outputs: ["y"], attrs: { equation } }], inputs, outputs: [["y", T.FLOAT]] }, 12);
    await expectSameAsOrt(m, { a: f32([...a]), ...(b ? { b: f32([...b]) } : {}) }, { atol: 1e-5 });
  });
  it("DequantizeLinear per tensor and per axis, QuantizeLinear", async () => {
    const q = tensor("q", T.INT8, [3, 4], Int8Array.from([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12]));
    const m = onnxModel({
      nodes: [
        { op: "DequantizeLinear", inputs: ["q", "s", "z"], outputs: ["d"], attrs: { axis: 0 } },
        { op: "MatMul", inputs: ["x", "d"], outputs: ["y"] },
        { op: "QuantizeLinear", inputs: ["y", "ys", "yz"], outputs: ["yq"] },
        { op: "DequantizeLinear", inputs: ["yq", "ys", "yz"], outputs: ["back"] },
      ],
      inputs: [["x", T.FLOAT, [2, 3]]], outputs: [["y", T.FLOAT], ["back", T.FLOAT]],
      initializers: [q, tensor("s", T.FLOAT, [3], Float32Array.of(0.1, 0.2, 0.05)), tensor("z", T.INT8, [3], Int8Array.of(0, 1, -1)), tensor("ys", T.FLOAT, [], Float32Array.of(0.02)), tensor("yz", T.UINT8, [], Uint8Array.of(128))],
    }, 13);
    // "exact": the activation's QDQ pair is spelled out, as ONNX Runtime computes it.
    await expectSameAsOrt(m, { x: f32([2, 3]) }, { atol: 1e-5, quantizedActivations: "exact" });
  });
  it("DynamicQuantizeLinear with MatMulInteger (the dynamic-quantization pattern)", async () => {
    const w = tensor("w", T.UINT8, [4, 3], Uint8Array.from(rand(12, 0, 255).map(Math.floor)));
    const m = onnxModel({
      nodes: [
        { op: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"] },
        { op: "MatMulInteger", inputs: ["xq", "w", "xz", "wz"], outputs: ["acc"] },
        { op: "Cast", inputs: ["acc"], outputs: ["accf"], attrs: { to: T.FLOAT } },
        { op: "Mul", inputs: ["accf", "xs"], outputs: ["y"] },
      ],
      inputs: [["x", T.FLOAT, [2, 4]]], outputs: [["y", T.FLOAT], ["xq", T.UINT8], ["xz", T.UINT8]],
      initializers: [w, tensor("wz", T.UINT8, [], Uint8Array.of(120))],
    }, 13);
    await expectSameAsOrt(m, { x: f32([2, 4], -2, 3) }, { atol: 1e-3 });
  });
});

describe("ONNX import: more operators", () => {
  it("Mod of computed values: integers exactly (either sign convention), floats with fmod", async () => {
    const ints = [-7, -6, -1, 0, 1, 5, 6, 7, 100003, -100003, 2147483, -13];
    const divisors = [3, -3, 3, -3, 7, 3, -4, 7, 97, 97, -5, -13];
    for (const fmod of [0, 1]) {
      for (const type of [T.INT32, T.INT64] as const) {
        const m = onnxModel({ nodes: [{ op: "Mod", inputs: ["a", "b"], outputs: ["y"], attrs: { fmod } }], inputs: [["a", type, [12]], ["b", type, [12]]], outputs: [["y", type]] }, 13);
        const feed = (data: number[]) => ({ dataType: type === T.INT32 ? "int32" as const : "int64" as const, shape: [12], data });
        await expectSameAsOrt(m, { a: feed(ints), b: feed(divisors) }, { atol: 0 });
      }
    }
    const fm = nodeModel("Mod", [["a", [2, 6]], ["b", [2, 6]]], ["y"], { fmod: 1 }, 13);
    await expectSameAsOrt(fm, { a: f32([2, 6], -10, 10), b: { dataType: "float32", shape: [2, 6], data: [3, -3, 2.5, -0.7, 1, 4, 3, -3, 2.5, -0.7, 1, 4] } }, { atol: 1e-5 });
    await expect(importOnnx(nodeModel("Mod", [["a", [2]], ["b", [2]]], ["y"], { fmod: 0 }, 13))).rejects.toThrow(/fmod must be 1 for floating-point inputs/);
  });
  it("LRN", async () => {
    for (const size of [3, 5]) await expectSameAsOrt(nodeModel("LRN", [["x", [2, 5, 3, 4]]], ["y"], { size, alpha: float(0.001), beta: float(0.75), bias: float(2) }, 13), { x: f32([2, 5, 3, 4]) }, { atol: 1e-5 });
  });
  it("ConvInteger with zero points", async () => {
    const m = onnxModel({
      nodes: [{ op: "ConvInteger", inputs: ["x", "w", "xz", "wz"], outputs: ["y"], attrs: { pads: [1, 1, 1, 1] } }],
      inputs: [["x", T.UINT8, [1, 2, 4, 4]]], outputs: [["y", T.INT32]],
      initializers: [tensor("w", T.UINT8, [3, 2, 3, 3], Uint8Array.from(rand(54, 0, 255).map(Math.floor))), tensor("xz", T.UINT8, [], Uint8Array.of(7)), tensor("wz", T.UINT8, [], Uint8Array.of(128))],
    }, 13);
    await expectSameAsOrt(m, { x: { dataType: "uint8", shape: [1, 2, 4, 4], data: rand(32, 0, 255).map(Math.floor) } });
  });
  it("RMSNormalization (opset 23) and SimplifiedLayerNormalization (ONNX Runtime's)", async () => {
    const x = f32([2, 3, 8]);
    await expectSameAsOrt(nodeModel("RMSNormalization", [["x", [2, 3, 8]]], ["y"], { epsilon: float(1e-5) }, 23, [F("s", [8], 0.5, 1.5)]), { x }, { atol: 1e-5 });
    await expectSameAsOrt(nodeModel("SimplifiedLayerNormalization", [["x", [2, 3, 8]]], ["y"], { axis: -1, epsilon: float(1e-6) }, 17, [F("s", [8], 0.5, 1.5)]), { x }, { atol: 1e-5 });
  });
  it.each([[0, 0, 4], [1, 0, 4], [0, 4, 4], [1, 4, 3]] as const)("RotaryEmbedding interleaved=%i rotary_embedding_dim=%i rank %i", async (interleaved, dim, rank) => {
    const [n, h, s, d] = [1, 2, 3, 8];
    const rot = dim || d;
    const shape = rank === 4 ? [n, h, s, d] : [n, s, h * d];
    const m = onnxModel({
      nodes: [{ op: "RotaryEmbedding", inputs: ["x", "cos", "sin", "pos"], outputs: ["y"], attrs: { interleaved, ...(dim ? { rotary_embedding_dim: dim } : {}), ...(rank === 3 ? { num_heads: h } : {}) } }],
      inputs: [["x", T.FLOAT, shape]], outputs: [["y", T.FLOAT]],
      initializers: [F("cos", [8, rot / 2], -1, 1), F("sin", [8, rot / 2], -1, 1), i64("pos", [2, 5, 7], [1, 3])],
    }, 23);
    await expectSameAsOrt(m, { x: f32(shape) }, { atol: 1e-5 });
  });
  it("pools with auto_pad", async () => {
    for (const auto_pad of ["SAME_UPPER", "SAME_LOWER", "VALID"]) {
      await expectSameAsOrt(nodeModel("MaxPool", [["x", [1, 2, 7, 6]]], ["y"], { kernel_shape: [3, 2], strides: [2, 2], auto_pad }, 12), { x: f32([1, 2, 7, 6]) });
      await expectSameAsOrt(nodeModel("AveragePool", [["x", [1, 2, 7, 6]]], ["y"], { kernel_shape: [2, 3], strides: [2, 1], auto_pad }, 11), { x: f32([1, 2, 7, 6]) });
    }
  });
});

describe("ONNX import: graphs, bindings and errors", () => {
  it("If with a condition from a pinned input is inlined; the input leaves the model", async () => {
    const branch = (op: string) => ({ nodes: [{ op, inputs: ["x"], outputs: ["o"] }], inputs: [], outputs: [["o", T.FLOAT] as [string, number]] });
    const m = onnxModel({
      nodes: [
        { op: "Equal", inputs: ["sr", "k16000"], outputs: ["is16k"] },
        { op: "If", inputs: ["is16k"], outputs: ["y"], attrs: { then_branch: { graph: branch("Relu") }, else_branch: { graph: branch("Neg") } } },
      ],
      inputs: [["x", T.FLOAT, [2, 3]], ["sr", T.INT64, []]], outputs: [["y", T.FLOAT]],
      initializers: [i64("k16000", [16000], [])],
    }, 13);
    const x = f32([2, 3]);
    await expectSameAsOrt(m, { x, sr: { dataType: "int64", shape: [], data: [16000] } }, { inputValues: { sr: 16000 } });
    await expectSameAsOrt(m, { x, sr: { dataType: "int64", shape: [], data: [8000] } }, { inputValues: { sr: 8000 } });
    const g = await importOnnx(m, { inputValues: { sr: 16000 } });
    expect(g.inputs.map((i) => i.name)).toEqual(["x"]);
    expect(g.nodes.map((n) => n.op)).toEqual(["relu"]);
    await expect(importOnnx(m)).rejects.toThrow(/If node "If_1": the condition must be known when the model is converted/);
  });

  it("names unresolved dim_params with the inputs that carry them, before any other work", async () => {
    const m = onnxModel({ nodes: [{ op: "Add", inputs: ["a", "b"], outputs: ["y"] }], inputs: [["a", T.FLOAT, ["batch", "seq", 4]], ["b", T.FLOAT, ["batch", 4]]], outputs: [["y", T.FLOAT]] });
    const e = await importOnnx(m).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GraphFormatError);
    expect((e as Error).message).toMatch(/dimensions without a size: "batch" \(inputs "a", "b"\), "seq" \(input "a"\)/);
    const g = await importOnnx(m, { freeDimensions: { batch: 1, seq: 7 } });
    expect(g.inputs.map((i) => i.operand.shape)).toEqual([[1, 7, 4], [1, 4]]);
    expect((await importOnnx(m, { inputShapes: { a: [2, 1, 4] }, freeDimensions: { batch: 2 } })).outputs[0].operand.shape).toEqual([2, 2, 4]);
  });

  it("lists every unsupported operator with its count and first node, before any work", async () => {
    const m = onnxModel({
      nodes: [{ op: "Relu", inputs: ["x"], outputs: ["a"] }, { op: "NonMaxSuppression", inputs: ["a"], outputs: ["b"], name: "nms" }, { op: "NonMaxSuppression", inputs: ["b"], outputs: ["c"] }, { op: "FusedGemm", domain: "com.microsoft", inputs: ["c"], outputs: ["y"], name: "fg" }],
      inputs: [["x", T.FLOAT, [2]]], outputs: [["y", T.FLOAT]],
    });
    const e = await importOnnx(m).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedError);
    expect((e as Error).message).toBe('operator NonMaxSuppression: the model uses operators the importer does not support: NonMaxSuppression (2 nodes, first "nms"), com.microsoft:FusedGemm (1 node, first "fg")');
  });

  it("reads external data by location (bytes, Blob, a reader), checking locations and ranges", async () => {
    const weights = new Float32Array(rand(12));
    const file = new Uint8Array(64 + weights.byteLength);
    file.set(new Uint8Array(weights.buffer), 64);
    const ext: TensorSpec = { name: "w", type: T.FLOAT, dims: [3, 4], external: { location: "weights.bin", offset: 64, length: weights.byteLength } };
    const m = onnxModel({ nodes: [{ op: "MatMul", inputs: ["x", "w"], outputs: ["y"] }], inputs: [["x", T.FLOAT, [2, 3]]], outputs: [["y", T.FLOAT]], initializers: [ext] });
    const inline = onnxModel({ nodes: [{ op: "MatMul", inputs: ["x", "w"], outputs: ["y"] }], inputs: [["x", T.FLOAT, [2, 3]]], outputs: [["y", T.FLOAT]], initializers: [tensor("w", T.FLOAT, [3, 4], weights)] });
    const x = f32([2, 3]);
    for (const externalData of [new Map([["weights.bin", file]]), { "weights.bin": new Blob([file]) }, async (loc: string, off: number, len?: number) => file.subarray(off, off + (len ?? 0))]) {
      const g = await importOnnx({ model: m, externalData });
      expect(Array.from(g.constants[0].data!)).toEqual(Array.from(new Uint8Array(weights.buffer)));
    }
    await expectSameAsOrt(inline, { x });
    // The constant is a view of the given bytes (not a copy).
    expect((await importOnnx({ model: m, externalData: new Map([["weights.bin", file]]) })).constants[0].data!.buffer).toBe(file.buffer);
    await expect(importOnnx(m)).rejects.toThrow(/tensor "w": its data is in the external file "weights.bin", which was not given/);
    await expect(importOnnx({ model: m, externalData: { "weights.bin": file.subarray(0, 70) } })).rejects.toThrow(/runs past the end of "weights.bin" \(70 bytes\)/);
    // A Constant node's tensor may live in external data too.
    const constant = onnxModel({ nodes: [{ op: "Constant", inputs: [], outputs: ["w"], attrs: { value: { tensor: ext } } }, { op: "MatMul", inputs: ["x", "w"], outputs: ["y"] }], inputs: [["x", T.FLOAT, [2, 3]]], outputs: [["y", T.FLOAT]] });
    expect(Array.from((await importOnnx({ model: constant, externalData: { "weights.bin": file } })).constants[0].data!)).toEqual(Array.from(new Uint8Array(weights.buffer)));
    const evil = onnxModel({ nodes: [{ op: "Relu", inputs: ["w"], outputs: ["y"] }], inputs: [], outputs: [["y", T.FLOAT]], initializers: [{ ...ext, external: { location: "../../etc/passwd" } }] });
    await expect(importOnnx({ model: evil, externalData: {} })).rejects.toThrow(/is not a relative path inside the model's folder/);
  });

  it("keeps ONNX names as the graph's input and output names, and carries metadata", async () => {
    const m = onnxModel({ nodes: [{ op: "Relu", inputs: ["input.1"], outputs: ["onnx::Flatten_0"] }, { op: "Flatten", inputs: ["onnx::Flatten_0"], outputs: ["39"] }], inputs: [["input.1", T.FLOAT, [1, 2, 2]]], outputs: [["39", T.FLOAT]] }, 13, { producer: "pytorch", doc: "a test model", metadata: { license: "MIT" } });
    const r = await importOnnxDetailed(m);
    expect(r.graph.inputs.map((i) => i.name)).toEqual(["input.1"]);
    expect(r.graph.outputs.map((o) => o.name)).toEqual(["39"]);
    expect(r.metadata).toEqual({ "onnx.producer": "pytorch", "onnx.doc_string": "a test model", license: "MIT" });
    await expectSameAsOrt(m, { "input.1": f32([1, 2, 2]) });
  });

  it("refuses what the fuzz test found: Concat of mixed types, inputs of absurd rank", async () => {
    const mixed = onnxModel({ nodes: [{ op: "Concat", inputs: ["a", "b"], outputs: ["y"], attrs: { axis: 0 } }], inputs: [], outputs: [["y", T.INT64]], initializers: [i64("a", [1, 2]), tensor("b", T.INT32, [1], Int32Array.of(3))] });
    await expect(importOnnx(mixed)).rejects.toThrow(/Concat inputs are int64 and int32; they must have one type/);
    const deep = onnxModel({ nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }], inputs: [["x", T.FLOAT, new Array(70000).fill("s")]], outputs: [["y", T.FLOAT]] });
    await expect(importOnnx(deep)).rejects.toThrow(/input "x" has rank 70000/);
  });

  it("refuses bytes that are not an ONNX model with a typed error", async () => {
    for (const bytes of [new Uint8Array([0xff, 0xff, 0xff]), new TextEncoder().encode("not a model"), new Uint8Array(0), onnxModel({ nodes: [], inputs: [], outputs: [] }).subarray(0, 10)]) {
      const e = await importOnnx(bytes).catch((x: unknown) => x);
      expect(e, String(bytes.slice(0, 4))).toBeInstanceOf(GraphFormatError);
    }
    await expect(importOnnx(nodeModel("Relu", [["x", [2]]], ["y"], {}, 5))).rejects.toThrow(/opset 5 is older than the oldest supported \(7\)/);
    await expect(importOnnx(nodeModel("Relu", [["x", [2]]], ["y"], {}, 99))).rejects.toThrow(/opset 99 is newer than the newest supported \(23\)/);
  });

  it("a small CNN classifier, end to end (Conv, BatchNorm, Relu, MaxPool, GlobalAveragePool, Flatten, Gemm, Softmax)", async () => {
    const m = onnxModel({
      nodes: [
        { op: "Conv", inputs: ["image", "c1w", "c1b"], outputs: ["c1"], attrs: { pads: [1, 1, 1, 1] } },
        { op: "BatchNormalization", inputs: ["c1", "bns", "bnb", "bnm", "bnv"], outputs: ["bn"] },
        { op: "Relu", inputs: ["bn"], outputs: ["r1"] },
        { op: "MaxPool", inputs: ["r1"], outputs: ["p1"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: "Conv", inputs: ["p1", "c2w"], outputs: ["c2"], attrs: { auto_pad: "SAME_UPPER" } },
        { op: "Relu", inputs: ["c2"], outputs: ["r2"] },
        { op: "GlobalAveragePool", inputs: ["r2"], outputs: ["g"] },
        { op: "Flatten", inputs: ["g"], outputs: ["f"] },
        { op: "Gemm", inputs: ["f", "fcw", "fcb"], outputs: ["logits"], attrs: { transB: 1 } },
        { op: "Softmax", inputs: ["logits"], outputs: ["probs"], attrs: { axis: 1 } },
      ],
      inputs: [["image", T.FLOAT, ["N", 3, 16, 16]]], outputs: [["probs", T.FLOAT]],
      initializers: [F("c1w", [8, 3, 3, 3]), F("c1b", [8]), F("bns", [8], 0.5, 1.5), F("bnb", [8]), F("bnm", [8]), F("bnv", [8], 0.5, 2), F("c2w", [16, 8, 3, 3]), F("fcw", [10, 16]), F("fcb", [10])],
    }, 13);
    await expectSameAsOrt(m, { image: f32([2, 3, 16, 16]) }, { freeDimensions: { N: 2 }, atol: 1e-5 });
  });
});

export { floats, float };
