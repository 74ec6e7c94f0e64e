// ONNX import, operator by operator and in the forms each opset gives them, against ONNX Runtime:
// every model here is written by the test, run by onnxruntime-node, and converted to a package
// whose bytes the reference runtime runs.
import { describe, it } from "vitest";
import { expectSameAsOrt, f32, rand } from "./ort.js";
import { float, nodeModel, onnxModel, T, tensor } from "./onnx-writer.js";

const F = (shape: number[], values = rand(shape.reduce((a, b) => a * b, 1))) => tensor("", T.FLOAT, shape, Float32Array.from(values));
const named = (name: string, t: ReturnType<typeof F>) => ({ ...t, name });
const i64 = (name: string, values: number[], dims = [values.length]) => tensor(name, T.INT64, dims, BigInt64Array.from(values.map(BigInt)));

describe("ONNX import: element-wise", () => {
  const x = f32([2, 3, 4], -2, 2);
  const unary = ["Abs", "Ceil", "Cos", "Erf", "Exp", "Floor", "Identity", "Neg", "Sin", "Tan", "Relu", "Sigmoid", "Tanh", "Softsign", "Softplus", "Sign", "Round", "HardSwish"];
  it.each(unary)("%s", async (op) => { await expectSameAsOrt(nodeModel(op, [["x", [2, 3, 4]]], ["y"]), { x }, { atol: 1e-5 }); });
  it("Log, Sqrt, Reciprocal on positive values", async () => {
    const p = f32([2, 3], 0.1, 3);
    for (const op of ["Log", "Sqrt", "Reciprocal"]) await expectSameAsOrt(nodeModel(op, [["x", [2, 3]]], ["y"]), { x: p });
  });
  it.each(["Add", "Sub", "Mul", "Div", "Max", "Min", "PRelu"])("%s with broadcasting", async (op) => {
    await expectSameAsOrt(nodeModel(op, [["a", [2, 3, 4]], ["b", [3, 1]]], ["y"]), { a: x, b: f32([3, 1], 0.5, 2) });
  });
  it("Pow, Sum, Mean", async () => {
    await expectSameAsOrt(nodeModel("Pow", [["a", [2, 3]], ["b", [3]]], ["y"]), { a: f32([2, 3], 0.5, 2), b: f32([3], -1, 2) });
    await expectSameAsOrt(nodeModel("Sum", [["a", [2, 3]], ["b", [3]], ["c", [2, 1]]], ["y"]), { a: f32([2, 3]), b: f32([3]), c: f32([2, 1]) });
    await expectSameAsOrt(nodeModel("Mean", [["a", [2, 3]], ["b", [2, 3]]], ["y"]), { a: f32([2, 3]), b: f32([2, 3]) });
  });
  it("comparisons, logic and Where (bool as uint8)", async () => {
    const m = onnxModel({
      nodes: [
        { op: "Greater", inputs: ["a", "b"], outputs: ["g"] }, { op: "Less", inputs: ["a", "b"], outputs: ["l"] },
        { op: "Equal", inputs: ["a", "a"], outputs: ["e"] }, { op: "Or", inputs: ["g", "l"], outputs: ["o"] },
        { op: "Not", inputs: ["o"], outputs: ["n"] }, { op: "Xor", inputs: ["g", "e"], outputs: ["xo"] },
        { op: "Where", inputs: ["g", "a", "b"], outputs: ["w"] },
        { op: "GreaterOrEqual", inputs: ["a", "b"], outputs: ["ge"] }, { op: "LessOrEqual", inputs: ["a", "b"], outputs: ["le"] },
      ],
      inputs: [["a", T.FLOAT, [2, 3]], ["b", T.FLOAT, [2, 3]]],
      outputs: [["w", T.FLOAT], ["n", T.BOOL], ["xo", T.BOOL], ["ge", T.BOOL], ["le", T.BOOL]],
    });
    const a = f32([2, 3]);
    await expectSameAsOrt(m, { a, b: { ...a, data: a.data.map((v, i) => (i % 2 ? v : v + 0.5)) } });
  });
  it("activations with attributes: Elu, LeakyRelu, HardSigmoid, Selu, Gelu (exact and tanh)", async () => {
    await expectSameAsOrt(nodeModel("Elu", [["x", [2, 3, 4]]], ["y"], { alpha: float(0.7) }), { x });
    await expectSameAsOrt(nodeModel("LeakyRelu", [["x", [2, 3, 4]]], ["y"], { alpha: float(0.2) }), { x });
    await expectSameAsOrt(nodeModel("HardSigmoid", [["x", [2, 3, 4]]], ["y"], { alpha: float(0.3), beta: float(0.4) }), { x });
    await expectSameAsOrt(nodeModel("Selu", [["x", [2, 3, 4]]], ["y"]), { x });
    await expectSameAsOrt(nodeModel("Gelu", [["x", [2, 3, 4]]], ["y"], {}, 20), { x });
    await expectSameAsOrt(nodeModel("Gelu", [["x", [2, 3, 4]]], ["y"], { approximate: "tanh" }, 20), { x }, { atol: 1e-5 });
  });
  it("Clip: attributes (opset 6) and inputs (opset 13)", async () => {
    await expectSameAsOrt(nodeModel("Clip", [["x", [2, 3, 4]]], ["y"], { min: float(-0.5), max: float(0.75) }, 10), { x });
    await expectSameAsOrt(nodeModel("Clip", [["x", [2, 3, 4]]], ["y"], {}, 13, [tensor("lo", T.FLOAT, [], Float32Array.of(-0.25)), tensor("hi", T.FLOAT, [], Float32Array.of(1))]), { x });
  });
  it("Cast between float, int64 and bool", async () => {
    const m = onnxModel({
      nodes: [{ op: "Cast", inputs: ["x"], outputs: ["i"], attrs: { to: T.INT32 } }, { op: "Cast", inputs: ["x"], outputs: ["b"], attrs: { to: T.BOOL } }, { op: "Cast", inputs: ["b"], outputs: ["f"], attrs: { to: T.FLOAT } }],
      inputs: [["x", T.FLOAT, [2, 3]]], outputs: [["i", T.INT32], ["f", T.FLOAT]],
    });
    await expectSameAsOrt(m, { x: { dataType: "float32", shape: [2, 3], data: [0, 1.5, -2.7, 0, 3.2, -0.1] } });
  });
});

