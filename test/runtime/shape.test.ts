import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { bool, bools, f16, f32, i32, ints, run, run1, runOp, sb, sf, si, str, vals } from "./helpers.js";

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("reshape family", () => {
  it("reshape with -1 and 0 (per opset)", () => {
    const x = f32([2, 3, 4], iota(24));
    expect(run1("reshape", { x, shape: ints([4, -1]) }).shape).toEqual([4, 6]);
    expect(run1("reshape", { x, shape: ints([0, -1, 2]) }, 16).shape).toEqual([2, 6, 2]);
    expect(() => run1("reshape", { x, shape: ints([0, -1]) }, 16)).toThrow(/len\(shape\) == rank\(x\)/);
    // iOS 17: zeros match dimensions counted from the right; unmatched zeros become 1.
    expect(run1("reshape", { x: f32([2, 50], iota(100)), shape: ints([1, 0, -1, 0]) }, 17).shape).toEqual([1, 1, 2, 50]);
    expect(vals(run1("reshape", { x, shape: ints([24]) }))).toEqual(iota(24));
    expect(() => run1("reshape", { x, shape: ints([5, -1]) })).toThrow(/cannot infer/);
    expect(() => run1("reshape", { x, shape: ints([5, 5]) })).toThrow(/cannot reshape/);
  });

  it("expand_dims, squeeze, flatten2d, shape", () => {
    const x = f32([2, 3], iota(6));
    expect(run1("expand_dims", { x, axes: ints([0, -1]) }).shape).toEqual([1, 2, 3, 1]);
    expect(run1("expand_dims", { x, axes: ints([1]) }).shape).toEqual([2, 1, 3]);
    const y = f32([1, 2, 1, 3], iota(6));
    expect(run1("squeeze", { x: y }).shape).toEqual([2, 3]);
    expect(run1("squeeze", { x: y, axes: ints([2]) }).shape).toEqual([1, 2, 3]);
    expect(run1("squeeze", { x: y, axes: ints([1]) }).shape).toEqual([1, 2, 1, 3]); // non-1 axes are ignored
    expect(run1("squeeze", { x: f32([1], [5]) }).shape).toEqual([]);
    expect(run1("flatten2d", { x: f32([2, 3, 4], iota(24)) }).shape).toEqual([2, 12]);
    expect(run1("flatten2d", { x: f32([2, 3, 4], iota(24)), axis: si(-1) }).shape).toEqual([6, 4]);
    const s = run1("shape", { x: y });
    expect(s.dataType).toBe("int32");
    expect(vals(s)).toEqual([1, 2, 1, 3]);
  });
});

describe("transpose, tile, reverse", () => {
  it("transpose permutes axes", () => {
    const y = run1("transpose", { x: f32([2, 3], iota(6)), perm: ints([1, 0]) });
    expect(y.shape).toEqual([3, 2]);
    expect(vals(y)).toEqual([0, 3, 1, 4, 2, 5]);
    const z = run1("transpose", { x: f32([2, 3, 4], iota(24)), perm: ints([2, 0, 1]) });
    expect(z.shape).toEqual([4, 2, 3]);
    const v = vals(z);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) expect(v[(a * 2 + b) * 3 + c]).toBe(b * 12 + c * 4 + a);
    expect(() => run1("transpose", { x: f32([2, 3], iota(6)), perm: ints([0, 0]) })).toThrow(/duplicates/);
  });

  it("tile repeats each dimension", () => {
    const y = run1("tile", { x: f32([2, 2], [1, 2, 3, 4]), reps: ints([2, 3]) });
    expect(y.shape).toEqual([4, 6]);
    expect(vals(y)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    expect(vals(run1("tile", { x: bool([2], [1, 0]), reps: ints([2]) }))).toEqual([1, 0, 1, 0]);
    expect(() => run1("tile", { x: f32([2], [1, 2]), reps: ints([2, 2]) })).toThrow(/rank/);
  });

  it("reverse flips the given axes or all", () => {
    const x = f32([2, 3], iota(6));
    expect(vals(run1("reverse", { x, axes: ints([1]) }))).toEqual([2, 1, 0, 5, 4, 3]);
    expect(vals(run1("reverse", { x, axes: ints([-2]) }))).toEqual([3, 4, 5, 0, 1, 2]);
    expect(vals(run1("reverse", { x }))).toEqual([5, 4, 3, 2, 1, 0]);
  });
});

