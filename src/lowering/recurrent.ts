// Recurrent networks: gru, gruCell, lstm, lstmCell, unrolled over their steps into matmul,
// split, add, mul and activations, following the WebNN spec's formulas.
import type { GraphNode, MLOperand } from "../graph/operand.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import type { LoweringContext } from "./context.js";
import type { LoweringFamily } from "./table.js";

type Activation = "relu" | "sigmoid" | "tanh";

function activate(ctx: LoweringContext, x: MilValue, a: Activation): MilValue {
  return ctx.unary(a, x);
}

/** x @ W^T: [B, I] × [G, I] → [B, G]. */
function matmulT(ctx: LoweringContext, x: MilValue, w: MilValue): MilValue {
  return ctx.op("matmul", { x, y: w, transpose_x: ctx.bool(false, "transpose_x"), transpose_y: ctx.bool(true, "transpose_y") },
    tensorType(x.type.dataType, [x.type.shape[0], w.type.shape[0]]));
}

/** Splits [B, n*H] into n tensors [B, H]. */
function splitGates(ctx: LoweringContext, x: MilValue, n: number, hidden: number): MilValue[] {
  const [b] = x.type.shape;
  return ctx.mil.op("split", { x, split_sizes: ctx.ints(new Array(n).fill(hidden), "split_sizes"), axis: ctx.int(1, "axis") },
    new Array(n).fill(0).map(() => tensorType(x.type.dataType, [b, hidden])), "gates");
}

/** Rows [start, start+size) of a 1-D or 2-D value (a gate's part of a weight or bias). */
function rows(ctx: LoweringContext, v: MilValue, start: number, size: number): MilValue {
  const shape = [...v.type.shape];
  const begin = shape.map((_, i) => (i === 0 ? start : 0));
  const end = shape.map((d, i) => (i === 0 ? start + size : d));
  return ctx.op("slice_by_index", { x: v, begin: ctx.ints(begin, "begin"), end: ctx.ints(end, "end") }, tensorType(v.type.dataType, shape.map((d, i) => (i === 0 ? size : d))));
}

/** Direction d of a per-direction operand [numDirections, ...] → [...]. */
function direction(ctx: LoweringContext, v: MilValue, d: number): MilValue {
  const shape = [...v.type.shape];
  const begin = shape.map((_, i) => (i === 0 ? d : 0));
  const end = shape.map((s, i) => (i === 0 ? d + 1 : s));
  const sliced = ctx.op("slice_by_index", { x: v, begin: ctx.ints(begin, "begin"), end: ctx.ints(end, "end") }, tensorType(v.type.dataType, [1, ...shape.slice(1)]));
  return ctx.reshape(sliced, shape.slice(1));
}

function zeros(ctx: LoweringContext, dt: MilValue["type"]["dataType"], shape: number[]): MilValue {
  return ctx.constant(dt, shape, new Array(shape.reduce((a, b) => a * b, 1)).fill(0), "zeros");
}

interface GruWeights { w: MilValue; r: MilValue; b?: MilValue; rb?: MilValue }

/** Splits a [n*H] bias into n [H] parts. */
function splitBias(ctx: LoweringContext, b: MilValue | undefined, n: number, hidden: number): (MilValue | undefined)[] {
  if (!b) return new Array(n).fill(undefined);
  return ctx.mil.op("split", { x: b, split_sizes: ctx.ints(new Array(n).fill(hidden), "split_sizes"), axis: ctx.int(0, "axis") },
    new Array(n).fill(0).map(() => tensorType(b.type.dataType, [hidden])), "bias");
}

/** a + b where either may be absent (the spec adds a zero constant, which changes nothing). */
function add(ctx: LoweringContext, a: MilValue | undefined, b: MilValue | undefined): MilValue | undefined {
  if (!a) return b;
  if (!b) return a;
  return ctx.binary("add", a, b);
}

/**
 * One GRU step (WebNN gruCell), with the additions in the spec's order so that rounding matches:
 * z = f((bz + rbz) + (x·Wzᵀ + h·Rzᵀ)); r likewise; n = g(bn + (x·Wnᵀ + r ⊙ (rbn + h·Rnᵀ))) when
 * resetAfter, else g((bn + rbn) + (x·Wnᵀ + (r ⊙ h)·Rnᵀ)); h' = z ⊙ h + n ⊙ (1 - z).
 */
