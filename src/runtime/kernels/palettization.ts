// constexpr_lut_to_dense: palettized weights expanded through their lookup tables.
//   iOS 16 (defs/iOS16/constexpr_ops.py): indices uint8[M] hold n-bit keys packed LSB first,
//     lut is one table of 2^n values, shape gives the output.
//   iOS 18 (defs/iOS18/compression.py): indices is a uintN tensor of the output's shape (up to
//     the vector axis), lut has rank K + 2: [tables per dimension…, 2^n, VECTOR_SIZE].
import { RuntimeError } from "../../errors.js";
import { isSubByte, subByteBits, unpackBits } from "../../mil/sub-byte.js";
import { allocData, numericView, shapeToString, stridesOf, type NumericData, type RuntimeTensor } from "../tensor.js";
import { defineKernel, normalizeAxis, product, requireDtype, tensorNumbers, type Kernel } from "./common.js";

const LUT_TYPES = ["fp16", "fp32", "int8", "uint8"] as const;

function lutToDenseIOS16(indices: RuntimeTensor, lut: RuntimeTensor, shapeT: RuntimeTensor): RuntimeTensor {
  requireDtype(indices, "indices", ["uint8"]);
  if (indices.shape.length !== 1 || lut.shape.length !== 1) throw new RuntimeError("indices and lut must be vectors");
  const bits = Math.log2(lut.shape[0]);
  if (![1, 2, 4, 6, 8].includes(bits)) throw new RuntimeError(`lut must hold 2, 4, 16, 64 or 256 values, got ${lut.shape[0]}`);
  const shape = tensorNumbers(shapeT, "shape");
  const n = product(shape);
  if (indices.shape[0] !== Math.ceil((n * bits) / 8)) {
    throw new RuntimeError(`indices has ${indices.shape[0]} bytes; ${n} ${bits}-bit keys need ${Math.ceil((n * bits) / 8)}`);
  }
  const keys = unpackBits(numericView(indices) as Uint8Array, n, bits, false);
  const table = lut.data as NumericData; // raw storage: fp16 stays half bits, copied exactly
  const out = allocData(lut.dataType, n) as NumericData;
  for (let i = 0; i < n; i++) out[i] = table[keys[i]];
  return { dataType: lut.dataType, shape, data: out };
}

function lutToDenseIOS18(indices: RuntimeTensor, lut: RuntimeTensor, vectorAxis: number | undefined): RuntimeTensor {
  const t = indices.dataType;
  const bits = t === "uint8" ? 8 : t !== "int4" && isSubByte(t) ? subByteBits(t) : undefined;
  if (bits === undefined) throw new RuntimeError(`indices must be uint1, uint2, uint3, uint4, uint6 or uint8, got ${indices.dataType}`);
  const rank = indices.shape.length;
  if (lut.shape.length !== rank + 2) throw new RuntimeError(`lut ${shapeToString(lut.shape)} must have rank ${rank + 2} (indices rank + 2)`);
  const palettes = lut.shape[rank];
  const vector = lut.shape[rank + 1];
  if (palettes !== 2 ** bits) throw new RuntimeError(`lut has ${palettes} entries per table; ${indices.dataType} keys need ${2 ** bits}`);
  const groups = lut.shape.slice(0, rank);
  if (indices.shape.some((d, i) => d % groups[i] !== 0)) {
    throw new RuntimeError(`lut tables ${shapeToString(groups)} must divide the indices shape ${shapeToString(indices.shape)} per dimension`);
  }
  if (vector > 1 && vectorAxis === undefined) throw new RuntimeError("vector_axis is required when the lut holds vectors");
  const axis = vector > 1 ? vectorAxis! : -1;
  const outShape = indices.shape.map((d, i) => (i === axis ? d * vector : d));
  const block = indices.shape.map((d, i) => d / groups[i]);
  const is = stridesOf(indices.shape);
  const gs = stridesOf(groups);
  const os = stridesOf(outShape);
  const keys = numericView(indices);
  const table = lut.data as NumericData; // raw storage: fp16 stays half bits, copied exactly
  const out = allocData(lut.dataType, product(outShape)) as NumericData;
  for (let i = 0; i < keys.length; i++) {
    let g = 0, o = 0, rem = i;
    for (let d = 0; d < rank; d++) {
      const c = Math.floor(rem / is[d]);
      rem -= c * is[d];
      g += Math.floor(c / block[d]) * gs[d];
      o += (d === axis ? c * vector : c) * os[d];
    }
    const base = (g * palettes + keys[i]) * vector;
    for (let v = 0; v < vector; v++) out[o + (axis >= 0 ? v * os[axis] : 0)] = table[base + v];
  }
  return { dataType: lut.dataType, shape: outShape, data: out };
}

export const constexprLutToDense = defineKernel(["indices", "lut", "shape", "vector_axis"], (args) => {
  const indices = args.tensor("indices");
  const lut = args.tensor("lut");
  requireDtype(lut, "lut", LUT_TYPES);
  const shape = args.optTensor("shape");
  if (shape) return [lutToDenseIOS16(indices, lut, shape)];
  const axis = args.has("vector_axis") ? normalizeAxis(args.int("vector_axis"), indices.shape.length, "vector_axis") : undefined;
  return [lutToDenseIOS18(indices, lut, axis)];
});

export const palettizationKernels: Record<string, Kernel> = {
  constexpr_lut_to_dense: constexprLutToDense,
};
