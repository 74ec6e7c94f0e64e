// ONNX Runtime's com.microsoft operators that transformers.js, Optimum, ONNX Runtime's transformer
// optimizer and onnxruntime-genai write: fused activations and normalizations, and MatMulNBits
// (block-quantized weights). Semantics from ONNX Runtime's contrib operator docs; each is built
// from WebNN operators, and MatMulNBits' weights stay quantized (dequantizeLinear of constants:
// constexpr_blockwise_shift_scale from iOS 18, folded before).
import type { MLOperand } from "../../../graph/operand.js";
import type { ImportContext } from "../context.js";
import { numbers } from "../tensor.js";
import { gatherIndices } from "./shape.js";
import { scalar } from "./elementwise.js";
import type { OnnxOpTable } from "./types.js";

/** x + bias (+ more): the optional inputs that are given, added in order. */
function addGiven(c: ImportContext, x: MLOperand, inputs: number[]): MLOperand {
  let y = x;
  for (const i of inputs) if (c.has(i)) y = c.builder.add(y, c.operand(i));
  return y;
}

/** GELU's tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function geluTanh(c: ImportContext, x: MLOperand, label?: { label: string }): MLOperand {
  const b = c.builder, dt = x.dataType;
  const inner = b.mul(b.add(x, b.mul(b.mul(b.mul(x, x), x), scalar(c, dt, 0.044715))), scalar(c, dt, Math.sqrt(2 / Math.PI)));
  return b.mul(b.mul(x, scalar(c, dt, 0.5)), b.add(b.tanh(inner), scalar(c, dt, 1)), label);
}

/** No statistics outputs (mean, inverse standard deviation): models written for inference do not read them. */
function noStatistics(c: ImportContext, outputs: number[]): void {
  for (const i of outputs) if (c.node.outputs[i]) c.fail(`output ${i} (${i === 1 ? "mean" : "inv_std_var"}) is not supported`);
}

/**
 * SkipLayerNormalization / SkipSimplifiedLayerNormalization: s = input + skip (+ bias), then layer
 * (or RMS) normalization over the last axis with gamma (and beta); output 3 is s.
 */
function skipNormalization(simplified: boolean) {
  return (c: ImportContext): (MLOperand | undefined)[] => {
    const b = c.builder;
    const biasInput = simplified ? 3 : 4;
    const sum = addGiven(c, b.add(c.operand(0), c.operand(1)), [biasInput]);
    noStatistics(c, [1, 2]);
    const rank = sum.shape.length;
    const epsilon = c.float("epsilon", 1e-12);
    let y: MLOperand;
    if (simplified) {
      const dt = sum.dataType;
      const ms = b.reduceMean(b.mul(sum, sum), { axes: [rank - 1], keepDimensions: true });
      y = b.mul(b.div(sum, b.sqrt(b.add(ms, scalar(c, dt, epsilon)))), c.operand(2), c.label);
    } else {
      y = b.layerNormalization(sum, { axes: [rank - 1], epsilon, scale: c.operand(2), ...(c.has(3) ? { bias: c.operand(3) } : {}), ...c.label });
    }
    return [y, undefined, undefined, c.node.outputs[3] ? b.identity(sum, { label: c.node.outputs[3] }) : undefined];
  };
}

/**
 * MatMulNBits: Y = A · dequantize(B)ᵀ (+ bias). B is uint8 [N, blocks, block_size·bits/8], codes
 * packed low bits first along K; scales [N·blocks] (or [N, blocks]); zero points packed like B
 * (uint8 [N·⌈blocks·bits/8⌉]) or unpacked floats, 2^(bits−1) when absent.
 */
