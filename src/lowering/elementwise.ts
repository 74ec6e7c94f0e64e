// Element-wise operators: binary arithmetic, comparisons, logical ops, unary math,
// activations, clamp and cast.
import type { MilBinaryOp, MilUnaryOp } from "../mil/op-types.js";
import type { GraphNode, MLOperand } from "../graph/operand.js";
import { broadcastShapes, sameShape } from "../graph/shape-rules.js";
import type { BinaryOperatorName, InputOperatorName } from "../graph/operators.js";
import type { MLOperandDataType } from "../graph/types.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";
import { castNumber, int32Of, internalDataType } from "./tensor-data.js";


function isFloatValue(v: MilValue): boolean {
  return v.type.dataType === "fp32" || v.type.dataType === "fp16";
}

// ---------------------------------------------------------------- binary

function binaryLowering(milOp: MilBinaryOp) {
  return (node: GraphNode<BinaryOperatorName>, ctx: LoweringContext) => {
    const a = ctx.get(node.inputs.a);
    const b = ctx.get(node.inputs.b);
    ctx.set(node.outputs[0], ctx.binary(milOp, a, b));
  };
}

/**
 * uint32 values live in int32 as their bit pattern; adding -2^31 (wrapping) maps unsigned order
 * onto signed order, so order-dependent ops (max, min, comparisons, reduceMax/Min, argMax/Min)
 * run on flipped values. flipUnsigned is its own inverse.
 */
export function flipUnsigned(ctx: LoweringContext, operand: MLOperand, x: MilValue): MilValue {
  if (operand.dataType !== "uint32") return x;
  return ctx.binary("add", x, ctx.scalar("int32", -2147483648, "sign_flip"));
}

/** max/min, with uint32 compared in unsigned order. */
function orderedBinaryLowering(milOp: "maximum" | "minimum") {
  return (node: GraphNode<BinaryOperatorName>, ctx: LoweringContext) => {
    const A = node.inputs.a;
    const a = flipUnsigned(ctx, A, ctx.get(A));
    const b = flipUnsigned(ctx, A, ctx.get(node.inputs.b));
    ctx.set(node.outputs[0], flipUnsigned(ctx, A, ctx.binary(milOp, a, b)));
  };
}

/**
 * div. Floats: real_div. Integers: WebNN truncates toward zero; MIL floor_div floors, so the
 * quotient is raised by one where the remainder is not zero and the signs differ. uint32 values
 * ≥ 2^31 cannot be divided in int32: UnsupportedError only when such values are possible
 * (non-constant, or constant with such values).
 */
function div(node: GraphNode<"div">, ctx: LoweringContext) {
  const A = node.inputs.a;
  const a = ctx.get(A);
  const b = ctx.get(node.inputs.b);
  if (isFloatValue(a)) { ctx.set(node.outputs[0], ctx.binary("real_div", a, b)); return; }
  if (A.dataType === "uint32" || A.dataType === "uint64") {
    ctx.unsupported(node, `${A.dataType} division is not supported: Core ML divides integers as int32, so values of 2^31 and above would be wrong`);
  }
  const q = ctx.binary("floor_div", a, b);
  const zero = ctx.int(0, "zero");
  const inexact = ctx.binary("not_equal", ctx.binary("mod", a, b), zero, "bool");
  const signsDiffer = ctx.binary("logical_xor", ctx.binary("less", a, zero, "bool"), ctx.binary("less", b, zero, "bool"), "bool");
  const fix = ctx.binary("logical_and", inexact, signsDiffer, "bool");
  ctx.set(node.outputs[0], ctx.op("select", { cond: fix, a: ctx.binary("add", q, ctx.int(1, "one")), b: q }, q.type));
}

/** Comparisons produce bool in MIL; WebNN wants uint8 (kept as int32 inside the program). */
function comparisonLowering(milOp: MilBinaryOp) {
  return (node: GraphNode<BinaryOperatorName>, ctx: LoweringContext) => {
    const A = node.inputs.a;
    const a = flipUnsigned(ctx, A, ctx.get(A));
    const b = flipUnsigned(ctx, A, ctx.get(node.inputs.b));
    ctx.set(node.outputs[0], ctx.cast(ctx.binary(milOp, a, b, "bool"), "int32"));
  };
}

