// Independent float64 reference implementations of WebNN operators, written from the W3C WebNN
// specification text (webmachinelearning/webnn index.bs: the operator definitions, their
// argument/option descriptions and defaults, the "emulation" notes, and the Algorithms section:
// broadcasting, blockwise broadcasting, cast/ConvertToInt). Nothing here uses this project's
// converter or runtime: tensors are plain number arrays with a shape, and every computation is
// done in float64 on the exact operand values.
//
// The recurrent operators (gru/gruCell/lstm/lstmCell) and the accumulating ones (gemm) take an
// optional rounding hook `R` that is applied after every arithmetic step. With the default
// (identity) the result is the float64 reference; the case generator also evaluates them with
// `Math.fround` / `roundToFloat16` to detect ill-conditioned random draws (it never uses those
// results as expected values).

export interface Tensor {
  shape: number[];
  data: number[];
}

export type Round = (x: number) => number;
const exact: Round = (x) => x;

// ------------------------------------------------------------------ shapes and indexing

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: number[], data: number[]): Tensor {
  if (sizeOf(shape) !== data.length) throw new Error(`${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: [...data] };
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Flat (row-major) index → multi-index. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

/** Multi-index → flat (row-major) index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
  return flat;
}

export function at(t: Tensor, idx: readonly number[]): number {
  return t.data[ravel(idx, t.shape)];
}

/** Spec "bidirectionally broadcast the shapes" (numpy rule); throws on failure. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const pa = [...new Array(n - a.length).fill(1), ...a];
  const pb = [...new Array(n - b.length).fill(1), ...b];
  return pa.map((da, i) => {
    const db = pb[i];
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a}] and [${b}] are not broadcastable`);
    return Math.max(da, db);
  });
}

/** Spec "unidirectionally broadcast the shapes": shapeFrom stretched to shapeTo; throws on failure. */
export function unidirectionalShape(from: readonly number[], to: readonly number[]): number[] {
  if (from.length > to.length) throw new Error(`[${from}] has a higher rank than [${to}]`);
  const pf = [...new Array(to.length - from.length).fill(1), ...from];
  pf.forEach((d, i) => {
    if (d !== to[i] && d !== 1) throw new Error(`[${from}] is not unidirectionally broadcastable to [${to}]`);
  });
  return [...to];
}

/** Value of `t` at an output multi-index of a broadcast result (leading dims padded with 1). */
function broadcastAt(t: Tensor, outIdx: readonly number[]): number {
  const off = outIdx.length - t.shape.length;
  let flat = 0;
  for (let i = 0; i < t.shape.length; i++) {
    const d = t.shape[i];
    flat = flat * d + (d === 1 ? 0 : outIdx[i + off]);
  }
  return t.data[flat];
}

/** Broadcast `t` to `shape` (unidirectionally). */
export function broadcastTo(t: Tensor, shape: number[]): Tensor {
  unidirectionalShape(t.shape, shape);
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = broadcastAt(t, unravel(i, shape));
  return { shape: [...shape], data };
}

function mapTensor(t: Tensor, f: (x: number) => number): Tensor {
  return { shape: [...t.shape], data: t.data.map(f) };
}

function binaryBroadcast(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data[i] = f(broadcastAt(a, idx), broadcastAt(b, idx));
  }
  return { shape, data };
}

// ------------------------------------------------------------------ number formats

/** Round half to even (IEEE roundTiesToEven) to an integer; ±Infinity and NaN pass through. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f; // exact for |x| < 2^52
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Nearest binary16 value (ties to even), per the spec's ConvertToFloat(x, 16): magnitudes that
 * round to 2^16 or beyond become ±Infinity; subnormals are kept.
 */
export function roundToFloat16(x: number): number {
  if (Number.isNaN(x) || !Number.isFinite(x) || x === 0) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a >= 65520) return sign * Infinity; // 65520 is the tie between 65504 and 2^16 (even) → Infinity
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, -14) - 10);
  return sign * roundHalfEven(a / ulp) * ulp;
}

export const roundToFloat32: Round = Math.fround;

export type DataType = "float32" | "float16" | "int32" | "uint32" | "int64" | "uint64" | "int8" | "uint8" | "int4" | "uint4";

export function isFloatType(t: DataType): boolean {
  return t === "float32" || t === "float16";
}

/** [min, max] of an integer data type. */
export function integerRange(t: DataType): [number, number] {
  switch (t) {
    case "int4": return [-8, 7];
    case "uint4": return [0, 15];
    case "int8": return [-128, 127];
    case "uint8": return [0, 255];
    case "int32": return [-(2 ** 31), 2 ** 31 - 1];
    case "uint32": return [0, 2 ** 32 - 1];
    case "int64": return [-(2 ** 63), 2 ** 63 - 1];
    case "uint64": return [0, 2 ** 64 - 1];
    default: throw new Error(`${t} is not an integer type`);
  }
}

/** The spec's "cast" of a number to a data type (ConvertToFloat / ConvertToInt). */
export function castTo(x: number, t: DataType): number {
  if (t === "float32") return Math.fround(x);
  if (t === "float16") return roundToFloat16(x);
  // ConvertToInt: NaN → 0, clamp to the type's range, round half to even, +0 not -0.
  if (Number.isNaN(x)) return 0;
  const [lo, hi] = integerRange(t);
  const r = roundHalfEven(Math.min(Math.max(x, lo), hi));
  return r === 0 ? 0 : r;
}

