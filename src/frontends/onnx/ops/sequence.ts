// LSTM and GRU (all directions, initial states, sequence outputs, batch-first layout), Resize and
// Upsample, Einsum in its matmul forms, and the quantization operators.
import type { MLOperand } from "../../../graph/operand.js";
import type { MLRecurrentNetworkActivation } from "../../../graph/options.js";
import type { MLOperandDataType } from "../../../graph/types.js";
import type { ImportContext, Result } from "../context.js";
import { fromNumbers, numbers } from "../tensor.js";
import { scalar } from "./elementwise.js";
import { spatialPads } from "./nn.js";
import type { OnnxOpTable } from "./types.js";

const ACTIVATIONS: Record<string, MLRecurrentNetworkActivation> = { Sigmoid: "sigmoid", Tanh: "tanh", Relu: "relu" };

function activations(c: ImportContext, count: number, dirs: number): MLRecurrentNetworkActivation[] | undefined {
  const list = c.stringList("activations");
  if (!list || list.length === 0) return undefined;
  const mapped = list.map((a) => ACTIVATIONS[a] ?? c.fail(`activation ${a} is not supported`));
  const first = mapped.slice(0, count);
  if (dirs === 2 && mapped.slice(count, 2 * count).some((a, i) => a !== first[i])) c.fail("different activations per direction are not supported");
  return first;
}

/** The recurrent node's shared inputs and attributes, in WebNN's terms. */
function recurrent(c: ImportContext, gates: number) {
  if (c.float("clip", 0) !== 0 && c.attr("clip")) c.fail("clip is not supported");
  const b = c.builder;
  const batchFirst = c.int("layout", 0) === 1;
  let x = c.operand(0);
  if (batchFirst) x = b.transpose(x, { permutation: [1, 0, 2] });
  const [steps] = x.shape;
  const hidden = c.int("hidden_size") ?? c.shape(2)[2];
  const dir = c.string("direction", "forward");
  const direction = dir === "forward" ? "forward" : dir === "reverse" ? "backward" : dir === "bidirectional" ? "both" : c.fail(`direction ${dir} is not supported`);
  const dirs = direction === "both" ? 2 : 1;
  if (c.has(4)) {
    const lens = c.known(4) ?? c.fail("sequence_lens must be known, and equal to the sequence length");
    if (numbers(lens).some((v) => v !== steps)) c.fail("sequence_lens shorter than the sequence are not supported");
  }
  let bias: MLOperand | undefined, recurrentBias: MLOperand | undefined;
  if (c.has(3)) {
    const B = c.operand(3);
    bias = b.slice(B, [0, 0], [dirs, gates * hidden]);
    recurrentBias = b.slice(B, [0, gates * hidden], [dirs, gates * hidden]);
  }
  const state = (i: number) => {
    if (!c.has(i)) return undefined;
    const s = c.operand(i);
    return batchFirst ? b.transpose(s, { permutation: [1, 0, 2] }) : s;
  };
  return { b, x, steps, hidden, direction, dirs, bias, recurrentBias, state, batchFirst } as const;
}

/** ONNX outputs (Y, Y_h[, Y_c]) from WebNN's ([h, (c,)] sequence last when asked). */
function recurrentOutputs(c: ImportContext, outs: MLOperand[], sequence: MLOperand | undefined, states: MLOperand[], batchFirst: boolean): Result[] {
  const b = c.builder;
  const results: Result[] = [];
  const named = c.node.outputs;
  if (named[0]) results.push(batchFirst ? b.transpose(sequence!, { permutation: [2, 0, 1, 3] }) : b.identity(sequence!));
  else results.push(outs[0]);
  states.forEach((s, i) => {
    if (named[i + 1]) results.push(batchFirst ? b.transpose(s, { permutation: [1, 0, 2] }) : b.identity(s));
    else results.push(s);
  });
  return results;
}