function matMulNBits(c: ImportContext): MLOperand[] {
  const b = c.builder;
  const K = c.int("K") ?? c.fail("attribute K is required");
  const N = c.int("N") ?? c.fail("attribute N is required");
  const bits = c.int("bits", 4);
  const block = c.int("block_size") ?? c.fail("attribute block_size is required");
  if (bits !== 4 && bits !== 8) c.fail(`bits ${bits} is not supported (4 or 8)`);
  if (!(block >= 16 && (block & (block - 1)) === 0)) c.fail(`block_size ${block} must be a power of two of at least 16`, "argument-value");
  if (c.has(4)) c.fail("g_idx (input 4) is not supported");
  if (K % block !== 0) c.fail(`K ${K} is not a multiple of block_size ${block}`, "argument-value");
  const blocks = K / block;
  const packed = c.constant(1, "B");
  if (packed.dataType !== "uint8" || packed.data.length !== N * blocks * block * bits / 8) {
    c.fail(`B must be uint8 [${N}, ${blocks}, ${block * bits / 8}], got ${packed.dataType} [${packed.shape.join(", ")}]`, "argument-value");
  }
  const codes = unpack(packed.data as Uint8Array, bits, N * K);
  const scaleT = c.constant(2, "scales");
  const scales = numbers(scaleT);
  if (scales.length !== N * blocks) c.fail(`scales must have ${N * blocks} values (N × blocks), got ${scales.length}`, "argument-value");
  let zeros: number[];
  if (!c.has(3)) zeros = new Array<number>(N * blocks).fill(1 << (bits - 1));
  else {
    const z = c.constant(3, "zero_points");
    if (z.dataType === "uint8") {
      const perRow = Math.ceil(blocks * bits / 8);
      if (z.data.length !== N * perRow) c.fail(`zero_points must be uint8 [${N * perRow}], got [${z.shape.join(", ")}]`, "argument-value");
      const all = unpack(z.data as Uint8Array, bits, N * perRow * (8 / bits));
      zeros = Array.from({ length: N * blocks }, (_, i) => all[Math.floor(i / blocks) * perRow * (8 / bits) + (i % blocks)]);
    } else {
      zeros = numbers(z);
      if (zeros.length !== N * blocks) c.fail(`zero_points must have ${N * blocks} values, got ${zeros.length}`, "argument-value");
      if (zeros.some((v) => !Number.isInteger(v) || v < 0 || v >= 1 << bits)) c.fail(`float zero points must be whole codes in [0, ${(1 << bits) - 1}]`, "argument-value");
    }
  }
  const dt = c.dataType(0);
  const codeType = bits === 4 ? "uint4" : "uint8";
  const q = b.constant({ dataType: codeType, shape: [N, K] }, packCodes(codes, bits));
  if (scaleT.dataType !== dt) c.fail(`scales are ${scaleT.dataType}, A is ${dt}`, "argument-value");
  const s = c.toOperand({ dataType: dt, shape: [N, blocks], data: scaleT.data });
  const zp = b.constant({ dataType: codeType, shape: [N, blocks] }, packCodes(zeros, bits));
  const weight = b.dequantizeLinear(q, s, zp);
  let y = b.matmul(c.operand(0), b.transpose(weight));
  if (c.has(5)) y = b.add(y, c.operand(5));
  return [b.identity(y, c.label)];
}

/** `count` codes of `bits` bits, low bits first, from packed bytes. */
function unpack(bytes: Uint8Array, bits: number, count: number): number[] {
  const per = 8 / bits, mask = (1 << bits) - 1;
  return Array.from({ length: count }, (_, i) => (bytes[Math.floor(i / per)] >> ((i % per) * bits)) & mask);
}

/** Codes as WebNN constant bytes: uint4 two per byte, low nibble first; uint8 one per byte. */
function packCodes(codes: number[], bits: number): Uint8Array {
  if (bits === 8) return Uint8Array.from(codes);
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  codes.forEach((v, i) => { out[i >> 1] |= v << ((i & 1) * 4); });
  return out;
}

/**
 * GatherBlockQuantized: Gather over a block-quantized constant table (transformers.js' and
 * onnxruntime-genai's 4-bit embeddings). uint8 data holds 2-, 4- or 8-bit codes packed along
 * the last axis (gather_axis 0, quantize_axis last); int4/uint4 data is dequantized as it is.
 * Zero points default to 2^(bits−1) for uint8, 0 for int4/uint4. The table stays quantized
 * (dequantizeLinear of constants), then the rows are gathered.
 */
