// Quantized ONNX models computed in float with their weights kept 8-bit, as Core ML runs
// quantized models (coremltools: weights-only quantization; activations in float). Two rewrites
// of the ONNX graph, before import, in the forms ONNX Runtime's quantizer writes:
//  - QDQ: an activation's QuantizeLinear → DequantizeLinear pair is dropped (its consumers read
//    the float value; a range starting at 0, a ReLU folded into the pair, stays a Relu). The
//    weights' DequantizeLinear of int8/uint8 initializers stay, and lower to constexpr ops
//    (8-bit in weight.bin); int32 biases become float initializers.
//  - quantize_dynamic: DynamicQuantizeLinear(x) → MatMulInteger/ConvInteger(·, W) → Cast(float) →
//    Mul(·, x_scale · w_scale) becomes DequantizeLinear(W) → MatMul/Conv(x, ·).
// The result differs from ONNX Runtime's integer arithmetic by the activations' quantization
// error, which the float form no longer makes; `quantizedActivations: "exact"` keeps every op.
import type { OnnxGraph, OnnxNode, OnnxTensor } from "./proto.js";
import { hostTensorOf, numbers, ONNX_TYPES } from "./tensor.js";
import { expandNodes } from "./ops/index.js";
import { floatBiasTensor } from "./ops/qlinear.js";

const rewritten = new WeakMap<OnnxGraph, OnnxGraph>();
const { FLOAT, UINT8, INT8 } = ONNX_TYPES;

/** The graph with its quantized activations computed in float (cached per graph). */
export function floatActivations(graph: OnnxGraph): OnnxGraph {
  let g = rewritten.get(graph);
  if (!g) { g = rewrite(graph); rewritten.set(graph, g); }
  return g;
}

