import { describe, expect, it } from "vitest";
import { f16round } from "@petamoriken/float16";
import { RuntimeError } from "../../src/errors.js";
import { expectClose, f16, f32, ints, rand, run1, runOp, si, str, vals } from "./helpers.js";

const fr = Math.fround;

interface Conv2d {
  N: number; Cin: number; H: number; W: number; Cout: number; KH: number; KW: number;
  groups: number; strides: [number, number]; dil: [number, number]; pads: [number, number, number, number];
}

/** Straight from the definition: out = bias + sum x[ih, iw] * w, over in-bounds taps. */
function refConv(c: Conv2d, x: number[], w: number[], b: number[] | undefined): { shape: number[]; data: number[] } {
  const [sh, sw] = c.strides, [dh, dw] = c.dil, [pt, pb, pl, pr] = c.pads;
  const OH = Math.floor((c.H + pt + pb - ((c.KH - 1) * dh + 1)) / sh) + 1;
  const OW = Math.floor((c.W + pl + pr - ((c.KW - 1) * dw + 1)) / sw) + 1;
  const CinG = c.Cin / c.groups, CoutG = c.Cout / c.groups;
  const out: number[] = [];
  for (let n = 0; n < c.N; n++) for (let oc = 0; oc < c.Cout; oc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const g = Math.floor(oc / CoutG);
    let s = 0;
    for (let icg = 0; icg < CinG; icg++) for (let kh = 0; kh < c.KH; kh++) for (let kw = 0; kw < c.KW; kw++) {
      const ih = oh * sh - pt + kh * dh, iw = ow * sw - pl + kw * dw;
      if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
      s += x[((n * c.Cin + g * CinG + icg) * c.H + ih) * c.W + iw] * w[((oc * CinG + icg) * c.KH + kh) * c.KW + kw];
    }
    out.push(s + (b ? b[oc] : 0));
  }
  return { shape: [c.N, c.Cout, OH, OW], data: out };
}

/** conv_transpose from its definition: every input tap scatters into out[i*s + k*d - pad_before]. */
function refConvT(N: number, Cin: number, H: number, W: number, CoutG: number, KH: number, KW: number, groups: number,
  s: [number, number], d: [number, number], before: [number, number], OH: number, OW: number, x: number[], w: number[], b?: number[]): number[] {
  const Cout = CoutG * groups, CinG = Cin / groups;
  const out = new Array<number>(N * Cout * OH * OW).fill(0);
  for (let n = 0; n < N; n++) for (let ic = 0; ic < Cin; ic++) for (let ih = 0; ih < H; ih++) for (let iw = 0; iw < W; iw++) {
    const g = Math.floor(ic / CinG);
    for (let ocg = 0; ocg < CoutG; ocg++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const oh = ih * s[0] + kh * d[0] - before[0], ow = iw * s[1] + kw * d[1] - before[1];
      if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
      const oc = g * CoutG + ocg;
      out[((n * Cout + oc) * OH + oh) * OW + ow] += x[((n * Cin + ic) * H + ih) * W + iw] * w[((ic * CoutG + ocg) * KH + kh) * KW + kw];
    }
  }
  if (b) for (let i = 0; i < out.length; i++) out[i] += b[Math.floor(i / (OH * OW)) % Cout];
  return out;
}

