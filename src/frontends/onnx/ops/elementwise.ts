// Element-wise ONNX operators: unary math and activations, binary arithmetic and comparisons
// (numpy broadcasting, as WebNN's), variadic Max/Min/Sum/Mean, Clip, Where, Cast.
import type { MLOperand } from "../../../graph/operand.js";
import type { MLOperandDataType } from "../../../graph/types.js";
import type { ImportContext } from "../context.js";
import { cast as castTensor, elementwise } from "../fold.js";
import { numbers, scalarTensor, webnnTypeOf } from "../tensor.js";
import type { OnnxOp, OnnxOpTable } from "./types.js";

type UnaryMethod = "abs" | "ceil" | "cos" | "erf" | "exp" | "floor" | "identity" | "log" | "neg" | "reciprocal" | "sin" | "sqrt" | "tan"
  | "relu" | "sigmoid" | "tanh" | "softsign" | "softplus" | "sign" | "roundEven" | "isNaN" | "logicalNot" | "hardSwish";

const UNARY_FOLD: Partial<Record<UnaryMethod, (x: number) => number>> = {
  abs: Math.abs, ceil: Math.ceil, floor: Math.floor, neg: (x) => -x, sqrt: Math.sqrt, exp: Math.exp, log: Math.log,
  reciprocal: (x) => 1 / x, identity: (x) => x, sign: Math.sign, relu: (x) => Math.max(0, x), logicalNot: (x) => (x ? 0 : 1),
  sin: Math.sin, cos: Math.cos, tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

function unary(method: UnaryMethod): OnnxOp {
  const f = UNARY_FOLD[method];
  return {
    fold: f ? (c) => [elementwise([c.constant(0, "x")], method === "logicalNot" ? "uint8" : c.dataType(0), f)] : undefined,
    lower: (c) => [c.builder[method](c.operand(0), c.label)],
  };
}

type BinaryMethod = "add" | "sub" | "mul" | "div" | "pow" | "max" | "min" | "equal" | "greater" | "greaterOrEqual" | "lesser" | "lesserOrEqual"
  | "logicalAnd" | "logicalOr" | "logicalXor" | "prelu";

const isInt = (t: MLOperandDataType) => t !== "float32" && t !== "float16";

const BINARY_FOLD: Record<BinaryMethod, (a: number, b: number, int: boolean) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b,
  div: (a, b, int) => (int ? Math.trunc(a / b) : a / b), pow: (a, b) => a ** b, max: (a, b) => Math.max(a, b), min: (a, b) => Math.min(a, b),
  equal: (a, b) => +(a === b), greater: (a, b) => +(a > b), greaterOrEqual: (a, b) => +(a >= b), lesser: (a, b) => +(a < b),
  lesserOrEqual: (a, b) => +(a <= b), logicalAnd: (a, b) => +(!!a && !!b), logicalOr: (a, b) => +(!!a || !!b),
  logicalXor: (a, b) => +(!!a !== !!b), prelu: (a, b) => (a < 0 ? a * b : a),
};
const LOGICAL = new Set<BinaryMethod>(["equal", "greater", "greaterOrEqual", "lesser", "lesserOrEqual", "logicalAnd", "logicalOr", "logicalXor"]);

function binary(method: BinaryMethod): OnnxOp {
  return {
    fold: (c) => {
      const t = c.dataType(0);
      return [elementwise([c.constant(0, "A"), c.constant(1, "B")], LOGICAL.has(method) ? "uint8" : t, (a, b) => BINARY_FOLD[method](a, b, isInt(t)))];
    },
    lower: (c) => [c.builder[method](c.operand(0), c.operand(1), c.label)],
  };
}

/** Max, Min, Sum, Mean: any number of inputs, pairwise. */
function variadic(method: "max" | "min" | "add", mean = false): OnnxOp {
  return {
    lower: (c) => {
      let acc = c.operand(0);
      for (let i = 1; i < c.inputCount; i++) if (c.has(i)) acc = c.builder[method](acc, c.operand(i));
      if (mean && c.inputCount > 1) acc = c.builder.div(acc, scalar(c, acc.dataType, c.inputCount));
      return [mean || c.inputCount === 1 ? c.builder.identity(acc, c.label) : acc];
    },
  };
}

