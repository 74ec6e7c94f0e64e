// conv and conv_transpose for 1, 2 or 3 spatial dimensions (coremltools defs/iOS15/conv.py,
// iOS17/conv.py). Products accumulate in float64; each output element is rounded once.

import { RuntimeError } from "../../errors.js";
import { numericView, shapeToString, type RuntimeTensor } from "../tensor.js";
import {
  allocNumeric, defineKernel, requireDtype, requireParamDtype, storeChunk, type Kernel, type KernelArgs,
  type KernelContext,
} from "./common.js";

/** Spatial padding amounts (before/after per spatial dimension). */
export interface Pads { before: number[]; after: number[] }

/**
 * Padding of conv and pooling. "valid": none. "custom": `pad` = [d0_begin, d0_end, d1_begin, ...].
 * "same" / "same_lower": total = max(0, (ceil(in/stride) - 1) * stride + k_eff - in), split with
 * the extra element after ("same") or before ("same_lower"); the output is then ceil(in/stride).
 */
export function resolvePads(padType: string, inSizes: readonly number[], kEff: readonly number[], strides: readonly number[], pad: readonly number[], ctx: KernelContext): Pads {
  const n = inSizes.length;
  switch (padType) {
    case "valid":
      return { before: new Array<number>(n).fill(0), after: new Array<number>(n).fill(0) };
    case "custom": {
      if (pad.length !== 2 * n) throw new RuntimeError(`pad must have ${2 * n} values, got ${pad.length}`);
      if (pad.some((p) => p < 0)) throw new RuntimeError(`pad must be non-negative, got ${shapeToString(pad)}`);
      return { before: pad.filter((_, i) => i % 2 === 0), after: pad.filter((_, i) => i % 2 === 1) };
    }
    case "same":
    case "same_lower": {
      if (padType === "same_lower" && ctx.iosVersion < 16) throw new RuntimeError('pad_type "same_lower" needs iOS 16');
      const before: number[] = [], after: number[] = [];
      for (let i = 0; i < n; i++) {
        const total = Math.max(0, (Math.ceil(inSizes[i] / strides[i]) - 1) * strides[i] + kEff[i] - inSizes[i]);
        const small = Math.floor(total / 2);
        before.push(padType === "same" ? small : total - small);
        after.push(padType === "same" ? total - small : small);
      }
      return { before, after };
    }
    default:
      throw new RuntimeError(`unknown pad_type "${padType}" (valid, same, same_lower, custom)`);
  }
}

interface SpatialParams { strides: number[]; dilations: number[]; padType: string; pad: number[]; groups: number }

function spatialParams(args: KernelArgs, nSpatial: number): SpatialParams {
  const strides = args.intList("strides", new Array<number>(nSpatial).fill(1));
  const dilations = args.intList("dilations", new Array<number>(nSpatial).fill(1));
  const padType = args.string("pad_type", "valid");
  const pad = args.intList("pad", new Array<number>(2 * nSpatial).fill(0));
  const groups = args.int("groups", 1);
  if (strides.length !== nSpatial || strides.some((s) => s < 1)) throw new RuntimeError(`strides ${shapeToString(strides)} must be ${nSpatial} positive values`);
  if (dilations.length !== nSpatial || dilations.some((s) => s < 1)) throw new RuntimeError(`dilations ${shapeToString(dilations)} must be ${nSpatial} positive values`);
  if (groups < 1) throw new RuntimeError(`groups must be >= 1, got ${groups}`);
  return { strides, dilations, padType, pad, groups };
}

/** Pads a spatial list to 3 entries (leading dimensions of size/stride 1). */
function to3(v: readonly number[], fillValue: number): [number, number, number] {
  const r = [...new Array<number>(3 - v.length).fill(fillValue), ...v];
  return [r[0], r[1], r[2]];
}

function checkX(x: RuntimeTensor): number {
  requireDtype(x, "x", ["fp16", "fp32"]);
  const nSpatial = x.shape.length - 2;
  if (nSpatial < 1 || nSpatial > 3) throw new RuntimeError(`x must have rank 3, 4 or 5 ([N, C, *spatial]), got ${shapeToString(x.shape)}`);
  return nSpatial;
}

