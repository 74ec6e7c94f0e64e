// WPT WebNN conformance cases (the JSON form in test/fixtures/wpt): build the case's graph with the
// builder exactly as WPT does, make its inputs, and compare outputs under WPT's tolerances.
import { applyOperator, resolveOperandArguments } from "../graph/apply-operator.js";
import { MLGraphBuilder } from "../graph/builder.js";
import { isOperatorName, OPERATORS } from "../graph/operators.js";
import { MLOperand, type MLGraph } from "../graph/operand.js";
import type { MLOperandDataType } from "../graph/types.js";
import { halfBitsFromNumber as halfBits, numberFromHalfBits as halfToNumber } from "../runtime/fp16.js";
import { tensorFromNumbers, type WebNNTensor } from "../run-package.js";

export type WptValue = number | string;

export interface WptTensor {
  data: WptValue[] | WptValue;
  descriptor: { shape: number[]; dataType: MLOperandDataType };
  constant?: boolean;
}

export interface WptOperator {
  name: string;
  arguments: Record<string, unknown>[];
  outputs: string | string[];
}

export interface WptCase {
  name: string;
  graph: {
    inputs: Record<string, WptTensor>;
    operators: WptOperator[];
    expectedOutputs: Record<string, WptTensor>;
  };
}

export interface WptFile {
  operation: string;
  tests: WptCase[];
}

/** A number, or a WPT special: "NaN", "Infinity", "-Infinity", or a bigint literal "123n". */
export function wptNumber(v: WptValue): number | bigint {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (/^-?\d+n$/.test(v)) return BigInt(v.slice(0, -1));
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`not a number: ${JSON.stringify(v)}`);
  return n;
}

function values(t: WptTensor): (number | bigint)[] {
  return (Array.isArray(t.data) ? t.data : [t.data]).map(wptNumber);
}

function isBigType(dt: MLOperandDataType) {
  return dt === "int64" || dt === "uint64";
}

/** The case's tensor as a WebNN tensor (a single value fills the shape). */
export function wptTensor(t: WptTensor): WebNNTensor {
  const v = values(t);
  const dt = t.descriptor.dataType;
  return tensorFromNumbers(dt, t.descriptor.shape, isBigType(dt) ? v.map((x) => BigInt(x)) : v.map((x) => Number(x)));
}

function optionValue(v: unknown): unknown {
  if (typeof v === "string" && /^-?\d+n$/.test(v)) return Number(BigInt(v.slice(0, -1)));
  return v;
}

export interface BuiltCase {
  graph: MLGraph;
  /** Values for the graph's (non-constant) inputs. */
  inputs: Record<string, WebNNTensor>;
}

/** Builds the graph as WPT does: arguments in order, operand names resolved, options by name. */
export function buildWptGraph(c: WptCase, builder = new MLGraphBuilder()): BuiltCase {
  const operands = new Map<string, MLOperand>();
  const inputs: Record<string, WebNNTensor> = {};
  for (const [name, t] of Object.entries(c.graph.inputs)) {
    const tensor = wptTensor(t);
    if (t.constant) {
      operands.set(name, builder.constant(t.descriptor, tensor.data, name));
    } else {
      operands.set(name, builder.input(name, t.descriptor));
      inputs[name] = tensor;
    }
  }
  const resolve = (name: string, via: string): MLOperand => {
    const o = operands.get(name);
    if (!o) throw new Error(`case "${c.name}": ${via} names "${name}", which is not an input or an earlier result`);
    return o;
  };
  for (const op of c.graph.operators) {
    if (!isOperatorName(op.name)) throw new Error(`builder has no operator ${op.name}`);
    const signature = OPERATORS[op.name];
    // WPT lists the method's arguments in order, each as a one-key object; the last may be the options.
    const args: Record<string, unknown> = {};
    let options: Record<string, unknown> | undefined;
    op.arguments.forEach((a, i) => {
      const [key, v] = Object.entries(a)[0];
      if (key === "options" && i === signature.params.length && v && typeof v === "object" && !Array.isArray(v)) {
        options = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, optionValue(x)]));
      } else {
        const param = signature.params[i];
        if (!param) throw new Error(`case "${c.name}": ${op.name} takes ${signature.params.length} arguments before its options`);
        args[param.name] = param.kind === "value" ? optionValue(v) : v;
      }
    });
    const results = applyOperator(builder, resolveOperandArguments(op.name, args, options, resolve));
    const names = Array.isArray(op.outputs) ? op.outputs : [op.outputs];
    names.forEach((n, i) => operands.set(n, results[i]));
  }
  const outputs: Record<string, MLOperand> = {};
  for (const name of Object.keys(c.graph.expectedOutputs)) outputs[name] = operands.get(name)!;
  return { graph: builder.buildSync(outputs), inputs };
}

