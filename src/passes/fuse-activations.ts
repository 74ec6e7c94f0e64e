// Activations that ONNX exports spell out, back as the one MIL op coremltools' passes make of
// them (optimize_activation.py: fuse_gelu_exact, fuse_gelu_tanh_approximation; silu):
//   gelu exact: x · 0.5 · (1 + erf(x / √2)), in any order of the products;
//   gelu tanh:  x · 0.5 · (1 + tanh(√(2/π) · (x + 0.044715 · x³)));
//   silu:       x · sigmoid(x);
//   hard sigmoid and hard swish: clip(x + b, 0, d) / d (· x) → sigmoid_hard(x, 1/d, b/d) (· x),
//   as coremltools writes torch's hardsigmoid and hardswish.
import type { MilOperation } from "../mil/program.js";
import { fusionPass, operation, type FusionTools } from "./fusion.js";
import type { UseDef } from "./use-def.js";

const TOLERANCE = 1e-4;

/** The x of a single-use `op(x, c)` or `op(c, x)` with c ≈ value (x first for real_div). */
function scaled(g: UseDef, name: string, reader: MilOperation, type: "mul" | "real_div" | "add", value: number): string | undefined {
  const p = g.producerOf(name, type);
  if (!p || !g.onlyFeeds(name, reader)) return undefined;
  if (type === "real_div") return g.isConstant(g.arg(p, "y"), value, TOLERANCE) ? g.arg(p, "x") : undefined;
  const split = g.splitConst(p);
  return split && g.isConstant(split[0], value, TOLERANCE) ? split[1] : undefined;
}

/** 1 + erf(x/√2) (or x·(1/√2)) → x. */
function erfFactor(g: UseDef, name: string, reader: MilOperation): string | undefined {
  const add = g.producerOf(name, "add");
  const inner = add && scaled(g, name, reader, "add", 1);
  const erf = g.producerOf(inner, "erf");
  if (!add || !erf || !g.onlyFeeds(inner!, add)) return undefined;
  const t = g.arg(erf, "x")!;
  return scaled(g, t, erf, "real_div", Math.SQRT2) ?? scaled(g, t, erf, "mul", Math.SQRT1_2);
}

/** x³ as pow(x, 3) or (x·x)·x → x. */
function cube(g: UseDef, name: string, reader: MilOperation): string | undefined {
  if (!g.onlyFeeds(name, reader)) return undefined;
  const pow = g.producerOf(name, "pow");
  if (pow) return g.isConstant(g.arg(pow, "y"), 3, TOLERANCE) ? g.arg(pow, "x") : undefined;
  const outer = g.producerOf(name, "mul");
  if (!outer) return undefined;
  for (const [sq, x] of [[g.arg(outer, "x"), g.arg(outer, "y")], [g.arg(outer, "y"), g.arg(outer, "x")]]) {
    const inner = g.producerOf(sq, "mul");
    if (inner && x !== undefined && g.onlyFeeds(sq!, outer) && g.arg(inner, "x") === x && g.arg(inner, "y") === x) return x;
  }
  return undefined;
}

/** 1 + tanh(√(2/π)·(x + 0.044715·x³)) → x. */
function tanhFactor(g: UseDef, name: string, reader: MilOperation): string | undefined {
  const add = g.producerOf(name, "add");
  const inner = add && scaled(g, name, reader, "add", 1);
  const tanh = g.producerOf(inner, "tanh");
  if (!add || !tanh || !g.onlyFeeds(inner!, add)) return undefined;
  const sum = scaled(g, g.arg(tanh, "x")!, tanh, "mul", Math.sqrt(2 / Math.PI));
  const plus = g.producerOf(sum, "add");
  if (!sum || !plus || !g.onlyFeeds(sum, g.producer(g.arg(tanh, "x"))!)) return undefined;
  for (const [x, term] of [[g.arg(plus, "x"), g.arg(plus, "y")], [g.arg(plus, "y"), g.arg(plus, "x")]]) {
    const cubed = term && scaled(g, term, plus, "mul", 0.044715);
    if (x !== undefined && cubed && cube(g, cubed, g.producer(term)!) === x) return x;
  }
  return undefined;
}

/**
 * A GELU whose last op is `root`: the three factors x, 0.5 and F(x) multiplied in any grouping,
 * F being erfFactor or tanhFactor.
 */
function gelu(root: MilOperation, g: UseDef, factor: (g: UseDef, name: string, reader: MilOperation) => string | undefined): string | undefined {
  if (root.type !== "mul") return undefined;
  const [a, b] = [g.arg(root, "x"), g.arg(root, "y")];
  if (a === undefined || b === undefined) return undefined;
  for (const [p, q] of [[a, b], [b, a]]) {
    // (x · F) · 0.5
    if (g.isConstant(q, 0.5, TOLERANCE)) {
      const m = g.producerOf(p, "mul");
      if (m && g.onlyFeeds(p, root)) {
        for (const [x, f] of [[g.arg(m, "x"), g.arg(m, "y")], [g.arg(m, "y"), g.arg(m, "x")]]) if (x !== undefined && f !== undefined && factor(g, f, m) === x) return x;
      }
    }
    // (x · 0.5) · F, and x · (F · 0.5)
    const half = scaled(g, p, root, "mul", 0.5);
    if (half !== undefined && factor(g, q, root) === half) return half;
    const m = g.producerOf(q, "mul");
    if (m && g.onlyFeeds(q, root)) {
      const split = g.splitConst(m);
      if (split && g.isConstant(split[0], 0.5, TOLERANCE) && factor(g, split[1], m) === p) return p;
    }
  }
  return undefined;
}

