// scaled_dot_product_attention (coremltools defs/iOS18/transformers.py): softmax(Q·Kᵀ/√E + mask)·V
// over query [B…, L, E], key [B…, S, E], value [B…, S, EV] of one rank (≥ 3) and one batch
// shape; attn_mask broadcasts to [B…, L, S]: bool (true: the key takes part) or float (added).
// Each output element is accumulated in float64 and rounded once.
import { RuntimeError } from "../../errors.js";
import { numericView, shapeToString } from "../tensor.js";
import { allocNumeric, broadcastShapes, broadcastStrides, defineKernel, product, requireDtype, storeChunk, type Kernel } from "./common.js";

export const scaledDotProductAttention = defineKernel(["query", "key", "value", "attn_mask"], (args) => {
  const q = args.tensor("query"), k = args.tensor("key"), v = args.tensor("value");
  for (const [t, n] of [[q, "query"], [k, "key"], [v, "value"]] as const) requireDtype(t, n, ["fp16", "fp32"]);
  const rank = q.shape.length;
  if (rank < 3 || k.shape.length !== rank || v.shape.length !== rank) throw new RuntimeError(`scaled_dot_product_attention: query, key and value need one rank of at least 3, got ${shapeToString(q.shape)}, ${shapeToString(k.shape)}, ${shapeToString(v.shape)}`);
  const batch = q.shape.slice(0, -2);
  const [L, E] = q.shape.slice(-2), [S, Ek] = k.shape.slice(-2), [Sv, EV] = v.shape.slice(-2);
  if (shapeToString(batch) !== shapeToString(k.shape.slice(0, -2)) || shapeToString(batch) !== shapeToString(v.shape.slice(0, -2)) || E !== Ek || S !== Sv) {
    throw new RuntimeError(`scaled_dot_product_attention: shapes ${shapeToString(q.shape)}, ${shapeToString(k.shape)}, ${shapeToString(v.shape)} do not agree`);
  }
  const mask = args.optTensor("attn_mask");
  const full = [...batch, L, S];
  let maskAt: ((i: number) => number) | undefined;
  if (mask) {
    requireDtype(mask, "attn_mask", ["bool", "fp16", "fp32"]);
    if (mask.shape[mask.shape.length - 1] !== S || shapeToString(broadcastShapes(full, mask.shape)) !== shapeToString(full)) throw new RuntimeError(`scaled_dot_product_attention: attn_mask ${shapeToString(mask.shape)} does not broadcast to ${shapeToString(full)}`);
    const strides = broadcastStrides(mask.shape, full);
    const data = numericView(mask);
    const isBool = mask.dataType === "bool";
    maskAt = (flat) => {
      let off = 0, rest = flat;
      for (let d = full.length - 1; d >= 0; d--) { off += (rest % full[d]) * strides[d]; rest = Math.floor(rest / full[d]); }
      const m = data[off];
      return isBool ? (m ? 0 : -Infinity) : m;
    };
  }
  const Q = numericView(q), K = numericView(k), V = numericView(v);
  const nb = product(batch);
  const scale = 1 / Math.sqrt(E);
  const { data, half } = allocNumeric(q.dataType, nb * L * EV);
  const scores = new Float64Array(S), row = new Float64Array(EV);
  for (let b = 0; b < nb; b++) {
    for (let l = 0; l < L; l++) {
      let max = -Infinity;
      for (let s = 0; s < S; s++) {
        let acc = 0;
        for (let e = 0; e < E; e++) acc += Q[(b * L + l) * E + e] * K[(b * S + s) * E + e];
        acc = acc * scale + (maskAt ? maskAt((b * L + l) * S + s) : 0);
        scores[s] = acc;
        if (acc > max) max = acc;
      }
      let sum = 0;
      for (let s = 0; s < S; s++) { scores[s] = max === -Infinity ? 0 : Math.exp(scores[s] - max); sum += scores[s]; }
      row.fill(0);
      for (let s = 0; s < S; s++) {
        const p = scores[s] / sum;
        for (let e = 0; e < EV; e++) row[e] += p * V[(b * S + s) * EV + e];
      }
      storeChunk(data, half, (b * L + l) * EV, row, EV);
    }
  }
  return [{ dataType: q.dataType, shape: [...batch, L, EV], data }];
});

export const attentionKernels: Record<string, Kernel> = { scaled_dot_product_attention: scaledDotProductAttention };
