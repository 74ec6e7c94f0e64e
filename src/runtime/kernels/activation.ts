// Activations (coremltools defs/iOS15/activation.py, clip from elementwise_unary.py, iOS17 variants).

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { numericView, type RuntimeTensor } from "../tensor.js";
import {
  allocNumeric, CHUNK, defineKernel, mapElements, normalizeAxis, product, requireDtype, requireParamDtype,
  storeChunk, tensorNumbers, type Kernel, type KernelArgs, type KernelContext,
} from "./common.js";
import { erf } from "./math.js";

const FLOATS: readonly MilDataType[] = ["fp16", "fp32"];

function floatX(args: KernelArgs): RuntimeTensor {
  const x = args.tensor("x");
  requireDtype(x, "x", FLOATS);
  return x;
}

/** A scalar float parameter whose dtype follows the opset's T/U rule. */
function param(args: KernelArgs, ctx: KernelContext, x: RuntimeTensor, name: string): number {
  const t = args.tensor(name);
  requireParamDtype(ctx, x, t, name);
  return args.float(name);
}

function simple(fn: (v: number) => number): Kernel {
  return defineKernel(["x"], (args) => {
    const x = floatX(args);
    return [mapElements(x, x.dataType, fn)];
  });
}

function withAlpha(make: (alpha: number) => (v: number) => number): Kernel {
  return defineKernel(["x", "alpha"], (args, _op, ctx) => {
    const x = floatX(args);
    return [mapElements(x, x.dataType, make(param(args, ctx, x, "alpha")))];
  });
}