describe("conv", () => {
  it("hand-computed 2-d valid conv", () => {
    const x = f32([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = f32([1, 1, 2, 2], [1, 0, 0, 1]);
    const y = run1("conv", { x, weight: w });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(vals(y)).toEqual([6, 8, 12, 14]);
    const yb = run1("conv", { x, weight: w, bias: f32([1], [0.5]), pad_type: str("custom"), pad: ints([1, 0, 0, 1]) });
    expect(yb.shape).toEqual([1, 1, 3, 3]);
    expect(vals(yb)).toEqual([2.5, 3.5, 0.5, 6.5, 8.5, 3.5, 12.5, 14.5, 6.5]);
  });

  it("same / same_lower padding and strides", () => {
    const x = f32([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i + 1));
    const w = f32([1, 1, 2, 2], [1, 1, 1, 1]);
    // same: total pad 1 per dim, extra after → window starts at 0.
    let y = run1("conv", { x, weight: w, pad_type: str("same") });
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect(vals(y).slice(0, 4)).toEqual([14, 18, 22, 12]);
    // same_lower: extra before → first window covers a padded row/col.
    y = run1("conv", { x, weight: w, pad_type: str("same_lower") });
    expect(vals(y).slice(0, 4)).toEqual([1, 3, 5, 7]);
    expect(() => run1("conv", { x, weight: w, pad_type: str("same_lower") }, 15)).toThrow(/iOS 16/);
    y = run1("conv", { x, weight: w, strides: ints([2, 2]), pad_type: str("same") });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(vals(y)).toEqual([14, 22, 46, 54]);
  });

  const cases: Conv2d[] = [
    { N: 2, Cin: 4, H: 7, W: 6, Cout: 6, KH: 3, KW: 2, groups: 2, strides: [2, 1], dil: [1, 2], pads: [1, 2, 0, 1] },
    { N: 1, Cin: 3, H: 9, W: 9, Cout: 3, KH: 3, KW: 3, groups: 3, strides: [1, 1], dil: [2, 2], pads: [2, 2, 2, 2] }, // depthwise dilated
    { N: 1, Cin: 2, H: 5, W: 8, Cout: 4, KH: 1, KW: 3, groups: 1, strides: [3, 2], dil: [1, 1], pads: [0, 0, 1, 0] },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches the definition: groups/dilations/strides case ${i}`, () => {
      const x = rand(c.N * c.Cin * c.H * c.W, 10 + i).map(fr);
      const w = rand(c.Cout * (c.Cin / c.groups) * c.KH * c.KW, 20 + i).map(fr);
      const b = rand(c.Cout, 30 + i).map(fr);
      const ref = refConv(c, x, w, b);
      const y = run1("conv", {
        x: f32([c.N, c.Cin, c.H, c.W], x), weight: f32([c.Cout, c.Cin / c.groups, c.KH, c.KW], w), bias: f32([c.Cout], b),
        strides: ints(c.strides), dilations: ints(c.dil), pad_type: str("custom"), pad: ints(c.pads), groups: si(c.groups),
      });
      expect(y.shape).toEqual(ref.shape);
      expectClose(vals(y), ref.data, 1e-6);
    });
  }

  it("1-d conv (rank-3 x)", () => {
    const y = run1("conv", { x: f32([1, 1, 5], [1, 2, 3, 4, 5]), weight: f32([2, 1, 2], [1, 1, 1, -1]), strides: ints([2]) });
    expect(y.shape).toEqual([1, 2, 2]);
    expect(vals(y)).toEqual([3, 7, -1, -1]);
  });

  it("fp16 rounds once, errors on bad shapes", () => {
    const y = run1("conv", { x: f16([1, 3, 1, 1], [2048, 1, 1]), weight: f16([1, 3, 1, 1], [1, 1, 1]) });
    expect(vals(y)).toEqual([2050]);
    expect(() => run1("conv", { x: f32([1, 3, 2, 2], new Array(12).fill(0)), weight: f32([2, 2, 1, 1], [1, 1, 1, 1]) })).toThrow(/C_in \/ groups/);
    expect(() => run1("conv", { x: f32([1, 1, 2, 2], [0, 0, 0, 0]), weight: f32([1, 1, 3, 3], new Array(9).fill(1)) })).toThrow(/not positive/);
    expect(() => run1("conv", { x: f16([1, 1, 1, 1], [1]), weight: f32([1, 1, 1, 1], [1]) }, 16)).toThrow(RuntimeError);
    expect(vals(run1("conv", { x: f16([1, 1, 1, 1], [1]), weight: f32([1, 1, 1, 1], [0.1]) }, 17))).toEqual([f16round(fr(0.1))]);
  });
});

describe("conv_transpose", () => {
  it("hand-computed stride-2 transpose", () => {
    const x = f32([1, 1, 2, 2], [1, 2, 3, 4]);
    const w = f32([1, 1, 2, 2], [1, 1, 1, 1]);
    const y = run1("conv_transpose", { x, weight: w, strides: ints([2, 2]) });
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect(vals(y)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    const y1 = run1("conv_transpose", { x, weight: w });
    expect(y1.shape).toEqual([1, 1, 3, 3]);
    expect(vals(y1)).toEqual([1, 3, 2, 4, 10, 6, 3, 7, 4]);
  });

  it("custom pad crops; output_shape extends (output padding)", () => {
    const x = f32([1, 1, 2, 2], [1, 2, 3, 4]);
    const w = f32([1, 1, 3, 3], new Array(9).fill(1));
    // natural: (2-1)*2 + 3 - 1 - 1 = 3
    const y = run1("conv_transpose", { x, weight: w, strides: ints([2, 2]), pad_type: str("custom"), pad: ints([1, 1, 1, 1]) });
    expect(y.shape).toEqual([1, 1, 3, 3]);
    const full = refConvT(1, 1, 2, 2, 1, 3, 3, 1, [2, 2], [1, 1], [1, 1], 4, 4, [1, 2, 3, 4], new Array(9).fill(1));
    expect(vals(y)).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10].map((i) => full[i]));
    const yo = run1("conv_transpose", {
      x, weight: w, strides: ints([2, 2]), pad_type: str("custom"), pad: ints([1, 1, 1, 1]), output_shape: ints([1, 1, 4, 4]),
    });
    expect(yo.shape).toEqual([1, 1, 4, 4]);
    expect(vals(yo)).toEqual(full);
    expect(full[15]).toBe(4); // the extra row/column still receives input contributions
  });

  it("same padding gives in*stride", () => {
    const x = f32([1, 1, 3, 3], rand(9, 5).map(fr));
    const w = f32([1, 1, 3, 3], rand(9, 6).map(fr));
    const y = run1("conv_transpose", { x, weight: w, strides: ints([2, 2]), pad_type: str("same") });
    expect(y.shape).toEqual([1, 1, 6, 6]);
    // total = (3-1)*2 + 3 - 6 = 1 → before 0
    expectClose(vals(y), refConvT(1, 1, 3, 3, 1, 3, 3, 1, [2, 2], [1, 1], [0, 0], 6, 6, vals(x), vals(w)), 1e-6);
  });

  it("groups, dilations, bias match the definition", () => {
    const N = 2, Cin = 4, H = 3, W = 4, CoutG = 3, KH = 2, KW = 3, groups = 2;
    const s: [number, number] = [2, 3], d: [number, number] = [2, 1];
    const xs = rand(N * Cin * H * W, 41).map(fr), ws = rand(Cin * CoutG * KH * KW, 42).map(fr), bs = rand(CoutG * groups, 43).map(fr);
    const pad = [1, 0, 2, 1];
    const OH = (H - 1) * s[0] + (KH - 1) * d[0] + 1 - pad[0] - pad[1];
    const OW = (W - 1) * s[1] + (KW - 1) * d[1] + 1 - pad[2] - pad[3];
    const y = run1("conv_transpose", {
      x: f32([N, Cin, H, W], xs), weight: f32([Cin, CoutG, KH, KW], ws), bias: f32([CoutG * groups], bs),
      strides: ints(s), dilations: ints(d), groups: si(groups), pad_type: str("custom"), pad: ints(pad),
    });
    expect(y.shape).toEqual([N, CoutG * groups, OH, OW]);
    expectClose(vals(y), refConvT(N, Cin, H, W, CoutG, KH, KW, groups, s, d, [pad[0], pad[2]], OH, OW, xs, ws, bs), 1e-6);
  });

  it("1-d transpose through the engine", () => {
    const [y] = runOp("conv_transpose", { x: f32([1, 1, 3], [1, 2, 3]), weight: f32([1, 2, 2], [1, 1, 1, -1]) }, [{ dataType: "fp32", shape: [1, 2, 4] }]);
    expect(vals(y)).toEqual([1, 3, 5, 3, 1, 1, 1, -3]);
    expect(() => run1("conv_transpose", { x: f32([1, 2, 1, 1], [1, 1]), weight: f32([1, 1, 1, 1], [1]) })).toThrow(/weight.shape\[0\]/);
  });
});
