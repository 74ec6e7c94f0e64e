// compress-weights (convert option `compress`, as coremltools' ct.optimize.coreml linear
// quantization): float weights of conv, conv_transpose, linear and matmul with at least
// minElements elements are stored quantized and expanded by a constexpr operation when Core ML
// loads the model — so weight.bin shrinks and nothing changes for the operations that use them.
//   int8: symmetric, one scale per output channel; constexpr_affine_dequantize (iOS 16, 17) or
//         constexpr_blockwise_shift_scale (iOS 18).
//   int4: symmetric, one scale per block of `blockSize` input channels and output channel;
//         constexpr_blockwise_shift_scale with int4 data (iOS 18).
import { UnsupportedError } from "../errors.js";
import { elementCount, type MilDataType, type MilFunction, type MilOperation } from "../mil/program.js";
import { halfBitsFromNumber, numberFromHalfBits } from "../runtime/fp16.js";
import type { PassContext } from "./pass.js";
import { functionPass } from "./pass.js";

export interface CompressOptions {
  mode: "int8" | "int4";
  /** int4: input channels per scale (default 32; must divide the weight's input channels). */
  blockSize?: number;
  /** Weights with fewer elements stay as they are (default 2048). */
  minElements?: number;
}

/**
 * The weight parameters of the operations whose constants are compressed, and each one's
 * output-channel axis (a matmul's depends on its transposes: the axis that is not summed over).
 */
const WEIGHT_PARAMS: Readonly<Record<string, Readonly<Record<string, (rank: number, transposed: boolean) => number>>>> = {
  conv: { weight: () => 0 },
  conv_transpose: { weight: () => 1 },
  linear: { weight: () => 0 },
  matmul: { x: (rank, t) => (t ? rank - 1 : rank - 2), y: (rank, t) => (t ? rank - 2 : rank - 1) },
};

/** Whether a matmul operand is transposed (its transpose_x / transpose_y constant). */
function transposed(op: MilOperation, param: string, consts: ReadonlyMap<string, MilOperation>): boolean {
  const flag = op.inputs[`transpose_${param}`]?.[0];
  const c = flag ? consts.get(flag) : undefined;
  return Boolean(c?.value?.bytes?.[0]);
}

function floats(dataType: MilDataType, bytes: Uint8Array): Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dataType === "fp32" ? bytes.byteLength / 4 : bytes.byteLength / 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = dataType === "fp32" ? dv.getFloat32(i * 4, true) : numberFromHalfBits(dv.getUint16(i * 2, true));
  return out;
}

function floatBytes(dataType: MilDataType, values: ArrayLike<number>): Uint8Array {
  if (dataType === "fp32") return new Uint8Array(Float32Array.from(values).buffer);
  return new Uint8Array(Uint16Array.from(values, halfBitsFromNumber).buffer);
}

/**
 * Symmetric quantization of `w` (shape `shape`) with one scale per block: `blocks[d]` elements
 * along each axis share a scale. Returns the integers (one per byte) and the scales.
 */
