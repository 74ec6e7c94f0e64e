// avg_pool, max_pool, l2_pool over 1-3 spatial dimensions (coremltools defs/iOS15/pool.py).

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { numericView, shapeToString } from "../tensor.js";
import { allocNumeric, defineKernel, requireDtype, storeChunk, type Kernel } from "./common.js";
import { resolvePads } from "./convolution.js";

const FLOATS: readonly MilDataType[] = ["fp16", "fp32"];

const enum Mode { Avg, Max, L2 }

/**
 * Window of output o: input positions [o*stride - pad_before, ... + kernel). Padding never
 * contributes a value: max ignores it, l2 sums squares of real elements only, avg divides by
 * the number of real elements when exclude_padding_from_average=true, else by the number of
 * window positions inside the padded input (positions past the padding, possible with
 * ceil_mode, are not counted).
 * Output size: floor((in + pads - k) / s) + 1; with ceil_mode
 * floor((in + pads - k + s - 1) / s) + 1, minus 1 when (out - 1) * s >= in + pads/2 and pads > 0
 * (coremltools' rule).
 */
function pooling(mode: Mode): Kernel {
  const params = ["x", "kernel_sizes", "strides", "pad_type", "pad", "ceil_mode"];
  if (mode === Mode.Avg) params.push("exclude_padding_from_average");
  return defineKernel(params, (args, _op, ctx) => {
    const x = args.tensor("x");
    requireDtype(x, "x", FLOATS);
    const nS = x.shape.length - 2;
    if (nS < 1 || nS > 3) throw new RuntimeError(`x must have rank 3 to 5, got ${shapeToString(x.shape)}`);
    if (mode === Mode.L2 && nS > 2) throw new RuntimeError("l2_pool supports 1 or 2 spatial dimensions");
    const k = args.intList("kernel_sizes");
    const strides = args.intList("strides", new Array<number>(nS).fill(1));
    const padType = args.string("pad_type", "valid").toLowerCase();
    const padArg = args.intList("pad", new Array<number>(2 * nS).fill(0));
    const ceilMode = args.bool("ceil_mode", false);
    const exclude = mode === Mode.Avg ? args.bool("exclude_padding_from_average", false) : true;
    if (k.length !== nS || k.some((v) => v < 1)) throw new RuntimeError(`kernel_sizes ${shapeToString(k)} must be ${nS} positive values`);
    if (strides.length !== nS || strides.some((v) => v < 1)) throw new RuntimeError(`strides ${shapeToString(strides)} must be ${nS} positive values`);
    const inSizes = x.shape.slice(2);
    const pads = resolvePads(padType, inSizes, k, strides, padArg, ctx);
    if (ceilMode) {
      if (padType === "same") throw new RuntimeError("ceil_mode must be false when pad_type is same");
      if (nS > 2) throw new RuntimeError("ceil_mode is only supported for 1D or 2D pooling");
      if (pads.before.some((b, i) => b !== pads.after[i])) throw new RuntimeError("ceil_mode needs symmetric padding");
    }
    const outSizes = inSizes.map((i, d) => {
      const total = pads.before[d] + pads.after[d];
      if (!ceilMode) return Math.floor((i + total - k[d]) / strides[d]) + 1;
      let o = Math.floor((i + total - k[d] + strides[d] - 1) / strides[d]) + 1;
      if ((o - 1) * strides[d] >= i + total / 2 && total > 0) o -= 1;
      return o;
    });
    if (outSizes.some((o) => o <= 0)) throw new RuntimeError(`pooling output spatial size ${shapeToString(outSizes)} is not positive`);

    const pad3 = (v: number[], f: number) => [...new Array<number>(3 - v.length).fill(f), ...v];
    const [ID, IH, IW] = pad3(inSizes, 1);
    const [KD, KH, KW] = pad3(k, 1);
    const [OD, OH, OW] = pad3(outSizes, 1);
    const [SD, SH, SW] = pad3(strides, 1);
    const [PD, PH, PW] = pad3(pads.before, 0);
    const [QD, QH, QW] = pad3(pads.after, 0);
    const [N, C] = x.shape;
    const X = numericView(x);
    const inPlane = ID * IH * IW;
    const outPlane = OD * OH * OW;
    const { data, half } = allocNumeric(x.dataType, N * C * outPlane);
    const res = new Float64Array(outPlane);
    for (let plane = 0; plane < N * C; plane++) {
      const base = plane * inPlane;
      for (let od = 0; od < OD; od++) {
        const d0 = od * SD - PD, d1 = d0 + KD;
        const da = Math.max(d0, 0), db = Math.min(d1, ID);
        const dCount = Math.min(d1, ID + QD) - Math.max(d0, -PD);
        for (let oh = 0; oh < OH; oh++) {
          const h0 = oh * SH - PH, h1 = h0 + KH;
          const ha = Math.max(h0, 0), hb = Math.min(h1, IH);
          const hCount = Math.min(h1, IH + QH) - Math.max(h0, -PH);
          for (let ow = 0; ow < OW; ow++) {
            const w0 = ow * SW - PW, w1 = w0 + KW;
            const wa = Math.max(w0, 0), wb = Math.min(w1, IW);
            const wCount = Math.min(w1, IW + QW) - Math.max(w0, -PW);
            let acc = mode === Mode.Max ? -Infinity : 0;
            for (let d = da; d < db; d++) {
              for (let h = ha; h < hb; h++) {
                const row = base + (d * IH + h) * IW;
                for (let w = wa; w < wb; w++) {
                  const v = X[row + w];
                  if (mode === Mode.Max) { if (v > acc || v !== v) acc = v; }
                  else if (mode === Mode.Avg) acc += v;
                  else acc += v * v;
                }
              }
            }
            let out: number;
            if (mode === Mode.Max) out = acc;
            else if (mode === Mode.L2) out = Math.sqrt(acc);
            else {
              const count = exclude
                ? Math.max(0, db - da) * Math.max(0, hb - ha) * Math.max(0, wb - wa)
                : dCount * hCount * wCount;
              out = acc / count;
            }
            res[(od * OH + oh) * OW + ow] = out;
          }
        }
      }
      storeChunk(data, half, plane * outPlane, res, outPlane);
    }
    return [{ dataType: x.dataType, shape: [N, C, ...outSizes], data }];
  });
}

export const poolingKernels: Record<string, Kernel> = {
  avg_pool: pooling(Mode.Avg),
  max_pool: pooling(Mode.Max),
  l2_pool: pooling(Mode.L2),
};
