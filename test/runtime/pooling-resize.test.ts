import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { expectClose, f16, f32, ints, run1, runOp, sb, sf, si, str, vals } from "./helpers.js";

const x44 = f32([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i + 1));

describe("pooling", () => {
  it("max_pool and avg_pool, valid", () => {
    const m = run1("max_pool", { x: x44, kernel_sizes: ints([2, 2]), strides: ints([2, 2]), pad_type: str("valid") });
    expect(m.shape).toEqual([1, 1, 2, 2]);
    expect(vals(m)).toEqual([6, 8, 14, 16]);
    const a = run1("avg_pool", { x: x44, kernel_sizes: ints([2, 2]), strides: ints([2, 2]), pad_type: str("valid") });
    expect(vals(a)).toEqual([3.5, 5.5, 11.5, 13.5]);
    const l2 = run1("l2_pool", { x: f32([1, 1, 1, 2], [3, 4]), kernel_sizes: ints([1, 2]), pad_type: str("valid") });
    expect(vals(l2)).toEqual([5]);
  });

  it("padding: avg counts padding unless exclude_padding_from_average", () => {
    const p = { x: x44, kernel_sizes: ints([2, 2]), strides: ints([2, 2]), pad_type: str("custom"), pad: ints([1, 1, 1, 1]) };
    const inc = run1("avg_pool", p);
    expect(inc.shape).toEqual([1, 1, 3, 3]);
    expect(vals(inc)).toEqual([0.25, 1.25, 1, 3.5, 8.5, 5, 3.25, 7.25, 4]);
    const exc = run1("avg_pool", { ...p, exclude_padding_from_average: sb(true) });
    expect(vals(exc)).toEqual([1, 2.5, 4, 7, 8.5, 10, 13, 14.5, 16]);
    const mx = run1("max_pool", p);
    expect(vals(mx)).toEqual([1, 3, 4, 9, 11, 12, 13, 15, 16]);
    const neg = run1("max_pool", { ...p, x: f32([1, 1, 1, 1], [-5]), kernel_sizes: ints([3, 3]), strides: ints([1, 1]) });
    expect(vals(neg)).toEqual([-5]); // padding never wins a max
  });

  it("same padding and ceil_mode output sizes", () => {
    const s = run1("max_pool", { x: f32([1, 1, 5, 5], Array.from({ length: 25 }, (_, i) => i)), kernel_sizes: ints([2, 2]), strides: ints([2, 2]), pad_type: str("same") });
    expect(s.shape).toEqual([1, 1, 3, 3]);
    expect(vals(s)).toEqual([6, 8, 9, 16, 18, 19, 21, 23, 24]);
    const x5 = f32([1, 1, 1, 5], [1, 2, 3, 4, 5]);
    const c = run1("avg_pool", { x: x5, kernel_sizes: ints([1, 2]), strides: ints([1, 2]), pad_type: str("valid"), ceil_mode: sb(true) });
    expect(c.shape).toEqual([1, 1, 1, 3]);
    expect(vals(c)).toEqual([1.5, 3.5, 5]);
    const f = run1("avg_pool", { x: x5, kernel_sizes: ints([1, 2]), strides: ints([1, 2]), pad_type: str("valid") });
    expect(f.shape).toEqual([1, 1, 1, 2]);
    // ceil_mode with padding: the last window may not start inside the right padding.
    const cp = run1("max_pool", { x: f32([1, 1, 1, 4], [1, 2, 3, 4]), kernel_sizes: ints([1, 2]), strides: ints([1, 2]), pad_type: str("custom"), pad: ints([0, 0, 1, 1]), ceil_mode: sb(true) });
    expect(cp.shape).toEqual([1, 1, 1, 3]);
    expect(vals(cp)).toEqual([1, 3, 4]);
    expect(() => run1("max_pool", { x: x5, kernel_sizes: ints([1, 2]), pad_type: str("custom"), pad: ints([0, 0, 1, 0]), ceil_mode: sb(true) })).toThrow(/symmetric/);
  });

  it("1-d pooling, fp16 output, engine", () => {
    const y = run1("avg_pool", { x: f16([1, 1, 3], [1, 2, 4]), kernel_sizes: ints([3]), pad_type: str("valid") });
    expect(y.dataType).toBe("fp16");
    expect(vals(y)).toEqual([f16round(7 / 3)]);
    const [z] = runOp("max_pool", { x: x44, kernel_sizes: ints([3, 3]), strides: ints([1, 1]), pad_type: str("valid") }, [{ dataType: "fp32", shape: [1, 1, 2, 2] }]);
    expect(vals(z)).toEqual([11, 12, 15, 16]);
    expect(() => run1("max_pool", { x: x44, kernel_sizes: ints([5, 5]), pad_type: str("valid") })).toThrow(RuntimeError);
  });
});

