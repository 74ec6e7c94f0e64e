// Each program pass alone, and the pipeline as every conversion runs it.
import { describe, expect, it } from "vitest";
import { convertGraphDetailed } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { singleFunctionProgram, programFunction, type MilOperation, type MilTensorType } from "../../src/mil/program.js";
import { TARGETS } from "../../src/mil/target.js";
import { milToText } from "../../src/mil/text.js";
import { eliminateDeadCode, nameConstants, PASS_PIPELINE, runPasses, validate } from "../../src/passes/index.js";

const ctx = { target: TARGETS.ios17 };
const type = (dataType: MilTensorType["dataType"], shape: number[]): MilTensorType => ({ dataType, shape });
const int32s = (name: string, values: number[]): MilOperation => ({
  type: "const", name, inputs: {}, outputs: [{ name, type: type("int32", [values.length]) }], value: { type: type("int32", [values.length]), bytes: new Uint8Array(new Int32Array(values).buffer) },
});
const f32 = (name: string, values: number[]): MilOperation => ({
  type: "const", name, inputs: {}, outputs: [{ name, type: type("fp32", [values.length]) }], value: { type: type("fp32", [values.length]), bytes: new Uint8Array(new Float32Array(values).buffer) },
});
const op = (t: string, name: string, inputs: Record<string, string[]>, out: MilTensorType): MilOperation => ({ type: t, name, inputs, outputs: [{ name, type: out }] });

describe("eliminate-dead-code", () => {
  it("drops operations whose results nothing reads, keeps the rest in order", () => {
    const x = type("fp32", [2]);
    const p = singleFunctionProgram({
      inputs: [{ name: "x", type: x }], opset: "CoreML7", outputs: ["y"],
      operations: [f32("unused_c0", [1, 2]), f32("b", [1, 2]), op("mul", "dead", { x: ["x"], y: ["unused_c0"] }, x), op("add", "y", { x: ["x"], y: ["b"] }, x)],
    });
    const out = programFunction(eliminateDeadCode.run(p, ctx));
    expect(out.operations.map((o) => o.name)).toEqual(["b", "y"]);
    expect(eliminateDeadCode.run(singleFunctionProgram(out), ctx).functions.get("main")).toBe(out); // nothing to do: same object
  });
});

describe("name-constants", () => {
  it("names generated constants by role, or by value when roles differ; user-named constants keep their names", () => {
    const x = type("fp32", [1, 1, 4, 4]);
    const p = singleFunctionProgram({
      inputs: [{ name: "x", type: x }], opset: "CoreML7", outputs: ["p"],
      operations: [
        int32s("strides_c3", [1, 1]), int32s("kernel_sizes_c4", [2, 2]), f32("my_weights", [0.5]),
        op("max_pool", "p", { x: ["x"], strides: ["strides_c3"], kernel_sizes: ["kernel_sizes_c4"], dilations: ["strides_c3"] }, x),
      ],
    });
    const fn = programFunction(nameConstants.run(p, ctx));
    expect(fn.operations.map((o) => o.name)).toEqual(["int32_1_1", "kernel_sizes_2_2", "my_weights", "p"]);
    expect(fn.operations[3].inputs).toEqual({ x: ["x"], strides: ["int32_1_1"], kernel_sizes: ["kernel_sizes_2_2"], dilations: ["int32_1_1"] });
    expect(fn.operations[0].outputs[0].name).toBe("int32_1_1");
  });
});

describe("validate", () => {
  it("refuses a program that breaks Core ML's signatures, naming the operation", () => {
    const x = type("fp32", [2]);
    const p = singleFunctionProgram({ inputs: [{ name: "x", type: x }], opset: "CoreML7", outputs: ["y"], operations: [op("no_such_op", "y", { x: ["x"] }, x)] });
    expect(() => validate.run(p, ctx)).toThrow(expect.objectContaining({ kind: "UnsupportedError", rule: "mil-validation", operand: "y", operator: "no_such_op" }));
  });

  // The pipeline, in order: folding first; fusions before bind-defaults (which binds the fused ops' defaults) with dead code removed after them; validate last.
  const PIPELINE_ORDER = ["fold-constants", "eliminate-dead-code", "merge-shape-chains", "fuse-linear", "eliminate-identities", "eliminate-index-bounds", "eliminate-cast-pairs", "eliminate-identities", "fuse-floor-div", "merge-integer-offsets", "fuse-gelu-exact", "fuse-gelu-tanh", "fuse-silu", "fuse-hard-swish", "fuse-leaky-relu", "fuse-rsqrt", "fuse-conv1d", "fuse-conv-affine", "fuse-slice-concat", "fuse-attention", "fuse-matmul-operands", "fuse-layer-norm", "fuse-layer-norm-affine", "sink-transposes", "merge-shape-chains", "eliminate-identities", "eliminate-common-subexpressions", "eliminate-dead-code",
    "bind-defaults", "fp16-compute", "compress-weights", "eliminate-dead-code", "name-constants", "validate"];
  it("is the last pass of the pipeline", () => {
    expect(PASS_PIPELINE.map((p) => p.name)).toEqual(PIPELINE_ORDER);
    const names: string[] = [];
    const x = type("fp32", [2]);
    runPasses(singleFunctionProgram({ inputs: [{ name: "x", type: x }], opset: "CoreML7", outputs: ["y"], operations: [op("relu", "y", { x: ["x"] }, x)] }), ctx, PASS_PIPELINE, (pass) => names.push(pass.name));
    expect(names).toEqual(PIPELINE_ORDER);
  });
});

describe("the pipeline in a conversion", () => {
  it("leaves no constant named after its first use, and prints float16 constants as numbers", async () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float16", shape: [1, 2, 4, 4] });
    const w = b.constant({ dataType: "float16", shape: [2, 2, 1, 1] }, new Uint16Array([0x3c00, 0, 0, 0x3800]));
    const y = b.softmax(b.conv2d(x, w, { strides: [1, 1], dilations: [1, 1] }), 1);
    const { lowered } = await convertGraphDetailed(b.buildSync({ y }));
    const text = milToText(lowered.program);
    expect(text).not.toMatch(/_c\d+\b/);
    expect(text).toContain("%int32_1_1: int32[2] = const([1, 1])");
    expect(text).toContain("const([1, 0, 0, 0.5])");
  });
});
