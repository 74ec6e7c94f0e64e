// matmul and linear (coremltools defs/iOS15/linear.py, iOS17/linear.py).
// Float products are accumulated in float64 and each output element is rounded once.

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { numericView, shapeToString, type NumericData, type RuntimeTensor } from "../tensor.js";
import {
  allocNumeric, broadcastShapes, broadcastStrides, defineKernel, product, requireDtype, storeChunk, type Kernel,
} from "./common.js";

const NUMERIC: readonly MilDataType[] = ["fp16", "fp32", "int32"];

const KC = 256; // depth per block
const NC = 256; // columns per block (a packed KC×NC block of B stays in cache)

/**
 * out[M, N] (float64, row stride N) = A[M, K] · B[K, N], A and B contiguous row-major.
 * Blocked: a KC×NC block of B is packed into 4-column panels; a 4×4 block of outputs is
 * accumulated in registers. Each output still sums its K products in order k = 0, 1, ...
 * (partial sums are kept in `out` between depth blocks), so the float64 result equals a
 * straightforward loop's.
 */
function gemmFloat(A: Float32Array, aOff: number, B: Float32Array, bOff: number, M: number, K: number, N: number, out: Float64Array): void {
  out.fill(0, 0, M * N);
  const bp = new Float64Array(KC * (NC + 4));
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    for (let j0 = 0; j0 < N; j0 += NC) {
      const nc = Math.min(NC, N - j0);
      const panels = Math.ceil(nc / 4);
      for (let p = 0; p < panels; p++) {
        const cols = Math.min(4, nc - p * 4);
        let q = p * kc * 4;
        for (let kk = 0; kk < kc; kk++, q += 4) {
          const src = bOff + (k0 + kk) * N + j0 + p * 4;
          for (let c = 0; c < 4; c++) bp[q + c] = c < cols ? B[src + c] : 0;
        }
      }
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const a0 = aOff + i * K + k0, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
        for (let p = 0; p < panels; p++) {
          const j = j0 + p * 4;
          const cols = Math.min(4, nc - p * 4);
          const o0 = i * N + j, o1 = o0 + N, o2 = o1 + N, o3 = o2 + N;
          let q = p * kc * 4;
          if (cols === 4) {
            let c00 = out[o0], c01 = out[o0 + 1], c02 = out[o0 + 2], c03 = out[o0 + 3];
            let c10 = out[o1], c11 = out[o1 + 1], c12 = out[o1 + 2], c13 = out[o1 + 3];
            let c20 = out[o2], c21 = out[o2 + 1], c22 = out[o2 + 2], c23 = out[o2 + 3];
            let c30 = out[o3], c31 = out[o3 + 1], c32 = out[o3 + 2], c33 = out[o3 + 3];
            for (let kk = 0; kk < kc; kk++, q += 4) {
              const b0 = bp[q], b1 = bp[q + 1], b2 = bp[q + 2], b3 = bp[q + 3];
              const x0 = A[a0 + kk];
              c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
              const x1 = A[a1 + kk];
              c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
              const x2 = A[a2 + kk];
              c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
              const x3 = A[a3 + kk];
              c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
            }
            out[o0] = c00; out[o0 + 1] = c01; out[o0 + 2] = c02; out[o0 + 3] = c03;
            out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
            out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22; out[o2 + 3] = c23;
            out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32; out[o3 + 3] = c33;
          } else {
            for (let r = 0; r < 4; r++) {
              const a = a0 + r * K;
              for (let c = 0; c < cols; c++) {
                let acc = out[o0 + r * N + c];
                for (let kk = 0, qq = q + c; kk < kc; kk++, qq += 4) acc += A[a + kk] * bp[qq];
                out[o0 + r * N + c] = acc;
              }
            }
          }
        }
      }
      for (; i < M; i++) {
        const a = aOff + i * K + k0;
        for (let p = 0; p < panels; p++) {
          const cols = Math.min(4, nc - p * 4);
          const o = i * N + j0 + p * 4;
          for (let c = 0; c < cols; c++) {
            let acc = out[o + c];
            for (let kk = 0, qq = p * kc * 4 + c; kk < kc; kk++, qq += 4) acc += A[a + kk] * bp[qq];
            out[o + c] = acc;
          }
        }
      }
    }
  }
}