function lstm(c: ImportContext): Result[] {
  if (c.int("input_forget", 0) === 1) c.fail("input_forget = 1 is not supported");
  const r = recurrent(c, 4);
  const returnSequence = Boolean(c.node.outputs[0]);
  const outs = r.b.lstm(r.x, c.operand(1), c.operand(2), r.steps, r.hidden, {
    ...(r.bias ? { bias: r.bias, recurrentBias: r.recurrentBias } : {}),
    ...(c.has(7) ? { peepholeWeight: c.operand(7) } : {}),
    ...(r.state(5) ? { initialHiddenState: r.state(5) } : {}),
    ...(r.state(6) ? { initialCellState: r.state(6) } : {}),
    returnSequence, direction: r.direction, layout: "iofg",
    ...(activations(c, 3, r.dirs) ? { activations: activations(c, 3, r.dirs) } : {}),
  });
  return recurrentOutputs(c, outs, returnSequence ? outs[2] : undefined, [outs[0], outs[1]], r.batchFirst);
}

function gru(c: ImportContext): Result[] {
  const r = recurrent(c, 3);
  const returnSequence = Boolean(c.node.outputs[0]);
  const outs = r.b.gru(r.x, c.operand(1), c.operand(2), r.steps, r.hidden, {
    ...(r.bias ? { bias: r.bias, recurrentBias: r.recurrentBias } : {}),
    ...(r.state(5) ? { initialHiddenState: r.state(5) } : {}),
    resetAfter: c.int("linear_before_reset", 0) === 1, returnSequence, direction: r.direction, layout: "zrn",
    ...(activations(c, 2, r.dirs) ? { activations: activations(c, 2, r.dirs) } : {}),
  });
  return recurrentOutputs(c, outs, returnSequence ? outs[1] : undefined, [outs[0]], r.batchFirst);
}

/** Source index of each output index along one axis, for nearest-neighbor resizing. */
function nearestIndices(inSize: number, outSize: number, scale: number, coord: string, mode: string): number[] {
  return Array.from({ length: outSize }, (_, o) => {
    let x: number;
    switch (coord) {
      case "half_pixel": x = (o + 0.5) / scale - 0.5; break;
      case "pytorch_half_pixel": x = outSize > 1 ? (o + 0.5) / scale - 0.5 : 0; break;
      case "align_corners": x = outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0; break;
      case "tf_half_pixel_for_nn": x = (o + 0.5) / scale; break;
      default: x = o / scale; // asymmetric
    }
    let i: number;
    switch (mode) {
      case "floor": i = Math.floor(x); break;
      case "ceil": i = Math.ceil(x); break;
      case "round_prefer_ceil": i = Math.floor(x + 0.5); break;
      default: i = x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x); // round_prefer_floor
    }
    return Math.min(Math.max(i, 0), inSize - 1);
  });
}

