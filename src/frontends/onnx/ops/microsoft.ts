// ONNX Runtime's com.microsoft operators that transformers.js, Optimum, ONNX Runtime's transformer
// optimizer and onnxruntime-genai write: fused activations and normalizations, and MatMulNBits
// (block-quantized weights). Semantics from ONNX Runtime's contrib operator docs; each is built
// from WebNN operators, and MatMulNBits' weights stay quantized (dequantizeLinear of constants:
// constexpr_blockwise_shift_scale from iOS 18, folded before).
import type { MLOperand } from "../../../graph/operand.js";
import type { ImportContext } from "../context.js";
import { numbers } from "../tensor.js";
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
};