describe("slicing", () => {
  const x = f32([3, 4], iota(12));

  it("slice_by_index with strides, negatives and masks", () => {
    let y = run1("slice_by_index", { x, begin: ints([1, 0]), end: ints([3, 4]), stride: ints([1, 2]) });
    expect(y.shape).toEqual([2, 2]);
    expect(vals(y)).toEqual([4, 6, 8, 10]);
    y = run1("slice_by_index", { x, begin: ints([-1, -1]), end: ints([0, 0]), stride: ints([-1, -2]), end_mask: bools([true, true]) });
    expect(y.shape).toEqual([3, 2]);
    expect(vals(y)).toEqual([11, 9, 7, 5, 3, 1]);
    y = run1("slice_by_index", { x, begin: ints([0, 1]), end: ints([0, 3]), begin_mask: bools([true, false]), end_mask: bools([true, false]) });
    expect(vals(y)).toEqual([1, 2, 5, 6, 9, 10]);
    y = run1("slice_by_index", { x, begin: ints([2, 0]), end: ints([0, 4]), squeeze_mask: bools([true, false]) });
    expect(y.shape).toEqual([4]);
    expect(vals(y)).toEqual([8, 9, 10, 11]);
    y = run1("slice_by_index", { x, begin: ints([-1, -1]), end: ints([0, 0]), squeeze_mask: bools([true, true]) });
    expect(y.shape).toEqual([]);
    expect(vals(y)).toEqual([11]);
    // Out-of-range ends clamp like numpy; empty slices are allowed.
    expect(run1("slice_by_index", { x, begin: ints([0, 2]), end: ints([100, 2]) }).shape).toEqual([3, 0]);
    expect(() => run1("slice_by_index", { x, begin: ints([0]), end: ints([1]) })).toThrow(/rank/);
  });

  it("slice_by_size", () => {
    const y = run1("slice_by_size", { x, begin: ints([1, -3]), size: ints([-1, 2]) });
    expect(y.shape).toEqual([2, 2]);
    expect(vals(y)).toEqual([5, 6, 9, 10]);
    expect(() => run1("slice_by_size", { x, begin: ints([2, 0]), size: ints([2, 1]) })).toThrow(/out of range/);
  });
});

describe("concat, split, stack", () => {
  it("concat along an axis, and interleaved", () => {
    const a = f32([2, 2], [1, 2, 3, 4]);
    const b = f32([2, 1], [5, 6]);
    const y = run1("concat", { values: [a, b], axis: si(1) });
    expect(y.shape).toEqual([2, 3]);
    expect(vals(y)).toEqual([1, 2, 5, 3, 4, 6]);
    const i1 = f32([3, 2], [1, 2, 3, 4, 5, 6]), i2 = f32([3, 2], [7, 8, 9, 10, 11, 12]);
    expect(vals(run1("concat", { values: [i1, i2], axis: si(0), interleave: sb(true) }))).toEqual([1, 2, 7, 8, 3, 4, 9, 10, 5, 6, 11, 12]);
    expect(vals(run1("concat", { values: [si(1), si(2)], axis: si(0) }))).toEqual([1, 2]);
    expect(() => run1("concat", { values: [a, f32([1, 3], [1, 2, 3])], axis: si(0) })).toThrow(/differ outside axis/);
    expect(() => run1("concat", { values: [a, i32([2, 2], [1, 2, 3, 4])], axis: si(0) })).toThrow(/dtype/);
  });

  it("concat of one value through the engine (1-tuple)", () => {
    const [y] = runOp("concat", { values: [f32([2], [1, 2])], axis: si(0) }, [{ dataType: "fp32", shape: [2] }]);
    expect(vals(y)).toEqual([1, 2]);
  });

  it("split by num_splits and split_sizes, multiple outputs", () => {
    const x = f32([2, 4], iota(8));
    const [a, b] = run("split", { x, num_splits: si(2), axis: si(1) }, { outputs: 2 });
    expect(vals(a)).toEqual([0, 1, 4, 5]);
    expect(vals(b)).toEqual([2, 3, 6, 7]);
    const parts = runOp("split", { x, split_sizes: ints([1, 3]), axis: si(-1) }, [{ dataType: "fp32", shape: [2, 1] }, { dataType: "fp32", shape: [2, 3] }]);
    expect(vals(parts[0])).toEqual([0, 4]);
    expect(vals(parts[1])).toEqual([1, 2, 3, 5, 6, 7]);
    expect(() => run("split", { x, num_splits: si(3), axis: si(1) }, { outputs: 3 })).toThrow(/does not divide/);
  });

  it("stack inserts a new axis", () => {
    const y = run1("stack", { values: [f32([2], [1, 2]), f32([2], [3, 4])], axis: si(1) });
    expect(y.shape).toEqual([2, 2]);
    expect(vals(y)).toEqual([1, 3, 2, 4]);
  });
});