function resize(c: ImportContext, upsample: boolean): Result[] {
  const shape = c.shape(0);
  const rank = shape.length;
  const mode = c.string("mode", "nearest");
  let coord = upsample || c.opset < 11 ? "asymmetric" : c.string("coordinate_transformation_mode", "half_pixel");
  const nearestMode = upsample || c.opset < 11 ? "floor" : c.string("nearest_mode", "round_prefer_floor");
  if (c.int("antialias", 0) === 1) c.fail("antialias is not supported");
  let scales: number[] | undefined, sizes: number[] | undefined;
  if (upsample) scales = c.opset < 9 ? c.floatList("scales") : numbers(c.constant(1, "scales"));
  else if (c.opset < 11) scales = numbers(c.constant(1, "scales"));
  else {
    if (c.has(3)) sizes = c.ints(3, "sizes");
    if (!sizes && c.has(2)) scales = numbers(c.constant(2, "scales"));
  }
  const axesAttr = c.intList("axes");
  const axes = axesAttr ? axesAttr.map((a) => c.axis(a, rank)) : shape.map((_, i) => i);
  const full = (v: number[] | undefined, fill: (i: number) => number) => {
    const out = shape.map((_, i) => fill(i));
    if (v && v.length) axes.forEach((a, k) => { out[a] = v[k]; });
    return out;
  };
  const sc = scales && scales.length ? full(scales, () => 1) : undefined;
  const outSizes = sizes && sizes.length ? full(sizes, (i) => shape[i]) : shape.map((d, i) => Math.floor(d * (sc?.[i] ?? 1)));
  const scaleOf = (i: number) => (sc ? sc[i] : outSizes[i] / shape[i]);
  const changed = shape.map((_, i) => i).filter((i) => outSizes[i] !== shape[i] || scaleOf(i) !== 1);
  let x = c.operand(0);
  if (mode === "nearest") {
    for (const axis of changed) {
      const idx = nearestIndices(shape[axis], outSizes[axis], scaleOf(axis), coord, nearestMode);
      x = c.builder.gather(x, c.toOperand(fromNumbers("int32", [idx.length], idx)), { axis });
    }
    return [c.builder.identity(x, c.label)];
  }
  if (mode !== "linear") c.fail(`mode "${mode}" is not supported (nearest, linear)`);
  if (coord === "pytorch_half_pixel" && changed.every((i) => outSizes[i] > 1)) coord = "half_pixel";
  if (coord !== "half_pixel") c.fail(`linear resizing with coordinate_transformation_mode "${coord}" is not supported (half_pixel)`);
  if (rank !== 4 || changed.length > 2) c.fail("linear resizing is supported on 4-D inputs, over at most two axes");
  const pairAxes = changed.length === 2 ? changed : changed.length === 1 ? (changed[0] === 3 ? [2, 3] : [changed[0], changed[0] === 2 ? 3 : changed[0] + 1]) : [2, 3];
  return [c.builder.resample2d(x, { mode: "linear", sizes: pairAxes.map((a) => outSizes[a]), axes: pairAxes, ...c.label })];
}

/** Einsum with two operands (matmul shapes, batch dims, sums) or one (a permutation). */
function einsum(c: ImportContext): Result[] {
  const b = c.builder;
  const eq = c.string("equation", "").replace(/\s+/g, "");
  const m = /^([a-zA-Z]*)(?:,([a-zA-Z]*))?->([a-zA-Z]*)$/.exec(eq) ?? c.fail(`equation "${eq}" is not supported (explicit "->" forms without "..." only)`);
  const [, ia, ib, out] = m;
  if (ib === undefined) {
    if ([...ia].sort().join("") !== [...out].sort().join("") || new Set(ia).size !== ia.length) c.fail(`equation "${eq}" is not a permutation`);
    return [b.transpose(c.operand(0), { permutation: [...out].map((l) => ia.indexOf(l)), ...c.label })];
  }
  let A = c.operand(0), B = c.operand(1);
  if (new Set(ia).size !== ia.length || new Set(ib).size !== ib.length) c.fail(`equation "${eq}": repeated labels in an operand are not supported`);
  // Labels in one operand only and not in the output are summed out first.
  const sumOut = (x: MLOperand, labels: string, other: string) => {
    const axes = [...labels].map((l, i) => (!other.includes(l) && !out.includes(l) ? i : -1)).filter((i) => i >= 0);
    return { x: axes.length ? b.reduceSum(x, { axes }) : x, labels: [...labels].filter((_, i) => !axes.includes(i)).join("") };
  };
  const a1 = sumOut(A, ia, ib), b1 = sumOut(B, ib, ia);
  A = a1.x; B = b1.x;
  const la = a1.labels, lb = b1.labels;
  const batch = [...la].filter((l) => lb.includes(l) && out.includes(l));
  const contract = [...la].filter((l) => lb.includes(l) && !out.includes(l));
  const freeA = [...la].filter((l) => !lb.includes(l));
  const freeB = [...lb].filter((l) => !la.includes(l));
  const size = (labels: string[], x: MLOperand, own: string) => labels.reduce((n, l) => n * x.shape[own.indexOf(l)], 1);
  const ta = b.transpose(A, { permutation: [...batch, ...freeA, ...contract].map((l) => la.indexOf(l)) });
  const tb = b.transpose(B, { permutation: [...batch, ...contract, ...freeB].map((l) => lb.indexOf(l)) });
  const nb = size(batch, A, la), M = size(freeA, A, la), K = size(contract, A, la), N = size(freeB, B, lb);
  const y = b.matmul(b.reshape(ta, [nb, M, K]), b.reshape(tb, [nb, K, N]));
  const dims = [...batch.map((l) => A.shape[la.indexOf(l)]), ...freeA.map((l) => A.shape[la.indexOf(l)]), ...freeB.map((l) => B.shape[lb.indexOf(l)])];
  const order = [...batch, ...freeA, ...freeB];
  if ([...out].some((l) => !order.includes(l))) c.fail(`equation "${eq}": an output label is in no operand`);
  const shaped = b.reshape(y, dims);
  return [b.transpose(shaped, { permutation: [...out].map((l) => order.indexOf(l)), ...c.label })];
}

