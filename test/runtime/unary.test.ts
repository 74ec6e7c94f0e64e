import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { bool, expectClose, f16, f32, i32, run1, runOp, sf, str, t, vals } from "./helpers.js";

const fr = Math.fround;

describe("elementwise unary", () => {
  it("computes basic functions in fp32 with one rounding", () => {
    const x = f32([4], [-1.5, 0, 0.5, 2]);
    expect(vals(run1("abs", { x }))).toEqual([1.5, 0, 0.5, 2]);
    expect(vals(run1("ceil", { x }))).toEqual([-1, 0, 1, 2]);
    expect(vals(run1("floor", { x }))).toEqual([-2, 0, 0, 2]);
    expect(vals(run1("exp", { x }))).toEqual([-1.5, 0, 0.5, 2].map((v) => fr(Math.exp(fr(v)))));
    expect(vals(run1("exp2", { x }))).toEqual([fr(2 ** -1.5), 1, fr(Math.SQRT2), 4]);
    expect(vals(run1("square", { x }))).toEqual([2.25, 0, 0.25, 4]);
    expect(vals(run1("sign", { x: f32([4], [-3, -0, 0, 7]) }))).toEqual([-1, 0, 0, 1]);
    expect(vals(run1("sqrt", { x: f32([2], [4, 2]) }))).toEqual([2, fr(Math.SQRT2)]);
    expect(vals(run1("sin", { x: f32([1], [1]) }))).toEqual([fr(Math.sin(1))]);
    expect(vals(run1("cos", { x: f32([1], [1]) }))).toEqual([fr(Math.cos(1))]);
    expect(vals(run1("tan", { x: f32([1], [1]) }))).toEqual([fr(Math.tan(1))]);
    expect(vals(run1("tanh", { x: f32([2], [0.5, -20]) }))).toEqual([fr(Math.tanh(0.5)), -1]);
  });

  it("round rounds half to even (numpy.round)", () => {
    const y = run1("round", { x: f32([8], [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6]) });
    const v = vals(y);
    expect(v).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
    expect(Object.is(v[3], -0)).toBe(true);
  });

  it("erf matches reference values", () => {
    const xs = [0, 0.1, 0.5, 1, 2, 3, -0.7, 6];
    const ref = [0, 0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, -0.6778011938374184, 1];
    expect(vals(run1("erf", { x: f32([8], xs) }))).toEqual(ref.map((r) => fr(r)));
  });

  it("log, rsqrt and inverse add epsilon with coremltools defaults", () => {
    // log: epsilon 1e-45 as fp32 is the smallest subnormal, so log(0) is finite.
    const lg = vals(run1("log", { x: f32([3], [1, Math.E, 0]) }));
    expect(lg[0]).toBe(0);
    expect(lg[1]).toBe(fr(Math.log(fr(Math.E))));
    expect(lg[2]).toBe(fr(Math.log(fr(1e-45))));
    expect(vals(run1("log", { x: f32([1], [0]), epsilon: sf(0) }))).toEqual([-Infinity]);
    // fp16: 1e-45 rounds to 0 → log(0) = -Infinity.
    expect(vals(run1("log", { x: f16([1], [0]), epsilon: f16([], [0]) }))).toEqual([-Infinity]);
    expect(vals(run1("log", { x: f16([1], [0]) }))).toEqual([-Infinity]);
    expect(vals(run1("rsqrt", { x: f32([2], [4, 0]) }))).toEqual([0.5, fr(1 / Math.sqrt(fr(1e-12)))]);
    expect(vals(run1("inverse", { x: f32([1], [2]) }))).toEqual([fr(1 / (2 + fr(1e-4)))]);
    expect(vals(run1("inverse", { x: f32([1], [2]), epsilon: sf(0) }))).toEqual([0.5]);
    expect(vals(run1("inverse", { x: f16([1], [2]) }))).toEqual([f16round(1 / (2 + f16round(1e-4)))]);
  });

  it("rounds fp16 results to nearest-even half and overflows to Infinity", () => {
    expect(vals(run1("exp", { x: f16([3], [1, 12, -20]) }))).toEqual([f16round(Math.E), Infinity, f16round(Math.exp(-20))]);
    expect(vals(run1("square", { x: f16([2], [300, 0.1]) }))).toEqual([Infinity, f16round(f16round(0.1) ** 2)]);
    expect(run1("sqrt", { x: f16([1], [2]) }).data).toBeInstanceOf(Uint16Array);
  });

  it("propagates NaN and infinities", () => {
    const y = vals(run1("sqrt", { x: f32([3], [-1, Infinity, NaN]) }));
    expect(Number.isNaN(y[0])).toBe(true);
    expect(y[1]).toBe(Infinity);
    expect(Number.isNaN(y[2])).toBe(true);
    expect(vals(run1("abs", { x: f32([2], [-Infinity, -0]) }))).toEqual([Infinity, 0]);
    expect(Number.isNaN(vals(run1("sign", { x: f32([1], [NaN]) }))[0])).toBe(true);
  });

  it("supports int32 where coremltools does, with wrap-around", () => {
    expect(vals(run1("abs", { x: i32([2], [-5, -(2 ** 31)]) }))).toEqual([5, -(2 ** 31)]);
    expect(vals(run1("square", { x: i32([2], [46341, -3]) }))).toEqual([(46341 * 46341) | 0, 9]);
    expect(vals(run1("sign", { x: i32([3], [-4, 0, 9]) }))).toEqual([-1, 0, 1]);
    expect(() => run1("sqrt", { x: i32([1], [4]) })).toThrow(RuntimeError);
  });

  it("logical_not and identity", () => {
    expect(vals(run1("logical_not", { x: bool([3], [1, 0, 1]) }))).toEqual([0, 1, 0]);
    expect(() => run1("logical_not", { x: f32([1], [1]) })).toThrow(/bool/);
    const x = f32([2, 1], [3, 4]);
    const y = run1("identity", { x });
    expect(y.shape).toEqual([2, 1]);
    expect(vals(y)).toEqual([3, 4]);
  });
});