function gatherBlockQuantized(c: ImportContext): MLOperand[] {
  const b = c.builder;
  const data = c.constant(0, "data");
  const rank = data.shape.length;
  const gatherAxis = c.axis(c.int("gather_axis", 0), rank);
  const quantizeAxis = c.axis(c.int("quantize_axis", 1), rank);
  const block = c.int("block_size", 128);
  const bits = c.int("bits", 4);
  if (!(block >= 16 && (block & (block - 1)) === 0)) c.fail(`block_size ${block} must be a power of two of at least 16`, "argument-value");
  const scaleT = c.constant(2, "scales");
  let weight: MLOperand;
  if (data.dataType === "uint8") {
    if (bits !== 4 && bits !== 8) c.fail(`bits ${bits} is not supported for uint8 data (4 or 8)`);
    if (gatherAxis !== 0 || quantizeAxis !== rank - 1) c.fail("uint8 data needs gather_axis 0 and quantize_axis the last axis", "argument-value");
    const per = 8 / bits;
    const shape = [...data.shape.slice(0, -1), data.shape[rank - 1] * per];
    const count = shape.reduce((a, d) => a * d, 1);
    const k = shape[rank - 1];
    if (k % block !== 0) c.fail(`the quantized axis (${k} codes) is not a multiple of block_size ${block}`, "argument-value");
    const blockShape = [...shape.slice(0, -1), k / block];
    const blocks = blockShape.reduce((a, d) => a * d, 1);
    if (numbers(scaleT).length !== blocks) c.fail(`scales must have shape [${blockShape.join(", ")}], got [${scaleT.shape.join(", ")}]`, "argument-value");
    const codeType = bits === 4 ? "uint4" : "uint8";
    // Zero points are packed like the data, each row to whole bytes.
    const rowBlocks = k / block, rows = blocks / rowBlocks, perRow = Math.ceil(rowBlocks * bits / 8);
    let zeros = new Array<number>(blocks).fill(1 << (bits - 1));
    if (c.has(3)) {
      const z = c.constant(3, "zero_points");
      if (z.dataType !== "uint8" || z.data.length !== rows * perRow) c.fail(`zero_points must be uint8 with ${rows * perRow} bytes (${perRow} per row), got ${z.dataType} [${z.shape.join(", ")}]`, "argument-value");
      const all = unpack(z.data as Uint8Array, bits, rows * perRow * per);
      zeros = Array.from({ length: blocks }, (_, i) => all[Math.floor(i / rowBlocks) * perRow * per + (i % rowBlocks)]);
    }
    const q = b.constant({ dataType: codeType, shape }, packCodes(unpack(data.data as Uint8Array, bits, count), bits));
    const zp = b.constant({ dataType: codeType, shape: blockShape }, packCodes(zeros, bits));
    weight = b.dequantizeLinear(q, c.toOperand({ dataType: scaleT.dataType, shape: blockShape, data: scaleT.data }), zp);
  } else if (data.dataType === "int4" || data.dataType === "uint4") {
    const q = c.operand(0);
    const zp = c.has(3) ? c.operand(3) : b.constant({ dataType: data.dataType, shape: scaleT.shape }, new Uint8Array(Math.ceil(scaleT.shape.reduce((a, d) => a * d, 1) / 2)));
    weight = b.dequantizeLinear(q, c.toOperand(scaleT), zp);
  } else {
    return c.fail(`data of type ${data.dataType} is not supported (uint8, int4, uint4)`);
  }
  const idx = c.known(1);
  const size = weight.shape[gatherAxis];
  if (idx && numbers(idx).some((v) => v < -size || v >= size)) c.fail(`an index is outside [${-size}, ${size - 1}] (ONNX Runtime gives zeros there; the converter does not)`, "argument-value");
  return [b.gather(weight, gatherIndices(c, 1, size), { axis: gatherAxis, ...c.label })];
}

/**
 * EmbedLayerNormalization (BERT's embeddings, fused by ONNX Runtime's optimizer): layer norm of
 * word[input_ids] + position[position_ids, or 0 … S−1] (+ segment[segment_ids]). Outputs: the
 * normalized sum, mask_index (the mask's row sums, int32 [B]; zeros without a mask) and the sum.
 */
function embedLayerNormalization(c: ImportContext): (MLOperand | undefined)[] {
  const b = c.builder;
  const ids = c.operand(0);
  if (ids.shape.length !== 2) c.fail(`input_ids must be 2-D [batch, sequence], got [${ids.shape.join(", ")}]`, "argument-value");
  const [batch, seq] = ids.shape;
  let sum = b.gather(c.operand(2), ids, { axis: 0 });
  const positions = c.has(8) ? c.operand(8) : b.constant({ dataType: "int32", shape: [1, seq] }, new Int32Array(Array.from({ length: seq }, (_, i) => i)));
  sum = b.add(sum, b.gather(c.operand(3), positions, { axis: 0 }));
  if (c.has(1) && c.has(4)) sum = b.add(sum, b.gather(c.operand(4), c.operand(1), { axis: 0 }));
  const y = b.layerNormalization(sum, { axes: [2], epsilon: c.float("epsilon", 1e-12), scale: c.operand(5), bias: c.operand(6), ...c.label });
  const outputs: (MLOperand | undefined)[] = [y, undefined, undefined];
  if (c.node.outputs[1]) {
    outputs[1] = c.has(7)
      ? b.reduceSum(b.cast(c.operand(7), "int32"), { axes: [1], label: c.node.outputs[1] })
      : b.constant({ dataType: "int32", shape: [batch] }, new Int32Array(batch));
  }
  if (c.node.outputs[2]) outputs[2] = b.identity(sum, { label: c.node.outputs[2] });
  return outputs;
}

export const MICROSOFT_OPS: OnnxOpTable = {
  Gelu: { lower: (c) => [c.builder.gelu(c.operand(0), c.label)] },
  BiasGelu: { lower: (c) => [c.builder.gelu(c.builder.add(c.operand(0), c.operand(1)), c.label)] },
  FastGelu: { lower: (c) => [geluTanh(c, addGiven(c, c.operand(0), [1]), c.label)] },
  QuickGelu: {
    lower: (c) => {
      const x = c.operand(0);
      return [c.builder.mul(x, c.builder.sigmoid(c.builder.mul(x, scalar(c, x.dataType, c.float("alpha", 1.702)))), c.label)];
    },
  },
  BiasAdd: { lower: (c) => [c.builder.add(c.builder.add(c.operand(0), c.operand(1)), c.operand(2), c.label)] },
  SkipLayerNormalization: { lower: skipNormalization(false) as never },
  SkipSimplifiedLayerNormalization: { lower: skipNormalization(true) as never },
  MatMulNBits: { lower: matMulNBits },
  GatherBlockQuantized: { lower: gatherBlockQuantized },
  EmbedLayerNormalization: { lower: embedLayerNormalization as never },
};
