// dequantizeLinear and quantizeLinear, with scale/zeroPoint broadcasting and block-wise
// quantization (a scale dimension that divides the input dimension covers blocks of it).
import type { GraphNode, MLOperand } from "../graph/operand.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";
import { roundHalfEven } from "./elementwise.js";
import { elementCountOf } from "../graph/types.js";
import { integerRange, internalDataType, readAll } from "./tensor-data.js";
import type { MilDataType } from "../mil/program.js";
import { unpackSubByte } from "../mil/sub-byte.js";
import { MIN_COMPRESSED_ELEMENTS } from "../mil/compression.js";

/** Repeats each element of a per-block parameter so that it matches the input's shape. */
function expandBlocks(ctx: LoweringContext, p: MilValue, target: readonly number[]): MilValue {
  let v = p;
  for (let axis = 0; axis < target.length; axis++) {
    const s = v.type.shape[axis];
    const n = target[axis];
    if (s === n || s === 1) continue;
    const block = n / s;
    const shape = [...v.type.shape];
    if (shape.length >= 5) {
      // A block axis would make a rank-6 value, over Core ML's limit of 5 for every tensor:
      // repeat the elements with a gather of [0, …, 0, 1, …, 1, …] along the axis instead.
      const idx = Array.from({ length: n }, (_, i) => Math.floor(i / block));
      v = ctx.op("gather", { x: v, indices: ctx.constant("int32", [n], idx, "block_indices"), axis: ctx.int(axis, "axis") },
        tensorType(v.type.dataType, shape.map((d, i) => (i === axis ? n : d))));
      continue;
    }
    const withBlock = [...shape.slice(0, axis + 1), 1, ...shape.slice(axis + 1)];
    const reshaped = ctx.reshape(v, withBlock);
    const reps = withBlock.map((_, i) => (i === axis + 1 ? block : 1));
    const tiledShape = withBlock.map((d, i) => (i === axis + 1 ? block : d));
    const tiled = ctx.op("tile", { x: reshaped, reps: ctx.ints(reps, "reps") }, tensorType(v.type.dataType, tiledShape));
    v = ctx.reshape(tiled, shape.map((d, i) => (i === axis ? n : d)));
  }
  return v;
}

/** A constant's bytes in MIL's layout for its own (narrow) dtype: int4/uint4 unpacked one per byte. */
function narrowConstant(ctx: LoweringContext, o: MLOperand): MilValue {
  const n = elementCountOf(o.shape);
  const bytes = o.dataType === "int4" || o.dataType === "uint4" ? unpackSubByte(o.dataType, o.data!, n) : o.data!;
  return ctx.mil.constant(tensorType(o.dataType as MilDataType, o.shape), bytes, o.name ?? "quantized");
}

/**
 * How a scale or zero point of shape `shape` covers an input of shape `input` (aligned from the
 * right): one value (-1), one value per index of a single axis (that axis), or blocks (undefined).
 */
function affineAxis(shape: readonly number[], input: readonly number[]): number | undefined {
  let axis = -1;
  for (let d = 0; d < input.length; d++) {
    const s = shape[d - (input.length - shape.length)] ?? 1;
    if (s === 1) continue;
    if (s !== input[d] || axis >= 0) return undefined;
    axis = d;
  }
  return axis;
}

/**
 * iOS 16-17: constant int8/uint8 data (int4/uint4 widened to a byte) with a per-tensor or
 * per-axis scale and zero point becomes constexpr_affine_dequantize, so weight.bin keeps one
 * byte per weight instead of a dequantized float. Blocks have no such form: undefined.
 */
function affineDequantize(ctx: LoweringContext, input: MLOperand, scale: MLOperand, zp: MLOperand): MilValue | undefined {
  const sAxis = affineAxis(scale.shape, input.shape);
  const zAxis = affineAxis(zp.shape, input.shape);
  if (sAxis === undefined || zAxis === undefined || (sAxis >= 0 && zAxis >= 0 && sAxis !== zAxis)) return undefined;
  const axis = Math.max(sAxis, zAxis);
  const n = elementCountOf(input.shape);
  const signed = input.dataType === "int8" || input.dataType === "int4";
  const byteType: MilDataType = signed ? "int8" : "uint8";
  const bytesOf = (values: number[]) => (signed ? new Uint8Array(Int8Array.from(values).buffer) : Uint8Array.from(values));
  // A parameter as the op takes it: a scalar, or a vector along `axis` (a per-tensor one repeated).
  const param = (o: MLOperand, ownAxis: number) => {
    const values = readAll(o.data!, o.dataType, elementCountOf(o.shape));
    if (axis < 0) return { shape: [] as number[], values: [values[0]] };
    const len = input.shape[axis];
    return { shape: [len], values: ownAxis < 0 ? new Array<number>(len).fill(values[0]) : values };
  };
  const s = param(scale, sAxis);
  const z = param(zp, zAxis);
  const scaleType = internalDataType(scale.dataType);
  return ctx.op("constexpr_affine_dequantize", {
    quantized_data: ctx.mil.constant(tensorType(byteType, input.shape), bytesOf(readAll(input.data!, input.dataType, n)), input.name ?? "quantized"),
    zero_point: ctx.mil.constant(tensorType(byteType, z.shape), bytesOf(z.values), "zero_point"),
    scale: ctx.constant(scaleType, s.shape, s.values, "scale"),
    axis: ctx.int(Math.max(axis, 0), "axis"),
  }, tensorType(scaleType, input.shape));
}

