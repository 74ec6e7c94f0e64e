import { describe, expect, it } from "vitest";
import { f16, f32, run1, sf, vals } from "./helpers.js";

describe("more activations (hand-computed)", () => {
  it("linear_activation: alpha * x + beta, rounded to the dtype", () => {
    expect(vals(run1("linear_activation", { x: f32([4], [-2, 0, 0.5, 3]), alpha: sf(2), beta: sf(-1) }))).toEqual([-5, -1, 0, 5]);
    // float16: half(0.1) = 0.0999755859375, × 3 = 0.2999267578125: a tie between 0x34cc and 0x34cd, to even
    expect(vals(run1("linear_activation", { x: f16([1], [3]), alpha: f16([], [0.1]), beta: f16([], [0]) }))[0]).toBeCloseTo(0.2998046875, 9);
  });

  it("relu6, threshold, clamped_relu, silu", () => {
    expect(vals(run1("relu6", { x: f32([4], [-1, 3, 6, 9]) }))).toEqual([0, 3, 6, 6]);
    expect(vals(run1("threshold", { x: f32([3], [-1, 0.5, 2]), alpha: sf(1) }))).toEqual([1, 1, 2]);
    expect(vals(run1("clamped_relu", { x: f32([3], [-2, 1, 9]), alpha: sf(0.5), beta: sf(4) }))).toEqual([-1, 1, 4]);
    expect(vals(run1("silu", { x: f32([2], [0, 1]) }))).toEqual([0, Math.fround(1 / (1 + Math.exp(-1)))]);
  });

  it("inverse trigonometric and hyperbolic functions", () => {
    const x = f32([2], [0, 0.5]);
    expect(vals(run1("asin", { x }))).toEqual([0, Math.fround(Math.asin(0.5))]);
    expect(vals(run1("acos", { x }))).toEqual([Math.fround(Math.PI / 2), Math.fround(Math.acos(0.5))]);
    expect(vals(run1("atan", { x }))).toEqual([0, Math.fround(Math.atan(0.5))]);
    expect(vals(run1("atanh", { x }))).toEqual([0, Math.fround(Math.atanh(0.5))]);
    expect(vals(run1("sinh", { x }))).toEqual([0, Math.fround(Math.sinh(0.5))]);
    expect(vals(run1("cosh", { x }))).toEqual([1, Math.fround(Math.cosh(0.5))]);
  });
});
