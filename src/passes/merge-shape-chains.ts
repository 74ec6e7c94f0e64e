// Consecutive reshapes and transposes, merged (coremltools' merge_consecutive_reshapes and
// merge_consecutive_transposes): reshape(reshape(x)) is one reshape to the last shape, and
// transpose(transpose(x)) one transpose by the composed permutation — an identity when it
// composes to none, which eliminate-identities (after this pass) then removes.
import { fusionPass, operation } from "./fusion.js";

export const mergeShapeChains = fusionPass({
  name: "merge-shape-chains",
  roots: ["reshape", "transpose"],
  match: (op, t) => {
    const { g } = t;
    const x = g.arg(op, "x");
    const inner = x === undefined ? undefined : g.producerOf(x, op.type);
    if (!inner || !g.onlyFeeds(x!, op)) return undefined;
    const source = g.arg(inner, "x")!;
    if (op.type === "reshape") return [operation("reshape", { x: source, shape: g.arg(op, "shape") }, op.outputs[0], op.name)];
    const outer = g.constValues(g.arg(op, "perm")), first = g.constValues(g.arg(inner, "perm"));
    if (!outer || !first || outer.length !== first.length) return undefined;
    const perm = outer.map((p) => first[p < 0 ? p + first.length : p]).map((p) => (p < 0 ? p + first.length : p));
    if (perm.every((p, i) => p === i)) return [operation("identity", { x: source }, op.outputs[0], op.name)];
    const c = t.constant("perm", "int32", [perm.length], perm);
    return [c, operation("transpose", { x: source, perm: c.outputs[0].name }, op.outputs[0], op.name)];
  },
});
