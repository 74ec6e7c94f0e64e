import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { expectClose, f16, f32, i32, ints, rand, run1, runOp, sb, sf, si, str, vals } from "./helpers.js";

const fr = Math.fround;

describe("normalization", () => {
  it("batch_norm per channel", () => {
    const x = f32([1, 2, 1, 2], [1, 2, 3, 4]);
    const y = run1("batch_norm", {
      x, mean: f32([2], [1, 3]), variance: f32([2], [4, 1]), gamma: f32([2], [2, 1]), beta: f32([2], [0, 10]), epsilon: sf(0),
    });
    expect(vals(y)).toEqual([0, 1, 10, 11]);
    const d = run1("batch_norm", { x, mean: f32([2], [0, 0]), variance: f32([2], [1, 1]) });
    expectClose(vals(d), [1, 2, 3, 4].map((v) => v / Math.sqrt(1 + fr(1e-5))));
    expect(() => run1("batch_norm", { x: f32([2, 2], [1, 2, 3, 4]), mean: f32([2], [0, 0]), variance: f32([2], [1, 1]) })).toThrow(/rank 3 to 5/);
  });

  it("instance_norm normalizes each (n, c) over space", () => {
    const x = f32([1, 2, 2], [1, 3, 10, 10]);
    const y = run1("instance_norm", { x, gamma: f32([2], [1, 2]), beta: f32([2], [0, 1]), epsilon: sf(0) });
    expect(vals(y).slice(0, 2)).toEqual([-1, 1]);
    expect(Number.isNaN(vals(y)[2])).toBe(true); // zero variance with epsilon 0
    const z = run1("instance_norm", { x: f32([1, 1, 4], [1, 2, 3, 4]) });
    const m = 2.5, v = 1.25;
    expectClose(vals(z), [1, 2, 3, 4].map((a) => (a - m) / Math.sqrt(v + fr(1e-5))));
  });

  it("layer_norm over the given axes; gamma has x's shape at the sorted axes", () => {
    const x = f32([2, 3], [1, 2, 3, 4, 4, 4]);
    const y = run1("layer_norm", { x, axes: ints([-1]), epsilon: sf(0) });
    const s = Math.sqrt(2 / 3);
    expectClose(vals(y).slice(0, 3), [-1 / s, 0, 1 / s]);
    expect(vals(y).slice(3).every(Number.isNaN)).toBe(true);
    const g = run1("layer_norm", { x: f32([2, 2], [0, 2, 4, 4]), axes: ints([1]), gamma: f32([2], [1, 3]), beta: f32([2], [5, 6]), epsilon: sf(0) });
    expect(vals(g).slice(0, 2)).toEqual([4, 9]);
    // Non-contiguous axes: normalize over axes 0 and 2 of [2, 2, 2]; gamma shape [2, 2].
    const xs = rand(8, 3).map(fr);
    const z = run1("layer_norm", { x: f32([2, 2, 2], xs), axes: ints([2, 0]), gamma: f32([2, 2], [1, 2, 3, 4]), epsilon: sf(0) });
    for (let j = 0; j < 2; j++) {
      const idx = [0, 1].flatMap((a) => [0, 1].map((c) => (a * 2 + j) * 2 + c));
      const v = idx.map((i) => xs[i]);
      const m = v.reduce((p, q) => p + q) / 4;
      const sd = Math.sqrt(v.reduce((p, q) => p + (q - m) ** 2, 0) / 4);
      expectClose(idx.map((i) => vals(z)[i]), v.map((q, r) => ((q - m) / sd) * (r + 1)), 1e-6);
    }
    expect(() => run1("layer_norm", { x, axes: ints([1]), gamma: f32([2], [1, 1]) })).toThrow(/gamma/);
    const all = run1("layer_norm", { x: f16([4], [1, 2, 3, 4]) });
    expect(all.dataType).toBe("fp16");
    expect(vals(all)).toEqual([1, 2, 3, 4].map((a) => f16round((a - 2.5) / Math.sqrt(1.25 + f16round(1e-5)))));
  });

  it("l2_norm and local_response_norm", () => {
    expectClose(vals(run1("l2_norm", { x: f32([1, 1, 2], [3, 4]), epsilon: sf(0) })), [0.6, 0.8]);
    const lrn = run1("local_response_norm", { x: f32([1, 3, 1, 1], [1, 2, 3]), size: si(3), alpha: sf(3), beta: sf(1), k: sf(1) });
    expectClose(vals(lrn), [1 / (1 + 5), 2 / (1 + 14), 3 / (1 + 13)]);
  });
});