// ------------------------------------------------------------------ tolerances

export interface Tolerance {
  metric: "ULP" | "ATOL";
  value: number;
}


/** WPT's tolerance for one operator node (see test/fixtures/wpt/README.md). */
export function nodeTolerance(op: string, node: { inputs: Record<string, unknown>; attributes: Record<string, unknown>; outputs: readonly MLOperand[] }, half = false): Tolerance {
  const out = node.outputs[0];
  // `half`: a float32 graph computed in float16 (convert's precision option) gets float16's tolerances.
  const f16 = out.dataType === "float16" || (half && out.dataType === "float32");
  const input = node.inputs.input as MLOperand | undefined;
  const ulp = (v: number): Tolerance => ({ metric: "ULP", value: v });
  const reducedCount = () => {
    const axes = node.attributes.axes as number[];
    return axes.reduce((n, a) => n * input!.shape[a], 1);
  };
  switch (op) {
    case "abs": case "neg": case "ceil": case "floor": case "relu": case "clamp": case "min": case "reduceMax": case "reduceMin":
    case "maxPool2d": case "argMax": case "argMin": case "roundEven": case "sign":
    case "concat": case "expand": case "gather": case "gatherElements": case "gatherND": case "identity": case "pad": case "reshape":
    case "reverse": case "scatterElements": case "scatterND": case "slice": case "split": case "tile": case "transpose": case "triangular": case "where":
    case "equal": case "notEqual": case "greater": case "greaterOrEqual": case "lesser": case "lesserOrEqual":
    case "logicalNot": case "logicalAnd": case "logicalOr": case "logicalXor": case "isNaN": case "isInfinite":
      return ulp(0);
    case "add": case "sub": case "mul": case "max": case "prelu": case "dequantizeLinear": case "quantizeLinear": case "lstmCell": case "sqrt":
      return ulp(1);
    case "cast": return ulp(out.dataType === "float32" || out.dataType === "float16" ? 1 : 0);
    case "div": case "reciprocal": case "hardSigmoid": case "linear": return ulp(2);
    case "leakyRelu": return ulp(f16 ? 2 : 1);
    case "softsign": case "lstm": case "gruCell": return ulp(3);
    case "hardSwish": return ulp(4);
    case "batchNormalization": case "gru": return ulp(6);
    case "sigmoid": return ulp(f16 ? 10 : 34);
    case "layerNormalization": return ulp(14);
    case "elu": case "gelu": case "softplus": return ulp(18);
    case "exp": return ulp(f16 ? 1 : 32);
    case "pow": return ulp(32);
    case "instanceNormalization": return ulp(f16 ? 8400 : 840);
    case "log": return { metric: "ATOL", value: 1 / 1024 };
    case "tanh": case "sin": case "cos": case "tan": case "erf": return { metric: "ATOL", value: f16 ? 1 / 512 : 1 / 1024 };
    case "conv2d": case "convTranspose2d": {
      const filter = node.inputs.filter as MLOperand;
      const a = node.attributes as { filterLayout: string; inputLayout: string; groups: number };
      const f = filter.shape;
      const hw: Record<string, [number, number]> = {
        oihw: [f[2], f[3]], hwio: [f[0], f[1]], ohwi: [f[1], f[2]], ihwo: [f[1], f[2]], iohw: [f[2], f[3]], hwoi: [f[0], f[1]],
      };
      const [fh, fw] = hw[a.filterLayout];
      const c = a.inputLayout === "nhwc" ? input!.shape[3] : input!.shape[1];
      return ulp(fh * fw * (c / a.groups) * 2);
    }
    case "matmul": { const A = node.inputs.a as MLOperand; return ulp(A.shape[A.shape.length - 1] * 2); }
    case "softmax": return ulp(input!.shape[node.attributes.axis as number] * 3 + 3);
    case "reduceSum": case "reduceL1": case "reduceProduct": return ulp(reducedCount());
    case "reduceL2": return ulp(2 * reducedCount() + 2);
    case "reduceMean": return ulp(reducedCount() + 2);
    case "reduceLogSum": return ulp(reducedCount() + 18);
    case "reduceLogSumExp": return ulp(2 * reducedCount() + 18);
    case "reduceSumSquare": return ulp(2 * reducedCount());
    case "cumulativeSum": return ulp(out.dataType === "float32" || out.dataType === "float16" ? 3 : 0);
    case "averagePool2d": case "l2Pool2d": {
      const [wh, ww] = node.attributes.windowDimensions as number[];
      return ulp(wh * ww + 2);
    }
    case "resample2d": return ulp(node.attributes.mode === "linear" ? (f16 ? 10 : 84) : 0);
    case "gemm": {
      const A = node.inputs.a as MLOperand;
      const a = node.attributes as { alpha: number; beta: number; aTranspose: boolean };
      const k = a.aTranspose ? A.shape[0] : A.shape[1];
      let t = k * 2;
      if (a.alpha !== 1) t += 1;
      if (node.inputs.c) { t += 1; if (a.beta !== 1) t += 1; }
      return ulp(t);
    }
    default: throw new Error(`no WPT tolerance known for ${op}`);
  }
}