describe("ONNX import: shapes and data movement", () => {
  it("shape arithmetic folds away: Shape, Gather, Unsqueeze, Concat, Reshape, Slice to INT64_MAX", async () => {
    const m = onnxModel({
      nodes: [
        { op: "Shape", inputs: ["x"], outputs: ["s"] },
        { op: "Gather", inputs: ["s", "zero"], outputs: ["n"], attrs: { axis: 0 } },
        { op: "Unsqueeze", inputs: ["n", "axes0"], outputs: ["n1"] },
        { op: "Concat", inputs: ["n1", "minus1"], outputs: ["shape"], attrs: { axis: 0 } },
        { op: "Reshape", inputs: ["x", "shape"], outputs: ["flat"] },
        { op: "Slice", inputs: ["flat", "start", "big", "axes1"], outputs: ["y"] },
      ],
      inputs: [["x", T.FLOAT, ["batch", 3, 4]]], outputs: [["y", T.FLOAT]],
      initializers: [i64("zero", [0], []), i64("axes0", [0]), i64("minus1", [-1]), i64("start", [2]), i64("big", [9223372036854775807n as unknown as number]), i64("axes1", [1])],
    });
    await expectSameAsOrt(m, { x: f32([2, 3, 4]) }, { freeDimensions: { batch: 2 } });
  });
  it("Squeeze/Unsqueeze with attributes (opset 11) and inputs (13); Flatten; Transpose", async () => {
    await expectSameAsOrt(nodeModel("Squeeze", [["x", [2, 1, 3, 1]]], ["y"], { axes: [1, -1] }, 11), { x: f32([2, 1, 3, 1]) });
    await expectSameAsOrt(nodeModel("Unsqueeze", [["x", [2, 3]]], ["y"], {}, 13, [i64("axes", [0, 3])]), { x: f32([2, 3]) });
    await expectSameAsOrt(nodeModel("Flatten", [["x", [2, 3, 4]]], ["y"], { axis: 2 }), { x: f32([2, 3, 4]) });
    await expectSameAsOrt(nodeModel("Transpose", [["x", [2, 3, 4]]], ["y"], { perm: [2, 0, 1] }), { x: f32([2, 3, 4]) });
    await expectSameAsOrt(nodeModel("Transpose", [["x", [2, 3, 4]]], ["y"]), { x: f32([2, 3, 4]) });
  });
  it("Split: attribute (11), input (13), num_outputs (18)", async () => {
    const x = f32([6, 4]);
    await expectSameAsOrt(nodeModel("Split", [["x", [6, 4]]], ["a", "b"], { axis: 0, split: [2, 4] }, 11), { x });
    await expectSameAsOrt(nodeModel("Split", [["x", [6, 4]]], ["a", "b"], { axis: 1 }, 13, [i64("split", [1, 3])]), { x });
    await expectSameAsOrt(nodeModel("Split", [["x", [6, 4]]], ["a", "b", "c"], { axis: 0, num_outputs: 3 }, 18), { x });
  });
  it("Slice: attributes (9), negative steps and clamped ends (13)", async () => {
    const x = f32([5, 6]);
    await expectSameAsOrt(nodeModel("Slice", [["x", [5, 6]]], ["y"], { starts: [1, 0], ends: [4, 100], axes: [0, 1] }, 9), { x });
    await expectSameAsOrt(nodeModel("Slice", [["x", [5, 6]]], ["y"], {}, 13, [i64("s", [4, -1]), i64("e", [0, -100]), i64("a", [0, 1]), i64("st", [-2, -1])]), { x });
    await expectSameAsOrt(nodeModel("Slice", [["x", [5, 6]]], ["y"], {}, 13, [i64("s", [1, 0]), i64("e", [5, 5]), i64("a", [0, 1]), i64("st", [3, 2])]), { x });
  });
  it("Gather with negative indices, GatherElements, GatherND, ScatterElements, ScatterND", async () => {
    const x = f32([4, 3]);
    await expectSameAsOrt(nodeModel("Gather", [["x", [4, 3]]], ["y"], { axis: 0 }, 13, [i64("i", [-1, 0, 2, 2], [2, 2])]), { x });
    await expectSameAsOrt(nodeModel("GatherElements", [["x", [4, 3]]], ["y"], { axis: 1 }, 13, [i64("i", [0, 2, 1, 1, 0, 0, 2, 2], [4, 2])]), { x });
    await expectSameAsOrt(nodeModel("GatherND", [["x", [4, 3]]], ["y"], {}, 13, [i64("i", [0, 1, 3, 2], [2, 2])]), { x });
    await expectSameAsOrt(onnxModel({ nodes: [{ op: "ScatterElements", inputs: ["x", "i", "u"], outputs: ["y"], attrs: { axis: 0 } }], inputs: [["x", T.FLOAT, [4, 3]], ["u", T.FLOAT, [1, 3]]], outputs: [["y", T.FLOAT]], initializers: [i64("i", [3, 0, 1], [1, 3])] }, 16), { x, u: f32([1, 3]) });
    await expectSameAsOrt(onnxModel({ nodes: [{ op: "ScatterND", inputs: ["x", "i", "u"], outputs: ["y"] }], inputs: [["x", T.FLOAT, [4, 3]], ["u", T.FLOAT, [2, 3]]], outputs: [["y", T.FLOAT]], initializers: [i64("i", [2, 0], [2, 1])] }, 16), { x, u: f32([2, 3]) });
  });
  it("Expand, Tile, Concat, Pad (constant, reflect, edge; attribute and input forms)", async () => {
    await expectSameAsOrt(nodeModel("Expand", [["x", [3, 1]]], ["y"], {}, 13, [i64("s", [2, 1, 4])]), { x: f32([3, 1]) });
    await expectSameAsOrt(nodeModel("Tile", [["x", [2, 3]]], ["y"], {}, 13, [i64("r", [2, 3])]), { x: f32([2, 3]) });
    await expectSameAsOrt(nodeModel("Concat", [["a", [2, 3]], ["b", [2, 1]]], ["y"], { axis: -1 }), { a: f32([2, 3]), b: f32([2, 1]) });
    await expectSameAsOrt(nodeModel("Pad", [["x", [2, 3]]], ["y"], { pads: [1, 0, 0, 2], value: float(1.5) }, 10), { x: f32([2, 3]) });
    for (const mode of ["constant", "reflect", "edge"]) {
      await expectSameAsOrt(nodeModel("Pad", [["x", [3, 4]]], ["y"], { mode }, 13, [i64("p", [1, 2, 2, 1])]), { x: f32([3, 4]) });
    }
  });
  it("ConstantOfShape, Range, Trilu, CumSum, DepthToSpace, SpaceToDepth", async () => {
    const m = onnxModel({
      nodes: [
        { op: "Shape", inputs: ["x"], outputs: ["s"] }, { op: "ConstantOfShape", inputs: ["s"], outputs: ["c"], attrs: { value: { tensor: tensor("v", T.FLOAT, [1], Float32Array.of(2)) } } },
        { op: "Add", inputs: ["x", "c"], outputs: ["y"] },
        { op: "Range", inputs: ["r0", "r1", "r2"], outputs: ["r"] }, { op: "Cast", inputs: ["r"], outputs: ["rf"], attrs: { to: T.FLOAT } },
        { op: "Mul", inputs: ["y", "rf"], outputs: ["z"] },
      ],
      inputs: [["x", T.FLOAT, [2, 4]]], outputs: [["z", T.FLOAT]],
      initializers: [i64("r0", [1], []), i64("r1", [9], []), i64("r2", [2], [])],
    });
    await expectSameAsOrt(m, { x: f32([2, 4]) });
    await expectSameAsOrt(nodeModel("Trilu", [["x", [4, 5]]], ["y"], { upper: 0 }, 14, [i64("k", [1], [])]), { x: f32([4, 5]) });
    await expectSameAsOrt(nodeModel("CumSum", [["x", [3, 4]]], ["y"], { exclusive: 1, reverse: 1 }, 14, [i64("a", [1], [])]), { x: f32([3, 4]) });
    for (const mode of ["DCR", "CRD"]) await expectSameAsOrt(nodeModel("DepthToSpace", [["x", [1, 8, 2, 3]]], ["y"], { blocksize: 2, mode }, 13), { x: f32([1, 8, 2, 3]) });
    await expectSameAsOrt(nodeModel("SpaceToDepth", [["x", [1, 2, 4, 6]]], ["y"], { blocksize: 2 }, 13), { x: f32([1, 2, 4, 6]) });
  });
});