describe("reductions", () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);

  it("sum/mean/max/min/prod over axes with keep_dims", () => {
    let y = run1("reduce_sum", { x, axes: ints([1]) });
    expect(y.shape).toEqual([2]);
    expect(vals(y)).toEqual([6, 15]);
    y = run1("reduce_sum", { x, axes: ints([0]), keep_dims: sb(true) });
    expect(y.shape).toEqual([1, 3]);
    expect(vals(y)).toEqual([5, 7, 9]);
    y = run1("reduce_mean", { x });
    expect(y.shape).toEqual([]);
    expect(vals(y)).toEqual([3.5]);
    expect(run1("reduce_max", { x, keep_dims: sb(true) }).shape).toEqual([1, 1]);
    expect(vals(run1("reduce_max", { x, axes: ints([-1]) }))).toEqual([3, 6]);
    expect(vals(run1("reduce_min", { x, axes: ints([0]) }))).toEqual([1, 2, 3]);
    expect(vals(run1("reduce_prod", { x, axes: ints([1]) }))).toEqual([6, 120]);
    expect(run1("reduce_sum", { x, axes: ints([]) }).shape).toEqual([2, 3]);
  });

  it("norms and log reductions", () => {
    const z = f32([2, 2], [3, -4, 1, 1]);
    expect(vals(run1("reduce_l1_norm", { x: z, axes: ints([1]) }))).toEqual([7, 2]);
    expect(vals(run1("reduce_l2_norm", { x: z, axes: ints([1]) }))).toEqual([5, fr(Math.SQRT2)]);
    expect(vals(run1("reduce_sum_square", { x: z, axes: ints([1]) }))).toEqual([25, 2]);
    expect(vals(run1("reduce_log_sum", { x: f32([2], [1, Math.E - 1]) }))).toEqual([fr(Math.log(1 + fr(Math.E - 1)))]);
    expect(vals(run1("reduce_log_sum_exp", { x: f32([3], [1000, 1000, -Infinity]) }))).toEqual([fr(1000 + Math.LN2)]);
    expect(vals(run1("reduce_log_sum_exp", { x: f32([2], [-Infinity, -Infinity]) }))).toEqual([-Infinity]);
  });

  it("NaN propagates through max/min; fp16 rounds once", () => {
    expect(Number.isNaN(vals(run1("reduce_max", { x: f32([3], [1, NaN, 3]) }))[0])).toBe(true);
    expect(Number.isNaN(vals(run1("reduce_min", { x: f32([3], [NaN, 1, 3]) }))[0])).toBe(true);
    const h = run1("reduce_sum", { x: f16([3], [2048, 1, 1]) });
    expect(h.dataType).toBe("fp16");
    expect(vals(h)).toEqual([2050]);
    expect(vals(run1("reduce_sum", { x: f16([2], [60000, 60000]) }))).toEqual([Infinity]);
  });

  it("int32 reductions wrap and truncate", () => {
    expect(vals(run1("reduce_sum", { x: i32([2], [2147483647, 1]) }))).toEqual([-2147483648]);
    expect(vals(run1("reduce_mean", { x: i32([2], [1, 2]) }))).toEqual([1]);
    expect(vals(run1("reduce_mean", { x: i32([2], [-1, -2]) }))).toEqual([-1]);
    expect(vals(run1("reduce_prod", { x: i32([2], [65536, 65536]) }))).toEqual([0]);
  });

  it("argmax / argmin: first index on ties, NaN wins, int32 output", () => {
    const y = run1("reduce_argmax", { x: f32([2, 3], [1, 5, 5, 7, NaN, 7]) });
    expect(y.dataType).toBe("int32");
    expect(y.shape).toEqual([2]);
    expect(vals(y)).toEqual([1, 1]);
    const z = run1("reduce_argmin", { x, axis: si(0), keep_dims: sb(true) });
    expect(z.shape).toEqual([1, 3]);
    expect(vals(z)).toEqual([0, 0, 0]);
    const u = run1("reduce_argmax", { x, output_dtype: str("uint16") }, 17);
    expect(u.dataType).toBe("uint16");
    expect(vals(u)).toEqual([2, 2]);
    expect(() => run1("reduce_argmax", { x, output_dtype: str("uint16") }, 16)).toThrow(/iOS 17/);
  });

  it("large reductions over leading and trailing axes", () => {
    const n = 300, m = 400;
    const data = rand(n * m, 12).map(fr);
    const rows = vals(run1("reduce_sum", { x: f32([n, m], data), axes: ints([1]) }));
    const cols = vals(run1("reduce_sum", { x: f32([n, m], data), axes: ints([0]) }));
    for (const i of [0, 17, 299]) {
      let s = 0;
      for (let j = 0; j < m; j++) s += data[i * m + j];
      expect(rows[i]).toBe(fr(s));
    }
    for (const j of [0, 123, 399]) {
      let s = 0;
      for (let i = 0; i < n; i++) s += data[i * m + j];
      expect(cols[j]).toBe(fr(s));
    }
  });

  it("engine checks reduced shapes", () => {
    const [y] = runOp("reduce_sum", { x, axes: ints([1]), keep_dims: sb(true) }, [{ dataType: "fp32", shape: [2, 1] }]);
    expect(vals(y)).toEqual([6, 15]);
    expect(() => runOp("reduce_sum", { x, axes: ints([1]) }, [{ dataType: "fp32", shape: [2, 1] }])).toThrow(RuntimeError);
  });
});