/**
 * Input `i` (a scale or zero point of rank ≤ 1) reshaped to broadcast against the input along
 * `axis` (WebNN needs equal ranks). A known one stays a constant (a reshaped constant, not a
 * reshape), so that quantized weights keep their constexpr form.
 */
function quantParam(c: ImportContext, i: number, rank: number, axis: () => number): MLOperand {
  const known = c.known(i);
  const o = known ? undefined : c.operand(i);
  const shapeOf = known ? known.shape : o!.shape;
  if (shapeOf.length === rank) return known ? c.toOperand(known, c.node.inputs[i]) : o!;
  const shape = new Array<number>(rank).fill(1);
  if (shapeOf.length === 1 && shapeOf[0] !== 1) shape[axis()] = shapeOf[0];
  return known ? c.toOperand({ ...known, shape }, c.node.inputs[i]) : c.builder.reshape(o!, shape);
}

function quantize(c: ImportContext, dequant: boolean): Result[] {
  const x = c.operand(0);
  const rank = x.shape.length;
  if (c.int("block_size", 0) > 0) c.fail("blocked quantization (block_size) is not supported");
  // The axis matters (and is checked) only for per-axis parameters.
  const axis = () => c.axis(c.int("axis", 1), Math.max(rank, 1));
  const scale = quantParam(c, 1, rank, axis);
  let zeroType: MLOperandDataType;
  let zero: MLOperand;
  if (c.has(2)) zero = quantParam(c, 2, rank, axis);
  else {
    zeroType = dequant ? x.dataType : "uint8";
    const od = c.int("output_dtype");
    if (!dequant && od === 3) zeroType = "int8";
    zero = c.toOperand(fromNumbers(zeroType, scale.shape as number[], new Array(scale.shape.reduce((a, d) => a * d, 1)).fill(0)));
  }
  return [dequant ? c.builder.dequantizeLinear(x, scale, zero, c.label) : c.builder.quantizeLinear(x, scale, zero, c.label)];
}

/** DynamicQuantizeLinear: uint8 with scale = (max(0, max x) − min(0, min x)) / 255 and zero point round(−min/scale). */
function dynamicQuantize(c: ImportContext): Result[] {
  const b = c.builder;
  const x = c.operand(0);
  const all = { axes: x.shape.map((_, i) => i), keepDimensions: false };
  const zero = scalar(c, "float32", 0);
  const hi = b.max(b.reduceMax(x, all), zero), lo = b.min(b.reduceMin(x, all), zero);
  const scale = b.div(b.sub(hi, lo), scalar(c, "float32", 255));
  const zp = b.cast(b.clamp(b.roundEven(b.sub(zero, b.div(lo, scale))), { minValue: 0, maxValue: 255 }), "uint8");
  const shape = new Array<number>(x.shape.length).fill(1);
  const y = b.quantizeLinear(x, b.reshape(scale, shape), b.reshape(zp, shape), c.label);
  return [y, scale, zp];
}

