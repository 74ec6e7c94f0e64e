// Normalizations (coremltools defs/iOS15/normalization.py, iOS17/normalization.py).
// Statistics are computed in float64 (mean, then the biased variance mean((x - mean)^2));
// each output element is rounded once.

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { roundHalf } from "../fp16.js";
import { numericView, shapeToString, type RuntimeTensor } from "../tensor.js";
import {
  allocNumeric, CHUNK, defineKernel, normalizeAxes, product, requireDtype, requireParamDtype, storeChunk,
  tensorNumbers, type Kernel, type KernelArgs, type KernelContext,
} from "./common.js";
import { forEachReduced, reducePlan } from "./reduction.js";

const FLOATS: readonly MilDataType[] = ["fp16", "fp32"];

function defaultIn(dataType: MilDataType, v: number): number {
  return dataType === "fp16" ? roundHalf(v) : Math.fround(v);
}

function epsilonOf(args: KernelArgs, ctx: KernelContext, x: RuntimeTensor, def: number): number {
  const e = args.optTensor("epsilon");
  if (!e) return defaultIn(x.dataType, def);
  requireParamDtype(ctx, x, e, "epsilon");
  return args.float("epsilon");
}

/** An optional per-channel vector of length C (dtype per the opset's T/U rule). */
function channelVector(args: KernelArgs, ctx: KernelContext, x: RuntimeTensor, name: string, C: number, def: number | undefined): number[] {
  const t = args.optTensor(name);
  if (!t) {
    if (def === undefined) throw new RuntimeError(`missing required parameter "${name}"`);
    return new Array<number>(C).fill(def);
  }
  requireParamDtype(ctx, x, t, name);
  if (t.shape.length !== 1 || t.shape[0] !== C) throw new RuntimeError(`"${name}" must have shape [${C}], got ${shapeToString(t.shape)}`);
  return tensorNumbers(t, name);
}

/** batch_norm: y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, per channel (axis 1). */
export const batchNorm = defineKernel(["x", "mean", "variance", "gamma", "beta", "epsilon"], (args, _op, ctx) => {
  const x = args.tensor("x");
  requireDtype(x, "x", FLOATS);
  if (x.shape.length < 3 || x.shape.length > 5) throw new RuntimeError(`batch_norm: x must have rank 3 to 5, got ${shapeToString(x.shape)}`);
  const C = x.shape[1];
  const mean = channelVector(args, ctx, x, "mean", C, undefined);
  const variance = channelVector(args, ctx, x, "variance", C, undefined);
  const gamma = channelVector(args, ctx, x, "gamma", C, 1);
  const beta = channelVector(args, ctx, x, "beta", C, 0);
  const eps = epsilonOf(args, ctx, x, 1e-5);
  const scale = mean.map((_, c) => gamma[c] / Math.sqrt(variance[c] + eps));
  const src = numericView(x);
  const inner = product(x.shape, 2);
  const { data, half } = allocNumeric(x.dataType, src.length);
  const buf = new Float64Array(Math.max(1, Math.min(CHUNK, inner)));
  for (let base = 0, c = 0; base < src.length; base += inner, c = (c + 1) % C) {
    for (let s = 0; s < inner; s += CHUNK) {
      const len = Math.min(CHUNK, inner - s);
      for (let i = 0; i < len; i++) buf[i] = (src[base + s + i] - mean[c]) * scale[c] + beta[c];
      storeChunk(data, half, base + s, buf, len);
    }
  }
  return [{ dataType: x.dataType, shape: [...x.shape], data }];
});

/** instance_norm: normalizes each (n, c) over the spatial dimensions, then gamma[c], beta[c]. */
export const instanceNorm = defineKernel(["x", "gamma", "beta", "epsilon"], (args, _op, ctx) => {
  const x = args.tensor("x");
  requireDtype(x, "x", FLOATS);
  if (x.shape.length < 3 || x.shape.length > 5) throw new RuntimeError(`instance_norm: x must have rank 3 to 5, got ${shapeToString(x.shape)}`);
  const C = x.shape[1];
  const gamma = channelVector(args, ctx, x, "gamma", C, 1);
  const beta = channelVector(args, ctx, x, "beta", C, 0);
  const eps = epsilonOf(args, ctx, x, 1e-5);
  const src = numericView(x);
  const inner = product(x.shape, 2);
  const { data, half } = allocNumeric(x.dataType, src.length);
  const buf = new Float64Array(Math.max(1, inner));
  for (let base = 0, c = 0; base < src.length; base += inner, c = (c + 1) % C) {
    let sum = 0;
    for (let i = 0; i < inner; i++) sum += src[base + i];
    const mean = sum / inner;
    let sq = 0;
    for (let i = 0; i < inner; i++) { const d = src[base + i] - mean; sq += d * d; }
    const inv = 1 / Math.sqrt(sq / inner + eps);
    for (let i = 0; i < inner; i++) buf[i] = gamma[c] * (src[base + i] - mean) * inv + beta[c];
    storeChunk(data, half, base, buf, inner);
  }
  return [{ dataType: x.dataType, shape: [...x.shape], data }];
});

/**
 * layer_norm(x, axes=all, gamma?, beta?, epsilon=1e-5): normalizes over `axes`; gamma and beta
 * have shape [x.shape[a] for a in sorted(axes)] (the normalized dimensions in ascending order).
 */