/**
 * roundEven exactly: MIL round's handling of x.5 differs between Core ML backends, so
 * f = floor(x), d = x - f (exact), and f + 1 where d > 0.5, or d == 0.5 and f is odd.
 */
export function roundHalfEven(ctx: LoweringContext, x: MilValue): MilValue {
  const dt = x.type.dataType;
  const f = ctx.unary("floor", x);
  const d = ctx.binary("sub", x, f);
  const half = ctx.scalar(dt, 0.5, "half");
  const above = ctx.binary("greater", d, half, "bool");
  const tie = ctx.binary("equal", d, half, "bool");
  const odd = ctx.binary("not_equal", ctx.binary("mod", f, ctx.scalar(dt, 2, "two")), ctx.scalar(dt, 0, "zero"), "bool");
  const up = ctx.binary("logical_or", above, ctx.binary("logical_and", tie, odd, "bool"), "bool");
  return ctx.op("select", { cond: up, a: ctx.binary("add", f, ctx.scalar(dt, 1, "one")), b: f }, x.type);
}

function roundEven(node: GraphNode<"roundEven">, ctx: LoweringContext) {
  ctx.set(node.outputs[0], roundHalfEven(ctx, ctx.get(node.inputs.input)));
}

/** uint8 → bool: x != 0. */
function toBool(ctx: LoweringContext, x: MilValue): MilValue {
  return ctx.binary("not_equal", x, ctx.scalar(x.type.dataType, 0, "zero"), "bool");
}

function logicalLowering(milOp: MilBinaryOp) {
  return (node: GraphNode<BinaryOperatorName>, ctx: LoweringContext) => {
    const a = toBool(ctx, ctx.get(node.inputs.a));
    const b = toBool(ctx, ctx.get(node.inputs.b));
    ctx.set(node.outputs[0], ctx.cast(ctx.binary(milOp, a, b, "bool"), "int32"));
  };
}

function logicalNot(node: GraphNode<"logicalNot">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const isZero = ctx.binary("equal", x, ctx.scalar(x.type.dataType, 0, "zero"), "bool");
  ctx.set(node.outputs[0], ctx.cast(isZero, "int32"));
}

// ---------------------------------------------------------------- unary

function unaryLowering(milOp: MilUnaryOp) {
  return (node: GraphNode<InputOperatorName>, ctx: LoweringContext) => {
    ctx.set(node.outputs[0], ctx.unary(milOp, ctx.get(node.inputs.input)));
  };
}

function neg(node: GraphNode<"neg">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  ctx.set(node.outputs[0], ctx.binary("mul", x, ctx.scalar(x.type.dataType, -1, "minus_one")));
}

function abs(node: GraphNode<"abs">, ctx: LoweringContext) {
  ctx.set(node.outputs[0], ctx.unary("abs", ctx.get(node.inputs.input)));
}

function relu(node: GraphNode<"relu">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  // MIL relu takes floats only; integer relu is max(x, 0).
  ctx.set(node.outputs[0], isFloatValue(x) ? ctx.unary("relu", x) : ctx.binary("maximum", x, ctx.scalar("int32", 0, "zero")));
}

function log(node: GraphNode<"log">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  // MIL log computes log(x + epsilon) with a default epsilon of 1e-45; WebNN wants log(x).
  ctx.set(node.outputs[0], ctx.unary("log", x, { epsilon: ctx.scalar(x.type.dataType, 0, "epsilon") }));
}

function reciprocal(node: GraphNode<"reciprocal">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  // 1 / x with real_div: MIL inverse computes 1 / (x + epsilon), and even with epsilon 0 the
  // addition turns -0 into +0 (WebNN: reciprocal(-0) = -Infinity).
  ctx.set(node.outputs[0], ctx.binary("real_div", ctx.scalar(x.type.dataType, 1, "one"), x));
}

