// Elementwise binary operations with numpy broadcasting, and select
// (coremltools defs/iOS15/elementwise_binary.py, select in control_flow.py).

import type { MilDataType } from "../../mil/program.js";
import { allocData, numericView, type NumericData, type RuntimeTensor, type TensorData } from "../tensor.js";
import {
  allocNumeric, broadcastShapes, broadcastStrides, CHUNK, coalesce, defineKernel, product, requireDtype,
  requireSameDtype, storeChunk, type Kernel,
} from "./common.js";
import { floatFloorDiv, floatMod, intFloorDiv, intMod, intPow } from "./math.js";

const enum Code {
  Add, Sub, Mul, Div, FloorDiv, Mod, Max, Min, Pow,
  Eq, Ne, Gt, Ge, Lt, Le, And, Or, Xor,
  IMul, IDiv, IFloorDiv, IMod, IPow,
}

/** C/numpy pow for doubles (JavaScript differs for 1^NaN and (-1)^±Infinity). */
function fpow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/** Computes `len` results of `code` into buf, walking a and b with the given strides. */
function computeRow(code: Code, a: NumericData, pa: number, sa: number, b: NumericData, pb: number, sb: number, buf: Float64Array, len: number): void {
  switch (code) {
    case Code.Add:
      if (sa === 1 && sb === 1) { for (let i = 0; i < len; i++) buf[i] = a[pa + i] + b[pb + i]; }
      else { for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] + b[pb]; }
      return;
    case Code.Sub:
      if (sa === 1 && sb === 1) { for (let i = 0; i < len; i++) buf[i] = a[pa + i] - b[pb + i]; }
      else { for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] - b[pb]; }
      return;
    case Code.Mul:
      if (sa === 1 && sb === 1) { for (let i = 0; i < len; i++) buf[i] = a[pa + i] * b[pb + i]; }
      else { for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] * b[pb]; }
      return;
    case Code.Div:
      if (sa === 1 && sb === 1) { for (let i = 0; i < len; i++) buf[i] = a[pa + i] / b[pb + i]; }
      else { for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] / b[pb]; }
      return;
    case Code.FloorDiv: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = floatFloorDiv(a[pa], b[pb]); return;
    case Code.Mod: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = floatMod(a[pa], b[pb]); return;
    case Code.Max:
      for (let i = 0; i < len; i++, pa += sa, pb += sb) {
        const u = a[pa], v = b[pb];
        buf[i] = u >= v ? u : v > u ? v : u !== u ? u : v; // NaN propagates (numpy.maximum)
      }
      return;
    case Code.Min:
      for (let i = 0; i < len; i++, pa += sa, pb += sb) {
        const u = a[pa], v = b[pb];
        buf[i] = u <= v ? u : v < u ? v : u !== u ? u : v;
      }
      return;
    case Code.Pow: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = fpow(a[pa], b[pb]); return;
    case Code.Eq: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] === b[pb] ? 1 : 0; return;
    case Code.Ne: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] !== b[pb] ? 1 : 0; return;
    case Code.Gt: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] > b[pb] ? 1 : 0; return;
    case Code.Ge: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] >= b[pb] ? 1 : 0; return;
    case Code.Lt: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] < b[pb] ? 1 : 0; return;
    case Code.Le: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] <= b[pb] ? 1 : 0; return;
    case Code.And: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] !== 0 && b[pb] !== 0 ? 1 : 0; return;
    case Code.Or: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = a[pa] !== 0 || b[pb] !== 0 ? 1 : 0; return;
    case Code.Xor: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = (a[pa] !== 0) !== (b[pb] !== 0) ? 1 : 0; return;
    case Code.IMul: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = Math.imul(a[pa], b[pb]); return;
    case Code.IDiv:
      for (let i = 0; i < len; i++, pa += sa, pb += sb) {
        const v = b[pb];
        buf[i] = v === 0 ? 0 : Math.trunc(a[pa] / v);
      }
      return;
    case Code.IFloorDiv: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = intFloorDiv(a[pa], b[pb]); return;
    case Code.IMod: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = intMod(a[pa], b[pb]); return;
    case Code.IPow: for (let i = 0; i < len; i++, pa += sa, pb += sb) buf[i] = intPow(a[pa], b[pb]); return;
  }
}

