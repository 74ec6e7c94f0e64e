import { describe, expect, it } from "vitest";
import type { MilOperation } from "../../src/mil/program.js";
import { RuntimeError } from "../../src/errors.js";
import { executeProgram, iosVersionOfOpset } from "../../src/runtime/execute.js";
import { kernels } from "../../src/runtime/kernels/index.js";
import { expectClose, f32, i32, ints, program, rand, runOp, sb, si, str, vals } from "./helpers.js";

const addOp = (x: string, y: string, out: string, shape: number[], dataType: "fp32" | "int32" = "fp32"): MilOperation => ({
  type: "add", name: `add_${out}`, inputs: { x: [x], y: [y] }, outputs: [{ name: out, type: { dataType, shape } }],
});

describe("executeProgram", () => {
  it("runs operations in order and returns outputs by name", () => {
    const prog = program({
      inputs: { a: f32([2], [0, 0]) },
      consts: { c: f32([2], [10, 20]) },
      ops: [
        addOp("a", "c", "s", [2]),
        { type: "relu", name: "r", inputs: { x: ["s"] }, outputs: [{ name: "out", type: { dataType: "fp32", shape: [2] } }] },
      ],
      outputs: ["out", "s"],
    });
    const res = executeProgram(prog, { a: f32([2], [1, -30]) });
    expect(vals(res.out)).toEqual([11, 0]);
    expect(vals(res.s)).toEqual([11, -10]);
  });

  it("rejects a missing input, naming it", () => {
    const prog = program({ inputs: { a: f32([2], [0, 0]) }, ops: [], outputs: ["a"] });
    expect(() => executeProgram(prog, {})).toThrow(/missing input "a"/);
    try {
      executeProgram(prog, {});
    } catch (e) {
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as RuntimeError).name).toBe("RuntimeError");
    }
  });

  it("rejects an input with the wrong dtype or shape, and unexpected inputs", () => {
    const prog = program({ inputs: { a: f32([2], [0, 0]) }, ops: [], outputs: ["a"] });
    expect(() => executeProgram(prog, { a: i32([2], [1, 2]) })).toThrow(/input "a" is tensor<int32, \[2\]> but the function declares tensor<fp32, \[2\]>/);
    expect(() => executeProgram(prog, { a: f32([1, 2], [1, 2]) })).toThrow(/input "a"/);
    expect(() => executeProgram(prog, { a: f32([2], [1, 2]), b: f32([1], [1]) })).toThrow(/unexpected input "b"/);
    expect(() => executeProgram(prog, { a: { dataType: "fp32", shape: [2], data: new Float32Array(3) } })).toThrow(/has 2 elements/);
  });

  it("rejects an unknown operation type naming type and op", () => {
    const prog = program({
      inputs: { a: f32([1], [0]) },
      ops: [{ type: "frobnicate", name: "frob_1", inputs: { x: ["a"] }, outputs: [{ name: "o", type: { dataType: "fp32", shape: [1] } }] }],
      outputs: ["o"],
    });
    try {
      executeProgram(prog, { a: f32([1], [1]) });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/unknown operation type "frobnicate".*frob_1/);
      expect((e as RuntimeError).opType).toBe("frobnicate");
      expect((e as RuntimeError).op).toBe("frob_1");
    }
  });

  it("rejects references to undefined values and unknown parameters", () => {
    const prog = program({ inputs: { a: f32([1], [0]) }, ops: [addOp("a", "nope", "o", [1])], outputs: ["o"] });
    expect(() => executeProgram(prog, { a: f32([1], [1]) })).toThrow(/"nope", which is not defined/);
    const bad: MilOperation = { type: "relu", name: "r", inputs: { x: ["a"], alpha: ["a"] }, outputs: [{ name: "o", type: { dataType: "fp32", shape: [1] } }] };
    expect(() => executeProgram(program({ inputs: { a: f32([1], [0]) }, ops: [bad], outputs: ["o"] }), { a: f32([1], [1]) }))
      .toThrow(/unknown parameter "alpha"/);
    expect(() => executeProgram(program({ inputs: { a: f32([1], [0]) }, ops: [], outputs: ["zz"] }), { a: f32([1], [1]) }))
      .toThrow(/function output "zz" is not defined/);
  });

  it("checks every result against the declared output type", () => {
    const wrongShape = program({ inputs: { a: f32([2], [0, 0]) }, ops: [addOp("a", "a", "o", [3])], outputs: ["o"] });
    expect(() => executeProgram(wrongShape, { a: f32([2], [1, 2]) }))
      .toThrow(/output 0 \("o"\) is tensor<fp32, \[2\]> but the operation declares tensor<fp32, \[3\]>/);
    const wrongType = program({ inputs: { a: f32([2], [0, 0]) }, ops: [addOp("a", "a", "o", [2], "int32")], outputs: ["o"] });
    expect(() => executeProgram(wrongType, { a: f32([2], [1, 2]) })).toThrow(/declares tensor<int32/);
    // A const whose declared output type disagrees with its value.
    const c: MilOperation = {
      type: "const", name: "c", inputs: {}, outputs: [{ name: "c", type: { dataType: "fp32", shape: [3] } }],
      value: { type: { dataType: "fp32", shape: [2] }, bytes: new Uint8Array(8) },
    };
    expect(() => executeProgram(program({ ops: [c], outputs: ["c"] }), {})).toThrow(/declares tensor<fp32, \[3\]>/);
  });

  it("wraps kernel errors with the op name and type", () => {
    try {
      runOp("add", { x: f32([2], [1, 2]), y: f32([3], [1, 2, 3]) }, [{ dataType: "fp32", shape: [3] }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/op "op" \(add\): shapes \[2\] and \[3\] cannot be broadcast/);
      expect((e as RuntimeError).opType).toBe("add");
    }
    expect(() => runOp("add", { x: f32([1], [1]), y: i32([1], [1]) }, [{ dataType: "fp32", shape: [1] }])).toThrow(/same dtype/);
    expect(() => runOp("softmax", { x: f32([1], [1]), axis: str("0") }, [{ dataType: "fp32", shape: [1] }])).toThrow(/"axis" must be numeric/);
  });

  it("does not alias caller inputs or constants in outputs", () => {
    const prog = program({
      inputs: { a: f32([2], [0, 0]) },
      consts: { c: f32([2], [5, 6]) },
      ops: [{ type: "identity", name: "id", inputs: { x: ["a"] }, outputs: [{ name: "o", type: { dataType: "fp32", shape: [2] } }] }],
      outputs: ["o", "c", "a"],
    });
    const a = f32([2], [1, 2]);
    const res = executeProgram(prog, { a });
    expect(res.o.data).not.toBe(a.data);
    expect(res.a.data).not.toBe(a.data);
    expect(res.o.data).not.toBe(res.a.data);
    expect(vals(res.o)).toEqual([1, 2]);
    expect(vals(res.c)).toEqual([5, 6]);
  });

  it("maps opsets to iOS versions and reports hooks", () => {
    expect(iosVersionOfOpset("CoreML5")).toBe(15);
    expect(iosVersionOfOpset("CoreML8")).toBe(18);
    expect(() => iosVersionOfOpset("iOS17")).toThrow(RuntimeError);
    const seen: string[] = [];
    const prog = program({ consts: { c: si(3) }, ops: [], outputs: ["c"] });
    executeProgram(prog, {}, { onOperation: (op) => seen.push(op.name) });
    expect(seen).toEqual(["c"]);
  });

  it("has a kernel for every operation the converter emits", () => {
    const required = [
      "abs", "ceil", "floor", "exp", "exp2", "log", "sqrt", "rsqrt", "inverse", "square", "sign", "round", "sin", "cos", "tan",
      "erf", "tanh", "logical_not", "identity", "relu", "sigmoid", "sigmoid_hard", "elu", "leaky_relu", "clip", "softplus",
      "softsign", "gelu", "prelu", "softmax", "thresholded_relu", "add", "sub", "mul", "real_div", "floor_div", "mod", "maximum",
      "minimum", "pow", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
      "logical_xor", "select", "cast", "reshape", "transpose", "tile", "expand_dims", "squeeze", "slice_by_index",
      "slice_by_size", "split", "concat", "gather", "gather_along_axis", "gather_nd", "scatter_along_axis", "scatter_nd", "pad",
      "reverse", "band_part", "cumsum", "fill", "matmul", "linear", "conv", "conv_transpose", "batch_norm", "instance_norm",
      "layer_norm", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_l1_norm", "reduce_l2_norm",
      "reduce_log_sum", "reduce_log_sum_exp", "reduce_sum_square", "reduce_argmax", "reduce_argmin", "avg_pool", "max_pool",
      "l2_pool", "upsample_bilinear", "resize_bilinear", "upsample_nearest_neighbor", "resize_nearest_neighbor",
    ];
    expect(required.filter((op) => kernels[op] === undefined)).toEqual([]);
  });

  it("runs a small CNN end to end through declared types", () => {
    const T = (dataType: "fp32" | "int32", shape: number[]) => ({ dataType, shape });
    const op = (type: string, name: string, inputs: Record<string, string[]>, shape: number[], dataType: "fp32" | "int32" = "fp32"): MilOperation =>
      ({ type, name, inputs, outputs: [{ name, type: T(dataType, shape) }] });
    const prog = program({
      inputs: { image: f32([1, 1, 6, 6], new Array(36).fill(0)) },
      consts: {
        w: f32([4, 1, 3, 3], rand(36, 1)), b: f32([4], rand(4, 2)), pt: str("same"), k: ints([2, 2]), s: ints([2, 2]), valid: str("valid"),
        shape: ints([1, -1]), fw: f32([3, 36], rand(108, 3)), fb: f32([3], [0.1, 0.2, 0.3]), ax: si(-1), keep: sb(false),
      },
      ops: [
        op("conv", "c", { x: ["image"], weight: ["w"], bias: ["b"], pad_type: ["pt"] }, [1, 4, 6, 6]),
        op("relu", "r", { x: ["c"] }, [1, 4, 6, 6]),
        op("max_pool", "p", { x: ["r"], kernel_sizes: ["k"], strides: ["s"], pad_type: ["valid"] }, [1, 4, 3, 3]),
        op("reshape", "f", { x: ["p"], shape: ["shape"] }, [1, 36]),
        op("linear", "l", { x: ["f"], weight: ["fw"], bias: ["fb"] }, [1, 3]),
        op("softmax", "sm", { x: ["l"], axis: ["ax"] }, [1, 3]),
        op("reduce_argmax", "am", { x: ["sm"], axis: ["ax"], keep_dims: ["keep"] }, [1], "int32"),
      ],
      outputs: ["sm", "am"],
    });
    const res = executeProgram(prog, { image: f32([1, 1, 6, 6], rand(36, 4)) });
    const p = vals(res.sm);
    expectClose([p.reduce((a, b) => a + b)], [1], 1e-6);
    expect(vals(res.am)).toEqual([p.indexOf(Math.max(...p))]);
  });
});