/**
 * MatMulInteger's operands less their zero points, in float32 (the product goes back to int32,
 * exact below 2^24). A's zero point may be per row ([M] → [M, 1]); B's per column ([N] broadcasts).
 */
function integerInput(c: ImportContext, i: number, zp: number): MLOperand {
  const b = c.builder;
  let f = b.cast(c.operand(i), "float32");
  if (c.has(zp)) {
    let z = b.cast(c.operand(zp), "float32");
    if (i === 0 && z.shape.length === 1 && z.shape[0] > 1) z = b.reshape(z, [z.shape[0], 1]);
    f = b.sub(f, z);
  }
  return f;
}

export const SEQUENCE_OPS: OnnxOpTable = {
  LSTM: { lower: lstm },
  GRU: { lower: gru },
  Resize: { lower: (c) => resize(c, false) },
  Upsample: { lower: (c) => resize(c, true) },
  Einsum: { lower: einsum },
  QuantizeLinear: { lower: (c) => quantize(c, false) },
  DequantizeLinear: { lower: (c) => quantize(c, true) },
  DynamicQuantizeLinear: { lower: dynamicQuantize },
  MatMulInteger: {
    lower: (c) => [c.builder.cast(c.builder.matmul(integerInput(c, 0, 2), integerInput(c, 1, 3)), "int32", c.label)],
  },
  ConvInteger: {
    lower: (c) => {
      const b = c.builder;
      const x = c.has(2) ? b.sub(b.cast(c.operand(0), "float32"), b.cast(c.operand(2), "float32")) : b.cast(c.operand(0), "float32");
      let w = b.cast(c.operand(1), "float32");
      if (c.has(3)) {
        const z = b.cast(c.operand(3), "float32");
        w = b.sub(w, z.shape.length === 1 && z.shape[0] > 1 ? b.reshape(z, [z.shape[0], ...new Array<number>(w.shape.length - 1).fill(1)]) : z);
      }
      const shape = c.shape(0);
      if (shape.length !== 4) c.fail("only 2-D integer convolution is supported");
      const kernel = c.intList("kernel_shape") ?? c.shape(1).slice(2);
      const strides = c.intList("strides") ?? [1, 1];
      const dilations = c.intList("dilations") ?? [1, 1];
      const padding = spatialPads(c, shape.slice(2), kernel, strides, dilations);
      const y = b.conv2d(x, w, { padding, strides, dilations, groups: c.int("group", 1) });
      return [b.cast(y, "int32", c.label)];
    },
  },
  LRN: {
    lower: (c) => {
      const b = c.builder;
      const x = c.operand(0);
      const shape = [...x.shape];
      if (shape.length < 3) c.fail("LRN needs an input of rank 3 or more");
      const size = c.int("size") ?? c.fail("size is required");
      const alpha = c.float("alpha", 0.0001), beta = c.float("beta", 0.75), bias = c.float("bias", 1);
      const [n, ch] = shape;
      const rest = shape.slice(2).reduce((a, d) => a * d, 1);
      // The sum of squares over a window of channels: zero padding, then an average (sum / size).
      const sq = b.reshape(b.mul(x, x), [n, 1, ch, rest]);
      const padded = b.pad(sq, [0, 0, Math.floor((size - 1) / 2), 0], [0, 0, Math.ceil((size - 1) / 2), 0]);
      const avg = b.reshape(b.averagePool2d(padded, { windowDimensions: [size, 1] }), shape);
      const dt = x.dataType;
      const denom = b.pow(b.add(b.mul(avg, scalar(c, dt, alpha)), scalar(c, dt, bias)), scalar(c, dt, beta));
      return [b.div(x, denom, c.label)];
    },
  },
};