describe("resize", () => {
  const x = f32([1, 1, 2, 2], [0, 1, 2, 3]);

  it("upsample_nearest_neighbor by integer and fractional scales", () => {
    const y = run1("upsample_nearest_neighbor", { x, scale_factor_height: si(2), scale_factor_width: si(2) });
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect(vals(y)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    const z = run1("upsample_nearest_neighbor", { x: f32([1, 1, 1, 2], [5, 6]), scale_factor_width: sf(1.5) });
    expect(z.shape).toEqual([1, 1, 1, 3]);
    expect(vals(z)).toEqual([5, 5, 6]);
  });

  it("resize_nearest_neighbor to a target size", () => {
    const y = run1("resize_nearest_neighbor", { x, target_size_height: si(3), target_size_width: si(1) });
    expect(y.shape).toEqual([1, 1, 3, 1]);
    expect(vals(y)).toEqual([0, 0, 2]);
  });

  it("upsample_bilinear align_corners and half-pixel", () => {
    const ac = run1("upsample_bilinear", { x: f32([1, 1, 1, 2], [0, 1]), scale_factor_width: si(2), align_corners: sb(true) });
    expect(ac.shape).toEqual([1, 1, 1, 4]);
    expectClose(vals(ac), [0, 1 / 3, 2 / 3, 1]);
    const hp = run1("upsample_bilinear", { x: f32([1, 1, 1, 2], [0, 1]), scale_factor_width: si(2), align_corners: sb(false) });
    expectClose(vals(hp), [0, 0.25, 0.75, 1]);
    const asym = run1("upsample_bilinear", { x: f32([1, 1, 1, 2], [0, 1]), scale_factor_width: si(2), align_corners: sb(false), half_pixel_centers: sb(false) });
    expectClose(vals(asym), [0, 0.5, 1, 1]);
    const two = run1("upsample_bilinear", { x, scale_factor_height: si(2), scale_factor_width: si(2) });
    expect(two.shape).toEqual([1, 1, 4, 4]);
    expectClose(vals(two).slice(4, 8), [2 / 3, 1, 4 / 3, 5 / 3]);
  });

  it("resize_bilinear sampling modes", () => {
    const x2 = f32([1, 1, 1, 2], [0, 1]);
    const grid = (mode: string) => vals(run1("resize_bilinear", { x: x2, target_size_height: si(1), target_size_width: si(5), sampling_mode: str(mode) }));
    expectClose(grid("UNALIGN_CORNERS"), [0, 0.1, 0.5, 0.9, 1]);
    expectClose(grid("STRICT_ALIGN_CORNERS"), [0, 0.25, 0.5, 0.75, 1]);
    expectClose(grid("ALIGN_CORNERS"), [0, 0.25, 0.5, 0.75, 1]);
    expectClose(grid("DEFAULT"), [0, 0.4, 0.8, 1, 1]);
    expectClose(grid("OFFSET_CORNERS"), [0.1, 0.3, 0.5, 0.7, 0.9]);
    expect(() => grid("BOGUS")).toThrow(/sampling_mode/);
  });
});