/** Float32 view of float operands (fp16 decoded exactly); int32 data as is. */
function floatData(t: RuntimeTensor): NumericData {
  return numericView(t);
}

/** Integer version: two's-complement wrap-around like int32 arithmetic. */
function gemmInt(A: NumericData, aOff: number, B: NumericData, bOff: number, M: number, K: number, N: number, out: Float64Array): void {
  const acc = new Int32Array(N);
  for (let i = 0; i < M; i++) {
    acc.fill(0);
    for (let k = 0; k < K; k++) {
      const x = A[aOff + i * K + k];
      const bRow = bOff + k * N;
      for (let j = 0; j < N; j++) acc[j] = (acc[j] + Math.imul(x, B[bRow + j])) | 0;
    }
    for (let j = 0; j < N; j++) out[i * N + j] = acc[j];
  }
}

/** A contiguous [rows, cols] copy (same element type) of the transpose of a [cols, rows] matrix at `off`. */
function transposed(src: NumericData, off: number, rows: number, cols: number): NumericData {
  const t = src instanceof Int32Array ? new Int32Array(rows * cols) : new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[r * cols + c] = src[off + c * rows + r];
  return t;
}

/**
 * matmul(x, y, transpose_x=false, transpose_y=false) with numpy.matmul rules: batch
 * dimensions broadcast; a rank-1 x gets a leading 1 and a rank-1 y a trailing 1, both
 * removed from the result; transpose flags swap the last two dimensions (not allowed on rank 1).
 * Output dtype: that of x and y; from iOS 17 they may differ (one of them const), then the
 * declared output dtype is used.
 */