/** Packs int4/uint4 values two per byte, low nibble first (an odd count leaves the high nibble 0). */
export function packInt4(values: readonly number[], signed: boolean): Uint8Array {
  const [lo, hi] = signed ? [-8, 7] : [0, 15];
  const out = new Uint8Array(Math.ceil(values.length / 2));
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${v} is not a ${signed ? "int4" : "uint4"} value`);
    const nibble = v & 0x0f;
    out[i >> 1] |= i % 2 === 0 ? nibble : nibble << 4;
  });
  return out;
}

/** Unpacks `count` int4/uint4 values (low nibble first). */
export function unpackInt4(bytes: Uint8Array, count: number, signed: boolean): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const nibble = (bytes[i >> 1] >> (i % 2 === 0 ? 0 : 4)) & 0x0f;
    out[i] = signed && nibble >= 8 ? nibble - 16 : nibble;
  }
  return out;
}

// ------------------------------------------------------------------ erf / erfc (float64)

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** erf(x) for 0 ≤ x < 3 by the all-positive series 2/√π·e^{-x²}·Σ 2ⁿx^{2n+1}/(2n+1)!!. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x ≥ 1 by the continued fraction e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))). */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let n = 400; n >= 1; n--) f = x + n / 2 / f;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (x === Infinity) return 1;
  if (x < 3) return erfSeries(x);
  return 1 - erfcContinuedFraction(x);
}

/** erfc(x) = 1 - erf(x), accurate in relative terms for large positive x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 1) return 1 - erf(x);
  if (x === Infinity) return 0;
  return erfcContinuedFraction(x);
}

// ------------------------------------------------------------------ element-wise unary

export const unaryFunctions = {
  cos: (x: number) => Math.cos(x),
  sin: (x: number) => Math.sin(x),
  tan: (x: number) => Math.tan(x),
  erf,
  reciprocal: (x: number) => 1 / x,
  // "Round the input tensor with halves to the nearest even value".
  roundEven: roundHalfEven,
  // "returning 1 if > 0, -1 if < 0, and 0 otherwise" (so NaN → 0 by the letter of the spec).
  sign: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  identity: (x: number) => x,
  // ln(1 + exp(x)), evaluated stably in float64.
  softplus: (x: number) => (Number.isNaN(x) ? NaN : x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  // x / (1 + |x|)
  softsign: (x: number) => x / (1 + Math.abs(x)),
  // 0.5·x·(1 + erf(x/√2)); for x < 0, 1 + erf(x/√2) = erfc(-x/√2) avoids cancellation.
  gelu: (x: number) => (x < 0 ? 0.5 * x * erfc(-x / Math.SQRT2) : 0.5 * x * (1 + erf(x / Math.SQRT2))),
  isNaN: (x: number) => (Number.isNaN(x) ? 1 : 0),
  isInfinite: (x: number) => (x === Infinity || x === -Infinity ? 1 : 0),
} as const;

export type UnaryName = keyof typeof unaryFunctions;

export function unary(op: UnaryName, input: Tensor): Tensor {
  return mapTensor(input, unaryFunctions[op]);
}

// ------------------------------------------------------------------ element-wise binary / where

const truthy = (x: number) => x !== 0;

export const binaryFunctions = {
  // IEEE "not equal": NaN is not equal to anything, itself included.
  notEqual: (a: number, b: number) => (a !== b ? 1 : 0),
  logicalAnd: (a: number, b: number) => (truthy(a) && truthy(b) ? 1 : 0),
  logicalOr: (a: number, b: number) => (truthy(a) || truthy(b) ? 1 : 0),
  logicalXor: (a: number, b: number) => (truthy(a) !== truthy(b) ? 1 : 0),
  // max(0, x) + slope·min(0, x)
  prelu: (x: number, slope: number) => (x >= 0 ? x : slope * x),
} as const;

export type BinaryName = keyof typeof binaryFunctions;

export function binary(op: BinaryName, a: Tensor, b: Tensor): Tensor {
  return binaryBroadcast(a, b, binaryFunctions[op]);
}

export function prelu(input: Tensor, slope: Tensor): Tensor {
  return binaryBroadcast(input, slope, binaryFunctions.prelu);
}

/** Selects trueValue where condition is non-zero, else falseValue; all three broadcast together. */
export function where(condition: Tensor, trueValue: Tensor, falseValue: Tensor): Tensor {
  const shape = broadcastShapes(condition.shape, broadcastShapes(trueValue.shape, falseValue.shape));
  const n = sizeOf(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data[i] = broadcastAt(condition, idx) !== 0 ? broadcastAt(trueValue, idx) : broadcastAt(falseValue, idx);
  }
  return { shape, data };
}

// ------------------------------------------------------------------ argMin / argMax

export interface ArgMinMaxOptions {
  keepDimensions?: boolean;
}

/**
 * Index of the max (or min) along `axis`. The spec leaves ties implementation-dependent: this
 * returns the first index, and callers must not generate ties. NaN is not handled either.
 */
export function argMinMax(op: "argMin" | "argMax", input: Tensor, axis: number, options: ArgMinMaxOptions = {}): Tensor {
  const keep = options.keepDimensions ?? false;
  const rank = input.shape.length;
  if (axis < 0 || axis >= rank) throw new Error(`axis ${axis} out of range`);
  const reducedShape = input.shape.map((d, i) => (i === axis ? 1 : d));
  const outShape = keep ? reducedShape : input.shape.filter((_, i) => i !== axis);
  const n = sizeOf(reducedShape);
  const data = new Array<number>(n);
  for (let o = 0; o < n; o++) {
    const idx = unravel(o, reducedShape);
    let best = 0;
    let bestValue = NaN;
    let tie = false;
    for (let k = 0; k < input.shape[axis]; k++) {
      idx[axis] = k;
      const v = at(input, idx);
      if (k === 0 || (op === "argMax" ? v > bestValue : v < bestValue)) {
        best = k;
        bestValue = v;
        tie = false;
      } else if (v === bestValue) tie = true;
    }
    if (tie) throw new Error(`${op}: tie along axis ${axis} (implementation-dependent in the spec)`);
    data[o] = best;
  }
  return { shape: outShape, data };
}

// ------------------------------------------------------------------ cumulativeSum

export interface CumulativeSumOptions {
  exclusive?: boolean;
  reversed?: boolean;
}

export function cumulativeSum(input: Tensor, axis: number, options: CumulativeSumOptions = {}, R: Round = exact): Tensor {
  const exclusive = options.exclusive ?? false;
  const reversed = options.reversed ?? false;
  const shape = input.shape;
  const out = new Array<number>(input.data.length);
  const lineShape = shape.map((d, i) => (i === axis ? 1 : d));
  const len = shape[axis];
  for (let l = 0; l < sizeOf(lineShape); l++) {
    const idx = unravel(l, lineShape);
    let sum = 0;
    for (let s = 0; s < len; s++) {
      idx[axis] = reversed ? len - 1 - s : s;
      const flat = ravel(idx, shape);
      if (exclusive) {
        out[flat] = sum;
        sum = R(sum + input.data[flat]);
      } else {
        sum = R(sum + input.data[flat]);
        out[flat] = sum;
      }
    }
  }
  return { shape: [...shape], data: out };
}

// ------------------------------------------------------------------ quantization

/** Index into a blockwise-broadcast tensor (same rank; every dim divides the target's). */
function blockwiseIndex(small: readonly number[], big: readonly number[], bigIdx: readonly number[]): number[] {
  if (small.length !== big.length) throw new Error(`blockwise broadcast needs equal ranks: [${small}] vs [${big}]`);
  return bigIdx.map((i, d) => {
    if (big[d] % small[d] !== 0) throw new Error(`[${small}] is not blockwise broadcastable to [${big}]`);
    return Math.floor(i / (big[d] / small[d]));
  });
}

/** output = (input - zeroPoint) · scale, with scale/zeroPoint blockwise broadcast to the input. */
export function dequantizeLinear(input: Tensor, scale: Tensor, zeroPoint: Tensor): Tensor {
  if (scale.shape.join() !== zeroPoint.shape.join()) throw new Error("scale and zeroPoint shapes differ");
  const data = input.data.map((x, i) => {
    const j = ravel(blockwiseIndex(scale.shape, input.shape, unravel(i, input.shape)), scale.shape);
    return (x - zeroPoint.data[j]) * scale.data[j];
  });
  return { shape: [...input.shape], data };
}

/**
 * output = saturate(roundEven(input / scale) + zeroPoint) to the output (zeroPoint's) integer
 * type, with scale/zeroPoint blockwise broadcast to the input. Returns the quotient too, so the
 * generator can keep away from rounding ties that float32/float16 division could move.
 */
export function quantizeLinear(input: Tensor, scale: Tensor, zeroPoint: Tensor, outputType: DataType): Tensor & { quotients: number[] } {
  if (scale.shape.join() !== zeroPoint.shape.join()) throw new Error("scale and zeroPoint shapes differ");
  const [lo, hi] = integerRange(outputType);
  const quotients: number[] = [];
  const data = input.data.map((x, i) => {
    const j = ravel(blockwiseIndex(scale.shape, input.shape, unravel(i, input.shape)), scale.shape);
    const q = x / scale.data[j];
    quotients.push(q);
    const v = roundHalfEven(q) + zeroPoint.data[j];
    if (Number.isNaN(v)) throw new Error("quantizeLinear of NaN is not specified");
    return Math.min(Math.max(v, lo), hi);
  });
  return { shape: [...input.shape], data, quotients };
}

// ------------------------------------------------------------------ gather / scatter

function normalizeIndex(i: number, n: number): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new Error(`index ${i} is outside [-${n}, ${n})`);
  return i < 0 ? i + n : i;
}

/** output[i…] = input[i… with axis replaced by indices[i…]]; indices has input's shape except on axis. */
export function gatherElements(input: Tensor, indices: Tensor, axis = 0): Tensor {
  const rank = input.shape.length;
  if (indices.shape.length !== rank) throw new Error("gatherElements: indices rank must equal input rank");
  indices.shape.forEach((d, i) => {
    if (i !== axis && d !== input.shape[i]) throw new Error("gatherElements: indices shape mismatch");
  });
  const data = indices.data.map((ix, flat) => {
    const idx = unravel(flat, indices.shape);
    idx[axis] = normalizeIndex(ix, input.shape[axis]);
    return at(input, idx);
  });
  return { shape: [...indices.shape], data };
}

/** Output shape indices.shape[:-1] + input.shape[k:], k = indices.shape[-1]. */
export function gatherND(input: Tensor, indices: Tensor): Tensor {
  const k = indices.shape[indices.shape.length - 1];
  if (k > input.shape.length) throw new Error("gatherND: coordinate longer than input rank");
  const batchShape = indices.shape.slice(0, -1);
  const sliceShape = input.shape.slice(k);
  const sliceSize = sizeOf(sliceShape);
  const data: number[] = [];
  for (let b = 0; b < sizeOf(batchShape); b++) {
    const coord = indices.data.slice(b * k, b * k + k).map((v, d) => normalizeIndex(v, input.shape[d]));
    const base = ravel([...coord, ...new Array(input.shape.length - k).fill(0)], input.shape);
    for (let s = 0; s < sliceSize; s++) data.push(input.data[base + s]);
  }
  return { shape: [...batchShape, ...sliceShape], data };
}

/** Copy of input with output[i… with axis replaced by indices[i…]] = updates[i…]. Duplicates are refused. */
export function scatterElements(input: Tensor, indices: Tensor, updates: Tensor, axis = 0): Tensor {
  if (indices.shape.join() !== updates.shape.join()) throw new Error("scatterElements: updates shape must equal indices shape");
  indices.shape.forEach((d, i) => {
    if (i !== axis && d !== input.shape[i]) throw new Error("scatterElements: indices shape mismatch");
  });
  const data = [...input.data];
  const written = new Set<number>();
  indices.data.forEach((ix, flat) => {
    const idx = unravel(flat, indices.shape);
    idx[axis] = normalizeIndex(ix, input.shape[axis]);
    const target = ravel(idx, input.shape);
    if (written.has(target)) throw new Error("scatterElements: duplicate index (order not specified)");
    written.add(target);
    data[target] = updates.data[flat];
  });
  return { shape: [...input.shape], data };
}

/** Copy of input with the slices at indices' coordinates replaced by updates. Duplicates are refused. */
export function scatterND(input: Tensor, indices: Tensor, updates: Tensor): Tensor {
  const k = indices.shape[indices.shape.length - 1];
  const batchShape = indices.shape.slice(0, -1);
  const sliceShape = input.shape.slice(k);
  const expected = [...batchShape, ...sliceShape];
  if (expected.join() !== updates.shape.join()) throw new Error(`scatterND: updates shape must be [${expected}]`);
  const sliceSize = sizeOf(sliceShape);
  const data = [...input.data];
  const written = new Set<number>();
  for (let b = 0; b < sizeOf(batchShape); b++) {
    const coord = indices.data.slice(b * k, b * k + k).map((v, d) => normalizeIndex(v, input.shape[d]));
    const base = ravel([...coord, ...new Array(input.shape.length - k).fill(0)], input.shape);
    if (written.has(base)) throw new Error("scatterND: duplicate index (order not specified)");
    written.add(base);
    for (let s = 0; s < sliceSize; s++) data[base + s] = updates.data[b * sliceSize + s];
  }
  return { shape: [...input.shape], data };
}

// ------------------------------------------------------------------ gemm

export interface GemmOptions {
  c?: Tensor;
  alpha?: number;
  beta?: number;
  aTranspose?: boolean;
  bTranspose?: boolean;
}

/** alpha·A·B + beta·C (A/B optionally transposed; C unidirectionally broadcast to [M, N]). */
export function gemm(a: Tensor, b: Tensor, options: GemmOptions = {}, R: Round = exact): Tensor {
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 1;
  const aT = options.aTranspose ?? false;
  const bT = options.bTranspose ?? false;
  const [M, K] = aT ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [K2, N] = bT ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== K2) throw new Error(`gemm: inner dimensions ${K} and ${K2} differ`);
  const A = (m: number, k: number) => (aT ? a.data[k * M + m] : a.data[m * K + k]);
  const B = (k: number, n: number) => (bT ? b.data[n * K + k] : b.data[k * N + n]);
  const c = options.c ? broadcastTo(options.c, [M, N]) : undefined;
  const data = new Array<number>(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s = R(s + R(A(m, k) * B(k, n)));
      let v = alpha === 1 ? s : R(alpha * s);
      if (c) v = R(v + (beta === 1 ? c.data[m * N + n] : R(beta * c.data[m * N + n])));
      data[m * N + n] = v;
    }
  }
  return { shape: [M, N], data };
}

// ------------------------------------------------------------------ pooling

export interface Pool2dOptions {
  windowDimensions?: number[];
  padding?: number[];
  strides?: number[];
  dilations?: number[];
  layout?: "nchw" | "nhwc";
  outputShapeRounding?: "floor" | "ceil";
  outputSizes?: number[];
}

/** Output spatial sizes per the spec (calculate conv2d output sizes + rounding / outputSizes). */
export function pool2dOutputSizes(inputHW: [number, number], options: Pool2dOptions): [number, number] {
  const [H, W] = inputHW;
  const [wh, ww] = options.windowDimensions ?? [H, W];
  // The spec resets padding to zeros when outputSizes is given.
  const padding = options.outputSizes || !options.padding ? [0, 0, 0, 0] : options.padding;
  const [sh, sw] = options.strides ?? [1, 1];
  const [dh, dw] = options.dilations ?? [1, 1];
  const calc = (n: number, k: number, pb: number, pe: number, s: number, d: number) => (n - ((k - 1) * d + 1) + pb + pe) / s + 1;
  const ch = calc(H, wh, padding[0], padding[1], sh, dh);
  const cw = calc(W, ww, padding[2], padding[3], sw, dw);
  if (options.outputSizes) {
    const [oh, ow] = options.outputSizes;
    const floorOk = oh === Math.floor(ch) && ow === Math.floor(cw);
    const ceilOk = oh === Math.ceil(ch) && ow === Math.ceil(cw);
    if (!floorOk && !ceilOk) throw new Error(`outputSizes [${oh}, ${ow}] are neither floor nor ceil of [${ch}, ${cw}]`);
    return [oh, ow];
  }
  const round = (options.outputShapeRounding ?? "floor") === "ceil" ? Math.ceil : Math.floor;
  return [round(ch), round(cw)];
}

/**
 * Pooling over the window elements that fall inside the input (padding and any part of a
 * "ceil" window past the padded input are not elements: average divides by the count of input
 * elements in the window; l2 is sqrt of their sum of squares; max is their maximum).
 */
export function pool2d(kind: "average" | "l2" | "max", input: Tensor, options: Pool2dOptions = {}, R: Round = exact): Tensor {
  if (input.shape.length !== 4) throw new Error("pool2d input must be 4-D");
  const nhwc = (options.layout ?? "nchw") === "nhwc";
  const [N, C, H, W] = nhwc ? [input.shape[0], input.shape[3], input.shape[1], input.shape[2]] : input.shape;
  const [wh, ww] = options.windowDimensions ?? [H, W];
  const padding = options.outputSizes || !options.padding ? [0, 0, 0, 0] : options.padding;
  const [sh, sw] = options.strides ?? [1, 1];
  const [dh, dw] = options.dilations ?? [1, 1];
  const [OH, OW] = pool2dOutputSizes([H, W], options);
  const inAt = (n: number, c: number, h: number, w: number) => (nhwc ? at(input, [n, h, w, c]) : at(input, [n, c, h, w]));
  const outShape = nhwc ? [N, OH, OW, C] : [N, C, OH, OW];
  const data = new Array<number>(sizeOf(outShape));
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const values: number[] = [];
    for (let kh = 0; kh < wh; kh++) for (let kw = 0; kw < ww; kw++) {
      const h = oh * sh - padding[0] + kh * dh;
      const w = ow * sw - padding[2] + kw * dw;
      if (h >= 0 && h < H && w >= 0 && w < W) values.push(inAt(n, c, h, w));
    }
    if (values.length === 0) throw new Error(`pool2d: window at (${oh}, ${ow}) covers no input element`);
    let v: number;
    if (kind === "max") v = Math.max(...values);
    else if (kind === "average") v = R(values.reduce((s, x) => R(s + x), 0) / values.length);
    else v = R(Math.sqrt(values.reduce((s, x) => R(s + R(x * x)), 0)));
    data[ravel(nhwc ? [n, oh, ow, c] : [n, c, oh, ow], outShape)] = v;
  }
  return { shape: outShape, data };
}

// ------------------------------------------------------------------ pad

export interface PadOptions {
  mode?: "constant" | "edge" | "reflection";
  value?: number;
}

export function pad(input: Tensor, beginningPadding: number[], endingPadding: number[], options: PadOptions = {}): Tensor {
  const mode = options.mode ?? "constant";
  const value = options.value ?? 0;
  const rank = input.shape.length;
  if (beginningPadding.length !== rank || endingPadding.length !== rank) throw new Error("pad: padding length must equal rank");
  if (mode === "reflection") {
    input.shape.forEach((d, i) => {
      if (beginningPadding[i] >= d || endingPadding[i] >= d) throw new Error("pad: reflection padding must be smaller than the dimension");
    });
  }
  const outShape = input.shape.map((d, i) => d + beginningPadding[i] + endingPadding[i]);
  const data = new Array<number>(sizeOf(outShape));
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, outShape);
    let inside = true;
    const src = idx.map((x, d) => {
      const n = input.shape[d];
      let i = x - beginningPadding[d];
      if (i >= 0 && i < n) return i;
      inside = false;
      if (mode === "edge") i = Math.min(Math.max(i, 0), n - 1);
      else if (mode === "reflection") i = i < 0 ? -i : 2 * (n - 1) - i;
      return i;
    });
    data[o] = inside || mode !== "constant" ? at(input, src) : value;
  }
  return { shape: outShape, data };
}

// ------------------------------------------------------------------ resample2d

export interface Resample2dOptions {
  mode?: "nearest-neighbor" | "linear";
  scales?: number[];
  sizes?: number[];
  axes?: number[];
}

/**
 * Half-pixel sampling as the spec writes it: scale = outputSize / inputSize (also when `scales`
 * is given: outputSize = floor(inputSize · scale) first), coordinate = (o + 0.5) / scale - 0.5
 * clamped to [0, inputSize - 1]; nearest takes ceil(coordinate - 0.5) (ties → smaller index),
 * linear interpolates between floor and ceil.
 */
export function resample2d(input: Tensor, options: Resample2dOptions = {}): Tensor {
  const mode = options.mode ?? "nearest-neighbor";
  const axes = options.axes ?? [2, 3];
  const scales = options.scales ?? [1, 1];
  const outShape = [...input.shape];
  axes.forEach((axis, i) => {
    outShape[axis] = options.sizes ? options.sizes[i] : Math.floor(input.shape[axis] * scales[i]);
  });
  // Exact rational coordinate: ((2o + 1)·in - out) / (2·out).
  const coordinate = (o: number, inSize: number, outSize: number) => {
    const c = ((2 * o + 1) * inSize - outSize) / (2 * outSize);
    return Math.min(Math.max(c, 0), inSize - 1);
  };
  const nearest = (o: number, inSize: number, outSize: number) => {
    // ceil(c - 0.5) with c unclamped = ceil(((2o+1)·in - 2·out) / (2·out)), then clamp.
    const num = (2 * o + 1) * inSize - 2 * outSize;
    const den = 2 * outSize;
    const x = Math.ceil(num / den); // exact: num and den are small integers
    return Math.min(Math.max(x, 0), inSize - 1);
  };
  const data = new Array<number>(sizeOf(outShape));
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, outShape);
    const [a0, a1] = axes;
    if (mode === "nearest-neighbor") {
      const src = [...idx];
      src[a0] = nearest(idx[a0], input.shape[a0], outShape[a0]);
      src[a1] = nearest(idx[a1], input.shape[a1], outShape[a1]);
      data[o] = at(input, src);
    } else {
      const cy = coordinate(idx[a0], input.shape[a0], outShape[a0]);
      const cx = coordinate(idx[a1], input.shape[a1], outShape[a1]);
      const y0 = Math.floor(cy), y1 = Math.ceil(cy), x0 = Math.floor(cx), x1 = Math.ceil(cx);
      const v = (y: number, x: number) => {
        const src = [...idx];
        src[a0] = y;
        src[a1] = x;
        return at(input, src);
      };
      const tx = cx - x0, ty = cy - y0;
      const vy0 = v(y0, x0) * (1 - tx) + v(y0, x1) * tx;
      const vy1 = v(y1, x0) * (1 - tx) + v(y1, x1) * tx;
      data[o] = vy0 * (1 - ty) + vy1 * ty;
    }
  }
  return { shape: outShape, data };
}

// ------------------------------------------------------------------ reverse / tile / triangular

/** Reverses along `axes` (all axes when absent; none when empty). */
export function reverse(input: Tensor, axes?: number[]): Tensor {
  const ax = axes ?? input.shape.map((_, i) => i);
  const data = input.data.map((_, o) => {
    const idx = unravel(o, input.shape);
    for (const a of ax) idx[a] = input.shape[a] - 1 - idx[a];
    return at(input, idx);
  });
  return { shape: [...input.shape], data };
}

export function tile(input: Tensor, repetitions: number[]): Tensor {
  if (repetitions.length !== input.shape.length) throw new Error("tile: repetitions length must equal rank");
  const outShape = input.shape.map((d, i) => d * repetitions[i]);
  const data = new Array<number>(sizeOf(outShape));
  for (let o = 0; o < data.length; o++) data[o] = at(input, unravel(o, outShape).map((x, d) => x % input.shape[d]));
  return { shape: outShape, data };
}

export interface TriangularOptions {
  upper?: boolean;
  diagonal?: number;
}

/** Keeps j - i ≥ diagonal (upper) or j - i ≤ diagonal (lower) over the last two dims, else 0. */
export function triangular(input: Tensor, options: TriangularOptions = {}): Tensor {
  const upper = options.upper ?? true;
  const diagonal = options.diagonal ?? 0;
  const r = input.shape.length;
  const data = input.data.map((x, o) => {
    const idx = unravel(o, input.shape);
    const d = idx[r - 1] - idx[r - 2];
    return (upper ? d >= diagonal : d <= diagonal) ? x : 0;
  });
  return { shape: [...input.shape], data };
}

// ------------------------------------------------------------------ recurrent networks

export type RecurrentActivation = "relu" | "sigmoid" | "tanh";

function activation(name: RecurrentActivation, R: Round): (x: number) => number {
  switch (name) {
    case "relu": return (x) => (x > 0 ? x : 0);
    case "sigmoid": return (x) => R(1 / (1 + Math.exp(-x)));
    case "tanh": return (x) => R(Math.tanh(x));
  }
}

/** Row `row` of a [rows, cols] matrix (flat) dotted with vector v, accumulated with R. */
function dotRow(m: readonly number[], cols: number, row: number, v: readonly number[], R: Round): number {
  let s = 0;
  for (let k = 0; k < cols; k++) s = R(s + R(v[k] * m[row * cols + k]));
  return s;
}

export interface GruCellOptions {
  bias?: Tensor;
  recurrentBias?: Tensor;
  resetAfter?: boolean;
  layout?: "zrn" | "rzn";
  activations?: [RecurrentActivation, RecurrentActivation];
}

/**
 * One GRU step (spec gruCell; the emulation note's formulas):
 *   z = f(Wz·x + Rz·h + bz + rbz), r = f(Wr·x + Rr·h + br + rbr)
 *   resetAfter:  n = g(Wn·x + bn + r ⊙ (Rn·h + rbn))
 *   otherwise:   n = g(Wn·x + Rn·(r ⊙ h) + bn + rbn)
 *   h' = z ⊙ h + (1 - z) ⊙ n
 * Gate rows in weight/recurrentWeight/bias are ordered by layout ("zrn" default, or "rzn").
 */
export function gruCell(input: Tensor, weight: Tensor, recurrentWeight: Tensor, hiddenState: Tensor, hiddenSize: number,
  options: GruCellOptions = {}, R: Round = exact): Tensor {
  const [batch, inputSize] = input.shape;
  const H = hiddenSize;
  const resetAfter = options.resetAfter ?? true;
  const layout = options.layout ?? "zrn";
  const [fName, gName] = options.activations ?? ["sigmoid", "tanh"];
  const f = activation(fName, R), g = activation(gName, R);
  const off = layout === "zrn" ? { z: 0, r: H, n: 2 * H } : { r: 0, z: H, n: 2 * H };
  const b = (t: Tensor | undefined, i: number) => (t ? t.data[i] : 0);
  const out = new Array<number>(batch * H);
  for (let bi = 0; bi < batch; bi++) {
    const x = input.data.slice(bi * inputSize, (bi + 1) * inputSize);
    const h = hiddenState.data.slice(bi * H, (bi + 1) * H);
    const gate = (o: number, j: number, hv: readonly number[]) =>
      R(R(b(options.bias, o + j) + b(options.recurrentBias, o + j)) +
        R(dotRow(weight.data, inputSize, o + j, x, R) + dotRow(recurrentWeight.data, H, o + j, hv, R)));
    const z = new Array<number>(H), r = new Array<number>(H);
    for (let j = 0; j < H; j++) {
      z[j] = f(gate(off.z, j, h));
      r[j] = f(gate(off.r, j, h));
    }
    const rh = h.map((v, j) => R(r[j] * v));
    for (let j = 0; j < H; j++) {
      let n: number;
      if (resetAfter) {
        const rec = R(b(options.recurrentBias, off.n + j) + dotRow(recurrentWeight.data, H, off.n + j, h, R));
        n = g(R(b(options.bias, off.n + j) + R(dotRow(weight.data, inputSize, off.n + j, x, R) + R(r[j] * rec))));
      } else {
        n = g(R(R(b(options.bias, off.n + j) + b(options.recurrentBias, off.n + j)) +
          R(dotRow(weight.data, inputSize, off.n + j, x, R) + dotRow(recurrentWeight.data, H, off.n + j, rh, R))));
      }
      out[bi * H + j] = R(R(z[j] * h[j]) + R(n * R(1 - z[j])));
    }
  }
  return { shape: [batch, H], data: out };
}

export interface LstmCellOptions {
  bias?: Tensor;
  recurrentBias?: Tensor;
  peepholeWeight?: Tensor;
  layout?: "iofg" | "ifgo";
  activations?: [RecurrentActivation, RecurrentActivation, RecurrentActivation];
}

/**
 * One LSTM step (spec lstmCell; the emulation note's formulas), with c the incoming cell state:
 *   i = f(Wi·x + Ri·h + pi ⊙ c + bi + rbi)
 *   f = f(Wf·x + Rf·h + pf ⊙ c + bf + rbf)
 *   g = g(Wg·x + Rg·h + bg + rbg)
 *   o = f(Wo·x + Ro·h + po ⊙ c + bo + rbo)      ← the spec uses the incoming c here too
 *   c' = f ⊙ c + i ⊙ g,  h' = o ⊙ act3(c')
 * Gate rows are ordered by layout ("iofg" default, or "ifgo"); the peephole weight is always
 * packed (i, o, f).
 */
export function lstmCell(input: Tensor, weight: Tensor, recurrentWeight: Tensor, hiddenState: Tensor, cellState: Tensor,
  hiddenSize: number, options: LstmCellOptions = {}, R: Round = exact): [Tensor, Tensor] {
  const [batch, inputSize] = input.shape;
  const H = hiddenSize;
  const layout = options.layout ?? "iofg";
  const [a0, a1, a2] = options.activations ?? ["sigmoid", "tanh", "tanh"];
  const gateAct = activation(a0, R), cellAct = activation(a1, R), outAct = activation(a2, R);
  const off = layout === "iofg" ? { i: 0, o: H, f: 2 * H, g: 3 * H } : { i: 0, f: H, g: 2 * H, o: 3 * H };
  const peep = { i: 0, o: H, f: 2 * H };
  const b = (t: Tensor | undefined, i: number) => (t ? t.data[i] : 0);
  const hOut = new Array<number>(batch * H), cOut = new Array<number>(batch * H);
  for (let bi = 0; bi < batch; bi++) {
    const x = input.data.slice(bi * inputSize, (bi + 1) * inputSize);
    const h = hiddenState.data.slice(bi * H, (bi + 1) * H);
    const c = cellState.data.slice(bi * H, (bi + 1) * H);
    const pre = (o: number, j: number) =>
      R(R(b(options.bias, o + j) + b(options.recurrentBias, o + j)) +
        R(dotRow(weight.data, inputSize, o + j, x, R) + dotRow(recurrentWeight.data, H, o + j, h, R)));
    for (let j = 0; j < H; j++) {
      const peepTerm = (p: number) => (options.peepholeWeight ? R(c[j] * options.peepholeWeight.data[p + j]) : 0);
      const ig = gateAct(R(peepTerm(peep.i) + pre(off.i, j)));
      const fg = gateAct(R(peepTerm(peep.f) + pre(off.f, j)));
      const gg = cellAct(pre(off.g, j));
      const og = gateAct(R(peepTerm(peep.o) + pre(off.o, j)));
      const ct = R(R(fg * c[j]) + R(ig * gg));
      cOut[bi * H + j] = ct;
      hOut[bi * H + j] = R(og * outAct(ct));
    }
  }
  return [{ shape: [batch, H], data: hOut }, { shape: [batch, H], data: cOut }];
}

export type RecurrentDirection = "forward" | "backward" | "both";

function sliceDir(t: Tensor | undefined, dir: number): Tensor | undefined {
  if (!t) return undefined;
  const inner = t.shape.slice(1);
  const n = sizeOf(inner);
  return { shape: inner, data: t.data.slice(dir * n, (dir + 1) * n) };
}

function stepInput(input: Tensor, step: number): Tensor {
  const [, batch, inputSize] = input.shape;
  const n = batch * inputSize;
  return { shape: [batch, inputSize], data: input.data.slice(step * n, (step + 1) * n) };
}

/** Runs `cell` over the steps for each direction and assembles [last state(s)…, sequence?]. */
function runRecurrent(input: Tensor, steps: number, hiddenSize: number, direction: RecurrentDirection,
  returnSequence: boolean, stateCount: 1 | 2,
  cell: (dir: number, x: Tensor, states: Tensor[]) => Tensor[], initial: (dir: number) => Tensor[]): Tensor[] {
  const batch = input.shape[1];
  const numDirections = direction === "both" ? 2 : 1;
  const H = hiddenSize;
  const finals: number[][] = Array.from({ length: stateCount }, () => []);
  const sequence = new Array<number>(steps * numDirections * batch * H).fill(0);
  for (let dir = 0; dir < numDirections; dir++) {
    const backward = dir === 1 || direction === "backward";
    let states = initial(dir);
    for (let s = 0; s < steps; s++) {
      const t = backward ? steps - 1 - s : s;
      states = cell(dir, stepInput(input, t), states);
      // sequence[t][dir] = hidden state produced while processing input step t
      for (let k = 0; k < batch * H; k++) sequence[(t * numDirections + dir) * batch * H + k] = states[0].data[k];
    }
    states.forEach((st, i) => finals[i].push(...st.data));
  }
  const out = finals.map((d) => ({ shape: [numDirections, batch, H], data: d }));
  if (returnSequence) out.push({ shape: [steps, numDirections, batch, H], data: sequence });
  return out;
}

export interface GruOptions {
  bias?: Tensor;
  recurrentBias?: Tensor;
  initialHiddenState?: Tensor;
  resetAfter?: boolean;
  returnSequence?: boolean;
  direction?: RecurrentDirection;
  layout?: "zrn" | "rzn";
  activations?: [RecurrentActivation, RecurrentActivation];
}

/** Returns [hidden [numDirections, batch, H]] or [hidden, sequence [steps, numDirections, batch, H]]. */
export function gru(input: Tensor, weight: Tensor, recurrentWeight: Tensor, steps: number, hiddenSize: number,
  options: GruOptions = {}, R: Round = exact): Tensor[] {
  const batch = input.shape[1];
  if (input.shape[0] !== steps) throw new Error("gru: input.shape[0] must equal steps");
  const zeros = { shape: [batch, hiddenSize], data: new Array<number>(batch * hiddenSize).fill(0) };
  return runRecurrent(input, steps, hiddenSize, options.direction ?? "forward", options.returnSequence ?? false, 1,
    (dir, x, [h]) => [gruCell(x, sliceDir(weight, dir)!, sliceDir(recurrentWeight, dir)!, h, hiddenSize, {
      bias: sliceDir(options.bias, dir), recurrentBias: sliceDir(options.recurrentBias, dir),
      resetAfter: options.resetAfter, layout: options.layout, activations: options.activations,
    }, R)],
    (dir) => [sliceDir(options.initialHiddenState, dir) ?? zeros]);
}

export interface LstmOptions {
  bias?: Tensor;
  recurrentBias?: Tensor;
  peepholeWeight?: Tensor;
  initialHiddenState?: Tensor;
  initialCellState?: Tensor;
  returnSequence?: boolean;
  direction?: RecurrentDirection;
  layout?: "iofg" | "ifgo";
  activations?: [RecurrentActivation, RecurrentActivation, RecurrentActivation];
}

/** Returns [hidden, cell] (each [numDirections, batch, H]) and the sequence when returnSequence. */
export function lstm(input: Tensor, weight: Tensor, recurrentWeight: Tensor, steps: number, hiddenSize: number,
  options: LstmOptions = {}, R: Round = exact): Tensor[] {
  const batch = input.shape[1];
  if (input.shape[0] !== steps) throw new Error("lstm: input.shape[0] must equal steps");
  const zeros = { shape: [batch, hiddenSize], data: new Array<number>(batch * hiddenSize).fill(0) };
  return runRecurrent(input, steps, hiddenSize, options.direction ?? "forward", options.returnSequence ?? false, 2,
    (dir, x, [h, c]) => lstmCell(x, sliceDir(weight, dir)!, sliceDir(recurrentWeight, dir)!, h, c, hiddenSize, {
      bias: sliceDir(options.bias, dir), recurrentBias: sliceDir(options.recurrentBias, dir),
      peepholeWeight: sliceDir(options.peepholeWeight, dir), layout: options.layout, activations: options.activations,
    }, R),
    (dir) => [sliceDir(options.initialHiddenState, dir) ?? zeros, sliceDir(options.initialCellState, dir) ?? zeros]);
}

// ------------------------------------------------------------------ helpers for multi-operator graphs

/** conv2d with the default layouts (input nchw, filter oihw), explicit padding and strides, groups 1. */
export function conv2d(input: Tensor, filter: Tensor, options: { padding?: number[]; strides?: number[] } = {}, R: Round = exact): Tensor {
  const [N, C, H, W] = input.shape;
  const [O, I, KH, KW] = filter.shape;
  if (I !== C) throw new Error("conv2d: filter input channels differ from input channels");
  const [pt, pb, pl, pr] = options.padding ?? [0, 0, 0, 0];
  const [sh, sw] = options.strides ?? [1, 1];
  const OH = Math.floor((H - KH + pt + pb) / sh) + 1;
  const OW = Math.floor((W - KW + pl + pr) / sw) + 1;
  const out = new Array<number>(N * O * OH * OW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let s = 0;
    for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const h = oh * sh - pt + kh, w = ow * sw - pl + kw;
      if (h < 0 || h >= H || w < 0 || w >= W) continue;
      s = R(s + R(at(input, [n, c, h, w]) * at(filter, [o, c, kh, kw])));
    }
    out[((n * O + o) * OH + oh) * OW + ow] = s;
  }
  return { shape: [N, O, OH, OW], data: out };
}

/** 2-D matmul [M, K] × [K, N]. */
export function matmul2d(a: Tensor, b: Tensor, R: Round = exact): Tensor {
  return gemm(a, b, {}, R);
}

/** Element-wise add / sub / mul / relu with broadcasting (for multi-operator graphs). */
export function add(a: Tensor, b: Tensor, R: Round = exact): Tensor {
  return binaryBroadcast(a, b, (x, y) => R(x + y));
}
export function sub(a: Tensor, b: Tensor, R: Round = exact): Tensor {
  return binaryBroadcast(a, b, (x, y) => R(x - y));
}
export function mul(a: Tensor, b: Tensor, R: Round = exact): Tensor {
  return binaryBroadcast(a, b, (x, y) => R(x * y));
}
export function relu(a: Tensor): Tensor {
  return mapTensor(a, (x) => (x > 0 ? x : 0));
}
