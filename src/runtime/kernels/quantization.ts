// Affine (de)quantization: quantize / dequantize (iOS 17, defs/iOS17/quantization_ops.py),
// constexpr_affine_dequantize (iOS 16, defs/iOS16/constexpr_ops.py) and
// constexpr_blockwise_shift_scale (iOS 18, defs/iOS18/compression.py).
// Values are computed in float64 and rounded once to the output dtype.

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { numericView, shapeToString, stridesOf, type NumericData, type RuntimeTensor } from "../tensor.js";
import { allocNumeric, defineKernel, normalizeAxis, product, requireDtype, storeChunk, type Kernel, type KernelArgs } from "./common.js";
import { roundHalfEven } from "./math.js";

/** A scalar or per-`axis` vector parameter, as a function of the flat element index. */
function perAxis(p: RuntimeTensor | undefined, x: RuntimeTensor, axis: number | undefined, name: string, def: number): (i: number) => number {
  if (!p) return () => def;
  const v = numericView(p);
  if (p.shape.length === 0 || (p.shape.length === 1 && p.shape[0] === 1 && axis === undefined)) {
    const s = v[0];
    return () => s;
  }
  if (p.shape.length !== 1) throw new RuntimeError(`"${name}" must be a scalar or a vector, got ${shapeToString(p.shape)}`);
  if (axis === undefined) throw new RuntimeError(`"axis" is required when "${name}" is a vector`);
  if (p.shape[0] !== x.shape[axis]) throw new RuntimeError(`"${name}" has ${p.shape[0]} values, dimension ${axis} of the input has ${x.shape[axis]}`);
  const inner = product(x.shape, axis + 1);
  const D = x.shape[axis];
  return (i) => v[Math.floor(i / inner) % D];
}

function optionalAxis(args: KernelArgs, x: RuntimeTensor): number | undefined {
  return args.has("axis") ? normalizeAxis(args.int("axis"), x.shape.length) : undefined;
}

const RANGES: Record<string, [number, number]> = { int8: [-128, 127], uint8: [0, 255] };

/** quantize(input, scale, zero_point?, axis?, output_dtype): clip(round_half_even(input / scale) + zero_point). */
export const quantize = defineKernel(["input", "zero_point", "scale", "axis", "output_dtype"], (args) => {
  const x = args.tensor("input");
  requireDtype(x, "input", ["fp16", "fp32"]);
  const scaleT = args.tensor("scale");
  requireDtype(scaleT, "scale", [x.dataType]);
  const outType = args.string("output_dtype") as MilDataType;
  const range = RANGES[outType];
  if (!range) throw new RuntimeError(`quantize: output_dtype must be "int8" or "uint8", got "${outType}"`);
  const zpT = args.optTensor("zero_point");
  if (zpT && zpT.dataType !== outType) throw new RuntimeError(`quantize: zero_point (${zpT.dataType}) must have dtype ${outType}`);
  const axis = optionalAxis(args, x);
  const scale = perAxis(scaleT, x, axis, "scale", 1);
  const zp = perAxis(zpT, x, axis, "zero_point", 0);
  const src = numericView(x);
  const res = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const q = roundHalfEven(src[i] / scale(i)) + zp(i);
    res[i] = q < range[0] ? range[0] : q > range[1] ? range[1] : q !== q ? 0 : q;
  }
  const { data } = allocNumeric(outType, res.length);
  (data as NumericData).set(res);
  return [{ dataType: outType, shape: [...x.shape], data }];
});

function dequant(x: RuntimeTensor, scaleT: RuntimeTensor, zpT: RuntimeTensor | undefined, axis: number | undefined): RuntimeTensor {
  requireDtype(scaleT, "scale", ["fp16", "fp32"]);
  const scale = perAxis(scaleT, x, axis, "scale", 1);
  const zp = perAxis(zpT, x, axis, "zero_point", 0);
  const src = numericView(x);
  const res = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) res[i] = scale(i) * (src[i] - zp(i));
  const { data, half } = allocNumeric(scaleT.dataType, res.length);
  storeChunk(data, half, 0, res, res.length);
  return { dataType: scaleT.dataType, shape: [...x.shape], data };
}

/** dequantize(input int8/uint8, scale, zero_point?, axis?): scale * (input - zero_point), in scale's dtype. */
export const dequantize = defineKernel(["input", "zero_point", "scale", "axis"], (args) => {
  const x = args.tensor("input");
  requireDtype(x, "input", ["int8", "uint8"]);
  const zpT = args.optTensor("zero_point");
  if (zpT && zpT.dataType !== x.dataType) throw new RuntimeError(`dequantize: zero_point (${zpT.dataType}) must have the dtype of input (${x.dataType})`);
  return [dequant(x, args.tensor("scale"), zpT, optionalAxis(args, x))];
});

export const constexprAffineDequantize = defineKernel(["quantized_data", "zero_point", "scale", "axis"], (args) => {
  const x = args.tensor("quantized_data");
  requireDtype(x, "quantized_data", ["int8", "uint8"]);
  const zpT = args.tensor("zero_point");
  requireDtype(zpT, "zero_point", ["int8", "uint8", "fp32"]);
  return [dequant(x, args.tensor("scale"), zpT, normalizeAxis(args.int("axis"), x.shape.length))];
});

/** output[i...] = scale[i/block...] * (data[i...] - offset[i/block...]), block = data.shape / scale.shape per dimension. */
export const constexprBlockwiseShiftScale = defineKernel(["data", "scale", "offset"], (args) => {
  const x = args.tensor("data");
  requireDtype(x, "data", ["int4", "uint4", "int8", "uint8", "fp16", "fp32"]);
  const scaleT = args.tensor("scale");
  requireDtype(scaleT, "scale", ["fp16", "fp32"]);
  const offT = args.optTensor("offset");
  const rank = x.shape.length;
  if (scaleT.shape.length !== rank || x.shape.some((d, i) => d % scaleT.shape[i] !== 0)) {
    throw new RuntimeError(`scale shape ${shapeToString(scaleT.shape)} must divide data shape ${shapeToString(x.shape)} per dimension`);
  }
  if (offT && offT.shape.join() !== scaleT.shape.join()) throw new RuntimeError("offset must have the shape of scale");
  const block = x.shape.map((d, i) => d / scaleT.shape[i]);
  const ss = stridesOf(scaleT.shape);
  const xs = stridesOf(x.shape);
  const sv = numericView(scaleT);
  const ov = offT ? numericView(offT) : undefined;
  const src = numericView(x);
  const res = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    let si = 0;
    let rem = i;
    for (let d = 0; d < rank; d++) {
      const c = Math.floor(rem / xs[d]);
      rem -= c * xs[d];
      si += Math.floor(c / block[d]) * ss[d];
    }
    res[i] = sv[si] * (src[i] - (ov ? ov[si] : 0));
  }
  const { data, half } = allocNumeric(scaleT.dataType, res.length);
  storeChunk(data, half, 0, res, res.length);
  return [{ dataType: scaleT.dataType, shape: [...x.shape], data }];
});

export const quantizationKernels: Record<string, Kernel> = {
  quantize,
  dequantize,
  constexpr_affine_dequantize: constexprAffineDequantize,
  constexpr_blockwise_shift_scale: constexprBlockwiseShiftScale,
};
