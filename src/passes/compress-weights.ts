// compress-weights (convert option `compress`, as coremltools' ct.optimize.coreml): float
// weights of conv, conv_transpose, linear and matmul with at least minElements elements are
// stored compressed and expanded by a constexpr operation when Core ML loads the model — so
// weight.bin shrinks and nothing changes for the operations that use them.
//   int8:        symmetric, one scale per output channel; constexpr_affine_dequantize (iOS 16,
//                17) or constexpr_blockwise_shift_scale (iOS 18).
//   int4:        symmetric, one scale per block of `blockSize` input channels and output channel;
//                constexpr_blockwise_shift_scale with int4 data (iOS 18).
//   palettize N: one lookup table of 2^N values per tensor (k-means), or per group of output
//                channels (iOS 18); constexpr_lut_to_dense, keys packed into bytes (iOS 16, 17)
//                or as a uintN tensor (iOS 18).
import { UnsupportedError } from "../errors.js";
import { constOperation, elementCount, freshNames, type MilConstValue, type MilDataType, type MilFunction, type MilOperation, namesOf } from "../mil/program.js";
import { roundHalf } from "../runtime/fp16.js";
import { bytesOfValues, numericView, tensorFromConst } from "../runtime/tensor.js";
import { packBits } from "../mil/sub-byte.js";
import { MIN_COMPRESSED_ELEMENTS } from "../mil/compression.js";
import { assignNearest, kmeans1d } from "./kmeans.js";
import { PALETTE_BITS, type CompressOptions, type PaletteBits } from "./compress-options.js";
import type { PassContext } from "./pass.js";
import type { ConstexprOps } from "../mil/target.js";
import { functionPass, rememberForBytes } from "./pass.js";

export { parseCompressMode, PALETTE_BITS, type CompressOptions, type PaletteBits } from "./compress-options.js";

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

/** The weight's values (exact: float16 and float32 both fit a Float32Array; float32 is viewed, not copied). */
function floats(value: MilConstValue): Float32Array {
  return numericView(tensorFromConst(value)) as Float32Array;
}

function allFinite(w: Float32Array): boolean {
  for (let i = 0; i < w.length; i++) if (!Number.isFinite(w[i])) return false;
  return true;
}

/**
 * Symmetric quantization of `w` (shape `shape`) with one scale per block: `blocks[d]` elements
 * along each axis share a scale. Returns the integers (one per byte) and the scales.
 */