/**
 * (input - zeroPoint) * scale. From iOS 18, constant int4/uint4/int8/uint8 data with constant
 * scale and zero point becomes MIL constexpr_blockwise_shift_scale, which keeps the weights in
 * their narrow type (int4/uint4 as Core ML's sub-byte blobs); on iOS 16-17 per-tensor and per-axis
 * ones become constexpr_affine_dequantize; otherwise the data is widened to int32, the
 * subtraction is exact in int32, then one rounding.
 */
function dequantizeLinear(node: GraphNode<"dequantizeLinear">, ctx: LoweringContext) {
  const inputOperand = node.inputs.input;
  const scaleOperand = node.inputs.scale;
  const zpOperand = node.inputs.zeroPoint;
  // 0-D data cannot be constexpr_blockwise_shift_scale's `data` (rank ≥ 1, coremltools); a
  // scalar, or a small vector such as a quantized bias or norm scale, gains nothing from staying
  // narrow (MIN_COMPRESSED_ELEMENTS): it takes the general path and folds to a constant, which
  // later ops (a reshape, a conv's bias) can take in.
  const small = inputOperand.shape.length < 2 && elementCountOf(inputOperand.shape) < MIN_COMPRESSED_ELEMENTS;
  const narrow = ["int4", "uint4", "int8", "uint8"].includes(inputOperand.dataType) && !small;
  if (ctx.target.constexprOps === "ios18" && narrow && inputOperand.shape.length > 0 && [inputOperand, scaleOperand, zpOperand].every((o) => o.kind === "constant" && o.data)) {
    // A zero point of all zeros (symmetric weights, as ONNX Runtime's quantizer writes int8) is
    // no offset, as coremltools writes symmetric weights: one constant fewer per weight.
    const zeros = readAll(zpOperand.data!, zpOperand.dataType, elementCountOf(zpOperand.shape)).every((v) => v === 0);
    ctx.set(node.outputs[0], ctx.op("constexpr_blockwise_shift_scale", {
      data: narrowConstant(ctx, inputOperand),
      scale: ctx.get(scaleOperand),
      offset: zeros ? undefined : narrowConstant(ctx, zpOperand),
    }, tensorType(ctx.get(scaleOperand).type.dataType, inputOperand.shape)));
    return;
  }
  if (ctx.target.constexprOps === "ios16" && narrow && inputOperand.shape.length > 0 && [inputOperand, scaleOperand, zpOperand].every((o) => o.kind === "constant" && o.data)) {
    const v = affineDequantize(ctx, inputOperand, scaleOperand, zpOperand);
    if (v) { ctx.set(node.outputs[0], v); return; }
  }
  const x = ctx.get(inputOperand);
  const scale = ctx.get(node.inputs.scale);
  const zp = expandBlocks(ctx, ctx.get(node.inputs.zeroPoint), x.type.shape);
  const centered = ctx.binary("sub", x, zp);
  const asFloat = ctx.cast(centered, scale.type.dataType);
  ctx.set(node.outputs[0], ctx.binary("mul", asFloat, expandBlocks(ctx, scale, x.type.shape)));
}

/**
 * clamp(roundEven(input / scale) + zeroPoint, range of the output type), exactly as in real
 * arithmetic whenever |input / scale| < 2^31. The quotient is formed in float32 (float16 values
 * widen exactly, and a float32 quotient of two float16 values never crosses a rounding tie), and
 * the zero point is added in int32, never in float: a float16 sum would round it (12347 → 12352).
 * The rounded quotient is bounded so that its cast to int32 is exact: by the width of the output
 * range (narrow types: exact for every input), else by the largest float32 below 2^31. 32-bit
 * outputs add with saturation: the quotient is clamped to [lo − min(zp, 0), hi − max(zp, 0)],
 * bounds no int32 wraps, before the zero point is added. uint32 values are int32 bit patterns:
 * the sum is formed in signed order (shifted by −2^31).
 */
function quantizeLinear(node: GraphNode<"quantizeLinear">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const zpOperand = node.inputs.zeroPoint;
  const scale = expandBlocks(ctx, ctx.get(node.inputs.scale), x.type.shape);
  let zp = expandBlocks(ctx, ctx.get(zpOperand), x.type.shape);
  const [lo, hi] = zpOperand.dataType === "uint32" ? [-2147483648, 2147483647] : integerRange(zpOperand.dataType)!;
  const wide = hi - lo > 255;
  const bound = Math.min(hi - lo, 2147483520);
  const rounded = roundHalfEven(ctx, ctx.binary("real_div", ctx.cast(x, "fp32"), ctx.cast(scale, "fp32")));
  const bounded = ctx.unary("clip", rounded, { alpha: ctx.scalar("fp32", -bound, "qspan_min"), beta: ctx.scalar("fp32", bound, "qspan_max") });
  let q = ctx.cast(bounded, "int32");
  const signFlip = () => ctx.int(-2147483648, "sign_flip");
  if (zpOperand.dataType === "uint32") zp = ctx.binary("add", zp, signFlip());
  if (wide) {
    const below = ctx.binary("sub", ctx.int(lo, "qmin"), ctx.binary("minimum", zp, ctx.int(0, "zero")));
    const above = ctx.binary("sub", ctx.int(hi, "qmax"), ctx.binary("maximum", zp, ctx.int(0, "zero")));
    q = ctx.binary("minimum", ctx.binary("maximum", q, below), above);
  }
  let y = ctx.binary("add", q, zp);
  if (!wide) y = ctx.binary("minimum", ctx.binary("maximum", y, ctx.int(lo, "qmin")), ctx.int(hi, "qmax"));
  if (zpOperand.dataType === "uint32") y = ctx.binary("add", y, signFlip());
  ctx.set(node.outputs[0], y);
}

export const quantizationLowerings = { dequantizeLinear, quantizeLinear } satisfies LoweringFamily;