/**
 * Mod. Integers, exactly: r = a − trunc(a / b)·b (WebNN's integer div truncates), the sign of
 * a (fmod = 1); for fmod = 0 the sign of b, r + b where r and b differ in sign. Floats (fmod = 1,
 * as ONNX requires): a − trunc(a / b)·b, with the float quotient's rounding.
 */
function mod(c: ImportContext): MLOperand[] {
  const b = c.builder;
  const x = c.operand(0), y = c.operand(1);
  const fmod = c.int("fmod", 0) === 1;
  const dt = x.dataType;
  if (!isInt(dt) && !fmod) c.fail("fmod must be 1 for floating-point inputs", "argument-value");
  const zero = scalar(c, dt, 0);
  const q = isInt(dt) ? b.div(x, y) : (() => { const f = b.div(x, y); return b.where(b.lesser(f, zero), b.ceil(f), b.floor(f)); })();
  const r = b.sub(x, b.mul(q, y), fmod ? c.label : {});
  if (fmod) return [r];
  const differ = b.logicalAnd(b.notEqual(r, zero), b.notEqual(b.lesser(r, zero), b.lesser(y, zero)));
  return [b.where(differ, b.add(r, y), r, c.label)];
}

export function scalar(c: ImportContext, dataType: MLOperandDataType, v: number): MLOperand {
  return c.toOperand(scalarTensor(dataType, v));
}

/** ONNX Cast's "to" as a WebNN type (bool → uint8, double → float32, …). */
function castTarget(c: ImportContext): MLOperandDataType {
  const to = c.int("to");
  const t = to === undefined ? undefined : webnnTypeOf(to);
  if (!t || t === "int4" || t === "uint4") return c.fail(`cannot cast to ONNX type ${to}`);
  return t;
}

