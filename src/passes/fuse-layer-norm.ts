// layer_norm(x) · γ + β with γ and β constants over the normalized axes → layer_norm(x, γ, β):
// the scale and shift lowering adds after a norm (and exporters write as Mul, Add), back into the
// op, as coremltools' fuse_layernorm_or_instancenorm leaves it. The axes must be the last ones,
// and γ, β one value per element of them (leading 1s aside); for instance_norm, one value per
// channel ([C, 1, 1]).
import { constOperation, type MilConstValue, type MilOperation } from "../mil/program.js";
import { fusionPass, operation, type FusionTools } from "./fusion.js";

/**
 * The const `name` as one value per element of `dims` (its shape, leading 1s aside, is `dims`,
 * then `trailingOnes` 1s).
 */
function alongAxes(t: FusionTools, name: string, dims: readonly number[], dataType: string, trailingOnes = 0): MilConstValue | undefined {
  const v = t.g.producerOf(name, "const")?.value;
  if (!v || v.strings || v.type.dataType !== dataType) return undefined;
  const shape = [...v.type.shape];
  const want = [...dims, ...Array<number>(trailingOnes).fill(1)];
  while (shape.length > want.length && shape[0] === 1) shape.shift();
  if (shape.length !== want.length || !shape.every((d, i) => d === want[i])) return undefined;
  return { type: { dataType: v.type.dataType, shape: [...dims] }, bytes: v.bytes };
}

/** The norm op `name` comes from, read by `reader` alone. */
function normOf(t: FusionTools, name: string, reader: MilOperation): MilOperation | undefined {
  const n = t.g.producerOf(name, "layer_norm") ?? t.g.producerOf(name, "instance_norm");
  return n && t.g.onlyFeeds(name, reader) ? n : undefined;
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
      if (s) { gamma = s[0]; ln = normOf(t, s[1], mul!); }
      else ln = normOf(t, inner, op);
    } else {
      gamma = c;
      ln = normOf(t, inner, op);
      // A mul that an add of a β follows is fused from that add.
      const next = g.consumers(op.outputs[0].name);
      if (next.length === 1 && next[0].type === "add" && g.splitConst(next[0]) && g.onlyFeeds(op.outputs[0].name, next[0])) return undefined;
    }
    if (!ln || ln.inputs.gamma || ln.inputs.beta) return undefined;
    const type = ln.outputs[0].type;
    const rank = type.shape.length;
    const instance = ln.type === "instance_norm";
    const axes = instance ? [] : g.constValues(g.arg(ln, "axes"))?.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    if (!axes || !axes.every((a, i) => a === rank - axes.length + i)) return undefined;
    const dims = instance ? [type.shape[1]] : type.shape.slice(rank - axes.length);
    const out: MilOperation[] = [];
    const bind = (name: string | undefined, role: string) => {
      if (name === undefined) return undefined;
      const v = alongAxes(t, name, dims, type.dataType, instance ? rank - 2 : 0);
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
    if (!g.hasType(op.outputs[0].name, type)) return undefined;
    if (instance) return [...out, operation("instance_norm", { x: g.arg(ln, "x"), epsilon: g.arg(ln, "epsilon"), gamma: gName, beta: bName }, op.outputs[0], op.name)];
    return [...out, operation("layer_norm", { x: g.arg(ln, "x"), axes: g.arg(ln, "axes"), epsilon: g.arg(ln, "epsilon"), gamma: gName, beta: bName }, op.outputs[0], op.name)];
  },
});

/** [x, axes] when `name` = reduce_mean(x, axes, keep_dims = true). */
function meanOf(t: FusionTools, name: string | undefined): [string, number[]] | undefined {
  const { g } = t;
  const m = g.producerOf(name, "reduce_mean");
  if (!m || !g.isConstant(g.arg(m, "keep_dims"), 1, 0)) return undefined;
  const x = g.arg(m, "x"), rank = g.typeOf(x)?.shape.length;
  const axes = g.constValues(g.arg(m, "axes"))?.map((a) => (a < 0 ? a + rank! : a)).sort((a, b) => a - b);
  return x !== undefined && axes?.length ? [x, axes] : undefined;
}

