import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { erf } from "../../src/runtime/kernels/math.js";
import { expectClose, f16, f32, run1, runOp, sf, si, str, vals } from "./helpers.js";

const fr = Math.fround;

describe("activations", () => {
  const x = f32([5], [-2, -0.5, 0, 0.5, 3]);

  it("relu, sigmoid, softplus, softsign", () => {
    expect(vals(run1("relu", { x }))).toEqual([0, 0, 0, 0.5, 3]);
    expect(Number.isNaN(vals(run1("relu", { x: f32([1], [NaN]) }))[0])).toBe(true);
    expect(vals(run1("sigmoid", { x }))).toEqual([-2, -0.5, 0, 0.5, 3].map((v) => fr(1 / (1 + Math.exp(-v)))));
    expect(vals(run1("softplus", { x: f32([3], [0, 100, -100]) }))).toEqual([fr(Math.LN2), 100, fr(Math.exp(-100))]);
    expect(vals(run1("softsign", { x }))).toEqual([-2 / 3, -1 / 3, 0, 1 / 3, 0.75].map(fr));
  });

  it("parameterized activations", () => {
    expect(vals(run1("leaky_relu", { x, alpha: sf(0.1) }))).toEqual([-0.2, -0.05, 0, 0.5, 3].map(fr));
    expect(vals(run1("elu", { x, alpha: sf(2) }))).toEqual([2 * Math.expm1(-2), 2 * Math.expm1(-0.5), 0, 0.5, 3].map(fr));
    expect(vals(run1("thresholded_relu", { x, alpha: sf(0.5) }))).toEqual([0, 0, 0, 0.5, 3]);
    expect(vals(run1("sigmoid_hard", { x, alpha: sf(0.2), beta: sf(0.5) })))
      .toEqual([-2, -0.5, 0, 0.5, 3].map((v) => fr(Math.min(Math.max(fr(0.2) * v + 0.5, 0), 1))));
    expect(vals(run1("clip", { x, alpha: sf(-1), beta: sf(1) }))).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(Number.isNaN(vals(run1("clip", { x: f32([1], [NaN]), alpha: sf(-1), beta: sf(1) }))[0])).toBe(true);
    expect(vals(run1("scaled_tanh", { x: f32([1], [1]), alpha: sf(2), beta: sf(0.5) }))).toEqual([fr(2 * Math.tanh(0.5))]);
  });

  it("clip requires alpha < beta from iOS 17; parameters must match x's dtype before iOS 17", () => {
    expect(() => run1("clip", { x, alpha: sf(1), beta: sf(1) }, 17)).toThrow(/alpha/);
    expect(vals(run1("clip", { x, alpha: sf(1), beta: sf(1) }, 16))).toEqual([1, 1, 1, 1, 1]);
    expect(() => run1("leaky_relu", { x: f16([1], [1]), alpha: sf(0.1) }, 16)).toThrow(/same dtype/);
    expect(vals(run1("leaky_relu", { x: f16([1], [-1]), alpha: sf(0.1) }, 17))).toEqual([f16round(-fr(0.1))]);
  });

  it("gelu modes", () => {
    const xs = [-1, 0.5, 2];
    const exact = xs.map((v) => fr(0.5 * v * (1 + erf(v / Math.SQRT2))));
    expect(vals(run1("gelu", { x: f32([3], xs) }))).toEqual(exact);
    expect(vals(run1("gelu", { x: f32([3], xs), mode: str("EXACT") }))).toEqual(exact);
    const c = Math.sqrt(2 / Math.PI);
    expect(vals(run1("gelu", { x: f32([3], xs), mode: str("TANH_APPROXIMATION") })))
      .toEqual(xs.map((v) => fr(0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3))))));
    expect(vals(run1("gelu", { x: f32([3], xs), mode: str("SIGMOID_APPROXIMATION") })))
      .toEqual(xs.map((v) => fr(v / (1 + Math.exp(-1.702 * v)))));
    expect(() => run1("gelu", { x: f32([1], [1]), mode: str("FAST") })).toThrow(/unknown mode/);
  });

  it("prelu uses one alpha per channel (axis 1)", () => {
    const xx = f32([1, 2, 2, 1], [-1, 2, -3, 4]);
    const y = run1("prelu", { x: xx, alpha: f32([2], [0.5, 0.25]) });
    expect(vals(y)).toEqual([-0.5, 2, -0.75, 4]);
    expect(() => run1("prelu", { x: xx, alpha: f32([3], [1, 2, 3]) })).toThrow(/shape \[2\]/);
    expect(() => run1("prelu", { x: f32([1, 2, 1], [1, 1]), alpha: f32([2], [1, 2]) })).toThrow(/all alpha values are equal/);
  });

  it("softmax over any axis, stable for large inputs", () => {
    const y = run1("softmax", { x: f32([2, 3], [1, 2, 3, 1000, 1000, 1000]) });
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e[0] + e[1] + e[2];
    expect(vals(y)).toEqual([...e.map((v) => fr(v / s)), fr(1 / 3), fr(1 / 3), fr(1 / 3)]);
    const y0 = run1("softmax", { x: f32([2, 2], [0, 1, 0, 3]), axis: si(0) });
    expectClose(vals(y0), [0.5, 1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-2))]);
    const h = run1("softmax", { x: f16([2], [0, 0]) });
    expect(h.dataType).toBe("fp16");
    expect(vals(h)).toEqual([0.5, 0.5]);
    expect(Number.isNaN(vals(run1("softmax", { x: f32([2], [NaN, 1]) }))[1])).toBe(true);
  });

  it("runs through the engine with declared types", () => {
    const [y] = runOp("relu", { x: f16([2], [-1, 65504]) }, [{ dataType: "fp16", shape: [2] }]);
    expect(vals(y)).toEqual([0, 65504]);
    expect(() => runOp("elu", { x: f32([1], [1]) }, [{ dataType: "fp32", shape: [1] }])).toThrow(RuntimeError);
  });
});