export const ELEMENTWISE_OPS: OnnxOpTable = {
  Abs: unary("abs"), Ceil: unary("ceil"), Cos: unary("cos"), Erf: unary("erf"), Exp: unary("exp"), Floor: unary("floor"),
  Identity: { fold: (c) => [c.constant(0, "input")], lower: (c) => [c.builder.identity(c.operand(0), c.label)] },
  Log: unary("log"), Neg: unary("neg"), Reciprocal: unary("reciprocal"), Sin: unary("sin"), Sqrt: unary("sqrt"), Tan: unary("tan"),
  Relu: unary("relu"), Sigmoid: unary("sigmoid"), Tanh: unary("tanh"), Softsign: unary("softsign"), Softplus: unary("softplus"),
  Sign: unary("sign"), Round: unary("roundEven"), IsNaN: unary("isNaN"), Not: unary("logicalNot"), HardSwish: unary("hardSwish"),
  IsInf: {
    lower: (c) => {
      const pos = c.int("detect_positive", 1);
      const neg = c.int("detect_negative", 1);
      const x = c.operand(0);
      if (pos && neg) return [c.builder.isInfinite(x, c.label)];
      const inf = c.builder.isInfinite(x);
      if (!pos && !neg) return [c.builder.logicalAnd(inf, c.builder.logicalNot(inf), c.label)];
      const side = pos ? c.builder.greater(x, scalar(c, x.dataType, 0)) : c.builder.lesser(x, scalar(c, x.dataType, 0));
      return [c.builder.logicalAnd(inf, side, c.label)];
    },
  },
  Add: binary("add"), Sub: binary("sub"), Mul: binary("mul"), Div: binary("div"), Pow: binary("pow"),
  Equal: binary("equal"), Greater: binary("greater"), GreaterOrEqual: binary("greaterOrEqual"), Less: binary("lesser"), LessOrEqual: binary("lesserOrEqual"),
  And: binary("logicalAnd"), Or: binary("logicalOr"), Xor: binary("logicalXor"), PRelu: binary("prelu"),
  Mod: {
    fold: (c) => {
      const fmod = c.int("fmod", 0) === 1;
      return [elementwise([c.constant(0, "A"), c.constant(1, "B")], c.dataType(0), (a, b) => (fmod ? a % b : ((a % b) + b) % b))];
    },
    lower: mod,
  },
  Max: { ...variadic("max"), fold: (c) => [elementwise(Array.from({ length: c.inputCount }, (_, i) => c.constant(i, "input")), c.dataType(0), Math.max)] },
  Min: { ...variadic("min"), fold: (c) => [elementwise(Array.from({ length: c.inputCount }, (_, i) => c.constant(i, "input")), c.dataType(0), Math.min)] },
  Sum: variadic("add"), Mean: variadic("add", true),
  Elu: { lower: (c) => [c.builder.elu(c.operand(0), { alpha: c.float("alpha", 1), ...c.label })] },
  LeakyRelu: { lower: (c) => [c.builder.leakyRelu(c.operand(0), { alpha: c.float("alpha", 0.01), ...c.label })] },
  HardSigmoid: { lower: (c) => [c.builder.hardSigmoid(c.operand(0), { alpha: c.float("alpha", 0.2), beta: c.float("beta", 0.5), ...c.label })] },
  Selu: {
    lower: (c) => {
      const x = c.operand(0);
      const alpha = c.float("alpha", 1.67326319217681884765625);
      const gamma = c.float("gamma", 1.05070102214813232421875);
      return [c.builder.mul(c.builder.elu(x, { alpha }), scalar(c, x.dataType, gamma), c.label)];
    },
  },
  Gelu: {
    lower: (c) => {
      const approx = c.string("approximate", "none");
      const x = c.operand(0);
      if (approx === "none") return [c.builder.gelu(x, c.label)];
      // tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const b = c.builder;
      const dt = x.dataType;
      const inner = b.mul(b.add(x, b.mul(b.mul(b.mul(x, x), x), scalar(c, dt, 0.044715))), scalar(c, dt, Math.sqrt(2 / Math.PI)));
      return [b.mul(b.mul(x, scalar(c, dt, 0.5)), b.add(b.tanh(inner), scalar(c, dt, 1)), c.label)];
    },
  },
  Clip: {
    lower: (c) => {
      // opset < 11: min/max attributes; from 11: optional inputs, which must be known.
      let minValue = c.opset < 11 ? c.float("min", -Infinity) : undefined;
      let maxValue = c.opset < 11 ? c.float("max", Infinity) : undefined;
      if (c.opset >= 11) {
        if (c.has(1)) minValue = numbers(c.constant(1, "min"))[0];
        if (c.has(2)) maxValue = numbers(c.constant(2, "max"))[0];
      }
      return [c.builder.clamp(c.operand(0), { ...(minValue !== undefined ? { minValue } : {}), ...(maxValue !== undefined ? { maxValue } : {}), ...c.label })];
    },
  },
  Where: {
    fold: (c) => [elementwise([c.constant(0, "condition"), c.constant(1, "X"), c.constant(2, "Y")], c.dataType(1), (k, x, y) => (k ? x : y))],
    lower: (c) => [c.builder.where(c.operand(0), c.operand(1), c.operand(2), c.label)],
  },
  Cast: {
    fold: (c) => {
      const to = castTarget(c);
      const t = c.constant(0, "input");
      // ONNX BOOL is 0/1.
      return [c.int("to") === 9 ? elementwise([t], "uint8", (x) => +!!x) : castTensor(t, to)];
    },
    lower: (c) => {
      const to = castTarget(c);
      const x = c.operand(0);
      if (c.int("to") === 9 && x.dataType !== "uint8") return [c.builder.cast(c.builder.notEqual(x, scalar(c, x.dataType, 0)), "uint8", c.label)];
      return [x.dataType === to ? c.builder.identity(x, c.label) : c.builder.cast(x, to, c.label)];
    },
  },
  CastLike: {
    lower: (c) => {
      const to = c.dataType(1);
      const x = c.operand(0);
      return [x.dataType === to ? c.builder.identity(x, c.label) : c.builder.cast(x, to, c.label)];
    },
  },
  Dropout: { lower: (c) => [c.builder.identity(c.operand(0), c.label)] },
};