/** sign: -1, 0 or 1; the spec's "0 otherwise" makes sign(NaN) = 0 (MIL sign keeps NaN). */
function sign(node: GraphNode<"sign">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const s = ctx.unary("sign", x);
  if (!isFloatValue(x)) { ctx.set(node.outputs[0], s); return; }
  const isNumber = ctx.binary("equal", x, x, "bool");
  ctx.set(node.outputs[0], ctx.op("select", { cond: isNumber, a: s, b: ctx.scalar(x.type.dataType, 0, "zero") }, x.type));
}

function identity(node: GraphNode<"identity">, ctx: LoweringContext) {
  ctx.set(node.outputs[0], ctx.unary("identity", ctx.get(node.inputs.input)));
}

// ---------------------------------------------------------------- activations with parameters

/** Activation parameters (alpha, beta) are consts of the input's dtype. */
function param(ctx: LoweringContext, x: MilValue, v: number, hint: string): MilValue {
  return ctx.scalar(x.type.dataType, v, hint);
}

function elu(node: GraphNode<"elu">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  ctx.set(node.outputs[0], ctx.unary("elu", x, { alpha: param(ctx, x, node.attributes.alpha, "alpha") }));
}

function leakyRelu(node: GraphNode<"leakyRelu">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  ctx.set(node.outputs[0], ctx.unary("leaky_relu", x, { alpha: param(ctx, x, node.attributes.alpha, "alpha") }));
}

function hardSigmoid(node: GraphNode<"hardSigmoid">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  ctx.set(node.outputs[0], ctx.unary("sigmoid_hard", x, {
    alpha: param(ctx, x, node.attributes.alpha, "alpha"),
    beta: param(ctx, x, node.attributes.beta, "beta"),
  }));
}

function hardSwish(node: GraphNode<"hardSwish">, ctx: LoweringContext) {
  // WebNN: x * max(0, min(6, x + 3)) / 6. Computed as x * min(max(x + 3, 0), 6) / 6 so that
  // no constant needs rounding (1/6 is not exact in float16).
  const x = ctx.get(node.inputs.input);
  const dt = x.type.dataType;
  const shifted = ctx.binary("add", x, ctx.scalar(dt, 3, "three"));
  const clipped = ctx.unary("clip", shifted, { alpha: ctx.scalar(dt, 0, "zero"), beta: ctx.scalar(dt, 6, "six") });
  const prod = ctx.binary("mul", x, clipped);
  ctx.set(node.outputs[0], ctx.binary("real_div", prod, ctx.scalar(dt, 6, "six")));
}

function linear(node: GraphNode<"linear">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  ctx.set(node.outputs[0], ctx.unary("linear_activation", x, {
    alpha: param(ctx, x, node.attributes.alpha, "alpha"),
    beta: param(ctx, x, node.attributes.beta, "beta"),
  }));
}

function softmax(node: GraphNode<"softmax">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  ctx.set(node.outputs[0], ctx.unary("softmax", x, { axis: ctx.int(node.attributes.axis, "axis") }));
}

/**
 * clamp = min(max(x, minValue), maxValue). Floats use MIL clip when both bounds are finite
 * and minValue < maxValue (clip requires alpha < beta from iOS 17), else maximum/minimum.
 * uint32 values live as int32 bit patterns: adding -2^31 (wrapping) maps unsigned order onto
 * signed order, so the comparison is done there and mapped back.
 */
