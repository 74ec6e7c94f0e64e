import { describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/errors.js";
import { f16, f32, i32, ints, run1, runOp, si, str, t, vals } from "./helpers.js";

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("gather", () => {
  const x = f32([3, 4], iota(12));

  it("gathers along an axis with any index shape", () => {
    let y = run1("gather", { x, indices: ints([2, 0]) });
    expect(y.shape).toEqual([2, 4]);
    expect(vals(y)).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
    y = run1("gather", { x, indices: i32([2, 2], [3, 0, 1, 1]), axis: si(1) });
    expect(y.shape).toEqual([3, 2, 2]);
    expect(vals(y)).toEqual([3, 0, 1, 1, 7, 4, 5, 5, 11, 8, 9, 9]);
    y = run1("gather", { x, indices: si(1) });
    expect(y.shape).toEqual([4]);
    expect(vals(y)).toEqual([4, 5, 6, 7]);
    y = run1("gather", { x: t("int8", [3], [5, 6, 7]), indices: t("uint8", [2], [2, 2]) });
    expect(y.dataType).toBe("int8");
    expect(vals(y)).toEqual([7, 7]);
  });

  it("supports batch_dims", () => {
    const y = run1("gather", { x, indices: i32([3, 2], [0, 3, 1, 2, 3, 3]), axis: si(1), batch_dims: si(1) });
    expect(y.shape).toEqual([3, 2]);
    expect(vals(y)).toEqual([0, 3, 5, 6, 11, 11]);
  });

  it("negative indices: allowed before iOS 17, out of bounds from iOS 17", () => {
    expect(vals(run1("gather", { x, indices: ints([-1]) }, 16))).toEqual([8, 9, 10, 11]);
    expect(() => run1("gather", { x, indices: ints([-1]) }, 17)).toThrow(/negative indices are out of bounds from iOS 17/);
    expect(() => run1("gather", { x, indices: ints([3]) }, 16)).toThrow(/out of bounds/);
  });

  it("gather_along_axis", () => {
    const y = run1("gather_along_axis", { x, indices: i32([2, 4], [2, 1, 0, 0, 0, 0, 2, 1]), axis: si(0) });
    expect(y.shape).toEqual([2, 4]);
    expect(vals(y)).toEqual([8, 5, 2, 3, 0, 1, 10, 7]);
    const z = run1("gather_along_axis", { x, indices: i32([3, 1], [3, 0, 2]), axis: si(-1) });
    expect(vals(z)).toEqual([3, 4, 10]);
    expect(() => run1("gather_along_axis", { x, indices: i32([2, 3], iota(6)), axis: si(0) })).toThrow(/differ outside axis/);
  });

  it("gather_nd with and without batch_dims", () => {
    let y = run1("gather_nd", { x, indices: i32([2, 2], [0, 1, 2, 3]) });
    expect(y.shape).toEqual([2]);
    expect(vals(y)).toEqual([1, 11]);
    y = run1("gather_nd", { x, indices: i32([2, 1], [2, 0]) });
    expect(y.shape).toEqual([2, 4]);
    expect(vals(y)).toEqual([8, 9, 10, 11, 0, 1, 2, 3]);
    const x3 = f32([2, 2, 2], iota(8));
    y = run1("gather_nd", { x: x3, indices: i32([2, 1, 1], [1, 0]), batch_dims: si(1) });
    expect(y.shape).toEqual([2, 1, 2]);
    expect(vals(y)).toEqual([2, 3, 4, 5]);
  });
});

describe("scatter", () => {
  it("scatter_along_axis with update and add (default add)", () => {
    const data = f32([2, 3], [0, 0, 0, 0, 0, 0]);
    const indices = i32([1, 3], [1, 0, 1]);
    const updates = f32([1, 3], [5, 6, 7]);
    expect(vals(run1("scatter_along_axis", { data, indices, updates, axis: si(0), mode: str("update") }))).toEqual([0, 6, 0, 5, 0, 7]);
    const d2 = f32([1, 3], [1, 1, 1]);
    expect(vals(run1("scatter_along_axis", { data: d2, indices: i32([1, 2], [2, 2]), updates: f32([1, 2], [3, 4]), axis: si(1) }))).toEqual([1, 1, 8]);
  });

  it("scatter_nd modes", () => {
    const data = f32([4], [1, 2, 3, 4]);
    const indices = i32([3, 1], [1, 3, 1]);
    const updates = f32([3], [10, 20, 30]);
    expect(vals(run1("scatter_nd", { data, indices, updates }))).toEqual([1, 42, 3, 24]);
    expect(vals(run1("scatter_nd", { data, indices, updates, mode: str("update") }))).toEqual([1, 30, 3, 20]);
    expect(vals(run1("scatter_nd", { data, indices, updates, mode: str("max") }))).toEqual([1, 30, 3, 20]);
    expect(vals(run1("scatter_nd", { data, indices, updates, mode: str("mul") }))).toEqual([1, 600, 3, 80]);
    const m = f32([2, 2], [1, 2, 3, 4]);
    expect(vals(run1("scatter_nd", { data: m, indices: i32([1, 1], [1]), updates: f32([1, 2], [9, 8]), mode: str("sub") }))).toEqual([1, 2, -6, -4]);
    expect(() => run1("scatter_nd", { data, indices, updates: f32([2], [1, 2]) })).toThrow(/updates shape/);
    expect(() => run1("scatter_nd", { data, indices, updates, mode: str("xor") })).toThrow(/unknown mode/);
  });

  it("scatter (axis form) and fp16 rounding", () => {
    const data = f16([2, 2], [1, 1, 1, 1]);
    const y = run1("scatter", { data, indices: ints([1]), updates: f16([1, 2], [0.1, 2049]), mode: str("add") });
    expect(y.dataType).toBe("fp16");
    expect(vals(y)).toEqual([1, 1, 1.099609375, 2048]);
  });

  it("through the engine", () => {
    const [y] = runOp("gather", { x: f32([3], [1, 2, 3]), indices: ints([2, 1]), axis: si(0), validate_indices: t("bool", [], [0]) }, [{ dataType: "fp32", shape: [2] }]);
    expect(vals(y)).toEqual([3, 2]);
    expect(() => runOp("gather", { x: f32([3], [1, 2, 3]), indices: ints([5]) }, [{ dataType: "fp32", shape: [1] }])).toThrow(RuntimeError);
  });
});