describe("cast", () => {
  it("float to int truncates toward zero and saturates; NaN → 0", () => {
    const x = f32([7], [1.9, -1.9, 3e9, -3e9, NaN, 0.5, -0.5]);
    expect(vals(run1("cast", { x, dtype: str("int32") }))).toEqual([1, -1, 2147483647, -2147483648, 0, 0, 0]);
    expect(vals(run1("cast", { x: f32([3], [300, -300, 5.7]), dtype: str("uint8") }))).toEqual([255, 0, 5]);
    expect(vals(run1("cast", { x: f32([2], [200, -200]), dtype: str("int8") }))).toEqual([127, -128]);
  });

  it("int to narrower int wraps; to bool is != 0; bool to float is 0/1", () => {
    expect(vals(run1("cast", { x: i32([3], [300, -1, 65536 + 7]), dtype: str("uint8") }))).toEqual([44, 255, 7]);
    expect(vals(run1("cast", { x: i32([2], [40000, -40000]), dtype: str("int16") }))).toEqual([-25536, 25536]);
    expect(vals(run1("cast", { x: f32([4], [0, -0, 0.1, NaN]), dtype: str("bool") }))).toEqual([0, 0, 1, 1]);
    expect(vals(run1("cast", { x: bool([2], [1, 0]), dtype: str("fp32") }))).toEqual([1, 0]);
  });

  it("float to float rounds to nearest even", () => {
    const y = run1("cast", { x: f32([3], [0.1, 70000, 1 + 2 ** -11]), dtype: str("fp16") });
    expect(y.dataType).toBe("fp16");
    expect(vals(y)).toEqual([f16round(0.1), Infinity, 1]);
    expect(vals(run1("cast", { x: f16([1], [0.1]), dtype: str("fp32") }))).toEqual([f16round(0.1)]);
    expect(vals(run1("cast", { x: i32([1], [16777217]), dtype: str("fp32") }))).toEqual([16777216]);
  });

  it("checks the target dtype against the opset", () => {
    expect(() => run1("cast", { x: f32([1], [1]), dtype: str("int8") }, 16)).toThrow(/not supported on iOS 16/);
    expect(vals(run1("cast", { x: f32([1], [1]), dtype: str("int8") }, 17))).toEqual([1]);
    expect(() => run1("cast", { x: f32([1], [1]), dtype: str("fp64") })).toThrow(RuntimeError);
    const [y] = runOp("cast", { x: t("int8", [2], [-3, 4]), dtype: str("fp16") }, [{ dataType: "fp16", shape: [2] }]);
    expectClose(vals(y), [-3, 4]);
  });
});