/** Tolerances add up over the operators of a graph (WPT). */
export function graphTolerance(graph: MLGraph, half = false): Tolerance {
  let ulp = 0;
  let atol = 0;
  for (const n of graph.nodes) {
    const t = nodeTolerance(n.op, n as never, half);
    if (t.metric === "ULP") ulp += t.value; else atol += t.value;
  }
  return atol > 0 ? { metric: "ATOL", value: atol } : { metric: "ULP", value: ulp };
}

// ------------------------------------------------------------------ comparison

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 ULP position: IEEE bits on a sign-magnitude linear scale (crossing zero adds both sides). */
function float32Linear(x: number): number {
  f32[0] = x;
  const b = u32[0];
  return b & 0x80000000 ? -(b & 0x7fffffff) : b;
}


export function ulpDistance(a: number, b: number, dataType: MLOperandDataType): number {
  if (Object.is(a, b) || a === b) return 0;
  if (dataType === "float16") {
    const norm = (h: number) => (h === 0x8000 ? 0 : h);
    return Math.abs(norm(halfBits(a)) - norm(halfBits(b)));
  }
  return Math.abs(float32Linear(a) - float32Linear(b));
}

export interface Comparison {
  pass: boolean;
  /** Largest error seen, in the tolerance's unit. */
  worst: number;
  firstMismatch?: { index: number; actual: number; expected: number };
}

/** Compares per element; a single expected number means the first 1,000 elements must equal it. */
export function compareOutput(actual: WebNNTensor, expected: WptTensor, tol: Tolerance, half = false): Comparison {
  const exp = Array.isArray(expected.data) ? expected.data.map(wptNumber) : null;
  const single = exp ? undefined : wptNumber(expected.data as WptValue);
  const act = actual.data as ArrayLike<number | bigint>;
  const isF16 = actual.dataType === "float16";
  const n = exp ? exp.length : Math.min(1000, act.length);
  let worst = 0;
  if (exp && exp.length !== act.length) return { pass: false, worst: Infinity, firstMismatch: { index: -1, actual: act.length, expected: exp.length } };
  for (let i = 0; i < n; i++) {
    const e = exp ? exp[i] : single!;
    let a: number | bigint = act[i];
    if (isF16) a = halfToNumber(a as number);
    if (typeof e === "bigint" || typeof a === "bigint") {
      if (BigInt(a) !== BigInt(e)) return { pass: false, worst: Infinity, firstMismatch: { index: i, actual: Number(a), expected: Number(e) } };
      continue;
    }
    const isFloat = actual.dataType === "float32" || actual.dataType === "float16";
    let err: number;
    if (Number.isNaN(e) || Number.isNaN(a)) err = Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
    else if (!Number.isFinite(e) || !Number.isFinite(a)) err = a === e ? 0 : Infinity;
    else if (!isFloat) err = a === e ? 0 : Infinity;
    else if (tol.metric === "ATOL") err = Math.abs(a - e);
    else if (half) err = ulpDistance(a, e, "float16"); // float32 outputs of a float16 computation, in float16 ULPs
    else err = ulpDistance(a, isF16 ? e : Math.fround(e), actual.dataType);
    if (err > worst) worst = err;
    if (err > tol.value) return { pass: false, worst, firstMismatch: { index: i, actual: a, expected: e } };
  }
  return { pass: true, worst };
}