/**
 * The norm a decomposed pattern stands for (coremltools' fuse_layernorm_or_instancenorm), as
 * ONNX exports before opset 17 and hand-written graphs spell it:
 *   d = x − mean(x), v = mean(d² or d·d), then d / √(v + ε) or d · rsqrt(v, ε)
 * over the trailing axes → layer_norm; over H and W of a 4-D value → instance_norm. The scale and
 * shift after it are fuse-layer-norm-affine's.
 */
export const fuseLayerNorm = fusionPass({
  name: "fuse-layer-norm",
  roots: ["real_div", "mul"],
  match: (op, t) => {
    const { g } = t;
    let d: string | undefined, v: string | undefined, eps: number | undefined, vReader: MilOperation | undefined;
    const epsOf = (n: string | undefined) => { const vs = g.constValues(n, 1); return vs?.length === 1 && vs[0] >= 0 ? vs[0] : undefined; };
    if (op.type === "real_div") {
      const sqrt = g.producerOf(g.arg(op, "y"), "sqrt");
      const add = sqrt && g.onlyFeeds(g.arg(op, "y")!, op) ? g.producerOf(g.arg(sqrt, "x"), "add") : undefined;
      const split = add && g.onlyFeeds(g.arg(sqrt!, "x")!, sqrt!) ? g.splitConst(add) : undefined;
      [d, v, eps, vReader] = [g.arg(op, "x"), split?.[1], split ? epsOf(split[0]) : undefined, add];
    } else {
      for (const [a, b] of [[g.arg(op, "x"), g.arg(op, "y")], [g.arg(op, "y"), g.arg(op, "x")]]) {
        const r = g.producerOf(b, "rsqrt");
        if (!r || !g.onlyFeeds(b!, op)) continue;
        [d, v, eps, vReader] = [a, g.arg(r, "x"), r.inputs.epsilon ? epsOf(g.arg(r, "epsilon")) : 1e-12, r];
        break;
      }
    }
    const sub = g.producerOf(d, "sub");
    const variance = meanOf(t, v);
    if (!sub || !variance || eps === undefined || !vReader || !g.onlyFeeds(v!, vReader)) return undefined;
    const mean = meanOf(t, g.arg(sub, "y"));
    const x = g.arg(sub, "x")!;
    if (!mean || mean[0] !== x || mean[1].join(",") !== variance[1].join(",")) return undefined;
    // v = mean(d²) or mean(d·d), d read by that and by the root alone.
    const sq = g.producer(variance[0]);
    const squares = sq && ((sq.type === "pow" && g.arg(sq, "x") === d && g.isConstant(g.arg(sq, "y"), 2, 0)) || (sq.type === "mul" && g.arg(sq, "x") === d && g.arg(sq, "y") === d));
    if (!squares || !g.onlyFeeds(variance[0], g.producer(v)!) || g.consumers(d!).some((c) => c !== sq && c !== op)) return undefined;
    const type = g.typeOf(x)!, out = op.outputs[0];
    if (!g.hasType(x, out.type)) return undefined;
    const rank = type.shape.length, axes = mean[1];
    const epsilon = t.constant(`${op.name}_epsilon`, type.dataType, [], [eps]);
    if (rank === 4 && axes.join(",") === "2,3") return [epsilon, operation("instance_norm", { x, epsilon: epsilon.outputs[0].name }, out, op.name)];
    if (!axes.every((a, i) => a === rank - axes.length + i)) return undefined;
    const ax = t.constant(`${op.name}_axes`, "int32", [axes.length], axes);
    return [epsilon, ax, operation("layer_norm", { x, axes: ax.outputs[0].name, epsilon: epsilon.outputs[0].name }, out, op.name)];
  },
});
