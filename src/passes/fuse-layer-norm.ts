// layer_norm(x) · γ + β with γ and β constants over the normalized axes → layer_norm(x, γ, β):
// the scale and shift lowering adds after a norm (and exporters write as Mul, Add), back into the
// op, as coremltools' fuse_layernorm_or_instancenorm leaves it. The axes must be the last ones,
// and γ, β one value per element of them (leading 1s aside).
import { constOperation, type MilConstValue, type MilOperation } from "../mil/program.js";
import { fusionPass, operation, type FusionTools } from "./fusion.js";

/** The const `name` as one value per element of `dims` (its shape, leading 1s aside, is `dims`). */
function alongAxes(t: FusionTools, name: string, dims: readonly number[], dataType: string): MilConstValue | undefined {
  const v = t.g.producerOf(name, "const")?.value;
  if (!v || v.strings || v.type.dataType !== dataType) return undefined;
  const shape = [...v.type.shape];
  while (shape.length > dims.length && shape[0] === 1) shape.shift();
  if (shape.length !== dims.length || !shape.every((d, i) => d === dims[i])) return undefined;
  return { type: { dataType: v.type.dataType, shape: [...dims] }, bytes: v.bytes };
}

export const fuseLayerNormAffine = fusionPass({
  name: "fuse-layer-norm-affine",
  roots: ["add", "mul"],
  match: (op, t) => {
    const { g } = t;
    const split = g.splitConst(op);
    if (!split) return undefined;
    let [c, inner] = split;
    let beta: string | undefined, gamma: string | undefined;
    let ln: MilOperation | undefined;
    if (op.type === "add") {
      beta = c;
      const mul = g.producerOf(inner, "mul");
      const s = mul && g.onlyFeeds(inner, op) ? g.splitConst(mul) : undefined;
      if (s) { gamma = s[0]; ln = g.producerOf(s[1], "layer_norm"); if (ln && !g.onlyFeeds(s[1], mul!)) ln = undefined; }
      else { ln = g.producerOf(inner, "layer_norm"); if (ln && !g.onlyFeeds(inner, op)) ln = undefined; }
    } else {
      gamma = c;
      ln = g.producerOf(inner, "layer_norm");
      if (ln && !g.onlyFeeds(inner, op)) ln = undefined;
      // A mul that an add of a β follows is fused from that add.
      const next = g.consumers(op.outputs[0].name);
      if (next.length === 1 && next[0].type === "add" && g.splitConst(next[0]) && g.onlyFeeds(op.outputs[0].name, next[0])) return undefined;
    }
    if (!ln || ln.inputs.gamma || ln.inputs.beta) return undefined;
    const type = ln.outputs[0].type;
    const rank = type.shape.length;
    const axes = g.constValues(g.arg(ln, "axes"))?.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    if (!axes || !axes.every((a, i) => a === rank - axes.length + i)) return undefined;
    const dims = type.shape.slice(rank - axes.length);
    const out: MilOperation[] = [];
    const bind = (name: string | undefined, role: string) => {
      if (name === undefined) return undefined;
      const v = alongAxes(t, name, dims, type.dataType);
      if (!v) return null;
      const o = constOperation(t.fresh(`${ln!.name}_${role}`), v);
      out.push(o);
      return o.outputs[0].name;
    };
    let gName = bind(gamma, "gamma");
    const bName = bind(beta, "beta");
    if (gName === null || bName === null) return undefined;
    // coremltools' layer_norm reads γ's shape whenever β is bound: a β alone comes with γ = 1.
    if (gName === undefined && bName !== undefined) {
      const ones = t.constant(`${ln.name}_gamma`, type.dataType, dims, new Array<number>(dims.reduce((a, d) => a * d, 1)).fill(1));
      out.push(ones);
      gName = ones.outputs[0].name;
    }
    if (op.outputs[0].type.shape.join(",") !== type.shape.join(",")) return undefined;
    return [...out, operation("layer_norm", { x: g.arg(ln, "x"), axes: g.arg(ln, "axes"), epsilon: g.arg(ln, "epsilon"), gamma: gName, beta: bName }, op.outputs[0], op.name)];
  },
});
