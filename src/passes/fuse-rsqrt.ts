// 1 / √(v + ε) → rsqrt(v, ε): the reciprocal root RMSNorm (T5, Llama) exports as
// Add/Sqrt/Reciprocal or Add/Sqrt/Div, one op as coremltools writes torch.rsqrt — with ε, which
// rsqrt adds itself, taken in from a scalar add. Without the add, rsqrt's default ε (1e-12) stands.
import { fusionPass, operation } from "./fusion.js";

export const fuseRsqrt = fusionPass({
  name: "fuse-rsqrt",
  roots: ["real_div"],
  match: (op, t) => {
    const { g } = t;
    const root = g.isConstant(g.arg(op, "x"), 1, 0) ? g.arg(op, "y") : undefined;
    const sqrt = g.producerOf(root, "sqrt");
    if (!sqrt || !g.onlyFeeds(root!, op)) return undefined;
    let v = g.arg(sqrt, "x")!;
    const add = g.producerOf(v, "add");
    const split = add && g.onlyFeeds(v, sqrt) ? g.splitConst(add) : undefined;
    const eps = split && g.constValues(split[0], 1);
    const out = op.outputs[0];
    if (split && eps?.length === 1 && eps[0] >= 0 && g.hasType(split[1], out.type, false)) {
      v = split[1];
      const epsilon = t.constant(`${op.name}_epsilon`, out.type.dataType, [], [eps[0]]);
      return [epsilon, operation("rsqrt", { x: v, epsilon: epsilon.outputs[0].name }, out, op.name)];
    }
    return [operation("rsqrt", { x: v }, out, op.name)];
  },
});
