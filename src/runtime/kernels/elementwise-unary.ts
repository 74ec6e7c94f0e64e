// Elementwise unary operations (coremltools defs/iOS15/elementwise_unary.py, iOS17 variants).

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { roundHalf } from "../fp16.js";
import { allocData, numericView, type NumericData } from "../tensor.js";
import { defineKernel, mapElements, requireDtype, requireParamDtype, type Kernel } from "./common.js";
import { castFloatToInt, erf, roundHalfEven, sign } from "./math.js";

const FLOATS: readonly MilDataType[] = ["fp16", "fp32"];
const FLOATS_INT: readonly MilDataType[] = ["fp16", "fp32", "int32"];

/** Rounds a default constant to the dtype of x, as coremltools builds defaults with x's numpy type. */
function defaultIn(dataType: MilDataType, v: number): number {
  return dataType === "fp16" ? roundHalf(v) : Math.fround(v);
}

function unary(allowed: readonly MilDataType[], fn: (v: number) => number, intFn?: (v: number) => number): Kernel {
  return defineKernel(["x"], (args) => {
    const x = args.tensor("x");
    requireDtype(x, "x", allowed);
    return [mapElements(x, x.dataType, x.dataType === "int32" && intFn ? intFn : fn)];
  });
}

/** Ops with an optional `epsilon` added to x first (log, rsqrt, inverse). */
function unaryEps(defaultEps: number, fn: (v: number) => number): Kernel {
  return defineKernel(["x", "epsilon"], (args, _op, ctx) => {
    const x = args.tensor("x");
    requireDtype(x, "x", FLOATS);
    const e = args.optTensor("epsilon");
    if (e) requireParamDtype(ctx, x, e, "epsilon");
    const eps = e ? args.float("epsilon") : defaultIn(x.dataType, defaultEps);
    return [mapElements(x, x.dataType, (v) => fn(v + eps))];
  });
}

const castTargets15: readonly MilDataType[] = ["fp16", "fp32", "int32", "bool"];
const castTargets17: readonly MilDataType[] = ["fp16", "fp32", "int32", "bool", "int8", "uint8", "int16", "uint16"];

const INT_RANGE: Partial<Record<MilDataType, [number, number]>> = {
  int32: [-2147483648, 2147483647],
  int16: [-32768, 32767],
  int8: [-128, 127],
  uint16: [0, 65535],
  uint8: [0, 255],
};

/**
 * cast: float→float rounds to nearest (ties to even); float→integer truncates toward zero
 * (numpy astype) and, where numpy leaves it undefined, saturates out-of-range values to the
 * target range and maps NaN to 0 (what Apple-silicon conversion instructions do);
 * integer→narrower integer wraps (numpy astype); anything→bool is x != 0 (NaN is true);
 * bool→number is 0/1.
 */
export const cast = defineKernel(["x", "dtype"], (args, _op, ctx) => {
  const x = args.tensor("x");
  const target = args.string("dtype") as MilDataType;
  const sources = ctx.iosVersion >= 17 ? castTargets17 : castTargets15;
  requireDtype(x, "x", sources);
  if (!sources.includes(target)) {
    throw new RuntimeError(`cast: dtype "${target}" is not supported on iOS ${ctx.iosVersion} (allowed: ${sources.join(", ")})`);
  }
  const shape = [...x.shape];
  if (target === x.dataType) return [{ dataType: target, shape, data: x.data.slice() as NumericData }];
  if (target === "bool") return [mapElements(x, "bool", (v) => (v !== 0 ? 1 : 0))];
  if (target === "fp16" || target === "fp32") return [mapElements(x, target, (v) => v)];
  const [min, max] = INT_RANGE[target]!;
  const src = numericView(x);
  const out = allocData(target, src.length) as NumericData;
  if (x.dataType === "fp16" || x.dataType === "fp32") {
    for (let i = 0; i < src.length; i++) out[i] = castFloatToInt(src[i], min, max);
  } else {
    for (let i = 0; i < src.length; i++) out[i] = src[i]; // typed-array store wraps like astype
  }
  return [{ dataType: target, shape, data: out }];
});

export const identity = defineKernel(["x"], (args) => {
  const x = args.tensor("x");
  return [{ dataType: x.dataType, shape: [...x.shape], data: x.data }];
});

export const logicalNot = defineKernel(["x"], (args) => {
  const x = args.tensor("x");
  requireDtype(x, "x", ["bool"]);
  const src = x.data as Uint8Array;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] === 0 ? 1 : 0;
  return [{ dataType: "bool", shape: [...x.shape], data: out }];
});

export const threshold = defineKernel(["x", "alpha"], (args) => {
  const x = args.tensor("x");
  requireDtype(x, "x", FLOATS_INT);
  const alpha = args.float("alpha");
  return [mapElements(x, x.dataType, (v) => (v > alpha || Number.isNaN(v) ? v : alpha))];
});

export const unaryKernels: Record<string, Kernel> = {
  abs: unary(FLOATS_INT, Math.abs),
  ceil: unary(FLOATS, Math.ceil),
  floor: unary(FLOATS, Math.floor),
  round: unary(FLOATS, roundHalfEven),
  exp: unary(FLOATS, Math.exp),
  exp2: unary(FLOATS_INT, (v) => 2 ** v),
  sqrt: unary(FLOATS, Math.sqrt),
  square: unary(FLOATS_INT, (v) => v * v, (v) => Math.imul(v, v)),
  sign: unary(FLOATS_INT, sign),
  sin: unary(FLOATS, Math.sin),
  cos: unary(FLOATS, Math.cos),
  tan: unary(FLOATS, Math.tan),
  asin: unary(FLOATS, Math.asin),
  acos: unary(FLOATS, Math.acos),
  atan: unary(FLOATS, Math.atan),
  atanh: unary(FLOATS, Math.atanh),
  sinh: unary(FLOATS, Math.sinh),
  cosh: unary(FLOATS, Math.cosh),
  tanh: unary(FLOATS, Math.tanh),
  erf: unary(FLOATS, erf),
  log: unaryEps(1e-45, Math.log),
  rsqrt: unaryEps(1e-12, (v) => 1 / Math.sqrt(v)),
  inverse: unaryEps(1e-4, (v) => 1 / v),
  logical_not: logicalNot,
  identity,
  cast,
  threshold,
};