function geluOf(op: MilOperation, t: FusionTools, factor: typeof erfFactor, mode: string): MilOperation[] | undefined {
  const x = gelu(op, t.g, factor);
  if (x === undefined) return undefined;
  const m = t.text("gelu_mode", mode);
  return [m, operation("gelu", { x, mode: m.outputs[0].name }, op.outputs[0], op.name)];
}

export const fuseGeluExact = fusionPass({ name: "fuse-gelu-exact", roots: ["mul"], match: (op, t) => geluOf(op, t, erfFactor, "EXACT") });
export const fuseGeluTanh = fusionPass({ name: "fuse-gelu-tanh", roots: ["mul"], match: (op, t) => geluOf(op, t, tanhFactor, "TANH_APPROXIMATION") });

export const fuseSilu = fusionPass({
  name: "fuse-silu",
  roots: ["mul"],
  match: (op, { g }) => {
    const [a, b] = [g.arg(op, "x"), g.arg(op, "y")];
    for (const [x, s] of [[a, b], [b, a]]) {
      const sig = g.producerOf(s, "sigmoid");
      if (x !== undefined && sig && g.onlyFeeds(s!, op) && g.arg(sig, "x") === x) return [operation("silu", { x }, op.outputs[0], op.name)];
    }
    return undefined;
  },
});

/** clip(x + b, 0, d) read by `reader` alone: [x, b, d]. */
function shiftedClip(g: UseDef, name: string, reader: MilOperation): [string, number, number] | undefined {
  const clip = g.producerOf(name, "clip");
  if (!clip || !g.onlyFeeds(name, reader)) return undefined;
  const lo = g.constValues(g.arg(clip, "alpha")), hi = g.constValues(g.arg(clip, "beta"));
  if (!lo || !hi || lo.length !== 1 || hi.length !== 1 || lo[0] !== 0 || !(hi[0] > 0)) return undefined;
  const sum = g.arg(clip, "x")!;
  const add = g.producerOf(sum, "add");
  const split = add && g.onlyFeeds(sum, clip) ? g.splitConst(add) : undefined;
  const b = split ? g.constValues(split[0]) : undefined;
  return split && b && b.length === 1 ? [split[1], b[0], hi[0]] : undefined;
}

/** `op` = v / d or v · (1/d) with d a scalar const: [v, d]. */
function divided(g: UseDef, op: MilOperation): [string, number] | undefined {
  if (op.type === "real_div") {
    const d = g.constValues(g.arg(op, "y"));
    return d && d.length === 1 ? [g.arg(op, "x")!, d[0]] : undefined;
  }
  if (op.type !== "mul") return undefined;
  const split = g.splitConst(op);
  const m = split ? g.constValues(split[0]) : undefined;
  return split && m && m.length === 1 && m[0] !== 0 ? [split[1], 1 / m[0]] : undefined;
}

export const fuseHardSwish = fusionPass({
  name: "fuse-hard-swish",
  roots: ["real_div", "mul"],
  match: (op, t) => {
    const { g } = t;
    const div = divided(g, op);
    if (!div) return undefined;
    const [v, d] = div;
    const hard = (x: string, b: number, hi: number) => {
      if (Math.abs(hi / d - 1) > TOLERANCE) return undefined;
      const type = op.outputs[0].type;
      const alpha = t.constant("alpha", type.dataType, [], [1 / d]), beta = t.constant("beta", type.dataType, [], [b / d]);
      return { consts: [alpha, beta], inputs: { x, alpha: alpha.outputs[0].name, beta: beta.outputs[0].name } };
    };
    const direct = shiftedClip(g, v, op);
    if (direct) {
      const h = hard(...direct);
      return h && [...h.consts, operation("sigmoid_hard", h.inputs, op.outputs[0], op.name)];
    }
    const mul = g.producerOf(v, "mul");
    if (!mul || !g.onlyFeeds(v, op)) return undefined;
    for (const [x, c] of [[g.arg(mul, "x"), g.arg(mul, "y")], [g.arg(mul, "y"), g.arg(mul, "x")]]) {
      const clip = x !== undefined && c !== undefined ? shiftedClip(g, c, mul) : undefined;
      if (!clip || clip[0] !== x) continue;
      const h = hard(...clip);
      if (!h) return undefined;
      const gate = { name: t.fresh(`${op.name}_gate`), type: op.outputs[0].type };
      return [...h.consts, operation("sigmoid_hard", h.inputs, gate), operation("mul", { x, y: gate.name }, op.outputs[0], op.name)];
    }
    return undefined;
  },
});
