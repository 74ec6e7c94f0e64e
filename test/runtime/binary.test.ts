import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { bool, f16, f32, i32, rand, run1, runOp, vals } from "./helpers.js";

const fr = Math.fround;

describe("elementwise binary", () => {
  it("adds with numpy broadcasting", () => {
    const y = run1("add", { x: f32([2, 1, 3], [1, 2, 3, 4, 5, 6]), y: f32([2, 1], [10, 20]) });
    expect(y.shape).toEqual([2, 2, 3]);
    expect(vals(y)).toEqual([11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26]);
    const s = run1("mul", { x: f32([], [3]), y: f32([2, 2], [1, 2, 3, 4]) });
    expect(s.shape).toEqual([2, 2]);
    expect(vals(s)).toEqual([3, 6, 9, 12]);
    expect(() => run1("add", { x: f32([2, 3], [1, 2, 3, 4, 5, 6]), y: f32([2], [1, 2]) })).toThrow(/cannot be broadcast/);
  });

  it("matches an element-by-element reference on random broadcast shapes", () => {
    const a = rand(4 * 1 * 5, 3), b = rand(3 * 1, 4);
    const y = run1("sub", { x: f32([4, 1, 5], a), y: f32([3, 1], b) });
    expect(y.shape).toEqual([4, 3, 5]);
    const got = vals(y);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 5; k++) {
      expect(got[(i * 3 + j) * 5 + k]).toBe(fr(fr(a[i * 5 + k]) - fr(b[j])));
    }
  });

  it("same-shape large tensors", () => {
    const n = 100000;
    const a = rand(n, 5), b = rand(n, 6);
    const got = vals(run1("real_div", { x: f32([n], a), y: f32([n], b) }));
    for (let i = 0; i < n; i += 997) expect(got[i]).toBe(fr(fr(a[i]) / fr(b[i])));
  });

  it("fp16 results round to nearest-even half; overflow to Infinity", () => {
    const y = run1("add", { x: f16([3], [1, 60000, 0.1]), y: f16([3], [2 ** -11, 10000, 0.2]) });
    expect(y.dataType).toBe("fp16");
    expect(vals(y)).toEqual([1, Infinity, f16round(f16round(0.1) + f16round(0.2))]);
    expect(vals(run1("mul", { x: f16([1], [256]), y: f16([1], [256]) }))).toEqual([Infinity]);
  });

  it("division, floor_div and mod follow numpy (float)", () => {
    const x = f32([4], [7, -7, 7, -7]);
    const d = f32([4], [2, 2, -2, -2]);
    expect(vals(run1("real_div", { x, y: d }))).toEqual([3.5, -3.5, -3.5, 3.5]);
    expect(vals(run1("floor_div", { x, y: d }))).toEqual([3, -4, -4, 3]);
    expect(vals(run1("mod", { x, y: d }))).toEqual([1, 1, -1, -1]);
    const z = vals(run1("real_div", { x: f32([3], [1, -1, 0]), y: f32([3], [0, 0, 0]) }));
    expect(z[0]).toBe(Infinity);
    expect(z[1]).toBe(-Infinity);
    expect(Number.isNaN(z[2])).toBe(true);
  });

  it("int32 arithmetic wraps; real_div truncates; floor_div floors; mod takes the divisor's sign", () => {
    const big = i32([2], [2147483647, -2147483648]);
    expect(vals(run1("add", { x: big, y: i32([2], [1, -1]) }))).toEqual([-2147483648, 2147483647]);
    expect(vals(run1("mul", { x: i32([1], [65536]), y: i32([1], [65537]) }))).toEqual([65536]);
    const x = i32([4], [7, -7, 7, -7]);
    const d = i32([4], [2, 2, -2, -2]);
    const q = run1("real_div", { x, y: d });
    expect(q.dataType).toBe("int32");
    expect(vals(q)).toEqual([3, -3, -3, 3]);
    expect(vals(run1("floor_div", { x, y: d }))).toEqual([3, -4, -4, 3]);
    expect(vals(run1("mod", { x, y: d }))).toEqual([1, 1, -1, -1]);
    expect(vals(run1("real_div", { x: i32([1], [5]), y: i32([1], [0]) }))).toEqual([0]);
    expect(vals(run1("pow", { x: i32([4], [2, 3, 2, -2]), y: i32([4], [10, 21, -1, 3]) }))).toEqual([1024, Number(BigInt.asIntN(32, 3n ** 21n)), 0, -8]);
  });

  it("maximum, minimum, pow with special values", () => {
    const a = f32([3], [1, NaN, -0]);
    const b = f32([3], [NaN, 2, 0]);
    const mx = vals(run1("maximum", { x: a, y: b }));
    expect(Number.isNaN(mx[0]) && Number.isNaN(mx[1])).toBe(true);
    expect(vals(run1("minimum", { x: f32([2], [1, 5]), y: f32([2], [3, 2]) }))).toEqual([1, 2]);
    expect(vals(run1("pow", { x: f32([4], [2, 1, -1, 4]), y: f32([4], [-1, NaN, Infinity, 0.5]) }))).toEqual([0.5, 1, 1, 2]);
  });

  it("comparisons return bool", () => {
    const x = f32([4], [1, 2, NaN, -0]);
    const y = f32([4], [2, 2, NaN, 0]);
    const eq = run1("equal", { x, y });
    expect(eq.dataType).toBe("bool");
    expect(vals(eq)).toEqual([0, 1, 0, 1]);
    expect(vals(run1("not_equal", { x, y }))).toEqual([1, 0, 1, 0]);
    expect(vals(run1("less", { x, y }))).toEqual([1, 0, 0, 0]);
    expect(vals(run1("less_equal", { x, y }))).toEqual([1, 1, 0, 1]);
    expect(vals(run1("greater", { x, y }))).toEqual([0, 0, 0, 0]);
    expect(vals(run1("greater_equal", { x: i32([2], [3, 1]), y: i32([], [2]) }))).toEqual([1, 0]);
  });

  it("logical ops need bool inputs", () => {
    const a = bool([4], [0, 0, 1, 1]);
    const b = bool([4], [0, 1, 0, 1]);
    expect(vals(run1("logical_and", { x: a, y: b }))).toEqual([0, 0, 0, 1]);
    expect(vals(run1("logical_or", { x: a, y: b }))).toEqual([0, 1, 1, 1]);
    expect(vals(run1("logical_xor", { x: a, y: b }))).toEqual([0, 1, 1, 0]);
    expect(() => run1("logical_and", { x: f32([1], [1]), y: f32([1], [1]) })).toThrow(RuntimeError);
  });

  it("select broadcasts cond, a and b", () => {
    const y = run1("select", { cond: bool([2, 1], [1, 0]), a: f32([3], [1, 2, 3]), b: f32([], [-1]) });
    expect(y.shape).toEqual([2, 3]);
    expect(vals(y)).toEqual([1, 2, 3, -1, -1, -1]);
    const h = run1("select", { cond: bool([2], [0, 1]), a: f16([2], [0.1, 0.2]), b: f16([2], [0.3, 0.4]) });
    expect(vals(h)).toEqual([f16round(0.3), f16round(0.2)]);
    expect(() => run1("select", { cond: f32([1], [1]), a: f32([1], [1]), b: f32([1], [1]) })).toThrow(/bool/);
  });

  it("engine checks comparison output dtype", () => {
    const [y] = runOp("greater", { x: f32([2], [1, 3]), y: f32([2], [2, 2]) }, [{ dataType: "bool", shape: [2] }]);
    expect(vals(y)).toEqual([0, 1]);
    expect(() => runOp("greater", { x: f32([2], [1, 3]), y: f32([2], [2, 2]) }, [{ dataType: "fp32", shape: [2] }])).toThrow(/declares tensor<fp32/);
  });
});