function checkBias(bias: RuntimeTensor | undefined, cout: number): void {
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== cout)) {
    throw new RuntimeError(`bias must have shape [${cout}], got ${shapeToString(bias.shape)}`);
  }
}

/**
 * conv(x[N, Cin, *S], weight[Cout, Cin/groups, *K], bias[Cout]?, strides, pad_type="valid",
 * pad, dilations, groups=1). Output spatial size floor((in + pads - k_eff) / stride) + 1.
 */
export const conv = defineKernel(["x", "weight", "bias", "strides", "pad_type", "pad", "dilations", "groups"], (args, _op, ctx) => {
  const x = args.tensor("x");
  const nSpatial = checkX(x);
  const w = args.tensor("weight");
  requireParamDtype(ctx, x, w, "weight");
  const bias = args.optTensor("bias");
  if (bias) requireParamDtype(ctx, x, bias, "bias");
  const p = spatialParams(args, nSpatial);
  const [N, Cin] = x.shape;
  const Cout = w.shape[0];
  if (w.shape.length !== x.shape.length) throw new RuntimeError(`weight ${shapeToString(w.shape)} must have the rank of x ${shapeToString(x.shape)}`);
  if (Cin % p.groups !== 0 || Cout % p.groups !== 0) throw new RuntimeError(`channels (in ${Cin}, out ${Cout}) must be divisible by groups ${p.groups}`);
  const CinG = Cin / p.groups;
  const CoutG = Cout / p.groups;
  if (w.shape[1] !== CinG) throw new RuntimeError(`weight.shape[1] (${w.shape[1]}) must be C_in / groups = ${CinG}`);
  checkBias(bias, Cout);
  const inSizes = x.shape.slice(2);
  const kSizes = w.shape.slice(2);
  const kEff = kSizes.map((k, i) => (k - 1) * p.dilations[i] + 1);
  const pads = resolvePads(p.padType, inSizes, kEff, p.strides, p.pad, ctx);
  const outSizes = inSizes.map((i, d) => Math.floor((i + pads.before[d] + pads.after[d] - kEff[d]) / p.strides[d]) + 1);
  if (outSizes.some((o) => o <= 0)) throw new RuntimeError(`conv output spatial size ${shapeToString(outSizes)} is not positive`);

  const [ID, IH, IW] = to3(inSizes, 1);
  const [KD, KH, KW] = to3(kSizes, 1);
  const [OD, OH, OW] = to3(outSizes, 1);
  const [sd, sh, sw] = to3(p.strides, 1);
  const [dd, dh, dw] = to3(p.dilations, 1);
  const [pd, ph, pw] = to3(pads.before, 0);
  const X = numericView(x);
  const W = numericView(w);
  const Bv = bias ? numericView(bias) : undefined;
  const inPlane = ID * IH * IW;
  const outPlane = OD * OH * OW;
  const { data, half } = allocNumeric(x.dataType, N * Cout * outPlane);
  const acc = new Float64Array(outPlane);
  const lo = (k: number, d: number, pp: number, s: number) => Math.max(0, Math.ceil((pp - k * d) / s));
  const hi = (k: number, d: number, pp: number, s: number, I: number, O: number) => Math.min(O - 1, Math.floor((I - 1 + pp - k * d) / s));
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < Cout; oc++) {
      const g = Math.floor(oc / CoutG);
      acc.fill(0);
      for (let icg = 0; icg < CinG; icg++) {
        const xBase = (n * Cin + g * CinG + icg) * inPlane;
        const wBase = (oc * CinG + icg) * KD * KH * KW;
        for (let kd = 0; kd < KD; kd++) {
          const od0 = lo(kd, dd, pd, sd), od1 = hi(kd, dd, pd, sd, ID, OD);
          for (let kh = 0; kh < KH; kh++) {
            const oh0 = lo(kh, dh, ph, sh), oh1 = hi(kh, dh, ph, sh, IH, OH);
            for (let kw = 0; kw < KW; kw++) {
              const ow0 = lo(kw, dw, pw, sw), ow1 = hi(kw, dw, pw, sw, IW, OW);
              if (ow0 > ow1) continue;
              const wv = W[wBase + (kd * KH + kh) * KW + kw];
              for (let od = od0; od <= od1; od++) {
                const id = od * sd + kd * dd - pd;
                for (let oh = oh0; oh <= oh1; oh++) {
                  const ih = oh * sh + kh * dh - ph;
                  const rowO = (od * OH + oh) * OW;
                  let ix = xBase + (id * IH + ih) * IW + ow0 * sw + kw * dw - pw;
                  for (let ow = ow0; ow <= ow1; ow++, ix += sw) acc[rowO + ow] += wv * X[ix];
                }
              }
            }
          }
        }
      }
      if (Bv) {
        const b = Bv[oc];
        for (let i = 0; i < outPlane; i++) acc[i] += b;
      }
      storeChunk(data, half, (n * Cout + oc) * outPlane, acc, outPlane);
    }
  }
  return [{ dataType: x.dataType, shape: [N, Cout, ...outSizes], data }];
});

