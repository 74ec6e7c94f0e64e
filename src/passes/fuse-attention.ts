// softmax(Q·Kᵀ·scale (+ mask))·V → scaled_dot_product_attention (iOS 18), as coremltools makes
// of torch's attention. MIL's op has no scale (it divides by √E): another scale — folded into
// Q or K, or multiplied after the product — goes onto Q as one mul by scale·√E (coremltools
// PR #2864's approach). K arrives transposed (a transpose of the last two axes, or matmul's
// transpose_y); a K that is not is transposed. A mask added to the scores becomes attn_mask
// when it broadcasts to [B…, L, S].
import type { MilOperation } from "../mil/program.js";
import { fusionPass, operation, type FusionTools } from "./fusion.js";
import { swapsLastTwo } from "./use-def.js";

const TOLERANCE = 1e-6;

/** `name` = x · c (c a scalar const, single use): [x, c]; else [name, 1]. */
function unscaled(t: FusionTools, name: string, reader: MilOperation): [string, number] {
  return t.g.scalarFactor(name, reader) ?? [name, 1];
}

export const fuseAttention = fusionPass({
  name: "fuse-attention",
  roots: ["matmul"],
  appliesTo: (context) => context.target.ios >= 18,
  match: (op, t) => {
    const { g } = t;
    if (g.isConstant(g.arg(op, "transpose_x"), 1) || g.isConstant(g.arg(op, "transpose_y"), 1)) return undefined;
    const pName = g.arg(op, "x")!, v = g.arg(op, "y")!;
    const softmax = g.producerOf(pName, "softmax");
    const pType = g.typeOf(pName);
    if (!softmax || !pType || !g.onlyFeeds(pName, op)) return undefined;
    const rank = pType.shape.length;
    const axis = g.constValues(g.arg(softmax, "axis"));
    if (rank < 3 || !axis || (axis[0] !== -1 && axis[0] !== rank - 1)) return undefined;
    // scores (+ mask)
    let scores = g.arg(softmax, "x")!, reader: MilOperation = softmax;
    let mask: string | undefined;
    const add = g.producerOf(scores, "add");
    if (add && g.onlyFeeds(scores, softmax)) {
      const [x, y] = [g.arg(add, "x")!, g.arg(add, "y")!];
      const fromMatmul = (n: string) => g.producerOf(n, "matmul") ?? g.producerOf(n, "mul") ?? g.producerOf(n, "real_div");
      const [s, m] = fromMatmul(x) && !fromMatmul(y) ? [x, y] : fromMatmul(y) ? [y, x] : [x, y];
      mask = m; scores = s; reader = add;
    }
    let scale = 1;
    const div = g.producerOf(scores, "real_div");
    if (div && g.onlyFeeds(scores, reader)) {
      const c = g.constValues(g.arg(div, "y"));
      if (!c || c.length !== 1) return undefined;
      scale /= c[0]; reader = div; scores = g.arg(div, "x")!;
    } else {
      const [inner, c] = unscaled(t, scores, reader);
      if (inner !== scores) { scale *= c; reader = g.producer(scores)!; scores = inner; }
    }
    const qk = g.producerOf(scores, "matmul");
    if (!qk || !g.onlyFeeds(scores, reader) || g.isConstant(g.arg(qk, "transpose_x"), 1)) return undefined;
    const [q, qScale] = unscaled(t, g.arg(qk, "x")!, qk);
    scale *= qScale;
    const added: MilOperation[] = [];
    let k: string;
    const ky = g.arg(qk, "y")!;
    if (g.isConstant(g.arg(qk, "transpose_y"), 1)) {
      const [kk, c] = unscaled(t, ky, qk);
      k = kk; scale *= c;
    } else {
      const [kt, c] = unscaled(t, ky, qk);
      scale *= c;
      const tr = g.producerOf(kt, "transpose");
      const perm = tr && g.constValues(g.arg(tr, "perm"));
      if (tr && (kt === ky ? g.onlyFeeds(kt, qk) : g.onlyFeeds(kt, g.producer(ky)!)) && perm?.length === rank && swapsLastTwo(perm)) k = g.arg(tr, "x")!;
      else {
        const type = g.typeOf(kt)!;
        const permC = t.constant("perm", "int32", [rank], Array.from({ length: rank }, (_, i) => (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2)));
        const shape = [...type.shape.slice(0, -2), type.shape[rank - 1], type.shape[rank - 2]];
        const tname = t.fresh(`${kt}_t`);
        added.push(permC, operation("transpose", { x: kt, perm: permC.outputs[0].name }, { name: tname, type: { dataType: type.dataType, shape } }));
        k = tname;
      }
    }
    const [qt, kt2, vt] = [g.typeOf(q), added.length ? added[added.length - 1].outputs[0].type : g.typeOf(k), g.typeOf(v)];
    if (!qt || !kt2 || !vt || qt.shape.length !== rank || kt2.shape.length !== rank || vt.shape.length !== rank) return undefined;
    if (![qt, kt2, vt].every((x) => x.dataType === qt.dataType) || (qt.dataType !== "fp32" && qt.dataType !== "fp16")) return undefined;
    const batch = (s: readonly number[]) => s.slice(0, -2).join(",");
    const [L, E] = qt.shape.slice(-2), S = kt2.shape[rank - 2];
    if (batch(qt.shape) !== batch(kt2.shape) || batch(qt.shape) !== batch(vt.shape) || kt2.shape[rank - 1] !== E || vt.shape[rank - 2] !== S) return undefined;
    if (mask !== undefined) {
      const mt = g.typeOf(mask);
      const full = [...qt.shape.slice(0, -2), L, S];
      if (!mt || mt.shape[mt.shape.length - 1] !== S || mt.shape.length > rank || !mt.shape.every((d, i) => d === 1 || d === full[full.length - mt.shape.length + i])) return undefined;
      if (mt.dataType !== "fp32" && mt.dataType !== "fp16") return undefined;
    }
    // MIL divides by √E: the rest of the scale goes onto Q.
    let query = q;
    const ratio = scale * Math.sqrt(E);
    if (Math.abs(ratio - 1) > TOLERANCE) {
      const c = t.constant("attention_scale", qt.dataType, [], [ratio]);
      const name = t.fresh(`${q}_scaled`);
      added.push(c, operation("mul", { x: q, y: c.outputs[0].name }, { name, type: qt }));
      query = name;
    }
    return [...added, operation("scaled_dot_product_attention", { query, key: k, value: v, attn_mask: mask }, op.outputs[0], op.name)];
  },
});
