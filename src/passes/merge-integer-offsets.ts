// merge-integer-offsets: (x ± c₁) ± c₂ with integer scalars → x + (±c₁ ± c₂), one op, or none when
// the offsets cancel (eliminate-identities removes the + 0): exporters' shape arithmetic, such
// as a conv's output length (L + 2p − k) / s + 1 over stacked layers. Integers only, where the
// sums are exact (wrapping alike both ways).
import { fusionPass, operation } from "./fusion.js";
import type { UseDef } from "./use-def.js";
import type { MilOperation } from "../mil/program.js";

const INT = new Set(["int32", "int16", "int8", "uint8", "uint16"]);

/** [x, c] for x + c (x − c as c negated), c an integer scalar constant. */
function offset(g: UseDef, op: MilOperation | undefined): [string, number] | undefined {
  if (!op || (op.type !== "add" && op.type !== "sub")) return undefined;
  const [x, y] = [g.arg(op, "x"), g.arg(op, "y")];
  const c = (n: string | undefined) => { const vs = g.constValues(n, 1); return vs && vs.length === 1 && g.typeOf(n)!.shape.every((d) => d === 1) ? vs[0] : undefined; };
  const cy = c(y);
  if (x !== undefined && cy !== undefined) return [x, op.type === "add" ? cy : -cy];
  const cx = op.type === "add" ? c(x) : undefined;
  return y !== undefined && cx !== undefined ? [y, cx] : undefined;
}

export const mergeIntegerOffsets = fusionPass({
  name: "merge-integer-offsets",
  roots: ["add", "sub"],
  match: (op, t) => {
    const { g } = t;
    const out = op.outputs[0];
    if (!INT.has(out.type.dataType)) return undefined;
    const outer = offset(g, op);
    const inner = outer && g.onlyFeeds(outer[0], op) ? offset(g, g.producer(outer[0])) : undefined;
    if (!outer || !inner) return undefined;
    if (!g.hasType(inner[0], out.type)) return undefined;
    const c = t.constant(`${op.name}_offset`, out.type.dataType, [], [inner[1] + outer[1]]);
    return [c, operation("add", { x: inner[0], y: c.outputs[0].name }, out, op.name)];
  },
});
