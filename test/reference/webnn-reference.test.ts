// Tests of the float64 reference itself (test/reference/webnn-reference.ts) against values
// computed by hand or taken from the examples in the W3C WebNN specification text.
import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import {
  add, argMinMax, binary, castTo, conv2d, cumulativeSum, dequantizeLinear, erf, erfc, gatherElements, gatherND, gemm, gru, gruCell,
  lstm, lstmCell, matmul2d, mul, packInt4, pad, pool2d, pool2dOutputSizes, prelu, quantizeLinear, resample2d, reverse, roundHalfEven,
  relu, roundToFloat16, scatterElements, sub, scatterND, tensor, tile, triangular, unary, unpackInt4, where, type Tensor,
} from "./webnn-reference.js";

const t = tensor;
const close = (actual: number[], expected: number[], eps = 1e-12) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(eps * Math.max(1, Math.abs(expected[i]))));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe("number formats", () => {
  it("rounds half to even", () => {
    // the spec's roundEven example
    expect([0.1, 0.9, 1.1, 1.9, -3.5, -2.5, -1.5, 1.5, 2.5, 3.5].map(roundHalfEven)).toEqual([0, 1, 1, 2, -4, -2, -2, 2, 2, 4]);
    expect(roundHalfEven(Infinity)).toBe(Infinity);
    expect(roundHalfEven(NaN)).toBeNaN();
  });

  it("rounds to the nearest float16, ties to even, overflow to Infinity", () => {
    expect(roundToFloat16(1)).toBe(1);
    expect(roundToFloat16(1 + 2 ** -11)).toBe(1); // tie between 1 and 1+2^-10 → even (1)
    expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 * 2 ** -10); // tie → even mantissa
    expect(roundToFloat16(0.1)).toBe(0.0999755859375);
    expect(roundToFloat16(65504)).toBe(65504);
    expect(roundToFloat16(65519)).toBe(65504);
    expect(roundToFloat16(65520)).toBe(Infinity);
    expect(roundToFloat16(-70000)).toBe(-Infinity);
    expect(roundToFloat16(2 ** -24)).toBe(2 ** -24); // smallest subnormal
    expect(roundToFloat16(2 ** -26)).toBe(0);
    expect(roundToFloat16(3 * 2 ** -26)).toBe(2 ** -24);
    expect(roundToFloat16(-1.00048828125)).toBe(-1); // -(1 + 2^-11) tie → -1
  });

  it("agrees with an independent float16 rounding (@petamoriken/float16) on many values", () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20000; i++) {
      const x = (rnd() - 0.5) * 2 ** Math.floor(rnd() * 44 - 28);
      expect(roundToFloat16(x)).toBe(f16round(x));
    }
  });

  it("casts with ConvertToInt (clamp, round half even, NaN → 0)", () => {
    expect(castTo(2.5, "int8")).toBe(2);
    expect(castTo(3.5, "int8")).toBe(4);
    expect(castTo(300, "uint8")).toBe(255);
    expect(castTo(-300, "int8")).toBe(-128);
    expect(castTo(NaN, "int32")).toBe(0);
    expect(castTo(-0.2, "int32")).toBe(0);
    expect(Object.is(castTo(-0.2, "int32"), 0)).toBe(true);
  });

  it("packs int4/uint4 two per byte, low nibble first", () => {
    expect([...packInt4([1, 2, 3], false)]).toEqual([0x21, 0x03]);
    expect([...packInt4([-1, 7, -8, 0], true)]).toEqual([0x7f, 0x08]);
    expect(unpackInt4(new Uint8Array([0x7f, 0x08]), 4, true)).toEqual([-1, 7, -8, 0]);
    expect(unpackInt4(new Uint8Array([0xf1]), 2, false)).toEqual([1, 15]);
    expect(() => packInt4([16], false)).toThrow();
  });
});