function gruStep(ctx: LoweringContext, x: MilValue, h: MilValue, p: GruWeights, hidden: number, layout: string, resetAfter: boolean, acts: Activation[]): MilValue {
  const dt = x.type.dataType;
  const order = layout === "zrn" ? { z: 0, r: 1, n: 2 } : { r: 0, z: 1, n: 2 };
  const xg = splitGates(ctx, matmulT(ctx, x, p.w), 3, hidden);
  const hg = splitGates(ctx, matmulT(ctx, h, p.r), 3, hidden);
  const b = splitBias(ctx, p.b, 3, hidden);
  const rb = splitBias(ctx, p.rb, 3, hidden);
  const gate = (k: number) => add(ctx, add(ctx, b[k], rb[k]), ctx.binary("add", xg[k], hg[k]))!;
  const z = activate(ctx, gate(order.z), acts[0]);
  const r = activate(ctx, gate(order.r), acts[0]);
  let nIn: MilValue;
  if (resetAfter) {
    nIn = add(ctx, b[order.n], ctx.binary("add", xg[order.n], ctx.binary("mul", r, add(ctx, rb[order.n], hg[order.n])!)))!;
  } else {
    const rn = rows(ctx, p.r, order.n * hidden, hidden);
    const rh = matmulT(ctx, ctx.binary("mul", r, h), rn);
    nIn = add(ctx, add(ctx, b[order.n], rb[order.n]), ctx.binary("add", xg[order.n], rh))!;
  }
  const n = activate(ctx, nIn, acts[1]);
  const oneMinusZ = ctx.binary("sub", ctx.scalar(dt, 1, "one"), z);
  return ctx.binary("add", ctx.binary("mul", z, h), ctx.binary("mul", n, oneMinusZ));
}

interface LstmWeights { w: MilValue; r: MilValue; b?: MilValue; rb?: MilValue; p?: MilValue }

/**
 * One LSTM step (WebNN lstmCell), in the spec's order: for gates i, f, o:
 * act0(c ⊙ p + ((b + rb) + (x·Wᵀ + h·Rᵀ))) with the peepholes (order i, o, f) applied to the
 * incoming cell state c; g = act1((b + rb) + (x·Wᵀ + h·Rᵀ)); c' = f ⊙ c + i ⊙ g; h' = o ⊙ act2(c').
 */
function lstmStep(ctx: LoweringContext, x: MilValue, h: MilValue, c: MilValue, p: LstmWeights, hidden: number, layout: string, acts: Activation[]): [MilValue, MilValue] {
  const order = layout === "iofg" ? { i: 0, o: 1, f: 2, g: 3 } : { i: 0, f: 1, g: 2, o: 3 };
  const xg = splitGates(ctx, matmulT(ctx, x, p.w), 4, hidden);
  const hg = splitGates(ctx, matmulT(ctx, h, p.r), 4, hidden);
  const b = splitBias(ctx, p.b, 4, hidden);
  const rb = splitBias(ctx, p.rb, 4, hidden);
  const peep = p.p ? splitBias(ctx, p.p, 3, hidden) : undefined;
  const gate = (k: number, peepIndex?: number) => {
    const base = add(ctx, add(ctx, b[k], rb[k]), ctx.binary("add", xg[k], hg[k]))!;
    return peep && peepIndex !== undefined ? ctx.binary("add", ctx.binary("mul", c, peep[peepIndex]!), base) : base;
  };
  const i = activate(ctx, gate(order.i, 0), acts[0]);
  const f = activate(ctx, gate(order.f, 2), acts[0]);
  const g = activate(ctx, gate(order.g), acts[1]);
  const o = activate(ctx, gate(order.o, 1), acts[0]);
  const c2 = ctx.binary("add", ctx.binary("mul", f, c), ctx.binary("mul", i, g));
  const h2 = ctx.binary("mul", o, activate(ctx, c2, acts[2]));
  return [h2, c2];
}

const opt = (ctx: LoweringContext, o: unknown) => (o ? ctx.get(o as MLOperand) : undefined);

function gruCell(node: GraphNode<"gruCell">, ctx: LoweringContext) {
  const a = node.attributes;
  const i = node.inputs;
  const h = gruStep(ctx, ctx.get(i.input as MLOperand), ctx.get(i.hiddenState as MLOperand),
    { w: ctx.get(i.weight as MLOperand), r: ctx.get(i.recurrentWeight as MLOperand), b: opt(ctx, i.bias), rb: opt(ctx, i.recurrentBias) },
    a.hiddenSize, a.layout, a.resetAfter, a.activations);
  ctx.set(node.outputs[0], h);
}

function lstmCell(node: GraphNode<"lstmCell">, ctx: LoweringContext) {
  const a = node.attributes;
  const i = node.inputs;
  const [h, c] = lstmStep(ctx, ctx.get(i.input as MLOperand), ctx.get(i.hiddenState as MLOperand), ctx.get(i.cellState as MLOperand),
    { w: ctx.get(i.weight as MLOperand), r: ctx.get(i.recurrentWeight as MLOperand), b: opt(ctx, i.bias), rb: opt(ctx, i.recurrentBias), p: opt(ctx, i.peepholeWeight) },
    a.hiddenSize, a.layout, a.activations);
  ctx.set(node.outputs[0], h);
  ctx.set(node.outputs[1], c);
}

/** Step t of input [steps, B, I] → [B, I]. */
function stepInput(ctx: LoweringContext, x: MilValue, t: number): MilValue {
  const [, b, n] = x.type.shape;
  const s = ctx.op("slice_by_index", { x, begin: ctx.ints([t, 0, 0], "begin"), end: ctx.ints([t + 1, b, n], "end") }, tensorType(x.type.dataType, [1, b, n]));
  return ctx.reshape(s, [b, n]);
}