export const layerNorm = defineKernel(["x", "axes", "gamma", "beta", "epsilon"], (args, _op, ctx) => {
  const x = args.tensor("x");
  requireDtype(x, "x", FLOATS);
  const rank = x.shape.length;
  const axes = args.has("axes") ? normalizeAxes(args.intList("axes"), rank) : Array.from({ length: rank }, (_, i) => i);
  const sorted = [...axes].sort((a, b) => a - b);
  const normShape = sorted.map((a) => x.shape[a]);
  const affine = (name: string): number[] | undefined => {
    const t = args.optTensor(name);
    if (!t) return undefined;
    requireParamDtype(ctx, x, t, name);
    if (t.shape.join() !== normShape.join()) {
      throw new RuntimeError(`layer_norm: "${name}" must have shape ${shapeToString(normShape)} (x.shape at the sorted axes), got ${shapeToString(t.shape)}`);
    }
    return tensorNumbers(t, name);
  };
  const gamma = affine("gamma");
  const beta = affine("beta");
  const eps = epsilonOf(args, ctx, x, 1e-5);
  const src = numericView(x);
  const plan = reducePlan(x.shape, sorted);
  const count = plan.redCount;
  const res = new Float64Array(src.length);
  let sum = 0;
  const means = new Float64Array(plan.keptCount);
  forEachReduced(plan, () => { sum = 0; }, (o, s, l) => {
    for (let i = 0; i < l; i++, o += s) sum += src[o];
  }, (k) => { means[k] = sum / count; });
  let mean = 0;
  const invs = new Float64Array(plan.keptCount);
  forEachReduced(plan, (k) => { sum = 0; mean = means[k]; }, (o, s, l) => {
    for (let i = 0; i < l; i++, o += s) { const d = src[o] - mean; sum += d * d; }
  }, (k) => { invs[k] = 1 / Math.sqrt(sum / count + eps); });
  let inv = 0;
  let r = 0;
  forEachReduced(plan, (k) => { mean = means[k]; inv = invs[k]; r = 0; }, (o, s, l) => {
    for (let i = 0; i < l; i++, o += s, r++) {
      let v = (src[o] - mean) * inv;
      if (gamma) v *= gamma[r];
      if (beta) v += beta[r];
      res[o] = v;
    }
  }, () => {});
  const { data, half } = allocNumeric(x.dataType, src.length);
  storeChunk(data, half, 0, res, res.length);
  return [{ dataType: x.dataType, shape: [...x.shape], data }];
});

/** l2_norm(x, epsilon=1e-6): x / sqrt(sum(x^2) + epsilon) over the last three dimensions. */
export const l2Norm = defineKernel(["x", "epsilon"], (args, _op, ctx) => {
  const x = args.tensor("x");
  requireDtype(x, "x", FLOATS);
  if (x.shape.length < 3) throw new RuntimeError("l2_norm: x must have rank >= 3");
  const eps = epsilonOf(args, ctx, x, 1e-6);
  const src = numericView(x);
  const inner = product(x.shape, x.shape.length - 3);
  const res = new Float64Array(src.length);
  for (let base = 0; base < src.length; base += inner) {
    let sq = 0;
    for (let i = 0; i < inner; i++) sq += src[base + i] * src[base + i];
    const d = Math.sqrt(sq + eps);
    for (let i = 0; i < inner; i++) res[base + i] = src[base + i] / d;
  }
  const { data, half } = allocNumeric(x.dataType, src.length);
  storeChunk(data, half, 0, res, res.length);
  return [{ dataType: x.dataType, shape: [...x.shape], data }];
});

/**
 * local_response_norm(x, size, alpha=1e-4, beta=0.75, k=1):
 * x / (k + alpha/size * sum of x^2 over channels [c - floor(size/2), c + floor((size-1)/2)])^beta.
 */
export const localResponseNorm = defineKernel(["x", "size", "alpha", "beta", "k"], (args, _op, ctx) => {
  const x = args.tensor("x");
  requireDtype(x, "x", FLOATS);
  if (x.shape.length < 3) throw new RuntimeError("local_response_norm: x must have rank >= 3");
  const size = args.int("size");
  const num = (name: string, def: number): number => {
    const t = args.optTensor(name);
    if (!t) return def;
    requireParamDtype(ctx, x, t, name);
    return args.float(name);
  };
  const alpha = num("alpha", 1e-4);
  const beta = num("beta", 0.75);
  const kk = num("k", 1);
  const src = numericView(x);
  const [N, C] = x.shape;
  const inner = product(x.shape, 2);
  const res = new Float64Array(src.length);
  const lo = Math.floor(size / 2), hi = Math.floor((size - 1) / 2);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < inner; i++) {
        let sq = 0;
        for (let j = Math.max(0, c - lo); j <= Math.min(C - 1, c + hi); j++) {
          const v = src[(n * C + j) * inner + i];
          sq += v * v;
        }
        const p = (n * C + c) * inner + i;
        res[p] = src[p] / Math.pow(kk + (alpha / size) * sq, beta);
      }
    }
  }
  const { data, half } = allocNumeric(x.dataType, src.length);
  storeChunk(data, half, 0, res, res.length);
  return [{ dataType: x.dataType, shape: [...x.shape], data }];
});

export const normalizationKernels: Record<string, Kernel> = {
  batch_norm: batchNorm,
  instance_norm: instanceNorm,
  layer_norm: layerNorm,
  l2_norm: l2Norm,
  local_response_norm: localResponseNorm,
};