describe("element-wise unary", () => {
  it("erf / erfc match tabulated values", () => {
    close([0, 0.5, 1, 2, 3, -1].map(erf), [0, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, -0.8427007929497149], 1e-15);
    expect(erfc(3)).toBeCloseTo(2.209049699858544e-5, 18);
    expect(Math.abs(erfc(5) / 1.5374597944280349e-12 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(erfc(2.5) / 4.069520174449590e-4 - 1)).toBeLessThan(1e-13);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
  });

  it("gelu, softplus, softsign, sign, reciprocal, isNaN, isInfinite", () => {
    close(unary("gelu", t([3], [0, 1, -1])).data, [0, 0.8413447460685429, -0.15865525393145707], 1e-15);
    // gelu(-6) = -3·erfc(6/√2) ≈ -6 · Φ(-6), Φ(-6) = 9.865876450376946e-10
    close(unary("gelu", t([1], [-6])).data, [-6 * 9.865876450376946e-10], 1e-12);
    close(unary("softplus", t([4], [0, 1, -20, 30])).data, [Math.LN2, 1.3132616875182228, 2.0611536181902037e-9, 30.000000000000092], 1e-15);
    close(unary("softsign", t([3], [1, -3, 0])).data, [0.5, -0.75, 0]);
    expect(unary("sign", t([5], [-2, 0, 3, -Infinity, NaN])).data).toEqual([-1, 0, 1, -1, 0]);
    expect(unary("reciprocal", t([3], [4, -0.5, Infinity])).data).toEqual([0.25, -2, 0]);
    expect(unary("isNaN", t([4], [NaN, 1, Infinity, 0])).data).toEqual([1, 0, 0, 0]);
    expect(unary("isInfinite", t([4], [NaN, 1, Infinity, -Infinity])).data).toEqual([0, 0, 1, 1]);
  });
});

describe("element-wise binary / where / prelu", () => {
  it("logical ops treat non-zero as true and broadcast", () => {
    const a = t([2, 2], [0, 1, 2, 0]);
    const b = t([2], [3, 0]);
    expect(binary("logicalAnd", a, b).data).toEqual([0, 0, 1, 0]);
    expect(binary("logicalOr", a, b).data).toEqual([1, 1, 1, 0]);
    expect(binary("logicalXor", a, b).data).toEqual([1, 1, 0, 0]);
  });

  it("notEqual is IEEE (NaN ≠ NaN) and broadcasts", () => {
    const r = binary("notEqual", t([2, 1], [1, NaN]), t([3], [1, 2, NaN]));
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toEqual([0, 1, 1, 1, 1, 1]);
  });

  it("where selects with three-way broadcasting", () => {
    const r = where(t([2, 1], [1, 0]), t([3], [1, 2, 3]), t([], [9]));
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toEqual([1, 2, 3, 9, 9, 9]);
  });

  it("prelu is max(0,x) + slope·min(0,x) with broadcasting", () => {
    const r = prelu(t([2, 2], [-2, 3, -4, 5]), t([2], [0.5, 2]));
    expect(r.data).toEqual([-1, 3, -2, 5]);
  });
});

describe("reductions along one axis", () => {
  it("argMax / argMin with keepDimensions", () => {
    const x = t([2, 3], [1, 5, 2, 7, 0, 3]);
    expect(argMinMax("argMax", x, 1)).toEqual({ shape: [2], data: [1, 0] });
    expect(argMinMax("argMin", x, 0, { keepDimensions: true })).toEqual({ shape: [1, 3], data: [0, 1, 0] });
    expect(() => argMinMax("argMax", t([2], [1, 1]), 0)).toThrow(/tie/);
  });

  it("cumulativeSum: the spec's [1,2,3,4] examples", () => {
    const x = t([4], [1, 2, 3, 4]);
    expect(cumulativeSum(x, 0).data).toEqual([1, 3, 6, 10]);
    expect(cumulativeSum(x, 0, { exclusive: true }).data).toEqual([0, 1, 3, 6]);
    expect(cumulativeSum(x, 0, { reversed: true }).data).toEqual([10, 9, 7, 4]);
    expect(cumulativeSum(x, 0, { reversed: true, exclusive: true }).data).toEqual([9, 7, 4, 0]);
    expect(cumulativeSum(t([2, 2], [1, 2, 3, 4]), 0).data).toEqual([1, 2, 4, 6]);
  });
});

describe("quantization", () => {
  it("dequantizeLinear with blockwise scale / zeroPoint", () => {
    // input [2,4], scale/zeroPoint [1,2] → blocks of 2 columns
    const r = dequantizeLinear(t([2, 4], [0, 1, 2, 3, 4, 5, 6, 7]), t([1, 2], [0.5, 2]), t([1, 2], [1, 4]));
    expect(r.data).toEqual([-0.5, 0, -4, -2, 1.5, 2, 4, 6]);
  });

  it("quantizeLinear rounds half to even and saturates", () => {
    const r = quantizeLinear(t([6], [0.5, 1.5, 2.5, -2.5, 1000, -1000]), t([1], [1]), t([1], [0]), "int8");
    expect(r.data).toEqual([0, 2, 2, -2, 127, -128]);
    const u = quantizeLinear(t([4], [1, -1, 3, 700]), t([1], [2]), t([1], [128]), "uint8");
    expect(u.data).toEqual([128, 128, 130, 255]); // 0.5 → 0, -0.5 → -0, 1.5 → 2
    const inf = quantizeLinear(t([2], [Infinity, -Infinity]), t([1], [1]), t([1], [10]), "uint8");
    expect(inf.data).toEqual([255, 0]);
  });
});

describe("gather / scatter (the spec's examples)", () => {
  const x43 = t([4, 3], [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
  it("gatherElements", () => {
    expect(gatherElements(x43, t([2, 3], [3, 1, 1, 2, 0, 3])).data).toEqual([30, 11, 12, 20, 1, 32]);
    expect(gatherElements(x43, t([4, 1], [2, 1, 0, 2]), 1).data).toEqual([2, 11, 20, 32]);
    const x422 = t([4, 2, 2], [0, 1, 10, 11, 100, 101, 110, 111, 200, 201, 210, 211, 300, 301, 310, 311]);
    expect(gatherElements(x422, t([1, 2, 2], [0, 2, 1, 3])).data).toEqual([0, 201, 110, 311]);
    expect(gatherElements(x43, t([1, 3], [-1, -4, 2])).data).toEqual([30, 1, 22]);
  });

  it("gatherND", () => {
    const x22 = t([2, 2], [0, 1, 2, 3]);
    expect(gatherND(x22, t([3, 2], [0, 0, 1, 1, 1, 0]))).toEqual({ shape: [3], data: [0, 3, 2] });
    expect(gatherND(x22, t([2, 1], [1, 0]))).toEqual({ shape: [2, 2], data: [2, 3, 0, 1] });
    const x222 = t([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gatherND(x222, t([2, 2], [0, 1, 1, 0]))).toEqual({ shape: [2, 2], data: [2, 3, 4, 5] });
    expect(gatherND(x222, t([3, 1], [1, 0, 1])).data).toEqual([4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gatherND(x222, t([5, 3], [0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1])).data).toEqual([1, 2, 4, 6, 7]);
    expect(gatherND(x222, t([1, 3], [-1, -2, -1])).data).toEqual([5]);
  });

  it("scatterElements", () => {
    expect(scatterElements(x43, t([2, 3], [3, 1, 1, 2, 0, 3]), t([2, 3], [-1, -2, -3, -4, -5, -6])).data)
      .toEqual([0, -5, 2, 10, -2, -3, -4, 21, 22, -1, 31, -6]);
    expect(scatterElements(x43, t([4, 1], [2, 1, 0, 2]), t([4, 1], [-1, -2, -3, -4]), 1).data)
      .toEqual([0, 1, -1, 10, -2, 12, -3, 21, 22, 30, 31, -4]);
    expect(() => scatterElements(x43, t([2, 3], [0, 0, 0, 0, 1, 1]), t([2, 3], [1, 2, 3, 4, 5, 6]))).toThrow(/duplicate/);
  });

  it("scatterND", () => {
    expect(scatterND(t([8], [0, 1, 2, 3, 4, 5, 6, 7]), t([4, 1], [4, 3, 1, 7]), t([4], [-1, -2, -3, -4])).data)
      .toEqual([0, -3, 2, -2, -1, 5, 6, -4]);
    expect(scatterND(t([2, 2], [0, 1, 2, 3]), t([2, 2], [0, 0, 1, 1]), t([2], [-1, -2])).data).toEqual([-1, 1, 2, -2]);
    expect(scatterND(t([3, 2], [0, 1, 2, 3, 4, 5]), t([2, 1], [2, 0]), t([2, 2], [-1, -2, -3, -4])).data)
      .toEqual([-3, -4, 2, 3, -1, -2]);
    expect(scatterND(t([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]), t([2, 2], [0, 1, 1, 0]), t([2, 2], [-1, -2, -3, -4])).data)
      .toEqual([0, 1, -1, -2, -3, -4, 6, 7]);
    expect(scatterND(t([3], [0, 1, 2]), t([1, 1], [-1]), t([1], [9])).data).toEqual([0, 1, 9]);
  });
});

describe("gemm", () => {
  it("computes alpha·A·B + beta·C with transposes and broadcast C", () => {
    const a = t([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = t([3, 2], [1, 0, 0, 1, 1, 1]);
    expect(gemm(a, b).data).toEqual([4, 5, 10, 11]);
    expect(gemm(a, b, { alpha: 2, beta: 0.5, c: t([2], [2, 4]) }).data).toEqual([9, 12, 21, 24]);
    // A^T: a is [K, M] = [3, 2]
    expect(gemm(t([3, 2], [1, 4, 2, 5, 3, 6]), b, { aTranspose: true }).data).toEqual([4, 5, 10, 11]);
    // B^T: b is [N, K] = [2, 3]
    expect(gemm(a, t([2, 3], [1, 0, 1, 0, 1, 1]), { bTranspose: true, c: t([], [1]) }).data).toEqual([5, 6, 11, 12]);
    expect(gemm(a, b, { c: t([2, 1], [10, 20]) }).data).toEqual([14, 15, 30, 31]);
  });
});

describe("pooling", () => {
  const x = t([1, 1, 4, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  it("global pooling by default", () => {
    expect(pool2d("max", x).data).toEqual([16]);
    expect(pool2d("average", x).data).toEqual([8.5]);
    close(pool2d("l2", t([1, 1, 1, 2], [3, 4])).data, [5]);
  });

  it("windows, strides, padding (excluded from averages), dilations, nhwc", () => {
    expect(pool2d("max", x, { windowDimensions: [2, 2], strides: [2, 2] }).data).toEqual([6, 8, 14, 16]);
    expect(pool2d("average", x, { windowDimensions: [2, 2], strides: [2, 2] }).data).toEqual([3.5, 5.5, 11.5, 13.5]);
    // padding 1 on every side, 2x2 windows, stride 2: corners average one element
    const p = pool2d("average", t([1, 1, 2, 2], [1, 2, 3, 4]), { windowDimensions: [2, 2], strides: [2, 2], padding: [1, 1, 1, 1] });
    expect(p.shape).toEqual([1, 1, 2, 2]);
    expect(p.data).toEqual([1, 2, 3, 4]);
    expect(pool2d("max", x, { windowDimensions: [2, 2], dilations: [2, 2] }).data).toEqual([11, 12, 15, 16]);
    const nhwc = t([1, 2, 2, 2], [1, 10, 2, 20, 3, 30, 4, 40]); // channels last
    expect(pool2d("max", nhwc, { layout: "nhwc" })).toEqual({ shape: [1, 1, 1, 2], data: [4, 40] });
  });

  it("output shape rounding and outputSizes", () => {
    expect(pool2dOutputSizes([6, 6], { windowDimensions: [3, 3], strides: [2, 2] })).toEqual([2, 2]);
    expect(pool2dOutputSizes([6, 6], { windowDimensions: [3, 3], strides: [2, 2], outputShapeRounding: "ceil" })).toEqual([3, 3]);
    expect(pool2dOutputSizes([6, 6], { windowDimensions: [3, 3], strides: [4, 4], outputSizes: [2, 2] })).toEqual([2, 2]);
    expect(() => pool2dOutputSizes([6, 6], { windowDimensions: [3, 3], strides: [4, 4], outputSizes: [3, 3] })).toThrow();
    // ceil: the last window [4..6] covers input elements 4 and 5 only
    const row = t([1, 1, 1, 6], [1, 2, 3, 4, 5, 6]);
    const o = { windowDimensions: [1, 3], strides: [1, 2], outputShapeRounding: "ceil" as const };
    expect(pool2d("average", row, o).data).toEqual([2, 4, 5.5]);
    expect(pool2d("max", row, o).data).toEqual([3, 5, 6]);
  });
});

describe("pad (the spec's examples)", () => {
  const x = t([2, 3], [1, 2, 3, 4, 5, 6]);
  it("constant, edge, reflection", () => {
    expect(pad(x, [1, 2], [1, 2]).data).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(pad(x, [1, 2], [1, 2], { mode: "edge" }).data)
      .toEqual([1, 1, 1, 2, 3, 3, 3, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 5, 6, 6, 6, 4, 4, 4, 5, 6, 6, 6]);
    expect(pad(x, [1, 2], [1, 2], { mode: "reflection" }).data)
      .toEqual([6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1]);
    expect(pad(t([2], [1, 2]), [1], [0], { value: -7 }).data).toEqual([-7, 1, 2]);
    expect(() => pad(x, [2, 0], [0, 0], { mode: "reflection" })).toThrow();
  });
});

describe("resample2d", () => {
  it("linear: the spec's 4x4 → 8x8 example", () => {
    const x = t([1, 1, 4, 4], [0, 1, 2, 3, 0, 1, 2, 3, 12, 13, 14, 15, 12, 13, 14, 15]);
    const r = resample2d(x, { mode: "linear", sizes: [8, 8] });
    const row = (v: number) => [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3].map((d) => d + v);
    expect(r.data).toEqual([...row(0), ...row(0), ...row(0), ...row(3), ...row(9), ...row(12), ...row(12), ...row(12)]);
  });

  it("nearest: half-pixel coordinates, ceil(c - 0.5), scale = outputSize / inputSize", () => {
    const r3 = t([1, 1, 1, 3], [10, 20, 30]);
    // scales [1, 1.5] → width floor(4.5) = 4, scale 4/3: coordinates -0.125, 0.625, 1.375, 2.125
    expect(resample2d(r3, { scales: [1, 1.5] }).data).toEqual([10, 20, 20, 30]);
    // ties select the smaller index: 2 → 3, o = 1 has coordinate exactly 0.5
    expect(resample2d(t([1, 1, 1, 2], [10, 20]), { sizes: [1, 3] }).data).toEqual([10, 10, 20]);
    expect(resample2d(t([1, 1, 1, 4], [10, 20, 30, 40]), { scales: [1, 0.75] }).data).toEqual([10, 20, 40]);
    expect(resample2d(t([1, 1, 2, 2], [1, 2, 3, 4]), { scales: [2, 2] }).data).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    // axes [1, 2] (NHWC-style), sizes take precedence over scales
    const nhwc = resample2d(t([1, 1, 2, 2], [1, 2, 3, 4]), { axes: [1, 2], sizes: [2, 4], scales: [9, 9] });
    expect(nhwc.shape).toEqual([1, 2, 4, 2]);
    expect(nhwc.data).toEqual([1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4]);
  });
});

describe("reverse / tile / triangular", () => {
  it("reverse: all axes by default, none when empty", () => {
    const x = t([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(reverse(x).data).toEqual([6, 5, 4, 3, 2, 1]);
    expect(reverse(x, [1]).data).toEqual([3, 2, 1, 6, 5, 4]);
    expect(reverse(x, []).data).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("tile", () => {
    expect(tile(t([2, 2], [1, 2, 3, 4]), [2, 3])).toEqual({ shape: [4, 6], data: [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4] });
  });

  it("triangular: the spec's examples", () => {
    const x = t([3, 3], [7, 1, 2, 9, 4, 8, 2, 6, 3]);
    expect(triangular(x).data).toEqual([7, 1, 2, 0, 4, 8, 0, 0, 3]);
    expect(triangular(x, { diagonal: 1 }).data).toEqual([0, 1, 2, 0, 0, 8, 0, 0, 0]);
    expect(triangular(x, { diagonal: -1 }).data).toEqual([7, 1, 2, 9, 4, 8, 0, 6, 3]);
    expect(triangular(x, { upper: false }).data).toEqual([7, 0, 0, 9, 4, 0, 2, 6, 3]);
    expect(triangular(x, { upper: false, diagonal: 1 }).data).toEqual([7, 1, 0, 9, 4, 8, 2, 6, 3]);
    expect(triangular(x, { upper: false, diagonal: -1 }).data).toEqual([0, 0, 0, 9, 0, 0, 2, 6, 0]);
    const batch = triangular(t([2, 3, 3], [7, 1, 2, 9, 4, 8, 2, 6, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9]), { upper: false });
    expect(batch.data).toEqual([7, 0, 0, 9, 4, 0, 2, 6, 3, 1, 0, 0, 4, 5, 0, 7, 8, 9]);
  });
});

describe("recurrent cells (hand-computed)", () => {
  // hiddenSize 1, inputSize 1, batch 1 keeps every gate a scalar.
  it("gruCell, resetAfter true and false, zrn and rzn", () => {
    const x = t([1, 1], [1]);
    const h = t([1, 1], [0.5]);
    const W = t([3, 1], [0.1, 0.2, 0.3]); // z, r, n
    const Rw = t([3, 1], [0.4, 0.5, 0.6]);
    const b = t([3], [0.01, 0.02, 0.03]);
    const rb = t([3], [0.04, 0.05, 0.06]);
    const z = sigmoid(0.1 + 0.4 * 0.5 + 0.01 + 0.04);
    const r = sigmoid(0.2 + 0.5 * 0.5 + 0.02 + 0.05);
    const nAfter = Math.tanh(0.3 + 0.03 + r * (0.6 * 0.5 + 0.06));
    const nBefore = Math.tanh(0.3 + 0.6 * (r * 0.5) + 0.03 + 0.06);
    close(gruCell(x, W, Rw, h, 1, { bias: b, recurrentBias: rb }).data, [z * 0.5 + (1 - z) * nAfter]);
    close(gruCell(x, W, Rw, h, 1, { bias: b, recurrentBias: rb, resetAfter: false }).data, [z * 0.5 + (1 - z) * nBefore]);
    // rzn: swap the first two gate rows and the result is the same
    const sw = (v: Tensor) => t(v.shape, [v.data[1], v.data[0], v.data[2]]);
    close(gruCell(x, sw(W), sw(Rw), h, 1, { bias: sw(b), recurrentBias: sw(rb), layout: "rzn" }).data, [z * 0.5 + (1 - z) * nAfter]);
    // relu activations
    const zr = 0.1 + 0.2 + 0.05, rr = 0.2 + 0.25 + 0.07, nr = 0.33 + rr * 0.36;
    close(gruCell(x, W, Rw, h, 1, { bias: b, recurrentBias: rb, activations: ["relu", "relu"] }).data, [zr * 0.5 + (1 - zr) * nr]);
  });

  it("lstmCell with peephole (old cell state in every gate), iofg and ifgo", () => {
    const x = t([1, 1], [1]);
    const h = t([1, 1], [0.5]);
    const c = t([1, 1], [2]);
    const W = t([4, 1], [0.1, 0.2, 0.3, 0.4]); // i, o, f, g
    const Rw = t([4, 1], [0.5, 0.6, 0.7, 0.8]);
    const p = t([3], [0.01, 0.02, 0.03]); // i, o, f
    const i = sigmoid(0.1 + 0.25 + 0.01 * 2);
    const o = sigmoid(0.2 + 0.3 + 0.02 * 2);
    const f = sigmoid(0.3 + 0.35 + 0.03 * 2);
    const g = Math.tanh(0.4 + 0.4);
    const ct = f * 2 + i * g;
    const [h1, c1] = lstmCell(x, W, Rw, h, c, 1, { peepholeWeight: p });
    close(c1.data, [ct]);
    close(h1.data, [o * Math.tanh(ct)]);
    // ifgo ordering of the same gates
    const re = (v: Tensor) => t(v.shape, [v.data[0], v.data[2], v.data[3], v.data[1]]);
    const [h2, c2] = lstmCell(x, re(W), re(Rw), h, c, 1, { peepholeWeight: p, layout: "ifgo" });
    close(c2.data, [ct]);
    close(h2.data, [o * Math.tanh(ct)]);
  });

  it("gru / lstm directions, sequences and initial states", () => {
    // 2 steps, batch 1, input 1, hidden 1; relu everywhere makes the recurrence linear.
    const input = t([2, 1, 1], [1, 2]);
    const W = t([1, 3, 1], [0.5, 0.25, 1]);
    const Rw = t([1, 3, 1], [0, 0, 0.5]);
    const step = (x: number, h: number) => {
      const z = 0.5 * x, r = 0.25 * x, n = x + r * 0.5 * h;
      return z * h + (1 - z) * n;
    };
    const fwd = step(2, step(1, 0));
    const bwd = step(1, step(2, 0));
    const act: ["relu", "relu"] = ["relu", "relu"];
    const [hf, seq] = gru(input, W, Rw, 2, 1, { activations: act, returnSequence: true });
    close(hf.data, [fwd]);
    close(seq.data, [step(1, 0), fwd]);
    const [hb, seqb] = gru(input, W, Rw, 2, 1, { activations: act, returnSequence: true, direction: "backward" });
    close(hb.data, [bwd]);
    close(seqb.data, [bwd, step(2, 0)]);
    const W2 = t([2, 3, 1], [...W.data, ...W.data]), R2 = t([2, 3, 1], [...Rw.data, ...Rw.data]);
    const [hbo, seqbo] = gru(input, W2, R2, 2, 1, { activations: act, returnSequence: true, direction: "both" });
    expect(hbo.shape).toEqual([2, 1, 1]);
    close(hbo.data, [fwd, bwd]);
    expect(seqbo.shape).toEqual([2, 2, 1, 1]);
    close(seqbo.data, [step(1, 0), bwd, fwd, step(2, 0)]);
    // initial hidden state
    const [hi] = gru(input, W, Rw, 2, 1, { activations: act, initialHiddenState: t([1, 1, 1], [3]) });
    close(hi.data, [step(2, step(1, 3))]);

    // lstm, relu activations: i = x, o = 2x, f = 0.5x + 0.5h, g = x (weights chosen per gate)
    const lw = t([1, 4, 1], [1, 2, 0.5, 1]);
    const lr = t([1, 4, 1], [0, 0, 0.5, 0]);
    const lstep = ([h, c]: number[], x: number) => {
      const i = x, o = 2 * x, f = 0.5 * x + 0.5 * h, g = x;
      const ct = f * c + i * g;
      return [o * ct, ct];
    };
    const s1 = lstep([0, 1], 1), s2 = lstep(s1, 2);
    const [lh, lc, lseq] = lstm(input, lw, lr, 2, 1, {
      activations: ["relu", "relu", "relu"], returnSequence: true, initialCellState: t([1, 1, 1], [1]),
    });
    close(lh.data, [s2[0]]);
    close(lc.data, [s2[1]]);
    close(lseq.data, [s1[0], s2[0]]);
  });
});

describe("helpers for multi-operator graphs", () => {
  it("conv2d, matmul, add, sub, mul, relu", () => {
    const x = t([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const f = t([1, 1, 2, 2], [1, 0, 0, 1]);
    expect(conv2d(x, f).data).toEqual([6, 8, 12, 14]);
    expect(conv2d(x, f, { padding: [1, 0, 1, 0], strides: [2, 2] }).data).toEqual([1, 3, 7, 14]);
    expect(matmul2d(t([1, 2], [1, 2]), t([2, 2], [3, 4, 5, 6])).data).toEqual([13, 16]);
    expect(add(t([2], [1, 2]), t([], [1])).data).toEqual([2, 3]);
    expect(sub(t([2], [1, 2]), t([], [1])).data).toEqual([0, 1]);
    expect(mul(t([2], [1, 2]), t([2], [3, 4])).data).toEqual([3, 8]);
    expect(relu(t([3], [-1, 0, 2])).data).toEqual([0, 0, 2]);
  });
});

describe("consistency between operators", () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const vals = (n: number) => Array.from({ length: n }, () => rnd() * 2 - 1);

  it("lstm with one forward step is lstmCell; gru with one step is gruCell", () => {
    const x = t([1, 2, 3], vals(6));
    const w = t([1, 8, 3], vals(24)), r = t([1, 8, 2], vals(16));
    const bias = t([1, 8], vals(8)), peep = t([1, 6], vals(6));
    const h0 = t([1, 2, 2], vals(4)), c0 = t([1, 2, 2], vals(4));
    const [h, c] = lstm(x, w, r, 1, 2, { bias, peepholeWeight: peep, initialHiddenState: h0, initialCellState: c0, layout: "ifgo" });
    const [hc, cc] = lstmCell(t([2, 3], x.data), t([8, 3], w.data), t([8, 2], r.data), t([2, 2], h0.data), t([2, 2], c0.data), 2,
      { bias: t([8], bias.data), peepholeWeight: t([6], peep.data), layout: "ifgo" });
    expect(h.data).toEqual(hc.data);
    expect(c.data).toEqual(cc.data);
    const gw = t([1, 6, 3], vals(18)), gr = t([1, 6, 2], vals(12));
    const [gh] = gru(x, gw, gr, 1, 2, { resetAfter: false, layout: "rzn", initialHiddenState: h0 });
    expect(gh.data).toEqual(gruCell(t([2, 3], x.data), t([6, 3], gw.data), t([6, 2], gr.data), t([2, 2], h0.data), 2, { resetAfter: false, layout: "rzn" }).data);
  });

  it("direction both = forward with direction 0's weights + backward with direction 1's", () => {
    const x = t([3, 1, 2], vals(6));
    const w = t([2, 6, 2], vals(24)), r = t([2, 6, 2], vals(24));
    const half = (v: Tensor, d: number) => t([1, ...v.shape.slice(1)], v.data.slice(d * (v.data.length / 2), (d + 1) * (v.data.length / 2)));
    const [hb, seqb] = gru(x, w, r, 3, 2, { direction: "both", returnSequence: true });
    const [hf, seqf] = gru(x, half(w, 0), half(r, 0), 3, 2, { returnSequence: true });
    const [hr, seqr] = gru(x, half(w, 1), half(r, 1), 3, 2, { returnSequence: true, direction: "backward" });
    expect(hb.data).toEqual([...hf.data, ...hr.data]);
    for (let s = 0; s < 3; s++) expect(seqb.data.slice(s * 4, s * 4 + 4)).toEqual([...seqf.data.slice(s * 2, s * 2 + 2), ...seqr.data.slice(s * 2, s * 2 + 2)]);
    // the backward sequence is indexed by input step: its step 0 entry is the final backward state
    expect(seqr.data.slice(0, 2)).toEqual(hr.data);
  });

  it("quantizeLinear inverts dequantizeLinear for representable values", () => {
    const q = t([2, 4], [0, 17, 255, 128, 3, 99, 200, 1]);
    const scale = t([1, 2], [0.25, 0.5]), zp = t([1, 2], [128, 3]);
    expect(quantizeLinear(dequantizeLinear(q, scale, zp), scale, zp, "uint8").data).toEqual(q.data);
  });

  it("nearest-neighbor integral upscaling repeats elements; linear reproduces a linear ramp exactly inside", () => {
    const x = t([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
    expect(resample2d(x, { scales: [3, 2] }).data).toEqual(tile(t([2, 1, 3, 1], x.data), [1, 3, 1, 2]).data);
    // a ramp along the width, upsampled 4x: interior samples lie on the ramp
    const ramp = resample2d(t([1, 1, 1, 4], [0, 1, 2, 3]), { mode: "linear", sizes: [1, 16] });
    close(ramp.data.slice(2, 14), [0.125, 0.375, 0.625, 0.875, 1.125, 1.375, 1.625, 1.875, 2.125, 2.375, 2.625, 2.875]);
  });

  it("gelu and softplus are accurate in their tails", () => {
    // gelu(x) = x·Φ(x); Φ(-10) = 7.619853024160527e-24
    expect(Math.abs(unary("gelu", t([1], [-10])).data[0] / (-10 * 7.619853024160527e-24) - 1)).toBeLessThan(1e-12);
    expect(unary("softplus", t([1], [-40])).data[0]).toBeCloseTo(Math.exp(-40), 30);
  });
});
