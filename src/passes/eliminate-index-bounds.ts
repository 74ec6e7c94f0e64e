// eliminate-index-bounds: the wrap and clamp a gather's indices get (lowering/shape.ts: indices
// may be negative or out of range) go where the indices cannot need them — an argmax over an
// axis no longer than the one gathered, a constant — and so does a mod that cannot wrap (a
// bool as uint8): an op whose result a value range shows to be one of its operands becomes an
// identity, which eliminate-identities then removes.
import type { MilOperation } from "../mil/program.js";
import { fusionPass, operation } from "./fusion.js";
import type { UseDef } from "./use-def.js";

type Range = readonly [number, number];

/** The values `name` can take, when its producers bound them. */
function rangeOf(g: UseDef, name: string | undefined, depth = 0): Range | undefined {
  const op = g.producer(name);
  if (!op || depth > 8) return undefined;
  const of = (param: string) => rangeOf(g, g.arg(op, param), depth + 1);
  switch (op.type) {
    case "const": {
      const vs = g.constValues(name, 1024);
      return vs && vs.length ? [Math.min(...vs), Math.max(...vs)] : undefined;
    }
    case "reduce_argmax": case "reduce_argmin": {
      const x = g.typeOf(g.arg(op, "x"));
      const axis = g.constValues(g.arg(op, "axis"), 1)?.[0] ?? -1;
      const size = x?.shape[axis < 0 ? axis + x.shape.length : axis];
      return size ? [0, size - 1] : undefined;
    }
    case "identity": return of("x");
    case "cast": return g.typeOf(g.arg(op, "x"))?.dataType === "bool" ? [0, 1] : undefined;
    case "minimum": case "maximum": case "add": case "select": {
      const [a, b] = op.type === "select" ? [of("a"), of("b")] : [of("x"), of("y")];
      if (!a || !b) return undefined;
      if (op.type === "add") return [a[0] + b[0], a[1] + b[1]];
      if (op.type === "minimum") return [Math.min(a[0], b[0]), Math.min(a[1], b[1])];
      if (op.type === "maximum") return [Math.max(a[0], b[0]), Math.max(a[1], b[1])];
      return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
    }
    default: return undefined;
  }
}

/** The operand `op` always returns unchanged, if the ranges show one. */
function passedThrough(op: MilOperation, g: UseDef): string | undefined {
  const r = (p: string) => rangeOf(g, g.arg(op, p));
  if (op.type === "select") {
    // select(i < c, ·, i) with i ≥ c always: the condition never holds.
    const less = g.producerOf(g.arg(op, "cond"), "less");
    const i = less && rangeOf(g, g.arg(less, "x")), c = less && rangeOf(g, g.arg(less, "y"));
    return i && c && i[0] >= c[1] ? g.arg(op, "b") : undefined;
  }
  const [x, y] = [r("x"), r("y")];
  if (!x || !y) return undefined;
  // x mod m with 0 ≤ x < m: x (a bool cast to uint8 wraps by 256).
  if (op.type === "mod") return y[0] === y[1] && x[0] >= 0 && x[1] < y[0] ? g.arg(op, "x") : undefined;
  if (op.type === "minimum") return x[1] <= y[0] ? g.arg(op, "x") : y[1] <= x[0] ? g.arg(op, "y") : undefined;
  return x[0] >= y[1] ? g.arg(op, "x") : y[0] >= x[1] ? g.arg(op, "y") : undefined;
}

export const eliminateIndexBounds = fusionPass({
  name: "eliminate-index-bounds",
  roots: ["select", "minimum", "maximum", "mod"],
  match: (op, t) => {
    const kept = passedThrough(op, t.g);
    if (!kept || !t.g.hasType(kept, op.outputs[0].type)) return undefined;
    return [operation("identity", { x: kept }, op.outputs[0], op.name)];
  },
});
