// Leaky ReLU and PReLU from their decompositions, one op each (coremltools' fuse_leaky_relu,
// fuse_prelu): select(x ≥ 0, x, α·x) — WebNN's prelu as lowering spells it, and ONNX exports of
// torch.where — and max(x, α·x) with 0 ≤ α ≤ 1 (TensorFlow's form). A scalar α → leaky_relu;
// one per channel of a 3- to 5-D value ([C, 1, …]) → prelu with α of shape [C].
import type { MilOperation } from "../mil/program.js";
import { fusionPass, operation, type FusionTools } from "./fusion.js";

const FLOAT = new Set(["fp32", "fp16"]);

/** α of `name` = x·α (either order), as one value or one per channel, when x is `x`. */
function slopeOf(t: FusionTools, name: string | undefined, x: string, reader: MilOperation): number[] | undefined {
  const { g } = t;
  const mul = g.producerOf(name, "mul");
  if (!mul || !g.onlyFeeds(name!, reader) || g.other(mul, x) === undefined) return undefined;
  const c = g.other(mul, x), shape = g.typeOf(x)!.shape;
  // prelu's α is per channel of a 3- to 5-D value; elsewhere only one α (a leaky_relu).
  if (shape.length < 3 || shape.length > 5) { const vs = g.constValues(c, 1); return vs?.length === 1 ? vs : undefined; }
  const slope = g.perChannel(c, shape[1], shape.length - 2, shape.length);
  return slope && (slope.scalar ? slope.values.slice(0, 1) : slope.values);
}

/** x when `name` is x ≥ 0 (or 0 ≤ x). */
function nonNegativeTest(t: FusionTools, name: string | undefined): string | undefined {
  const { g } = t;
  const ge = g.producerOf(name, "greater_equal");
  if (ge && g.isConstant(g.arg(ge, "y"), 0, 0)) return g.arg(ge, "x");
  const le = g.producerOf(name, "less_equal");
  return le && g.isConstant(g.arg(le, "x"), 0, 0) ? g.arg(le, "y") : undefined;
}

export const fuseLeakyRelu = fusionPass({
  name: "fuse-leaky-relu",
  roots: ["select", "maximum"],
  match: (op, t) => {
    const { g } = t;
    let x: string | undefined, slope: number[] | undefined;
    if (op.type === "select") {
      x = nonNegativeTest(t, g.arg(op, "cond"));
      if (x === undefined || g.arg(op, "a") !== x || !g.onlyFeeds(g.arg(op, "cond")!, op)) return undefined;
      slope = slopeOf(t, g.arg(op, "b"), x, op);
    } else {
      for (const [p, q] of [[g.arg(op, "x"), g.arg(op, "y")], [g.arg(op, "y"), g.arg(op, "x")]]) {
        const s = p !== undefined ? slopeOf(t, q, p, op) : undefined;
        if (s && s.every((a) => a >= 0 && a <= 1)) { x = p; slope = s; break; }
      }
    }
    const type = g.typeOf(x), out = op.outputs[0];
    if (!x || !slope || !type || !FLOAT.has(type.dataType) || !g.hasType(x, out.type)) return undefined;
    const alpha = t.constant(`${op.name}_alpha`, type.dataType, slope.length === 1 ? [] : [slope.length], slope);
    return [alpha, operation(slope.length === 1 ? "leaky_relu" : "prelu", { x, alpha: alpha.outputs[0].name }, out, op.name)];
  },
});