function clamp(node: GraphNode<"clamp">, ctx: LoweringContext) {
  const src = node.inputs.input;
  const x = ctx.get(src);
  let lo = node.attributes.minValue;
  let hi = node.attributes.maxValue;
  const dt = x.type.dataType;
  if (isFloatValue(x)) {
    if (Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) {
      ctx.set(node.outputs[0], ctx.unary("clip", x, { alpha: param(ctx, x, lo, "min"), beta: param(ctx, x, hi, "max") }));
      return;
    }
    let y = x;
    if (lo > -Infinity) y = ctx.binary("maximum", y, param(ctx, x, lo, "min"));
    if (hi < Infinity) y = ctx.binary("minimum", y, param(ctx, x, hi, "max"));
    ctx.set(node.outputs[0], y === x ? ctx.unary("identity", x) : y);
    return;
  }
  // Integers, held in int32. A bound is cast to the operand's type (saturating, as WebNN casts
  // an MLNumber); int64/uint64 values are held in int32, so a bound beyond int32 on the far side
  // binds nothing, and one that would bind every element to a value int32 cannot hold is refused.
  // uint32: shift to signed order first.
  const type = src.dataType;
  const unsigned32 = type === "uint32";
  const shift = unsigned32 ? -2147483648 : 0;
  const [tmin, tmax] = unsigned32 ? [0, 4294967295] : [-2147483648, 2147483647];
  const site = (what: string) => ({ operator: node.op, operand: node.label ?? src.label, what });
  lo = castNumber(Math.ceil(lo), type);
  hi = castNumber(Math.floor(hi), type);
  if (lo > tmax) int32Of(lo, type, site("minValue"));
  if (hi < tmin) int32Of(hi, type, site("maxValue"));
  let y = unsigned32 ? ctx.binary("add", x, ctx.scalar(dt, shift, "sign_flip")) : x;
  const start = y;
  if (lo > tmin) y = ctx.binary("maximum", y, ctx.scalar(dt, lo + shift, "min"));
  if (hi < tmax) y = ctx.binary("minimum", y, ctx.scalar(dt, hi + shift, "max"));
  if (unsigned32) y = y === start ? ctx.unary("identity", x) : ctx.binary("add", y, ctx.scalar(dt, shift, "sign_flip"));
  ctx.set(node.outputs[0], y === x ? ctx.unary("identity", x) : y);
}

// ---------------------------------------------------------------- cast

/**
 * cast. Integers live as int32 inside the program; narrowing to int8/uint8/int4/uint4 wraps
 * (two's complement, as a C cast does) with a modulo, so that later operators see the value
 * the WebNN type holds. uint32 sources are reinterpreted (bit pattern) when widened to float.
 */
function cast(node: GraphNode<"cast">, ctx: LoweringContext) {
  const src = node.inputs.input;
  const to = node.attributes.type;
  const x = ctx.get(src);
  const target = internalDataType(to);
  let y: MilValue;
  if (target === "int32") {
    // float → int truncates toward zero (MIL cast), then wrap to the narrow type's range.
    // float → uint32: values ≥ 2^31 are brought to their int32 bit pattern first.
    let from = x;
    if (isFloatValue(x) && to === "uint32") {
      const big = ctx.binary("greater_equal", x, ctx.scalar(x.type.dataType, 2147483648, "two31"), "bool");
      from = ctx.op("select", { cond: big, a: ctx.binary("sub", x, ctx.scalar(x.type.dataType, 4294967296, "two32")), b: x }, x.type);
    }
    y = ctx.cast(from, "int32");
    y = wrapInteger(ctx, y, to);
    if (y === x) y = ctx.unary("identity", x);
  } else {
    y = ctx.cast(x, target);
    if (src.dataType === "uint32" && y !== x) {
      // Values ≥ 2^31 arrive as negative int32: add 2^32 to the float result.
      const neg = ctx.binary("less", x, ctx.scalar("int32", 0, "zero"), "bool");
      const adjusted = ctx.binary("add", y, ctx.scalar(target, 4294967296, "two32"));
      y = ctx.op("select", { cond: neg, a: adjusted, b: y }, y.type);
    }
    if (y === x) y = ctx.unary("identity", x);
  }
  ctx.set(node.outputs[0], y);
}

/** Brings an int32 value into the range of a narrower WebNN integer type (wrapping). */
function wrapInteger(ctx: LoweringContext, x: MilValue, to: MLOperandDataType): MilValue {
  const bits = to === "int8" || to === "uint8" ? 8 : to === "int4" || to === "uint4" ? 4 : 0;
  if (!bits) return x;
  const m = 1 << bits;
  if (to === "uint8" || to === "uint4") return ctx.binary("mod", x, ctx.scalar("int32", m, "modulus"));
  // signed: ((x + m/2) mod m) - m/2
  const shifted = ctx.binary("add", x, ctx.scalar("int32", m / 2, "half_range"));
  const wrapped = ctx.binary("mod", shifted, ctx.scalar("int32", m, "modulus"));
  return ctx.binary("sub", wrapped, ctx.scalar("int32", m / 2, "half_range"));
}