/** Stacks [B, H] values along a new leading axis. */
function stack(ctx: LoweringContext, values: MilValue[]): MilValue {
  const [b, h] = values[0].type.shape;
  const expanded = values.map((v) => ctx.reshape(v, [1, b, h]));
  if (expanded.length === 1) return expanded[0];
  return ctx.op("concat", { values: expanded, axis: ctx.int(0, "axis"), interleave: ctx.bool(false, "interleave") }, tensorType(values[0].type.dataType, [values.length, b, h]));
}

/**
 * The sequence loop shared by gru and lstm. Slot s processes time step s (forward) or
 * steps-1-s (backward, and the second direction of "both"); the output sequence holds, per
 * slot, the hidden states of all directions.
 */
function recurrentSequence(
  node: GraphNode<"gru" | "lstm">, ctx: LoweringContext, numStates: number,
  step: (x: MilValue, states: MilValue[], dir: number) => MilValue[],
  initial: (dir: number) => MilValue[],
) {
  const a = node.attributes;
  const x = ctx.get(node.inputs.input);
  const nd = a.direction === "both" ? 2 : 1;
  const [, b] = x.type.shape;
  const finals: MilValue[][] = [];
  // hidden state per direction and time step: the output sequence is in time order for every
  // direction (the spec prepends a backward direction's states).
  const byTime: MilValue[][] = Array.from({ length: nd }, () => new Array<MilValue>(a.steps));
  for (let d = 0; d < nd; d++) {
    let states = initial(d);
    const backward = a.direction === "backward" || d === 1;
    for (let s = 0; s < a.steps; s++) {
      const t = backward ? a.steps - 1 - s : s;
      states = step(stepInput(ctx, x, t), states, d);
      byTime[d][t] = states[0];
    }
    finals.push(states);
  }
  for (let k = 0; k < numStates; k++) ctx.set(node.outputs[k], stack(ctx, finals.map((s) => s[k])));
  if (a.returnSequence) {
    const h = finals[0][0].type.shape[1];
    const perStep = Array.from({ length: a.steps }, (_, t) => ctx.reshape(stack(ctx, byTime.map((dir) => dir[t])), [1, nd, b, h]));
    const seq = perStep.length === 1 ? perStep[0]
      : ctx.op("concat", { values: perStep, axis: ctx.int(0, "axis"), interleave: ctx.bool(false, "interleave") }, tensorType(x.type.dataType, [a.steps, nd, b, h]));
    ctx.set(node.outputs[numStates], seq);
  }
}

function gru(node: GraphNode<"gru">, ctx: LoweringContext) {
  const a = node.attributes;
  const i = node.inputs;
  const x = ctx.get(i.input as MLOperand);
  const [, batch] = x.type.shape;
  const W = ctx.get(i.weight as MLOperand), R = ctx.get(i.recurrentWeight as MLOperand);
  const B = opt(ctx, i.bias), RB = opt(ctx, i.recurrentBias), H0 = opt(ctx, i.initialHiddenState);
  const weights = new Map<number, GruWeights>();
  const forDir = (d: number) => {
    if (!weights.has(d)) weights.set(d, { w: direction(ctx, W, d), r: direction(ctx, R, d), b: B && direction(ctx, B, d), rb: RB && direction(ctx, RB, d) });
    return weights.get(d)!;
  };
  recurrentSequence(node, ctx, 1,
    (xt, [h], d) => [gruStep(ctx, xt, h, forDir(d), a.hiddenSize, a.layout, a.resetAfter, a.activations)],
    (d) => [H0 ? direction(ctx, H0, d) : zeros(ctx, x.type.dataType, [batch, a.hiddenSize])]);
}

function lstm(node: GraphNode<"lstm">, ctx: LoweringContext) {
  const a = node.attributes;
  const i = node.inputs;
  const x = ctx.get(i.input as MLOperand);
  const [, batch] = x.type.shape;
  const W = ctx.get(i.weight as MLOperand), R = ctx.get(i.recurrentWeight as MLOperand);
  const B = opt(ctx, i.bias), RB = opt(ctx, i.recurrentBias), P = opt(ctx, i.peepholeWeight);
  const H0 = opt(ctx, i.initialHiddenState), C0 = opt(ctx, i.initialCellState);
  const weights = new Map<number, LstmWeights>();
  const forDir = (d: number) => {
    if (!weights.has(d)) weights.set(d, { w: direction(ctx, W, d), r: direction(ctx, R, d), b: B && direction(ctx, B, d), rb: RB && direction(ctx, RB, d), p: P && direction(ctx, P, d) });
    return weights.get(d)!;
  };
  const zero = () => zeros(ctx, x.type.dataType, [batch, a.hiddenSize]);
  recurrentSequence(node, ctx, 2,
    (xt, [h, c], d) => lstmStep(ctx, xt, h, c, forDir(d), a.hiddenSize, a.layout, a.activations),
    (d) => [H0 ? direction(ctx, H0, d) : zero(), C0 ? direction(ctx, C0, d) : zero()]);
}

export const recurrentLowerings = { gru, gruCell, lstm, lstmCell } satisfies LoweringFamily;