describe("pad", () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);

  it("constant pads the last dimensions", () => {
    const y = run1("pad", { x, pad: ints([1, 2]), constant_val: sf(9) });
    expect(y.shape).toEqual([2, 6]);
    expect(vals(y)).toEqual([9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9, 9]);
    const z = run1("pad", { x, pad: ints([1, 0, 0, 1]) });
    expect(z.shape).toEqual([3, 4]);
    expect(vals(z)).toEqual([0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0]);
  });

  it("reflect and replicate", () => {
    expect(vals(run1("pad", { x, pad: ints([2, 2]), mode: str("reflect") }))).toEqual([3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4]);
    expect(vals(run1("pad", { x, pad: ints([1, 1, 2, 1]), mode: str("replicate") }))).toEqual([
      1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6, 4, 4, 4, 5, 6, 6,
    ]);
    expect(() => run1("pad", { x, pad: ints([3, 0]), mode: str("reflect") })).toThrow(/at most/);
    expect(() => run1("pad", { x, pad: ints([1, 0]), mode: str("wrap") })).toThrow(/mode/);
  });

  it("fp16 constant value", () => {
    expect(vals(run1("pad", { x: f16([1], [1]), pad: ints([1, 0]), constant_val: f16([], [0.1]) }))).toEqual([f16round(0.1), 1]);
  });
});

describe("band_part, cumsum, fill", () => {
  it("band_part keeps a diagonal band", () => {
    const x = f32([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(vals(run1("band_part", { x, lower: si(0), upper: si(-1) }))).toEqual([1, 2, 3, 0, 5, 6, 0, 0, 9]);
    expect(vals(run1("band_part", { x, lower: si(-1), upper: si(0) }))).toEqual([1, 0, 0, 4, 5, 0, 7, 8, 9]);
    expect(vals(run1("band_part", { x, lower: si(1), upper: si(0) }))).toEqual([1, 0, 0, 4, 5, 0, 0, 8, 9]);
    expect(vals(run1("band_part", { x }))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("cumsum with exclusive and reverse", () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(vals(run1("cumsum", { x }))).toEqual([1, 2, 3, 5, 7, 9]);
    expect(vals(run1("cumsum", { x, axis: si(1) }))).toEqual([1, 3, 6, 4, 9, 15]);
    expect(vals(run1("cumsum", { x, axis: si(1), exclusive: sb(true) }))).toEqual([0, 1, 3, 0, 4, 9]);
    expect(vals(run1("cumsum", { x, axis: si(1), reverse: sb(true) }))).toEqual([6, 5, 3, 15, 11, 6]);
    expect(vals(run1("cumsum", { x, axis: si(1), reverse: sb(true), exclusive: sb(true) }))).toEqual([5, 3, 0, 11, 6, 0]);
    expect(vals(run1("cumsum", { x: i32([2], [2147483647, 1]) }))).toEqual([2147483647, -2147483648]);
  });

  it("fill and fill_like", () => {
    const y = run1("fill", { shape: ints([2, 2]), value: sf(1.5) });
    expect(y.dataType).toBe("fp32");
    expect(vals(y)).toEqual([1.5, 1.5, 1.5, 1.5]);
    expect(vals(run1("fill", { shape: ints([3]) }))).toEqual([0, 0, 0]);
    expect(vals(run1("fill", { shape: ints([2]), value: sb(true) }))).toEqual([1, 1]);
    const z = run1("fill_like", { ref_tensor: i32([2, 1], [5, 6]), value: si(7) });
    expect(z.shape).toEqual([2, 1]);
    expect(vals(z)).toEqual([7, 7]);
  });

  it("range_1d and depth_to_space family", () => {
    expect(vals(run1("range_1d", { start: si(1), end: si(8), step: si(3) }))).toEqual([1, 4, 7]);
    expect(vals(run1("range_1d", { start: sf(0), end: sf(1), step: sf(0.25) }))).toEqual([0, 0.25, 0.5, 0.75]);
    const x = f32([1, 4, 1, 1], [0, 1, 2, 3]);
    const d2s = run1("depth_to_space", { x, block_size: si(2) });
    expect(d2s.shape).toEqual([1, 1, 2, 2]);
    expect(vals(d2s)).toEqual([0, 1, 2, 3]);
    const back = run1("space_to_depth", { x: d2s, block_size: si(2) });
    expect(vals(back)).toEqual([0, 1, 2, 3]);
    const x8 = f32([1, 8, 1, 1], iota(8));
    expect(vals(run1("depth_to_space", { x: x8, block_size: si(2) }))).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
    expect(vals(run1("pixel_shuffle", { x: x8, upscale_factor: si(2) }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => run1("depth_to_space", { x: x8, block_size: si(3) })).toThrow(RuntimeError);
  });
});
