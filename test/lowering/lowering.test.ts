import { describe, expect, it } from "vitest";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { UnsupportedError } from "../../src/errors.js";
import { lowerGraph } from "../../src/lowering/lower-graph.js";
import type { MilOperation } from "../../src/mil/program.js";
import { programFunction } from "../../src/mil/program.js";

const f32 = (shape: number[]) => ({ dataType: "float32" as const, shape });

function ops(build: (b: MLGraphBuilder) => Record<string, ReturnType<MLGraphBuilder["add"]>>, target?: "ios15" | "ios16" | "ios17" | "ios18") {
  const b = new MLGraphBuilder();
  const lowered = lowerGraph(b.buildSync(build(b)), { target });
  return { lowered, ops: programFunction(lowered.program).operations.filter((o) => o.type !== "const"), all: programFunction(lowered.program).operations };
}

function constOf(all: readonly MilOperation[], name: string) {
  const op = all.find((o) => o.type === "const" && o.outputs[0].name === name)!;
  return op.value!;
}

describe("lowering emits MIL", () => {
  it("add → add(x, y) with the graph names kept", () => {
    const { ops: o, lowered } = ops((b) => ({ sum: b.add(b.input("a", f32([2, 3])), b.input("b", f32([3]))) }));
    expect(o.map((x) => x.type)).toEqual(["add"]);
    expect(o[0].inputs).toEqual({ x: ["a"], y: ["b"] });
    expect(o[0].outputs[0]).toEqual({ name: "sum", type: { dataType: "fp32", shape: [2, 3] } });
    expect(programFunction(lowered.program).outputs).toEqual(["sum"]);
  });

  it("comparisons produce bool and are cast to int32 for WebNN's uint8", () => {
    const { ops: o, lowered } = ops((b) => ({ out: b.greater(b.input("a", f32([4])), b.input("b", f32([4]))) }));
    expect(o.map((x) => x.type)).toEqual(["greater", "cast"]);
    expect(o[0].outputs[0].type.dataType).toBe("bool");
    expect(lowered.outputs[0]).toMatchObject({ dataType: "uint8", coremlDataType: "int32" });
  });

  it("log sets epsilon to 0 (MIL adds 1e-45 by default); reciprocal is real_div(1, x)", () => {
    const { ops: o, all } = ops((b) => { const x = b.input("x", f32([2])); return { l: b.log(x), r: b.reciprocal(x) }; });
    expect(o.map((x) => x.type)).toEqual(["log", "real_div"]);
    const eps = constOf(all, o[0].inputs.epsilon[0]);
    expect(new Float32Array(eps.bytes!.slice().buffer)[0]).toBe(0);
    expect(new Float32Array(constOf(all, o[1].inputs.x[0]).bytes!.slice().buffer)[0]).toBe(1);
  });

  it("pooling: native MIL pooling when Core ML can express it, unrolled slices for dilations and integers", () => {
    const x = (b: MLGraphBuilder, dataType: "float32" | "int32" = "float32") => b.input("x", { dataType, shape: [1, 1, 6, 6] });
    const native = ops((b) => ({ y: b.averagePool2d(x(b), { windowDimensions: [2, 2], strides: [2, 2] }) }));
    expect(native.ops.map((o) => o.type)).toEqual(["avg_pool"]);
    const dilated = ops((b) => ({ y: b.maxPool2d(x(b), { windowDimensions: [2, 2], dilations: [2, 2] }) }));
    expect(dilated.ops.filter((o) => o.type === "slice_by_index")).toHaveLength(4);
    expect(dilated.ops.filter((o) => o.type === "maximum")).toHaveLength(3);
    const ints = ops((b) => ({ y: b.maxPool2d(x(b, "int32"), { windowDimensions: [3, 3] }) }));
    expect(ints.ops.some((o) => o.type === "max_pool")).toBe(false);
  });

  it("conv2d nhwc/ohwi → transposes around an NCHW conv with a constant OIHW weight", () => {
    const { ops: o, all } = ops((b) => {
      const x = b.input("x", f32([1, 5, 5, 2]));
      const w = b.constant(f32([3, 3, 3, 2]), new Float32Array(54).map((_, i) => i));
      return { y: b.conv2d(x, w, { inputLayout: "nhwc", filterLayout: "ohwi", padding: [1, 1, 1, 1] }) };
    });
    expect(o.map((x) => x.type)).toEqual(["transpose", "conv", "transpose"]);
    const w = constOf(all, o[1].inputs.weight[0]);
    expect(w.type.shape).toEqual([3, 2, 3, 3]);
    const data = new Float32Array(w.bytes!.slice().buffer);
    // oihw[o][i][h][w] = ohwi[o][h][w][i]
    expect(data[0 * 18 + 1 * 9 + 2 * 3 + 1]).toBe(0 * 18 + 2 * 6 + 1 * 2 + 1);
    expect(constOf(all, o[1].inputs.pad_type[0]).strings).toEqual(["custom"]);
    expect(Array.from(new Int32Array(constOf(all, o[1].inputs.pad[0]).bytes!.slice().buffer))).toEqual([1, 1, 1, 1]);
  });

  it("expand → reshape + tile", () => {
    const { ops: o, all } = ops((b) => ({ y: b.expand(b.input("x", f32([3])), [2, 3]) }));
    expect(o.map((x) => x.type)).toEqual(["reshape", "tile"]);
    expect(Array.from(new Int32Array(constOf(all, o[1].inputs.reps[0]).bytes!.slice().buffer))).toEqual([2, 1]);
  });

  it("reductions pass axes and keep_dims; empty axes reduce nothing", () => {
    const a = ops((b) => ({ y: b.reduceSum(b.input("x", f32([2, 3])), { axes: [1], keepDimensions: true }) }));
    expect(a.ops.map((x) => x.type)).toEqual(["reduce_sum"]);
    expect(a.ops[0].outputs[0].type.shape).toEqual([2, 1]);
    const e = ops((b) => ({ y: b.reduceL1(b.input("x", f32([2, 3])), { axes: [] }) }));
    expect(e.ops.map((x) => x.type)).toEqual(["abs"]);
  });

  it("cast to uint8 wraps with mod; uint32 → float fixes values ≥ 2^31", () => {
    const a = ops((b) => ({ y: b.cast(b.input("x", f32([2])), "uint8") }));
    expect(a.ops.map((x) => x.type)).toEqual(["cast", "mod"]);
    const c = ops((b) => ({ y: b.cast(b.input("x", { dataType: "uint32", shape: [2] }), "float32") }));
    expect(c.ops.map((x) => x.type)).toEqual(["cast", "less", "add", "select"]);
  });

  it("float16 model inputs/outputs: native from iOS 16, cast through float32 on iOS 15", () => {
    const graph = (b: MLGraphBuilder) => ({ y: b.relu(b.input("x", { dataType: "float16", shape: [2] })) });
    const ios16 = ops(graph, "ios16");
    expect(ios16.lowered.inputs[0].coremlDataType).toBe("float16");
    expect(ios16.ops.map((x) => x.type)).toEqual(["relu"]);
    const ios15 = ops(graph, "ios15");
    expect(ios15.lowered.inputs[0].coremlDataType).toBe("float32");
    expect(ios15.ops.map((x) => x.type)).toEqual(["cast", "relu", "cast"]);
  });

  it("scalars cross the boundary as [1]", () => {
    const { ops: o, lowered } = ops((b) => ({ y: b.abs(b.input("x", f32([]))) }));
    expect(lowered.inputs[0]).toMatchObject({ shape: [], coremlShape: [1] });
    expect(o.map((x) => x.type)).toEqual(["reshape", "abs", "reshape"]);
  });

  it("an output that is an input, a constant, or shared by two outputs gets an identity", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([2]));
    const r = b.relu(x);
    const lowered = lowerGraph(b.buildSync({ first: r, second: r }));
    const o = programFunction(lowered.program).operations.filter((op) => op.type !== "const");
    expect(o.map((op) => op.type)).toEqual(["relu", "identity"]);
    expect(programFunction(lowered.program).outputs).toEqual(["first", "second"]);
    expect(o[1].inputs.x).toEqual(["first"]);
  });

  it("convTranspose2d with a computed filter: conv_transpose from iOS 17, a conv before", () => {
    const b = new MLGraphBuilder();
    const y = b.convTranspose2d(b.input("x", f32([1, 2, 3, 3])), b.input("w", f32([2, 2, 3, 3])));
    const g = b.buildSync({ y });
    const types = (t: "ios16" | "ios17") => programFunction(lowerGraph(g, { target: t }).program).operations.map((o) => o.type);
    expect(types("ios17")).toContain("conv_transpose");
    expect(types("ios16")).not.toContain("conv_transpose");
    expect(types("ios16")).toContain("conv");
  });
});