function rewrite(given: OnnxGraph): OnnxGraph {
  // QLinearConv / QLinearMatMul in their QDQ spelling: their pairs cancel as the others do.
  const initializers = new Map(given.initializers.map((t) => [t.name, t]));
  const expanded = expandNodes(given.nodes, (name) => initializers.get(name));
  const graph = expanded === given.nodes ? given : { ...given, nodes: [...expanded] };
  const producer = new Map<string, OnnxNode>();
  const readers = new Map<string, OnnxNode[]>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n);
    for (const i of n.inputs) if (i) (readers.get(i) ?? readers.set(i, []).get(i)!).push(n);
  }
  const outputs = new Set(graph.outputs.map((o) => o.name));
  /** The one node reading `name`, when nothing else (a graph output) does. */
  const soleReader = (name: string) => (!outputs.has(name) && readers.get(name)?.length === 1 ? readers.get(name)![0] : undefined);
  const dropped = new Set<OnnxNode>();
  const replaced = new Map<OnnxNode, OnnxNode[]>();
  const added: OnnxTensor[] = [];
  const rename = new Map<string, string>();
  const renameOutput = new Map<string, string>();
  const nonNegative = nonNegativeValues(producer, initializers);

  /** The Add of a per-channel constant after `name` ([C] reshaped to [1, C or −1, 1, …]), and that [C] initializer. */
  const convBias = (name: string, channels: number): { add: OnnxNode; bias: string; reshape?: OnnxNode } | undefined => {
    const add = soleReader(name);
    if (add?.opType !== "Add" || add.domain !== "") return undefined;
    const other = add.inputs[0] === name ? add.inputs[1] : add.inputs[0];
    const reshape = producer.get(other);
    if (reshape?.opType !== "Reshape" || soleReader(other) !== add) return undefined;
    // Exporters share a repeated initializer through Identity nodes.
    let biasName = reshape.inputs[0];
    while (producer.get(biasName)?.opType === "Identity") biasName = producer.get(biasName)!.inputs[0];
    const b = initializers.get(biasName);
    const shape = initializers.get(reshape.inputs[1]);
    if (b?.dataType !== FLOAT || b.dims.length !== 1 || Number(b.dims[0]) !== channels || !shape) return undefined;
    const dims = values(shape);
    if (dims.length < 3 || dims[0] !== 1 || (dims[1] !== channels && dims[1] !== -1) || dims.slice(2).some((d) => d !== 1)) return undefined;
    return { add, bias: biasName, reshape: readers.get(reshape.outputs[0])?.length === 1 ? reshape : undefined };
  };

  for (const n of graph.nodes) {
    if (n.domain !== "") continue;
    // QDQ on an activation: DequantizeLinear(QuantizeLinear(x, s, z), s, z) → x.
    if (n.opType === "DequantizeLinear") {
      const q = producer.get(n.inputs[0]);
      const range = q?.opType === "QuantizeLinear" && q.domain === "" && !initializers.has(q.inputs[0]) && sameInputs(q, n) ? quantRange(q, initializers) : undefined;
      if (q && range) {
        // The pair's rounding goes, and so does its saturation at the calibrated range, which
        // only outliers reach (float is then nearer the float model). A range that starts at 0
        // is the ReLU the quantizer folded into the pair: it stays, as a Relu.
        const x = q.inputs[0];
        const source = producer.get(x);
        if (range[0] === 0 && !nonNegative(x)) replaced.set(n, [{ ...n, opType: "Relu", inputs: [x], attributes: [] }]);
        else if (!outputs.has(n.outputs[0])) { rename.set(n.outputs[0], x); dropped.add(n); }
        // A graph output keeps its name: the node computing x writes it, when only q reads x.
        else if (source && !outputs.has(x) && readers.get(x)?.length === 1) { renameOutput.set(x, n.outputs[0]); dropped.add(n); }
        else replaced.set(n, [{ ...n, opType: "Identity", inputs: [x], attributes: [] }]);
        if ((readers.get(q.outputs[0]) ?? []).every((r) => r.opType === "DequantizeLinear" && sameInputs(q, r))) dropped.add(q);
        continue;
      }
      // An int32 bias (scale x_scale · w_scale, zero point 0): a float initializer, so that it
      // stays a conv's or gemm's constant bias.
      const bias = initializers.get(n.inputs[0]);
      const scale = initializers.get(n.inputs[1]);
      const zero = n.inputs[2] ? initializers.get(n.inputs[2]) : undefined;
      if (bias && scale?.dataType === FLOAT && (!n.inputs[2] || zero) && !outputs.has(n.outputs[0]) && (!zero || values(zero).every((z) => z === 0))) {
        const f = floatBiasTensor(n.outputs[0], bias, values(scale));
        if (f) { added.push(f); dropped.add(n); }
      }
      continue;
    }
    if (n.opType !== "MatMulInteger" && n.opType !== "ConvInteger") continue;
    const dql = producer.get(n.inputs[0]);
    if (dql?.opType !== "DynamicQuantizeLinear" || n.inputs[2] !== dql.outputs[2]) continue;
    const [wq, wz] = [n.inputs[1], n.inputs[3]];
    if (!initializers.has(wq) || (wz && !initializers.has(wz))) continue;
    const castNode = soleReader(n.outputs[0]);
    if (castNode?.opType !== "Cast" || castNode.attributes.find((a) => a.name === "to")?.i !== 1) continue;
    const mul = soleReader(castNode.outputs[0]);
    if (mul?.opType !== "Mul") continue;
    const scaleName = mul.inputs[0] === castNode.outputs[0] ? mul.inputs[1] : mul.inputs[0];
    const scaleMul = producer.get(scaleName);
    if (scaleMul?.opType !== "Mul" || !scaleMul.inputs.includes(dql.outputs[1])) continue;
    const ws = scaleMul.inputs[0] === dql.outputs[1] ? scaleMul.inputs[1] : scaleMul.inputs[0];
    const wsTensor = initializers.get(ws);
    const wqTensor = initializers.get(wq)!;
    if (!wsTensor || !perAxisFits(wsTensor, wqTensor, n.opType === "ConvInteger" ? 0 : 1)) continue;
    const deq = `${n.outputs[0]}__dequantized_weight`;
    const dims = wsTensor.dims.reduce((a, d) => a * d, 1);
    const axis = n.opType === "ConvInteger" ? 0 : 1;
    const dequant: OnnxNode = {
      name: `${n.name || n.outputs[0]}/DequantizeLinear`, opType: "DequantizeLinear", domain: "",
      inputs: wz ? [wq, ws, wz] : [wq, ws], outputs: [deq],
      attributes: dims > 1 ? [{ name: "axis", type: 2, i: axis, floats: [], ints: [], strings: [], tensors: [], graphs: [] }] : [],
    };
    // quantize_dynamic adds a conv's bias after the rescale, reshaped to [1, C, 1, …]: it goes
    // back into the Conv, so that it stays the conv's constant bias.
    const bias = n.opType === "ConvInteger" ? convBias(mul.outputs[0], Number(wqTensor.dims[0])) : undefined;
    const compute: OnnxNode = {
      name: n.name, opType: n.opType === "ConvInteger" ? "Conv" : "MatMul", domain: "",
      inputs: [dql.inputs[0], deq, ...(bias ? [bias.bias] : [])], outputs: [bias ? bias.add.outputs[0] : mul.outputs[0]],
      attributes: n.opType === "ConvInteger" ? n.attributes : [],
    };
    replaced.set(n, [dequant, compute]);
    dropped.add(castNode);
    dropped.add(mul);
    if (bias) { dropped.add(bias.add); if (bias.reshape) dropped.add(bias.reshape); }
  }
  if (!dropped.size && !replaced.size) return graph;
  const kept = graph.initializers.filter((t) => !added.some((a) => a.name === t.name));
  const resolve = (name: string) => { let r = name; while (rename.has(r)) r = rename.get(r)!; return r; };
  const nodes = graph.nodes.flatMap((n) => (dropped.has(n) ? [] : replaced.get(n) ?? [n]))
    .map((n) => (n.inputs.some((i) => rename.has(i)) ? { ...n, inputs: n.inputs.map(resolve) } : n))
    .map((n) => (n.outputs.some((o) => renameOutput.has(o)) ? { ...n, outputs: n.outputs.map((o) => renameOutput.get(o) ?? o) } : n));
  return { ...graph, nodes, initializers: [...kept, ...added] };
}