export const matmul = defineKernel(["x", "y", "transpose_x", "transpose_y"], (args, op, ctx) => {
  const x = args.tensor("x");
  const y = args.tensor("y");
  requireDtype(x, "x", NUMERIC);
  requireDtype(y, "y", NUMERIC);
  let outType = x.dataType;
  if (x.dataType !== y.dataType) {
    const declared = op.outputs[0]?.type.dataType;
    if (ctx.iosVersion < 17 || (declared !== x.dataType && declared !== y.dataType)) {
      throw new RuntimeError(`matmul: x (${x.dataType}) and y (${y.dataType}) must have the same dtype`);
    }
    if ((x.dataType === "int32") !== (y.dataType === "int32")) throw new RuntimeError("matmul: cannot mix int32 and float operands");
    outType = declared;
  }
  const tx = args.bool("transpose_x", false);
  const ty = args.bool("transpose_y", false);
  const xr = x.shape.length, yr = y.shape.length;
  if (xr === 0 || yr === 0) throw new RuntimeError("matmul: x and y must have rank >= 1");
  if ((xr === 1 && tx) || (yr === 1 && ty)) throw new RuntimeError("matmul: transpose is not allowed on a rank-1 operand");
  const xs = xr === 1 ? [1, x.shape[0]] : [...x.shape];
  const ys = yr === 1 ? [y.shape[0], 1] : [...y.shape];
  const [xm, xk] = tx ? [xs[xs.length - 1], xs[xs.length - 2]] : [xs[xs.length - 2], xs[xs.length - 1]];
  const [yk, yn] = ty ? [ys[ys.length - 1], ys[ys.length - 2]] : [ys[ys.length - 2], ys[ys.length - 1]];
  if (xk !== yk) throw new RuntimeError(`matmul: inner dimensions differ: x ${shapeToString(x.shape)} y ${shapeToString(y.shape)} (transpose_x=${tx}, transpose_y=${ty})`);
  const xb = xs.slice(0, -2), yb = ys.slice(0, -2);
  const batch = broadcastShapes(xb, yb);
  const M = xm, K = xk, N = yn;
  const outShape = [...batch, M, N];
  const nb = product(batch);
  const { data, half } = allocNumeric(outType, nb * M * N);
  const A = floatData(x);
  const B = floatData(y);
  const isInt = x.dataType === "int32";
  const xbs = broadcastStrides(xb, batch), ybs = broadcastStrides(yb, batch);
  const res = new Float64Array(M * N);
  const idx = new Array<number>(batch.length).fill(0);
  for (let b = 0; b < nb; b++) {
    let ax = 0, by = 0;
    for (let d = 0; d < batch.length; d++) { ax += idx[d] * xbs[d]; by += idx[d] * ybs[d]; }
    let aSrc: NumericData = A, aOff = ax * M * K;
    let bSrc: NumericData = B, bOff = by * K * N;
    if (tx) { aSrc = transposed(A, aOff, M, K); aOff = 0; }
    if (ty) { bSrc = transposed(B, bOff, K, N); bOff = 0; }
    if (isInt) gemmInt(aSrc, aOff, bSrc, bOff, M, K, N, res);
    else gemmFloat(aSrc as Float32Array, aOff, bSrc as Float32Array, bOff, M, K, N, res);
    storeChunk(data, half, b * M * N, res, res.length);
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  let shape = outShape;
  if (yr === 1) shape = shape.slice(0, -1);
  if (xr === 1) shape = yr === 1 ? shape.slice(0, -1) : [...shape.slice(0, -2), shape[shape.length - 1]];
  return [{ dataType: outType, shape, data }];
});

/** linear(x[*D, Din], weight[Dout, Din], bias[Dout]=0) = x · weightᵀ + bias; output dtype of x. */
export const linear = defineKernel(["x", "weight", "bias"], (args, _op, ctx) => {
  const x = args.tensor("x");
  const w = args.tensor("weight");
  const bias = args.optTensor("bias");
  requireDtype(x, "x", NUMERIC);
  requireDtype(w, "weight", NUMERIC);
  if (ctx.iosVersion < 17 && w.dataType !== x.dataType) throw new RuntimeError(`linear: weight (${w.dataType}) must have the dtype of x (${x.dataType}) before iOS 17`);
  if (bias && ctx.iosVersion < 17 && bias.dataType !== x.dataType) throw new RuntimeError(`linear: bias (${bias.dataType}) must have the dtype of x (${x.dataType}) before iOS 17`);
  if (x.shape.length < 1) throw new RuntimeError("linear: x must have rank >= 1");
  if (w.shape.length !== 2) throw new RuntimeError(`linear: weight must be rank 2, got ${shapeToString(w.shape)}`);
  const [Dout, Din] = w.shape;
  if (x.shape[x.shape.length - 1] !== Din) throw new RuntimeError(`linear: last dimension of x ${shapeToString(x.shape)} must equal weight's ${Din}`);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== Dout)) throw new RuntimeError(`linear: bias must have shape [${Dout}], got ${shapeToString(bias.shape)}`);
  const rows = product(x.shape, 0, x.shape.length - 1);
  const A = floatData(x);
  const Wt = transposed(floatData(w), 0, Din, Dout);
  const bv = bias ? numericView(bias) : undefined;
  const res = new Float64Array(rows * Dout);
  if (x.dataType === "int32") gemmInt(A, 0, Wt, 0, rows, Din, Dout, res);
  else gemmFloat(A as Float32Array, 0, Wt as Float32Array, 0, rows, Din, Dout, res);
  if (bv) {
    for (let r = 0; r < rows; r++) for (let o = 0; o < Dout; o++) res[r * Dout + o] += bv[o];
  }
  const { data, half } = allocNumeric(x.dataType, res.length);
  storeChunk(data, half, 0, res, res.length);
  return [{ dataType: x.dataType, shape: [...x.shape.slice(0, -1), Dout], data }];
});

export const linearKernels: Record<string, Kernel> = { matmul, linear };