describe("name mapping", () => {
  it("keeps valid identifiers, sanitizes the rest, keeps names unique, and records the mapping", () => {
    const b = new MLGraphBuilder();
    const x = b.input("my input:0", f32([2]));
    const y = b.input("my_input_0", f32([2]));
    const z = b.input("9lives", f32([2]));
    const lowered = lowerGraph(b.buildSync({ "out/put": b.add(b.add(x, y), z), valid_name: b.sub(x, y) }));
    const names = lowered.inputs.map((e) => [e.name, e.coremlName]);
    expect(names).toEqual([["my input:0", "my_input_0_1"], ["my_input_0", "my_input_0"], ["9lives", "_9lives"]]);
    expect(lowered.outputs.map((e) => e.coremlName)).toEqual(["out_put", "valid_name"]);
    for (const op of programFunction(lowered.program).operations) {
      for (const o of op.outputs) expect(o.name).toMatch(/^[A-Za-z_][A-Za-z0-9_@]*$/);
    }
    const all = programFunction(lowered.program).operations.flatMap((o) => o.outputs.map((x) => x.name));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe("graphs without inputs", () => {
  it("get an unused float32 [1] placeholder input, since Core ML models need one", () => {
    const b = new MLGraphBuilder();
    const c = b.constant(f32([2]), new Float32Array([1, -2]));
    const lowered = lowerGraph(b.buildSync({ y: b.abs(c) }));
    expect(lowered.inputs).toEqual([]);
    expect(lowered.placeholderInput).toBe("placeholder");
    expect(programFunction(lowered.program).inputs).toEqual([{ name: "placeholder", type: { dataType: "fp32", shape: [1] } }]);
  });
});

describe("options Core ML cannot express", () => {
  it("a dilated pooling window too large to unroll is an UnsupportedError naming the option", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([1, 1, 64, 64]));
    const g = b.buildSync({ y: b.maxPool2d(x, { windowDimensions: [17, 17], dilations: [2, 2] }) });
    expect(() => lowerGraph(g)).toThrow(UnsupportedError);
    expect(() => lowerGraph(g)).toThrow(/option dilations \[2, 2\]/);
  });
});

describe("rules Core ML enforces beyond signatures", () => {
  it("conv2d with a computed filter and dilations dilates the filter instead of passing dilations", async () => {
    const { validateProgram } = await import("../../src/mil/validate.js");
    const { runPackage, tensorFromNumbers } = await import("../../src/run-package.js");
    const { convertGraph } = await import("../../src/convert.js");
    const build = (constFilter: boolean) => {
      const b = new MLGraphBuilder();
      const x = b.input("x", f32([1, 1, 5, 5]));
      const wv = new Float32Array([1, 2, 3, 4]);
      const w = constFilter ? b.constant(f32([1, 1, 2, 2]), wv) : b.input("w", f32([1, 1, 2, 2]));
      return { g: b.buildSync({ y: b.conv2d(x, w, { dilations: [2, 2] }) }), wv };
    };
    const dynamic = build(false);
    const lowered = lowerGraph(dynamic.g, { target: "ios15" });
    expect(validateProgram(lowered.program, 15)).toEqual([]);
    const xs = tensorFromNumbers("float32", [1, 1, 5, 5], Array.from({ length: 25 }, (_, i) => i));
    const a = await runPackage(await convertGraph(dynamic.g, { target: "ios15" }), { x: xs, w: tensorFromNumbers("float32", [1, 1, 2, 2], [1, 2, 3, 4]) });
    const c = await runPackage(await convertGraph(build(true).g, { target: "ios15" }), { x: xs });
    expect(Array.from(a.y.data as Float32Array)).toEqual(Array.from(c.y.data as Float32Array));
    // y[0,0] = 1·x[0,0] + 2·x[0,2] + 3·x[2,0] + 4·x[2,2] = 0 + 4 + 30 + 48
    expect((a.y.data as Float32Array)[0]).toBe(82);
  });

  it("edge padding wider than the dimension is built from slices (MIL replicate allows at most the size)", () => {
    const { ops: o } = ops((b) => ({ y: b.pad(b.input("x", f32([1, 2])), [0, 3], [0, 0], { mode: "edge" }) }));
    expect(o.some((op) => op.type === "pad")).toBe(false);
    expect(o.some((op) => op.type === "tile")).toBe(true);
  });

  it("rank > 5 is an UnsupportedError", () => {
    const b = new MLGraphBuilder();
    const g = b.buildSync({ y: b.abs(b.input("x", f32([1, 1, 1, 1, 1, 2]))) });
    expect(() => lowerGraph(g)).toThrow(/at most 5 dimensions/);
  });
});
