// The QOperator format of ONNX Runtime's quantizer: QLinearConv and QLinearMatMul take and give
// quantized tensors with their scales and zero points. Each is spelled as the QDQ form it means,
// DequantizeLinear of the inputs → Conv / MatMul in float → QuantizeLinear of the output, so that
// the rest of the importer (and the float rewrite of quantized activations, where neighbouring
// QuantizeLinear → DequantizeLinear pairs cancel) treats both formats alike. In float, the
// accumulation ONNX Runtime makes in int32 is exact up to float32 rounding: an output may differ
// from ONNX Runtime's by one quantization step where the scaled sum falls near a rounding tie.
import { UnsupportedError } from "../../../errors.js";
import type { OnnxAttribute, OnnxNode, OnnxTensor } from "../proto.js";
import type { OnnxOpTable } from "./types.js";
import { hostTensorOf, numbers, ONNX_TYPES } from "../tensor.js";

const { FLOAT, INT32 } = ONNX_TYPES;

function node(opType: string, name: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = []): OnnxNode {
  return { name, opType, domain: "", inputs, outputs, attributes };
}

function intAttribute(name: string, i: number): OnnxAttribute {
  return { name, type: 2, i, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
}

/** A per-axis scale (more than one value) dequantizes along `axis`; a per-tensor one needs none. */
/** `scaleOf` decides per-axis or per-tensor; `scale` (default: it) is the input the node reads. */
function dequantize(prefix: string, data: string, scaleOf: string, zero: string | undefined, out: string, axis: number, initializer: (n: string) => OnnxTensor | undefined, scale = scaleOf): OnnxNode {
  const s = initializer(scaleOf);
  const perAxis = !s || s.dims.reduce((a, d) => a * d, 1) > 1;
  return node("DequantizeLinear", `${prefix}/DequantizeLinear_${data}`, zero ? [data, scale, zero] : [data, scale], [out], perAxis ? [intAttribute("axis", axis)] : []);
}

/**
 * An int32 bias times its scale (one value, or one per element), as a float tensor named
 * `name`; undefined when the bias is not int32 or the scale does not fit it.
 */
export function floatBiasTensor(name: string, bias: OnnxTensor, scales: readonly number[]): OnnxTensor | undefined {
  if (bias.dataType !== INT32) return undefined;
  const v = numbers(hostTensorOf(bias));
  if (scales.length !== 1 && scales.length !== v.length) return undefined;
  const f = Float32Array.from(v, (x, i) => x * scales[scales.length === 1 ? 0 : i]);
  return { name, dataType: FLOAT, dims: [...bias.dims], rawData: new Uint8Array(f.buffer), dataLocation: 0 };
}

/**
 * An int32 bias with scale x_scale · w_scale and zero point 0 (per output channel when w's scale
 * is). Known, it becomes a float Constant, so that it stays the conv's or gemm's constant bias.
 */
function floatBias(prefix: string, bias: string, xScale: string, wScale: string, initializer: (n: string) => OnnxTensor | undefined): OnnxNode[] {
  const out = `${prefix}/bias_dequantized`;
  const [b, xs, ws] = [initializer(bias), initializer(xScale), initializer(wScale)];
  if (b && xs?.dataType === FLOAT && ws?.dataType === FLOAT) {
    const [xv, wv] = [xs, ws].map((t) => numbers(hostTensorOf(t)));
    const value = xv.length === 1 ? floatBiasTensor(out, b, wv.map((w) => xv[0] * w)) : undefined;
    if (value) return [node("Constant", `${prefix}/bias`, [], [out], [{ name: "value", type: 4, t: value, floats: [], ints: [], strings: [], tensors: [], graphs: [] }])];
  }
  const scale = `${prefix}/bias_scale`;
  return [
    node("Mul", scale, [xScale, wScale], [scale]),
    dequantize(prefix, bias, wScale, undefined, out, 0, initializer, scale),
  ];
}

type Quantized = readonly [data: string, scale: string, zero: string | undefined];

/**
 * DequantizeLinear of each quantized input (per tensor) → `opType` in float → QuantizeLinear
 * with the output's scale and zero point: the QOperator ops of elementwise kind.
 */
function spelled(n: OnnxNode, opType: string, inputs: readonly Quantized[], output: readonly [string, string | undefined], initializer: (name: string) => OnnxTensor | undefined, attributes = n.attributes.filter((a) => a.name !== "channels_last")): OnnxNode[] {
  const p = n.name || n.outputs[0];
  const floats = inputs.map(([d], i) => `${p}/input${i}_dequantized`);
  const yf = `${p}/y_float`;
  return [
    ...inputs.map(([d, s, z], i) => dequantize(p, d, s, z || undefined, floats[i], 1, initializer)),
    node(opType, p, floats, [yf], attributes),
    node("QuantizeLinear", `${p}/QuantizeLinear`, output[1] ? [yf, output[0], output[1]] : [yf, output[0]], [n.outputs[0]]),
  ];
}

const triple = (inputs: readonly string[], at: number): Quantized => [inputs[at], inputs[at + 1], inputs[at + 2]];

/** com.microsoft's QOperator ops (QLinearAdd, QGemm, …), spelled in default-domain operators. */
export const QLINEAR_MICROSOFT_OPS: OnnxOpTable = {
  QLinearAdd: { expand: (n, k) => spelled(n, "Add", [triple(n.inputs, 0), triple(n.inputs, 3)], [n.inputs[6], n.inputs[7]], k) },
  QLinearMul: { expand: (n, k) => spelled(n, "Mul", [triple(n.inputs, 0), triple(n.inputs, 3)], [n.inputs[6], n.inputs[7]], k) },
  QLinearSigmoid: { expand: (n, k) => spelled(n, "Sigmoid", [triple(n.inputs, 0)], [n.inputs[3], n.inputs[4]], k) },
  QLinearLeakyRelu: { expand: (n, k) => spelled(n, "LeakyRelu", [triple(n.inputs, 0)], [n.inputs[3], n.inputs[4]], k) },
  QLinearAveragePool: { expand: (n, k) => spelled(n, "AveragePool", [triple(n.inputs, 0)], [n.inputs[3], n.inputs[4]], k, channelsFirst(n).filter((a) => a.name !== "channels_last")) },
  QLinearGlobalAveragePool: { expand: (n, k) => spelled(n, "GlobalAveragePool", [triple(n.inputs, 0)], [n.inputs[3], n.inputs[4]], k, channelsFirst(n).filter((a) => a.name !== "channels_last")) },
  // Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per input.
  QLinearConcat: { expand: (n, k) => spelled(n, "Concat", Array.from({ length: (n.inputs.length - 2) / 3 }, (_, i) => triple(n.inputs, 2 + 3 * i)), [n.inputs[0], n.inputs[1]], k) },
  QGemm: {
    // A, a_scale, a_zp, B, b_scale, b_zp, C (int32, scale a_scale · b_scale), y_scale, y_zp; no
    // y_scale: a float output.
    expand: (n, initializer) => {
      const [a, as, az, b, bs, bz, c, ys, yz] = n.inputs;
      const p = n.name || n.outputs[0];
      const transB = n.attributes.find((x) => x.name === "transB")?.i ?? 0;
      const af = `${p}/a_dequantized`, bf = `${p}/b_dequantized`;
      const bias = c ? floatBias(p, c, as, bs, initializer) : [];
      const yf = ys ? `${p}/y_float` : n.outputs[0];
      const gemmInputs = [af, bf, ...(bias.length ? [bias[bias.length - 1].outputs[0]] : [])];
      return [
        dequantize(p, a, as, az || undefined, af, 1, initializer),
        // b's scale is one per output column: axis 0 of a transposed b, else its last axis.
        dequantize(p, b, bs, bz || undefined, bf, transB ? 0 : 1, initializer),
        ...bias,
        node("Gemm", p, gemmInputs, [yf], n.attributes.filter((x) => x.name === "alpha" || x.name === "transA" || x.name === "transB")),
        ...(ys ? [node("QuantizeLinear", `${p}/QuantizeLinear`, yz ? [yf, ys, yz] : [yf, ys], [n.outputs[0]])] : []),
      ];
    },
  },
};

/** The pool ops' channels_last layout is not read: only channels-first (the default) is. */
function channelsFirst(n: OnnxNode): OnnxAttribute[] {
  if ((n.attributes.find((a) => a.name === "channels_last")?.i ?? 0) !== 0) {
    throw new UnsupportedError(`${n.opType} node "${n.name || n.outputs[0]}": channels_last layout is not supported`, { operator: n.opType, operand: n.name || n.outputs[0], rule: "unsupported" });
  }
  return n.attributes;
}

export const QLINEAR_OPS: OnnxOpTable = {
  QLinearConv: {
    expand: (n, initializer) => {
      const [x, xs, xz, w, ws, wz, ys, yz, b] = n.inputs;
      const p = n.name || n.outputs[0];
      const xf = `${p}/x_dequantized`, wf = `${p}/w_dequantized`, yf = `${p}/y_float`;
      const bias = b ? floatBias(p, b, xs, ws, initializer) : [];
      const biasName = bias.length ? bias[bias.length - 1].outputs[0] : undefined;
      return [
        dequantize(p, x, xs, xz || undefined, xf, 1, initializer),
        dequantize(p, w, ws, wz || undefined, wf, 0, initializer),
        ...bias,
        node("Conv", p, biasName ? [xf, wf, biasName] : [xf, wf], [yf], n.attributes),
        node("QuantizeLinear", `${p}/QuantizeLinear`, yz ? [yf, ys, yz] : [yf, ys], [n.outputs[0]]),
      ];
    },
  },
  QLinearMatMul: {
    expand: (n, initializer) => {
      const [a, as, az, b, bs, bz, ys, yz] = n.inputs;
      const p = n.name || n.outputs[0];
      const af = `${p}/a_dequantized`, bf = `${p}/b_dequantized`, yf = `${p}/y_float`;
      const rankOfB = initializer(b)?.dims.length ?? 2;
      return [
        dequantize(p, a, as, az || undefined, af, 1, initializer),
        // b's per-axis scale is one per column: its last axis.
        dequantize(p, b, bs, bz || undefined, bf, rankOfB - 1, initializer),
        node("MatMul", p, [af, bf], [yf]),
        node("QuantizeLinear", `${p}/QuantizeLinear`, yz ? [yf, ys, yz] : [yf, ys], [n.outputs[0]]),
      ];
    },
  },
};