export function quantizeBlocks(w: ArrayLike<number>, shape: readonly number[], blocks: readonly number[], qmax: number): { q: Int8Array; scales: Float64Array; scaleShape: number[] } {
  const scaleShape = shape.map((d, i) => d / blocks[i]);
  const index = blockIndices(shape, blocks, scaleShape);
  const maxAbs = new Float64Array(elementCount(scaleShape));
  for (let i = 0; i < w.length; i++) { const b = index[i], a = Math.abs(w[i]); if (a > maxAbs[b]) maxAbs[b] = a; }
  const scales = maxAbs.map((m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-qmax - 1, Math.min(qmax, Math.round(w[i] / scales[index[i]])));
  return { q, scales, scaleShape };
}

/**
 * For each element of a tensor of `shape` (row-major), the index of its block's scale: per
 * dimension a table from coordinate to the scale offset it contributes, summed row by row, so
 * each element costs one addition (weights run to hundreds of millions of elements).
 */
function blockIndices(shape: readonly number[], blocks: readonly number[], scaleShape: readonly number[]): Int32Array {
  const rank = shape.length;
  const sStrides = scaleShape.map((_, i) => scaleShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const offset = shape.map((d, i) => Int32Array.from({ length: d }, (_, c) => Math.floor(c / blocks[i]) * sStrides[i]));
  const n = elementCount(shape);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const last = offset[rank - 1];
  const rowLength = shape[rank - 1];
  const coord = new Array<number>(rank - 1).fill(0);
  for (let row = 0; row * rowLength < n; row++) {
    let base = 0;
    for (let d = 0; d < rank - 1; d++) base += offset[d][coord[d]];
    const at = row * rowLength;
    for (let c = 0; c < rowLength; c++) out[at + c] = base + last[c];
    for (let d = rank - 2; d >= 0; d--) { if (++coord[d] < shape[d]) break; coord[d] = 0; }
  }
  return out;
}

/** A palette of 2^bits values (in the weight's precision) and each weight's key. */
export function palettize(w: ArrayLike<number>, bits: PaletteBits, dataType: MilDataType): { lut: Float64Array; keys: Uint8Array } {
  const round = dataType === "fp16" ? roundHalf : Math.fround;
  const lut = kmeans1d(w, 2 ** bits, round);
  return { lut, keys: assignNearest(w, lut) };
}

/**
 * What a compressed weight becomes: one constexpr operation (with the weight's output) of new
 * constants, each bound to a parameter and named after the weight with a suffix.
 */
interface CompressedWeight {
  type: string;
  constants: Array<{ param: string; suffix: string; dataType: MilDataType; shape: readonly number[]; bytes: Uint8Array }>;
}

function int8Weight(dataType: MilDataType, shape: readonly number[], w: Float32Array, axis: number, ops: ConstexprOps): CompressedWeight {
  const { q, scales, scaleShape } = quantizeBlocks(w, shape, shape.map((d, i) => (i === axis ? 1 : d)), 127);
  const data = { suffix: "int8", dataType: "int8" as const, shape, bytes: new Uint8Array(q.buffer) };
  if (ops === "ios18") {
    return { type: "constexpr_blockwise_shift_scale", constants: [{ param: "data", ...data }, { param: "scale", suffix: "scale", dataType, shape: scaleShape, bytes: bytesOfValues(dataType, scales) }] };
  }
  const c = shape[axis];
  return {
    type: "constexpr_affine_dequantize",
    constants: [
      { param: "quantized_data", ...data },
      { param: "zero_point", suffix: "zero_point", dataType: "int8", shape: [c], bytes: new Uint8Array(c) },
      { param: "scale", suffix: "scale", dataType, shape: [c], bytes: bytesOfValues(dataType, scales) },
      { param: "axis", suffix: "axis", dataType: "int32", shape: [], bytes: new Uint8Array(Int32Array.of(axis).buffer) },
    ],
  };
}

function int4Weight(dataType: MilDataType, shape: readonly number[], w: Float32Array, axis: number, block: number): CompressedWeight | undefined {
  const inAxis = axis === 0 ? 1 : 0;
  if (shape[inAxis] % block !== 0) return undefined; // left float: its channels do not split into blocks
  const { q, scales, scaleShape } = quantizeBlocks(w, shape, shape.map((d, i) => (i === axis ? 1 : i === inAxis ? block : d)), 7);
  return {
    type: "constexpr_blockwise_shift_scale",
    constants: [
      { param: "data", suffix: "int4", dataType: "int4", shape, bytes: new Uint8Array(q.buffer) },
      { param: "scale", suffix: "scale", dataType, shape: scaleShape, bytes: bytesOfValues(dataType, scales) },
    ],
  };
}

/**
 * Palettizes `w` with one table per group of `group` channels along `axis` (group = the whole
 * axis: one table). Returns the tables (`groups` × 2^bits, in group order) and every weight's key.
 */
export function palettizeGroups(w: Float32Array, shape: readonly number[], axis: number, group: number, bits: PaletteBits, dataType: MilDataType): { luts: Float64Array; keys: Uint8Array; groups: number } {
  const channels = shape[axis];
  const groups = channels / group;
  if (groups === 1) { const { lut, keys } = palettize(w, bits, dataType); return { luts: lut, keys, groups }; }
  // Each element's group: a block of `group` along the axis, the whole of every other dimension.
  const groupOf = blockIndices(shape, shape.map((d, i) => (i === axis ? group : d)), shape.map((_, i) => (i === axis ? groups : 1)));
  const per = w.length / groups;
  const members = Array.from({ length: groups }, () => new Float32Array(per));
  const fill = new Int32Array(groups);
  for (let i = 0; i < w.length; i++) { const g = groupOf[i]; members[g][fill[g]++] = w[i]; }
  const size = 2 ** bits;
  const luts = new Float64Array(groups * size);
  const keys = new Uint8Array(w.length);
  const groupKeys = members.map((m, g) => { const p = palettize(m, bits, dataType); luts.set(p.lut, g * size); return p.keys; });
  fill.fill(0);
  for (let i = 0; i < w.length; i++) { const g = groupOf[i]; keys[i] = groupKeys[g][fill[g]++]; }
  return { luts, keys, groups };
}

function paletteWeight(dataType: MilDataType, shape: readonly number[], w: Float32Array, axis: number, options: CompressOptions, ops: ConstexprOps): CompressedWeight {
  const bits = options.bits ?? 4;
  if (ops === "ios18") {
    // A table per group of output channels when they split into groups, else one.
    const group = options.groupSize && shape[axis] % options.groupSize === 0 ? options.groupSize : shape[axis];
    const { luts, keys, groups } = palettizeGroups(w, shape, axis, group, bits, dataType);
    const lutShape = [...shape.map((_, i) => (i === axis ? groups : 1)), 2 ** bits, 1];
    return {
      type: "constexpr_lut_to_dense",
      constants: [
        { param: "indices", suffix: "indices", dataType: `uint${bits}` as MilDataType, shape, bytes: keys },
        { param: "lut", suffix: "lut", dataType, shape: lutShape, bytes: bytesOfValues(dataType, luts) },
      ],
    };
  }
  const { lut, keys } = palettize(w, bits, dataType);
  const packed = packBits(keys, keys.length, bits).bytes;
  return {
    type: "constexpr_lut_to_dense",
    constants: [
      { param: "indices", suffix: "indices", dataType: "uint8", shape: [packed.length], bytes: packed },
      { param: "lut", suffix: "lut", dataType, shape: [lut.length], bytes: bytesOfValues(dataType, lut) },
      { param: "shape", suffix: "shape", dataType: "uint32", shape: [shape.length], bytes: new Uint8Array(Uint32Array.from(shape).buffer) },
    ],
  };
}

/** The weight compressed as `options` asks, or undefined when it stays as it is. */
function compressWeight(value: MilConstValue, axis: number, options: CompressOptions, ops: ConstexprOps): CompressedWeight | undefined {
  const { dataType, shape } = value.type;
  const w = floats(value);
  if (!allFinite(w)) return undefined; // no scale or palette represents Infinity or NaN
  if (options.mode === "int8") return int8Weight(dataType, shape, w, axis, ops);
  if (options.mode === "palettize") return paletteWeight(dataType, shape, w, axis, options, ops);
  return int4Weight(dataType, shape, w, axis, options.blockSize ?? 32);
}

function checkOptions(options: CompressOptions, ops: ConstexprOps | undefined): asserts ops is ConstexprOps {
  if (!ops) throw new UnsupportedError("weight compression needs a target of iOS 16 or later (constexpr operations)", { rule: "target" });
  if (options.mode === "int4" && ops !== "ios18") throw new UnsupportedError("int4 weight compression needs a target of iOS 18 (constexpr_blockwise_shift_scale with int4 data)", { rule: "target" });
  if (options.mode === "palettize" && !PALETTE_BITS.includes(options.bits ?? 4)) {
    throw new UnsupportedError(`palettization takes 1, 2, 4, 6 or 8 bits, got ${options.bits}`, { rule: "option-value" });
  }
  if (options.groupSize !== undefined) {
    if (options.mode !== "palettize" || !Number.isInteger(options.groupSize) || options.groupSize < 1) throw new UnsupportedError(`groupSize is a whole number of output channels per palette, for palettize only (got ${options.groupSize})`, { rule: "option-value" });
    if (ops !== "ios18") throw new UnsupportedError("palettes per group of channels need a target of iOS 18 (constexpr_lut_to_dense with grouped tables)", { rule: "target" });
  }
}

/** The constants that are weights worth compressing, with the axis their output channels run along. */
function weightAxes(fn: MilFunction, minElements: number): Map<string, number> {
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
  return axisOf;
}

function rewrite(fn: MilFunction, context: PassContext): MilFunction {
  const options = context.compress;
  if (!options) return fn;
  const ops = context.target.constexprOps;
  checkOptions(options, ops);
  const axisOf = weightAxes(fn, options.minElements ?? MIN_COMPRESSED_ELEMENTS);
  if (axisOf.size === 0) return fn;
  const fresh = freshNames(namesOf(fn));
  const out: MilOperation[] = [];
  const key = `${options.mode}:${options.bits ?? ""}:${options.groupSize ?? ""}:${options.blockSize ?? ""}:${ops}`;
  for (const op of fn.operations) {
    const name = op.outputs[0]?.name;
    const axis = name !== undefined ? axisOf.get(name) : undefined;
    if (op.type !== "const" || axis === undefined || !op.value?.bytes) { out.push(op); continue; }
    // Functions of a multifunction package share their weights: each is compressed once.
    const value = op.value;
    const c = rememberForBytes(value.bytes!, `${key}:${axis}:${value.type.dataType}:${value.type.shape.join(",")}`, () => compressWeight(value, axis, options, ops));
    if (!c) { out.push(op); continue; }
    const inputs: Record<string, string[]> = {};
    for (const k of c.constants) {
      const n = fresh(`${name}_${k.suffix}`);
      out.push(constOperation(n, { type: { dataType: k.dataType, shape: [...k.shape] }, bytes: k.bytes }));
      inputs[k.param] = [n];
    }
    out.push({ type: c.type, name: fresh(`${name}_${c.type.replace("constexpr_", "")}`), inputs, outputs: op.outputs });
  }
  return { ...fn, operations: out };
}

export const compressWeights = functionPass("compress-weights", rewrite);