/** Runs a binary op over broadcast operands, storing into a new tensor of outType. */
function runBinary(x: RuntimeTensor, y: RuntimeTensor, outType: MilDataType, code: Code): RuntimeTensor {
  const outShape = broadcastShapes(x.shape, y.shape);
  const n = product(outShape);
  const { data, half } = allocNumeric(outType, n);
  const result: RuntimeTensor = { dataType: outType, shape: outShape, data };
  if (n === 0) return result;
  const a = numericView(x);
  const b = numericView(y);
  const { shape: cs, strides: [csa, csb] } = coalesce(outShape, [broadcastStrides(x.shape, outShape), broadcastStrides(y.shape, outShape)]);
  const rank = cs.length;
  const inner = cs[rank - 1];
  const ia = csa[rank - 1];
  const ib = csb[rank - 1];
  const buf = new Float64Array(Math.min(CHUNK, inner));
  const idx = new Array<number>(rank).fill(0);
  const rows = n / inner;
  let offA = 0, offB = 0, offO = 0;
  for (let r = 0; r < rows; r++) {
    for (let c0 = 0; c0 < inner; c0 += CHUNK) {
      const len = Math.min(CHUNK, inner - c0);
      computeRow(code, a, offA + c0 * ia, ia, b, offB + c0 * ib, ib, buf, len);
      storeChunk(data, half, offO + c0, buf, len);
    }
    offO += inner;
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offA += csa[d];
      offB += csb[d];
      if (idx[d] < cs[d]) break;
      offA -= csa[d] * cs[d];
      offB -= csb[d] * cs[d];
      idx[d] = 0;
    }
  }
  return result;
}

const NUMERIC: readonly MilDataType[] = ["fp16", "fp32", "int32"];

function arithmetic(floatCode: Code, intCode: Code = floatCode): Kernel {
  return defineKernel(["x", "y"], (args) => {
    const x = args.tensor("x");
    const y = args.tensor("y");
    requireDtype(x, "x", NUMERIC);
    requireSameDtype(x, "x", y, "y");
    return [runBinary(x, y, x.dataType, x.dataType === "int32" ? intCode : floatCode)];
  });
}

function comparison(code: Code): Kernel {
  return defineKernel(["x", "y"], (args) => {
    const x = args.tensor("x");
    const y = args.tensor("y");
    requireDtype(x, "x", NUMERIC);
    requireSameDtype(x, "x", y, "y");
    return [runBinary(x, y, "bool", code)];
  });
}

function logical(code: Code): Kernel {
  return defineKernel(["x", "y"], (args) => {
    const x = args.tensor("x");
    const y = args.tensor("y");
    requireDtype(x, "x", ["bool"]);
    requireDtype(y, "y", ["bool"]);
    return [runBinary(x, y, "bool", code)];
  });
}

/** select(cond, a, b): a where cond else b, broadcasting all three (numpy.where). */
export const select = defineKernel(["cond", "a", "b"], (args) => {
  const cond = args.tensor("cond");
  const a = args.tensor("a");
  const b = args.tensor("b");
  requireDtype(cond, "cond", ["bool"]);
  requireSameDtype(a, "a", b, "b");
  const outShape = broadcastShapes(broadcastShapes(cond.shape, a.shape), b.shape);
  const n = product(outShape);
  const out = allocData(a.dataType, n);
  const result: RuntimeTensor = { dataType: a.dataType, shape: outShape, data: out };
  if (n === 0) return [result];
  const c = cond.data as Uint8Array;
  const ad = a.data as TensorData;
  const bd = b.data as TensorData;
  const { shape: cs, strides: [sc, sa, sb] } = coalesce(outShape, [
    broadcastStrides(cond.shape, outShape), broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape),
  ]);
  const rank = cs.length;
  const inner = cs[rank - 1];
  const ic = sc[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let oc = 0, oa = 0, ob = 0, o = 0;
  const rows = n / inner;
  for (let r = 0; r < rows; r++) {
    let pc = oc, pa = oa, pb = ob;
    for (let i = 0; i < inner; i++, pc += ic, pa += ia, pb += ib) {
      (out as NumericData)[o++] = c[pc] !== 0 ? (ad as NumericData)[pa] : (bd as NumericData)[pb];
    }
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      oc += sc[d]; oa += sa[d]; ob += sb[d];
      if (idx[d] < cs[d]) break;
      oc -= sc[d] * cs[d]; oa -= sa[d] * cs[d]; ob -= sb[d] * cs[d];
      idx[d] = 0;
    }
  }
  return [result];
});

export const binaryKernels: Record<string, Kernel> = {
  add: arithmetic(Code.Add),
  sub: arithmetic(Code.Sub),
  mul: arithmetic(Code.Mul, Code.IMul),
  real_div: arithmetic(Code.Div, Code.IDiv),
  floor_div: arithmetic(Code.FloorDiv, Code.IFloorDiv),
  mod: arithmetic(Code.Mod, Code.IMod),
  maximum: arithmetic(Code.Max),
  minimum: arithmetic(Code.Min),
  pow: arithmetic(Code.Pow, Code.IPow),
  equal: comparison(Code.Eq),
  not_equal: comparison(Code.Ne),
  greater: comparison(Code.Gt),
  greater_equal: comparison(Code.Ge),
  less: comparison(Code.Lt),
  less_equal: comparison(Code.Le),
  logical_and: logical(Code.And),
  logical_or: logical(Code.Or),
  logical_xor: logical(Code.Xor),
  select,
};

