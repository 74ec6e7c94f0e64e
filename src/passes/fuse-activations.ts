// Activations that ONNX exports spell out, back as the one MIL op coremltools' passes make of
// them (optimize_activation.py: fuse_gelu_exact, fuse_gelu_tanh_approximation; silu):
//   gelu exact: x · 0.5 · (1 + erf(x / √2)), in any order of the products;
//   gelu tanh:  x · 0.5 · (1 + tanh(√(2/π) · (x + 0.044715 · x³)));
//   silu:       x · sigmoid(x).
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

export const fuseGeluExact = fusionPass({ name: "fuse-gelu-exact", match: (op, t) => geluOf(op, t, erfFactor, "EXACT") });
export const fuseGeluTanh = fusionPass({ name: "fuse-gelu-tanh", match: (op, t) => geluOf(op, t, tanhFactor, "TANH_APPROXIMATION") });

export const fuseSilu = fusionPass({
  name: "fuse-silu",
  match: (op, { g }) => {
    if (op.type !== "mul") return undefined;
    const [a, b] = [g.arg(op, "x"), g.arg(op, "y")];
    for (const [x, s] of [[a, b], [b, a]]) {
      const sig = g.producerOf(s, "sigmoid");
      if (x !== undefined && sig && g.onlyFeeds(s!, op) && g.arg(sig, "x") === x) return [operation("silu", { x }, op.outputs[0], op.name)];
    }
    return undefined;
  },
});