export function quantizeBlocks(w: Float64Array, shape: readonly number[], blocks: readonly number[], qmax: number): { q: Int8Array; scales: Float64Array; scaleShape: number[] } {
  const scaleShape = shape.map((d, i) => d / blocks[i]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const sStrides = scaleShape.map((_, i) => scaleShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const blockOf = (i: number) => {
    let s = 0, rem = i;
    for (let d = 0; d < shape.length; d++) { const c = Math.floor(rem / strides[d]); rem -= c * strides[d]; s += Math.floor(c / blocks[d]) * sStrides[d]; }
    return s;
  };
  const maxAbs = new Float64Array(elementCount(scaleShape));
  const index = new Int32Array(w.length);
  for (let i = 0; i < w.length; i++) { const b = (index[i] = blockOf(i)); maxAbs[b] = Math.max(maxAbs[b], Math.abs(w[i])); }
  const scales = maxAbs.map((m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-qmax - 1, Math.min(qmax, Math.round(w[i] / scales[index[i]])));
  return { q, scales, scaleShape };
}

function rewrite(fn: MilFunction, context: PassContext): MilFunction {
  const options = context.compress;
  if (!options) return fn;
  const ios = context.target.ios;
  if (ios < 16) throw new UnsupportedError("weight compression needs a target of iOS 16 or later (constexpr operations)", { rule: "target" });
  if (options.mode === "int4" && ios < 18) throw new UnsupportedError("int4 weight compression needs a target of iOS 18 (constexpr_blockwise_shift_scale with int4 data)", { rule: "target" });
  const minElements = options.minElements ?? 2048;
  // Which constants are weights, and along which axis their output channels run.
  const axisOf = new Map<string, number>();
  const consts = new Map(fn.operations.filter((o) => o.type === "const").map((o) => [o.outputs[0].name, o]));
  for (const op of fn.operations) {
    const params = WEIGHT_PARAMS[op.type];
    if (!params) continue;
    for (const [param, axis] of Object.entries(params)) {
      const name = op.inputs[param]?.[0];
      const c = name ? consts.get(name) : undefined;
      const t = c?.value?.type;
      if (!c || !t || (t.dataType !== "fp32" && t.dataType !== "fp16") || t.shape.length < 2 || elementCount(t.shape) < minElements || axisOf.has(name!)) continue;
      axisOf.set(name!, axis(t.shape.length, op.type === "matmul" && transposed(op, param, consts)));
    }
  }
  if (axisOf.size === 0) return fn;
  const taken = new Set(fn.operations.flatMap((o) => [o.name, ...o.outputs.map((x) => x.name)]));
  const fresh = (base: string) => { let n = base; for (let k = 2; taken.has(n); k++) n = `${base}_${k}`; taken.add(n); return n; };
  const constOp = (base: string, dataType: MilDataType, shape: number[], bytes: Uint8Array): string => {
    const name = fresh(base);
    out.push({ type: "const", name, inputs: {}, outputs: [{ name, type: { dataType, shape } }], value: { type: { dataType, shape }, bytes } });
    return name;
  };
  const out: MilOperation[] = [];
  for (const op of fn.operations) {
    const name = op.outputs[0]?.name;
    const axis = name !== undefined ? axisOf.get(name) : undefined;
    if (op.type !== "const" || axis === undefined || !op.value?.bytes) { out.push(op); continue; }
    const { dataType, shape } = op.value.type;
    const w = floats(dataType, op.value.bytes);
    if (options.mode === "int8") {
      const blocks = shape.map((d, i) => (i === axis ? 1 : d));
      const { q, scales, scaleShape } = quantizeBlocks(w, shape, blocks, 127);
      const data = constOp(`${name}_int8`, "int8", [...shape], new Uint8Array(q.buffer));
      if (ios >= 18) {
        const scale = constOp(`${name}_scale`, dataType, scaleShape, floatBytes(dataType, scales));
        out.push({ type: "constexpr_blockwise_shift_scale", name: fresh(`${name}_dequantize`), inputs: { data: [data], scale: [scale] }, outputs: op.outputs });
      } else {
        const c = shape[axis];
        const scale = constOp(`${name}_scale`, dataType, [c], floatBytes(dataType, scales));
        const zero = constOp(`${name}_zero_point`, "int8", [c], new Uint8Array(c));
        const ax = constOp(`${name}_axis`, "int32", [], new Uint8Array(Int32Array.of(axis).buffer));
        out.push({ type: "constexpr_affine_dequantize", name: fresh(`${name}_dequantize`), inputs: { quantized_data: [data], zero_point: [zero], scale: [scale], axis: [ax] }, outputs: op.outputs });
      }
    } else {
      const block = options.blockSize ?? 32;
      const inAxis = axis === 0 ? 1 : 0;
      if (shape[inAxis] % block !== 0) { out.push(op); continue; } // left float: its channels do not split into blocks
      const blocks = shape.map((d, i) => (i === axis ? 1 : i === inAxis ? block : d));
      const { q, scales, scaleShape } = quantizeBlocks(w, shape, blocks, 7);
      const data = constOp(`${name}_int4`, "int4", [...shape], new Uint8Array(q.buffer));
      const scale = constOp(`${name}_scale`, dataType, scaleShape, floatBytes(dataType, scales));
      out.push({ type: "constexpr_blockwise_shift_scale", name: fresh(`${name}_dequantize`), inputs: { data: [data], scale: [scale] }, outputs: op.outputs });
    }
  }
  return { ...fn, operations: out };
}

export const compressWeights = functionPass("compress-weights", rewrite);
