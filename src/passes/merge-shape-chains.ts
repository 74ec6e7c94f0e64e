// Consecutive reshapes and transposes, merged (coremltools' merge_consecutive_reshapes and
// merge_consecutive_transposes): reshape(reshape(x)) is one reshape to the last shape, and
// transpose(transpose(x)) one transpose by the composed permutation — an identity when it
// composes to none, which eliminate-identities (after this pass) then removes. A gather of every
// index of its axis in order (exporters' arange indexing) is a reshape too.
import type { MilOperation } from "../mil/program.js";
import { fusionPass, operation, type FusionTools } from "./fusion.js";

/** gather(x, [0, 1, …, n−1] in any shape) along an axis of size n: x's elements in order. */
function orderedGather(op: MilOperation, t: FusionTools): MilOperation[] | undefined {
  const { g } = t;
  const x = g.arg(op, "x"), xType = g.typeOf(x);
  const axis = g.constValues(g.arg(op, "axis"), 1)?.[0] ?? 0;
  const indices = g.constValues(g.arg(op, "indices"), 4096);
  if (!x || !xType || !indices || (g.constValues(g.arg(op, "batch_dims"), 1)?.[0] ?? 0) !== 0) return undefined;
  const n = xType.shape[axis < 0 ? axis + xType.shape.length : axis];
  if (indices.length !== n || indices.some((v, i) => v !== i)) return undefined;
  const shape = t.constant("shape", "int32", [op.outputs[0].type.shape.length], op.outputs[0].type.shape);
  return [shape, operation("reshape", { x, shape: shape.outputs[0].name }, op.outputs[0], op.name)];
}

export const mergeShapeChains = fusionPass({
  name: "merge-shape-chains",
  roots: ["reshape", "transpose", "gather"],
  match: (op, t) => {
    const { g } = t;
    if (op.type === "gather") return orderedGather(op, t);
    const x = g.arg(op, "x");
    const inner = x === undefined ? undefined : g.producerOf(x, op.type);
    if (!inner || !g.onlyFeeds(x!, op)) return undefined;
    let source = g.arg(inner, "x")!;
    if (op.type === "reshape") {
      // Down a whole chain at once: reshape(reshape(reshape(x))) → reshape(x).
      // (A reshape left with other readers stays: nothing is computed twice.)
      for (let deeper = g.producerOf(source, "reshape"); deeper; deeper = g.producerOf(source, "reshape")) source = g.arg(deeper, "x")!;
      return [operation("reshape", { x: source, shape: g.arg(op, "shape") }, op.outputs[0], op.name)];
    }
    const outer = g.constValues(g.arg(op, "perm")), first = g.constValues(g.arg(inner, "perm"));
    if (!outer || !first || outer.length !== first.length) return undefined;
    const perm = outer.map((p) => first[p < 0 ? p + first.length : p]).map((p) => (p < 0 ? p + first.length : p));
    if (perm.every((p, i) => p === i)) return [operation("identity", { x: source }, op.outputs[0], op.name)];
    const c = t.constant("perm", "int32", [perm.length], perm);
    return [c, operation("transpose", { x: source, perm: c.outputs[0].name }, op.outputs[0], op.name)];
  },
});
