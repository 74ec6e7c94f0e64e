import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { f16, f32, i32, run, run1, runOp, sb, sf, si, str, t, vals } from "./helpers.js";

describe("quantization", () => {
  it("quantize rounds half to even, adds the zero point and saturates", () => {
    const y = run1("quantize", { input: f32([6], [0.5, 1.5, 2.5, -0.5, 1000, -1000]), scale: sf(1), zero_point: t("uint8", [], [10]), output_dtype: str("uint8") });
    expect(y.dataType).toBe("uint8");
    expect(vals(y)).toEqual([10, 12, 12, 10, 255, 0]);
    const p = run1("quantize", { input: f32([2, 2], [1, 2, 3, 4]), scale: f32([2], [1, 2]), axis: si(1), output_dtype: str("int8") });
    expect(vals(p)).toEqual([1, 1, 3, 2]);
    expect(() => run1("quantize", { input: f32([1], [1]), scale: sf(1), output_dtype: str("int16") })).toThrow(/output_dtype/);
  });

  it("dequantize and constexpr_affine_dequantize: scale * (x - zero_point)", () => {
    const y = run1("dequantize", { input: t("int8", [2, 2], [-128, 0, 10, 127]), scale: f32([2], [0.5, 2]), zero_point: t("int8", [2], [0, 10]), axis: si(1) });
    expect(y.dataType).toBe("fp32");
    expect(vals(y)).toEqual([-64, -20, 5, 234]);
    const c = run1("constexpr_affine_dequantize", { quantized_data: t("uint8", [3], [0, 128, 255]), zero_point: t("uint8", [], [128]), scale: f16([], [0.1]), axis: si(0) });
    expect(c.dataType).toBe("fp16");
    expect(vals(c)).toEqual([-128, 0, 127].map((v) => f16round(v * f16round(0.1))));
  });

  it("constexpr_blockwise_shift_scale with blocks per dimension", () => {
    const y = run1("constexpr_blockwise_shift_scale", {
      data: t("int4", [2, 4], [1, 2, 3, 4, -1, -2, -3, -4]),
      scale: f32([1, 2], [10, 100]),
      offset: t("int4", [1, 2], [1, 0]),
    });
    expect(vals(y)).toEqual([0, 10, 300, 400, -20, -30, -300, -400]);
    expect(() => run1("constexpr_blockwise_shift_scale", { data: t("int8", [3], [1, 2, 3]), scale: f32([2], [1, 1]) })).toThrow(/divide/);
  });
});

describe("topk, argsort, one_hot", () => {
  it("topk values and indices (descending by default, stable ties)", () => {
    const [v, i] = run("topk", { x: f32([2, 3], [1, 3, 3, 9, NaN, 0]), k: si(2) }, { outputs: 2 });
    expect(v.shape).toEqual([2, 2]);
    const vv = vals(v);
    expect(vv.slice(0, 2)).toEqual([3, 3]);
    expect(Number.isNaN(vv[2])).toBe(true);
    expect(vv[3]).toBe(9);
    expect(vals(i)).toEqual([1, 2, 1, 0]);
    const [a] = run("topk", { x: i32([4], [4, 1, 3, 2]), k: si(2), ascending: sb(true), return_indices: sb(false) }, { outputs: 1 });
    expect(vals(a)).toEqual([1, 2]);
    const outs = runOp("topk", { x: f16([3], [0.5, 2, 1]), k: si(1) }, [{ dataType: "fp16", shape: [1] }, { dataType: "int32", shape: [1] }]);
    expect(vals(outs[0])).toEqual([2]);
    expect(vals(outs[1])).toEqual([1]);
  });

  it("argsort along an axis", () => {
    expect(vals(run1("argsort", { x: f32([2, 3], [3, 1, 2, 0, 5, 4]) }))).toEqual([0, 2, 1, 1, 2, 0]);
    expect(vals(run1("argsort", { x: f32([2, 2], [3, 1, 2, 5]), axis: si(0), ascending: sb(true) }))).toEqual([1, 0, 0, 1]);
  });

  it("one_hot", () => {
    const y = run1("one_hot", { indices: i32([3], [0, 2, 5]), one_hot_vector_size: si(3) });
    expect(y.shape).toEqual([3, 3]);
    expect(vals(y)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0]);
    const z = run1("one_hot", { indices: i32([2], [1, 0]), one_hot_vector_size: si(2), axis: si(0), on_value: sf(5), off_value: sf(-1) });
    expect(z.dataType).toBe("fp32");
    expect(vals(z)).toEqual([-1, 5, 5, -1]);
    expect(() => run1("one_hot", { indices: f32([1], [0]), one_hot_vector_size: si(2) })).toThrow(RuntimeError);
  });
});