describe("ONNX import: neural-network operators", () => {
  it("MatMul (with 1-D operands), Gemm with transposes and C", async () => {
    await expectSameAsOrt(nodeModel("MatMul", [["a", [2, 3, 4]], ["b", [4, 5]]], ["y"]), { a: f32([2, 3, 4]), b: f32([4, 5]) });
    await expectSameAsOrt(nodeModel("MatMul", [["a", [4]], ["b", [2, 4, 5]]], ["y"]), { a: f32([4]), b: f32([2, 4, 5]) });
    await expectSameAsOrt(nodeModel("MatMul", [["a", [3, 4]], ["b", [4]]], ["y"]), { a: f32([3, 4]), b: f32([4]) });
    await expectSameAsOrt(nodeModel("Gemm", [["a", [4, 3]], ["b", [5, 4]], ["c", [5]]], ["y"], { transA: 1, transB: 1, alpha: float(0.5), beta: float(2) }), { a: f32([4, 3]), b: f32([5, 4]), c: f32([5]) });
  });
  it("Conv: pads, strides, dilations, groups, auto_pad, 1-D", async () => {
    const conv = (xs: number[], ws: number[], attrs: Record<string, number | number[] | string>, bias = true) => onnxModel({
      nodes: [{ op: "Conv", inputs: ["x", "w", ...(bias ? ["b"] : [])], outputs: ["y"], attrs }],
      inputs: [["x", T.FLOAT, xs]], outputs: [["y", T.FLOAT]],
      initializers: [named("w", F(ws)), ...(bias ? [named("b", F([ws[0]]))] : [])],
    }, 13);
    await expectSameAsOrt(conv([1, 4, 7, 8], [6, 2, 3, 3], { pads: [1, 0, 2, 1], strides: [2, 1], dilations: [1, 2], group: 2 }), { x: f32([1, 4, 7, 8]) });
    await expectSameAsOrt(conv([2, 3, 6, 5], [4, 3, 2, 3], { auto_pad: "SAME_UPPER", strides: [2, 2] }, false), { x: f32([2, 3, 6, 5]) });
    await expectSameAsOrt(conv([2, 3, 6, 5], [4, 3, 3, 2], { auto_pad: "SAME_LOWER" }), { x: f32([2, 3, 6, 5]) });
    await expectSameAsOrt(conv([1, 3, 10], [4, 3, 3], { pads: [2, 1], strides: [2] }), { x: f32([1, 3, 10]) });
  });
  it("ConvTranspose: pads, output_padding, output_shape, groups", async () => {
    const ct = (xs: number[], ws: number[], attrs: Record<string, number | number[] | string>) => onnxModel({
      nodes: [{ op: "ConvTranspose", inputs: ["x", "w", "b"], outputs: ["y"], attrs }],
      inputs: [["x", T.FLOAT, xs]], outputs: [["y", T.FLOAT]], initializers: [named("w", F(ws)), named("b", F([ws[1] * (typeof attrs.group === "number" ? attrs.group : 1)]))],
    }, 13);
    await expectSameAsOrt(ct([1, 2, 3, 4], [2, 3, 3, 3], { strides: [2, 2], pads: [1, 0, 1, 1], output_padding: [1, 0] }), { x: f32([1, 2, 3, 4]) });
    await expectSameAsOrt(ct([1, 4, 3, 3], [4, 1, 2, 2], { strides: [2, 2], group: 2, output_shape: [7, 6] }), { x: f32([1, 4, 3, 3]) });
  });
  it("pools: MaxPool (ceil_mode), AveragePool (count_include_pad), LpPool, global pools", async () => {
    const x = f32([1, 3, 7, 6]);
    await expectSameAsOrt(nodeModel("MaxPool", [["x", [1, 3, 7, 6]]], ["y"], { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], ceil_mode: 1 }, 12), { x });
    await expectSameAsOrt(nodeModel("AveragePool", [["x", [1, 3, 7, 6]]], ["y"], { kernel_shape: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1] }, 11), { x });
    await expectSameAsOrt(nodeModel("AveragePool", [["x", [1, 3, 7, 6]]], ["y"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }, 11), { x });
    await expectSameAsOrt(nodeModel("LpPool", [["x", [1, 3, 7, 6]]], ["y"], { kernel_shape: [2, 2], strides: [2, 2], p: 2 }, 11), { x });
    for (const op of ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"]) await expectSameAsOrt(nodeModel(op, [["x", [1, 3, 7, 6]]], ["y"]), { x });
    await expectSameAsOrt(nodeModel("MaxPool", [["x", [2, 3, 9]]], ["y"], { kernel_shape: [3], strides: [2] }, 12), { x: f32([2, 3, 9]) });
  });
  it("BatchNormalization, InstanceNormalization (3-D and 4-D), LayerNormalization", async () => {
    const x = f32([2, 3, 4, 5]);
    await expectSameAsOrt(nodeModel("BatchNormalization", [["x", [2, 3, 4, 5]]], ["y"], { epsilon: float(1e-3) }, 15, [named("s", F([3])), named("b", F([3])), named("m", F([3])), named("v", F([3], [0.5, 1, 2]))]), { x });
    await expectSameAsOrt(nodeModel("InstanceNormalization", [["x", [2, 3, 4, 5]]], ["y"], {}, 10, [named("s", F([3])), named("b", F([3]))]), { x }, { atol: 1e-4 });
    await expectSameAsOrt(nodeModel("InstanceNormalization", [["x", [2, 3, 7]]], ["y"], {}, 10, [named("s", F([3])), named("b", F([3]))]), { x: f32([2, 3, 7]) }, { atol: 1e-4 });
    await expectSameAsOrt(nodeModel("LayerNormalization", [["x", [2, 3, 4, 5]]], ["y"], { axis: -2 }, 17, [named("s", F([4, 5])), named("b", F([4, 5]))]), { x }, { atol: 1e-4 });
    await expectSameAsOrt(nodeModel("LayerNormalization", [["x", [2, 3, 4, 5]]], ["y"], {}, 17, [named("s", F([5]))]), { x }, { atol: 1e-4 });
  });
  it("Softmax and LogSoftmax before and after opset 13", async () => {
    const x = f32([2, 3, 4]);
    for (const opset of [11, 13]) {
      for (const axis of [1, -1]) {
        await expectSameAsOrt(nodeModel("Softmax", [["x", [2, 3, 4]]], ["y"], { axis }, opset), { x });
        await expectSameAsOrt(nodeModel("LogSoftmax", [["x", [2, 3, 4]]], ["y"], { axis }, opset), { x });
      }
    }
  });
  it("reductions with axes as attributes (opset 13) and inputs (18), keepdims, ArgMax/ArgMin", async () => {
    const x = f32([2, 3, 4], 0.1, 2);
    for (const op of ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]) {
      await expectSameAsOrt(nodeModel(op, [["x", [2, 3, 4]]], ["y"], { axes: [1, -1], keepdims: 0 }, 13), { x }, { atol: 1e-4 });
      await expectSameAsOrt(nodeModel(op, [["x", [2, 3, 4]]], ["y"], {}, 18, [i64("a", [0])]), { x }, { atol: 1e-4 });
    }
    await expectSameAsOrt(nodeModel("ReduceSum", [["x", [2, 3, 4]]], ["y"], {}, 13, [i64("a", [2])]), { x });
    await expectSameAsOrt(nodeModel("ReduceSum", [["x", [2, 3, 4]]], ["y"], { keepdims: 0 }, 11), { x });
    await expectSameAsOrt(onnxModel({ nodes: [{ op: "ArgMax", inputs: ["x"], outputs: ["y"], attrs: { axis: 1, keepdims: 0 } }, { op: "ArgMin", inputs: ["x"], outputs: ["z"], attrs: { axis: -1 } }], inputs: [["x", T.FLOAT, [2, 3, 4]]], outputs: [["y", T.INT64], ["z", T.INT64]] }), { x });
  });
});