/**
 * conv_transpose(x[N, Cin, *S], weight[Cin, Cout/groups, *K], bias[Cout]?, pad, output_shape?,
 * pad_type="valid", strides, dilations, groups=1).
 * Input position i and kernel tap k write output position i*stride + k*dilation - pad_before;
 * positions outside [0, out) are dropped.
 * Output size: output_shape when given (the full [N, Cout, *D] or just the spatial sizes);
 * otherwise "valid": (in-1)*s + k_eff; "custom": (in-1)*s + k_eff - pad_begin - pad_end;
 * "same": in*s. pad_before: "custom" pad[2i]; "valid" 0; "same" floor(total/2) with
 * total = max(0, (in-1)*s + k_eff - out) ("same_lower": ceil(total/2)).
 * So output_shape larger than the natural size appends positions that only receive bias
 * (like ONNX/WebNN output padding), and smaller crops the end.
 */
export const convTranspose = defineKernel(
  ["x", "weight", "bias", "pad", "output_shape", "pad_type", "strides", "dilations", "groups"],
  (args, _op, ctx) => {
    const x = args.tensor("x");
    const nSpatial = checkX(x);
    const w = args.tensor("weight");
    requireParamDtype(ctx, x, w, "weight");
    const bias = args.optTensor("bias");
    if (bias) requireParamDtype(ctx, x, bias, "bias");
    const p = spatialParams(args, nSpatial);
    const [N, Cin] = x.shape;
    if (w.shape.length !== x.shape.length) throw new RuntimeError(`weight ${shapeToString(w.shape)} must have the rank of x ${shapeToString(x.shape)}`);
    if (w.shape[0] !== Cin) throw new RuntimeError(`weight.shape[0] (${w.shape[0]}) must equal C_in (${Cin})`);
    if (Cin % p.groups !== 0) throw new RuntimeError(`C_in ${Cin} must be divisible by groups ${p.groups}`);
    const CinG = Cin / p.groups;
    const CoutG = w.shape[1];
    const Cout = CoutG * p.groups;
    checkBias(bias, Cout);
    const inSizes = x.shape.slice(2);
    const kSizes = w.shape.slice(2);
    const kEff = kSizes.map((k, i) => (k - 1) * p.dilations[i] + 1);
    let outSizes: number[];
    if (args.has("output_shape")) {
      const os = args.intList("output_shape");
      if (os.length === x.shape.length) {
        if (os[0] !== N || os[1] !== Cout) throw new RuntimeError(`output_shape ${shapeToString(os)} must start with [${N}, ${Cout}]`);
        outSizes = os.slice(2);
      } else if (os.length === nSpatial) {
        outSizes = os;
      } else {
        throw new RuntimeError(`output_shape ${shapeToString(os)} must have ${x.shape.length} (or ${nSpatial}) values`);
      }
    } else {
      outSizes = inSizes.map((i, d) => {
        const full = (i - 1) * p.strides[d] + kEff[d];
        switch (p.padType) {
          case "valid": return full;
          case "custom": return full - p.pad[2 * d] - p.pad[2 * d + 1];
          case "same": case "same_lower": return i * p.strides[d];
          default: throw new RuntimeError(`unknown pad_type "${p.padType}" (valid, same, custom)`);
        }
      });
    }
    if (outSizes.some((o) => o <= 0)) throw new RuntimeError(`conv_transpose output spatial size ${shapeToString(outSizes)} is not positive`);
    let before: number[];
    switch (p.padType) {
      case "valid": before = new Array<number>(nSpatial).fill(0); break;
      case "custom":
        if (p.pad.length !== 2 * nSpatial || p.pad.some((v) => v < 0)) throw new RuntimeError(`pad must be ${2 * nSpatial} non-negative values`);
        before = p.pad.filter((_, i) => i % 2 === 0);
        break;
      case "same": case "same_lower":
        before = inSizes.map((i, d) => {
          const total = Math.max(0, (i - 1) * p.strides[d] + kEff[d] - outSizes[d]);
          return p.padType === "same" ? Math.floor(total / 2) : Math.ceil(total / 2);
        });
        break;
      default: throw new RuntimeError(`unknown pad_type "${p.padType}" (valid, same, custom)`);
    }

    const [ID, IH, IW] = to3(inSizes, 1);
    const [KD, KH, KW] = to3(kSizes, 1);
    const [OD, OH, OW] = to3(outSizes, 1);
    const [sd, sh, sw] = to3(p.strides, 1);
    const [dd, dh, dw] = to3(p.dilations, 1);
    const [pd, ph, pw] = to3(before, 0);
    const X = numericView(x);
    const W = numericView(w);
    const Bv = bias ? numericView(bias) : undefined;
    const inPlane = ID * IH * IW;
    const outPlane = OD * OH * OW;
    const { data, half } = allocNumeric(x.dataType, N * Cout * outPlane);
    const acc = new Float64Array(outPlane);
    const lo = (k: number, d: number, pp: number, s: number) => Math.max(0, Math.ceil((pp - k * d) / s));
    const hi = (k: number, d: number, pp: number, s: number, I: number, O: number) => Math.min(I - 1, Math.floor((O - 1 + pp - k * d) / s));
    for (let n = 0; n < N; n++) {
      for (let oc = 0; oc < Cout; oc++) {
        const g = Math.floor(oc / CoutG);
        const ocg = oc - g * CoutG;
        acc.fill(0);
        for (let icg = 0; icg < CinG; icg++) {
          const ic = g * CinG + icg;
          const xBase = (n * Cin + ic) * inPlane;
          const wBase = (ic * CoutG + ocg) * KD * KH * KW;
          for (let kd = 0; kd < KD; kd++) {
            const id0 = lo(kd, dd, pd, sd), id1 = hi(kd, dd, pd, sd, ID, OD);
            for (let kh = 0; kh < KH; kh++) {
              const ih0 = lo(kh, dh, ph, sh), ih1 = hi(kh, dh, ph, sh, IH, OH);
              for (let kw = 0; kw < KW; kw++) {
                const iw0 = lo(kw, dw, pw, sw), iw1 = hi(kw, dw, pw, sw, IW, OW);
                if (iw0 > iw1) continue;
                const wv = W[wBase + (kd * KH + kh) * KW + kw];
                for (let id = id0; id <= id1; id++) {
                  const od = id * sd + kd * dd - pd;
                  for (let ih = ih0; ih <= ih1; ih++) {
                    const oh = ih * sh + kh * dh - ph;
                    const rowX = xBase + (id * IH + ih) * IW;
                    let o = (od * OH + oh) * OW + iw0 * sw + kw * dw - pw;
                    for (let iw = iw0; iw <= iw1; iw++, o += sw) acc[o] += wv * X[rowX + iw];
                  }
                }
              }
            }
          }
        }
        if (Bv) {
          const b = Bv[oc];
          for (let i = 0; i < outPlane; i++) acc[i] += b;
        }
        storeChunk(data, half, (n * Cout + oc) * outPlane, acc, outPlane);
      }
    }
    return [{ dataType: x.dataType, shape: [N, Cout, ...outSizes], data }];
  },
);

export const convolutionKernels: Record<string, Kernel> = {
  conv,
  conv_transpose: convTranspose,
};