// Ops whose output is ≥ 0 for any input, and ops that keep their inputs' sign (the first input
// alone, or every input). A quantizer's range starts at 0 for a folded ReLU and for any value
// that is never negative; only the first needs its Relu back.
const NONNEGATIVE = new Set(["Relu", "Sigmoid", "Softmax", "Exp", "Abs", "Sqrt", "Softplus", "HardSigmoid"]);
const SIGN_OF_FIRST = new Set(["Cast", "Reciprocal", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax", "ReduceMin", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Resize", "Slice", "Gather", "Split", "Expand", "Tile"]);
const SIGN_OF_ALL = new Set(["Concat", "Mul", "Div", "Add", "Max", "Min"]);
const MAX_DEPTH = 64;

/** Whether a value is known to be ≥ 0 from the nodes that compute it (bounded search). */
function nonNegativeValues(producer: ReadonlyMap<string, OnnxNode>, initializers: ReadonlyMap<string, OnnxTensor>): (name: string) => boolean {
  const known = new Map<string, boolean>();
  /** The value behind a QDQ pair (the pair goes). */
  const behindPair = (name: string) => {
    const d = producer.get(name);
    const q = d?.opType === "DequantizeLinear" ? producer.get(d.inputs[0]) : undefined;
    return q?.opType === "QuantizeLinear" && sameInputs(q, d!) ? q.inputs[0] : name;
  };
  const constantValues = (name: string) => {
    const c = producer.get(name);
    const t = initializers.get(name) ?? (c?.opType === "Constant" ? c.attributes.find((a) => a.name === "value")?.t : undefined);
    return t !== undefined && t.dataType === FLOAT ? values(t) : undefined;
  };
  const constantAtLeast = (name: string, min: number) => constantValues(name)?.every((v) => v >= min) ?? false;
  const visit = (name: string, depth: number): boolean => {
    if (known.has(name)) return known.get(name)!;
    if (depth > MAX_DEPTH) return false;
    const p = producer.get(name);
    let r = constantAtLeast(name, 0);
    if (!r && p && p.domain === "") {
      if (NONNEGATIVE.has(p.opType)) r = true;
      else if (SIGN_OF_FIRST.has(p.opType)) r = visit(p.inputs[0], depth + 1);
      else if (SIGN_OF_ALL.has(p.opType)) r = p.inputs.filter((i) => i).every((i) => visit(i, depth + 1));
      else if (p.opType === "Where") r = visit(p.inputs[1], depth + 1) && visit(p.inputs[2], depth + 1);
      // 1 + erf(x) and 1 + tanh(x), GELU's factors: erf and tanh lie in [−1, 1].
      if (!r && p.opType === "Add") {
        const [a, b] = p.inputs.map(behindPair);
        const bounded = (n: string) => ["Erf", "Tanh"].includes(producer.get(n)?.opType ?? "");
        r = (bounded(a) && constantAtLeast(b, 1)) || (bounded(b) && constantAtLeast(a, 1));
      }
      // x to an even power (RMS and layer norms' x²).
      if (!r && p.opType === "Pow") {
        const e = constantValues(behindPair(p.inputs[1]));
        r = e !== undefined && e.length === 1 && Number.isInteger(e[0]) && e[0] % 2 === 0;
      }
      // A QDQ pair's output lies in its range, and the value it quantized keeps its own sign.
      if (!r && p.opType === "DequantizeLinear") {
        const q = producer.get(p.inputs[0]);
        const range = q?.opType === "QuantizeLinear" && sameInputs(q, p) ? quantRange(q, initializers) : undefined;
        r = range !== undefined && (range[0] >= 0 || visit(q!.inputs[0], depth + 1));
      }
    }
    known.set(name, r);
    return r;
  };
  return (name) => visit(name, 0);
}

