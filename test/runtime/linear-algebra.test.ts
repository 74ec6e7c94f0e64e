import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { expectClose, f16, f32, i32, rand, run1, runOp, sb, vals } from "./helpers.js";

const fr = Math.fround;

/** Naive batched matmul reference over already-broadcast 3-d arrays. */
function refMatmul(a: number[], b: number[], B: number, M: number, K: number, N: number): number[] {
  const out: number[] = [];
  for (let bb = 0; bb < B; bb++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[(bb * M + i) * K + k] * b[(bb * K + k) * N + j];
    out.push(fr(s));
  }
  return out;
}

describe("matmul", () => {
  it("2-d product", () => {
    const y = run1("matmul", { x: f32([2, 3], [1, 2, 3, 4, 5, 6]), y: f32([3, 2], [7, 8, 9, 10, 11, 12]) });
    expect(y.shape).toEqual([2, 2]);
    expect(vals(y)).toEqual([58, 64, 139, 154]);
  });

  it("transpose flags", () => {
    const a = f32([3, 2], [1, 4, 2, 5, 3, 6]); // transpose of [[1,2,3],[4,5,6]]
    const b = f32([2, 3], [7, 9, 11, 8, 10, 12]); // transpose of [[7,8],[9,10],[11,12]]
    expect(vals(run1("matmul", { x: a, y: b, transpose_x: sb(true), transpose_y: sb(true) }))).toEqual([58, 64, 139, 154]);
  });

  it("rank-1 rules as numpy.matmul", () => {
    const v = f32([3], [1, 2, 3]);
    const m = f32([2, 3, 2], [1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 2, 2]);
    let y = run1("matmul", { x: v, y: m });
    expect(y.shape).toEqual([2, 2]);
    expect(vals(y)).toEqual([4, 5, 8, 10]);
    y = run1("matmul", { x: f32([2, 3], [1, 2, 3, 4, 5, 6]), y: v });
    expect(y.shape).toEqual([2]);
    expect(vals(y)).toEqual([14, 32]);
    y = run1("matmul", { x: v, y: v });
    expect(y.shape).toEqual([]);
    expect(vals(y)).toEqual([14]);
    expect(() => run1("matmul", { x: v, y: v, transpose_x: sb(true) })).toThrow(/rank-1/);
  });

  it("broadcasts batch dimensions; matches a reference on random data", () => {
    const M = 5, K = 7, N = 9;
    const a = rand(3 * M * K, 1), b = rand(K * N, 2);
    const y = run1("matmul", { x: f32([3, 1, M, K], a), y: f32([2, K, N], [...b, ...b.map((v) => -v)]) });
    expect(y.shape).toEqual([3, 2, M, N]);
    const got = vals(y);
    const af = a.map(fr), bf = b.map(fr);
    for (let i = 0; i < 3; i++) {
      const pos = refMatmul(af.slice(i * M * K, (i + 1) * M * K), bf, 1, M, K, N);
      const neg = refMatmul(af.slice(i * M * K, (i + 1) * M * K), bf.map((v) => -v), 1, M, K, N);
      expect(got.slice((i * 2) * M * N, (i * 2 + 1) * M * N)).toEqual(pos);
      expect(got.slice((i * 2 + 1) * M * N, (i * 2 + 2) * M * N)).toEqual(neg);
    }
  });

  it("tiled path on larger sizes equals the naive reference", () => {
    const M = 37, K = 300, N = 530;
    const a = rand(M * K, 3).map(fr), b = rand(K * N, 4).map(fr);
    expect(vals(run1("matmul", { x: f32([M, K], a), y: f32([K, N], b) }))).toEqual(refMatmul(a, b, 1, M, K, N));
  });

  it("fp16 accumulates in float64 and rounds once", () => {
    const y = run1("matmul", { x: f16([1, 3], [2048, 1, 1]), y: f16([3, 1], [1, 1, 1]) });
    expect(y.dataType).toBe("fp16");
    expect(vals(y)).toEqual([2050]); // sequential fp16 adds would give 2048
    expect(vals(run1("matmul", { x: f16([1, 2], [60000, 60000]), y: f16([2, 1], [1, 1]) }))).toEqual([Infinity]);
  });

  it("int32 wraps", () => {
    expect(vals(run1("matmul", { x: i32([1, 2], [65536, 1]), y: i32([2, 1], [65536, 5]) }))).toEqual([5]);
  });

  it("dtype mixing only from iOS 17 with a declared output dtype", () => {
    expect(() => runOp("matmul", { x: f16([1, 1], [2]), y: f32([1, 1], [3]) }, [{ dataType: "fp16", shape: [1, 1] }], "CoreML6")).toThrow(RuntimeError);
    const [y] = runOp("matmul", { x: f16([1, 1], [2]), y: f32([1, 1], [0.1]) }, [{ dataType: "fp16", shape: [1, 1] }], "CoreML7");
    expect(vals(y)).toEqual([f16round(2 * fr(0.1))]);
    expect(() => run1("matmul", { x: f32([2, 3], [1, 2, 3, 4, 5, 6]), y: f32([2, 3], [1, 2, 3, 4, 5, 6]) })).toThrow(/inner dimensions/);
  });
});

describe("linear", () => {
  it("x · weightᵀ + bias", () => {
    const y = run1("linear", { x: f32([2, 3], [1, 2, 3, 4, 5, 6]), weight: f32([2, 3], [1, 0, 0, 0, 1, 1]), bias: f32([2], [10, 20]) });
    expect(y.shape).toEqual([2, 2]);
    expect(vals(y)).toEqual([11, 25, 14, 31]);
    expect(vals(run1("linear", { x: f32([3], [1, 2, 3]), weight: f32([1, 3], [1, 1, 1]) }))).toEqual([6]);
  });

  it("random reference and shape checks", () => {
    const x = rand(4 * 6, 8).map(fr), w = rand(5 * 6, 9).map(fr), b = rand(5, 10).map(fr);
    const y = run1("linear", { x: f32([2, 2, 6], x), weight: f32([5, 6], w), bias: f32([5], b) });
    expect(y.shape).toEqual([2, 2, 5]);
    const exp: number[] = [];
    for (let r = 0; r < 4; r++) for (let o = 0; o < 5; o++) {
      let s = b[o];
      for (let k = 0; k < 6; k++) s += x[r * 6 + k] * w[o * 6 + k];
      exp.push(s);
    }
    expectClose(vals(y), exp, 1e-6);
    expect(() => run1("linear", { x: f32([2], [1, 2]), weight: f32([1, 3], [1, 1, 1]) })).toThrow(/last dimension/);
    expect(() => run1("linear", { x: f16([1], [1]), weight: f32([1, 1], [1]) }, 16)).toThrow(/before iOS 17/);
  });
});