function withAlphaBeta(make: (alpha: number, beta: number) => (v: number) => number, check?: (a: number, b: number, ctx: KernelContext) => void): Kernel {
  return defineKernel(["x", "alpha", "beta"], (args, _op, ctx) => {
    const x = floatX(args);
    const alpha = param(args, ctx, x, "alpha");
    const beta = param(args, ctx, x, "beta");
    check?.(alpha, beta, ctx);
    return [mapElements(x, x.dataType, make(alpha, beta))];
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export const gelu = defineKernel(["x", "mode"], (args) => {
  const x = floatX(args);
  const mode = args.string("mode", "EXACT");
  let fn: (v: number) => number;
  if (mode === "EXACT") fn = (v) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  else if (mode === "TANH_APPROXIMATION") fn = (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
  else if (mode === "SIGMOID_APPROXIMATION") fn = (v) => v / (1 + Math.exp(-1.702 * v));
  else throw new RuntimeError(`gelu: unknown mode "${mode}" (EXACT, TANH_APPROXIMATION or SIGMOID_APPROXIMATION)`);
  return [mapElements(x, x.dataType, fn)];
});

/** Per-channel (axis 1) parameter values, length C. */
function channelParam(args: KernelArgs, ctx: KernelContext, x: RuntimeTensor, name: string): number[] {
  const t = args.tensor(name);
  requireParamDtype(ctx, x, t, name);
  if (t.shape.length !== 1 || t.shape[0] !== x.shape[1]) {
    throw new RuntimeError(`"${name}" must have shape [${x.shape[1]}] (the channel dimension of x), got [${t.shape.join(", ")}]`);
  }
  return tensorNumbers(t, name);
}

/** Applies fn(value, channel) over x of shape [N, C, ...]. */
function perChannel(x: RuntimeTensor, fn: (v: number, c: number) => number): RuntimeTensor {
  const src = numericView(x);
  const n = src.length;
  const C = x.shape[1];
  const inner = product(x.shape, 2);
  const { data, half } = allocNumeric(x.dataType, n);
  const buf = new Float64Array(Math.min(CHUNK, Math.max(n, 1)));
  for (let start = 0; start < n; start += CHUNK) {
    const len = Math.min(CHUNK, n - start);
    for (let i = 0; i < len; i++) {
      const idx = start + i;
      buf[i] = fn(src[idx], Math.floor(idx / inner) % C);
    }
    storeChunk(data, half, start, buf, len);
  }
  return { dataType: x.dataType, shape: [...x.shape], data };
}

export const prelu = defineKernel(["x", "alpha"], (args, _op, ctx) => {
  const x = floatX(args);
  if (x.shape.length < 3 || x.shape.length > 5) throw new RuntimeError(`prelu: x must have rank 3, 4 or 5, got rank ${x.shape.length}`);
  const alpha = channelParam(args, ctx, x, "alpha");
  if (x.shape.length !== 4 && alpha.some((a) => Math.abs(a - alpha[0]) > 1e-5)) {
    throw new RuntimeError("prelu: rank 3 or 5 x is only supported when all alpha values are equal");
  }
  return [perChannel(x, (v, c) => (v > 0 ? v : v * alpha[c]))];
});

export const softplusParametric = defineKernel(["x", "alpha", "beta"], (args, _op, ctx) => {
  const x = floatX(args);
  if (x.shape.length < 3) throw new RuntimeError("softplus_parametric: x must have rank >= 3");
  const alpha = channelParam(args, ctx, x, "alpha");
  const beta = channelParam(args, ctx, x, "beta");
  return [perChannel(x, (v, c) => alpha[c] * Math.log1p(Math.exp(beta[c] * v)))];
});

/** softmax along `axis` (default -1): exp(x - max) / sum(exp(x - max)), in float64, rounded once. */
export const softmax = defineKernel(["x", "axis"], (args) => {
  const x = floatX(args);
  const rank = x.shape.length;
  const axis = normalizeAxis(args.int("axis", -1), Math.max(rank, 1));
  const src = numericView(x);
  const D = rank === 0 ? 1 : x.shape[axis];
  const inner = product(x.shape, axis + 1);
  const outer = product(x.shape, 0, axis);
  const { data, half } = allocNumeric(x.dataType, src.length);
  const res = new Float64Array(D * inner);
  const mx = new Float64Array(inner);
  const sum = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * D * inner;
    const src0 = base;
    mx.fill(-Infinity);
    sum.fill(0);
    for (let d = 0; d < D; d++) {
      const row = base + d * inner;
      for (let j = 0; j < inner; j++) {
        const v = src[row + j];
        if (v > mx[j] || Number.isNaN(v)) mx[j] = v;
      }
    }
    for (let d = 0; d < D; d++) {
      const row = d * inner;
      for (let j = 0; j < inner; j++) {
        const e = Math.exp(src[src0 + row + j] - mx[j]);
        res[row + j] = e;
        sum[j] += e;
      }
    }
    for (let d = 0; d < D; d++) {
      const row = d * inner;
      for (let j = 0; j < inner; j++) res[row + j] /= sum[j];
    }
    storeChunk(data, half, base, res, res.length);
  }
  return [{ dataType: x.dataType, shape: [...x.shape], data }];
});

export const activationKernels: Record<string, Kernel> = {
  relu: simple((v) => (v > 0 ? v : Number.isNaN(v) ? v : 0)),
  relu6: simple((v) => (v > 6 ? 6 : v > 0 ? v : Number.isNaN(v) ? v : 0)),
  sigmoid: simple((v) => 1 / (1 + Math.exp(-v))),
  silu: simple((v) => v / (1 + Math.exp(-v))),
  softplus: simple((v) => Math.log1p(Math.exp(-Math.abs(v))) + (v > 0 ? v : 0)),
  softsign: simple((v) => v / (1 + Math.abs(v))),
  elu: withAlpha((a) => (v) => (v > 0 ? v : v < 0 ? a * Math.expm1(v) : v)),
  leaky_relu: withAlpha((a) => (v) => (v < 0 ? a * v : v)),
  thresholded_relu: withAlpha((a) => (v) => (v < a ? 0 : v)),
  sigmoid_hard: withAlphaBeta((a, b) => (v) => {
    const y = a * v + b;
    return y < 0 ? 0 : y > 1 ? 1 : y;
  }),
  clip: withAlphaBeta(
    (a, b) => (v) => (v < a ? a : v > b ? b : v),
    (a, b, ctx) => {
      if (ctx.iosVersion >= 17 && !(a < b)) {
        throw new RuntimeError(`clip: alpha (${a}) must be smaller than beta (${b}) from iOS 17`);
      }
    },
  ),
  clamped_relu: withAlphaBeta((a, b) => (v) => {
    const y = v >= 0 ? v : a * v;
    return y > b ? b : y;
  }),
  scaled_tanh: withAlphaBeta((a, b) => (v) => a * Math.tanh(b * v)),
  linear_activation: withAlphaBeta((a, b) => (v) => a * v + b),
  gelu,
  prelu,
  softplus_parametric: softplusParametric,
  softmax,
};