/** QuantizeLinear and DequantizeLinear with the same scale and zero point (and axis). */
function sameInputs(q: OnnxNode, d: OnnxNode): boolean {
  const axis = (n: OnnxNode) => n.attributes.find((a) => a.name === "axis")?.i ?? 1;
  return q.inputs[1] === d.inputs[1] && (q.inputs[2] ?? "") === (d.inputs[2] ?? "") && axis(q) === axis(d);
}

/** A weight scale that DequantizeLinear can take: one value, or one per element of `axis`. */
function perAxisFits(scale: OnnxTensor, weight: OnnxTensor, axis: number): boolean {
  const n = scale.dims.reduce((a, d) => a * d, 1);
  return n === 1 || (scale.dims.length <= 1 && weight.dims[axis] === n);
}

/** The float range a QuantizeLinear's codes hold, [(qmin − zp)·s, (qmax − zp)·s], for a per-tensor one with known parameters. */
function quantRange(q: OnnxNode, initializers: ReadonlyMap<string, OnnxTensor>): [number, number] | undefined {
  const scale = initializers.get(q.inputs[1]);
  const zero = q.inputs[2] ? initializers.get(q.inputs[2]) : undefined;
  if (scale?.dataType !== FLOAT || (q.inputs[2] && zero?.dataType !== INT8 && zero?.dataType !== UINT8)) return undefined;
  const s = values(scale), z = zero ? values(zero) : [0];
  if (s.length !== 1 || z.length !== 1) return undefined;
  const signed = zero ? zero.dataType === INT8 : q.attributes.find((a) => a.name === "output_dtype")?.i === INT8;
  const [qmin, qmax] = signed ? [-128, 127] : [0, 255];
  return [Math.fround((qmin - z[0]) * s[0]), Math.fround((qmax - z[0]) * s[0])];
}

/** An initializer's values as numbers (raw or typed fields). */
function values(t: OnnxTensor): number[] {
  return numbers(hostTensorOf(t));
}