// ---------------------------------------------------------------- more element-wise

function gelu(node: GraphNode<"gelu">, ctx: LoweringContext) {
  // WebNN gelu is the exact form x * 0.5 * (1 + erf(x / sqrt(2))): MIL gelu mode EXACT.
  const x = ctx.get(node.inputs.input);
  ctx.set(node.outputs[0], ctx.unary("gelu", x, { mode: ctx.str("EXACT", "mode") }));
}

function isNaN(node: GraphNode<"isNaN">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  ctx.set(node.outputs[0], ctx.cast(ctx.binary("not_equal", x, x, "bool"), "int32"));
}

function isInfinite(node: GraphNode<"isInfinite">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const inf = ctx.binary("equal", ctx.unary("abs", x), ctx.scalar(x.type.dataType, Infinity, "inf"), "bool");
  ctx.set(node.outputs[0], ctx.cast(inf, "int32"));
}

/** prelu: x where x >= 0, else slope * x (slope broadcasts). Works for floats and int32. */
function prelu(node: GraphNode<"prelu">, ctx: LoweringContext) {
  const x = ctx.get(node.inputs.input);
  const slope = ctx.get(node.inputs.slope);
  const nonNegative = ctx.binary("greater_equal", x, ctx.scalar(x.type.dataType, 0, "zero"), "bool");
  const scaled = ctx.binary("mul", x, slope);
  ctx.set(node.outputs[0], ctx.op("select", { cond: nonNegative, a: x, b: scaled }, tensorType(x.type.dataType, node.outputs[0].shape)));
}

/** where: condition (uint8) != 0 selects trueValue, else falseValue; all three broadcast. */
function where(node: GraphNode<"where">, ctx: LoweringContext) {
  const cond = toBool(ctx, ctx.get(node.inputs.condition));
  const out = node.outputs[0].shape;
  let a = ctx.get(node.inputs.trueValue);
  const b = ctx.get(node.inputs.falseValue);
  // MIL select's type follows a and b only: when the condition widens the result, widen a first.
  const ab = broadcastShapes(a.type.shape, b.type.shape, { operator: "where" });
  if (!sameShape(ab, out)) a = ctx.broadcastTo(a, out);
  ctx.set(node.outputs[0], ctx.op("select", { cond, a, b }, tensorType(a.type.dataType, out)));
}

export const elementwiseLowerings = {
  add: binaryLowering("add"),
  sub: binaryLowering("sub"),
  mul: binaryLowering("mul"),
  div,
  max: orderedBinaryLowering("maximum"),
  min: orderedBinaryLowering("minimum"),
  pow: binaryLowering("pow"),
  equal: comparisonLowering("equal"),
  notEqual: comparisonLowering("not_equal"),
  greater: comparisonLowering("greater"),
  greaterOrEqual: comparisonLowering("greater_equal"),
  lesser: comparisonLowering("less"),
  lesserOrEqual: comparisonLowering("less_equal"),
  logicalAnd: logicalLowering("logical_and"),
  logicalOr: logicalLowering("logical_or"),
  logicalXor: logicalLowering("logical_xor"),
  logicalNot,
  abs,
  ceil: unaryLowering("ceil"),
  cos: unaryLowering("cos"),
  erf: unaryLowering("erf"),
  exp: unaryLowering("exp"),
  floor: unaryLowering("floor"),
  identity,
  log,
  neg,
  reciprocal,
  sin: unaryLowering("sin"),
  sqrt: unaryLowering("sqrt"),
  tan: unaryLowering("tan"),
  relu,
  sigmoid: unaryLowering("sigmoid"),
  tanh: unaryLowering("tanh"),
  softsign: unaryLowering("softsign"),
  softplus: unaryLowering("softplus"),
  elu,
  leakyRelu,
  hardSigmoid,
  hardSwish,
  linear,
  softmax,
  clamp,
  cast,
  sign,
  roundEven,
  gelu,
  isNaN,
  isInfinite,
  prelu,
  where,
} satisfies LoweringFamily;

