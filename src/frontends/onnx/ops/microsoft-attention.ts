// ONNX Runtime's fused attention operators (com.microsoft): Attention, as ONNX Runtime's
// transformer optimizer writes it for BERT-style encoders, MultiHeadAttention, and RotaryEmbedding
// in its com.microsoft form. Semantics from ONNX Runtime's contrib operator docs and its CPU
// kernels' input checks; each is built from WebNN matmul, softmax and elementwise operators:
// softmax(Q·Kᵀ·scale + mask + attention_bias)·V per head. Past and present key/value caches
// are not read yet (a stateful decoder needs them as state, not as inputs).
import type { MLOperand } from "../../../graph/operand.js";
import type { ImportContext } from "../context.js";
import { scalar } from "./elementwise.js";
import { rotate } from "./nn.js";
import type { OnnxOpTable } from "./types.js";

/** [B, S, N·H] → [B, N, S, H]. */
function splitHeads(c: ImportContext, x: MLOperand, heads: number): MLOperand {
  const [batch, seq, hidden] = x.shape;
  if (hidden % heads !== 0) c.fail(`hidden size ${hidden} is not a multiple of num_heads ${heads}`, "argument-value");
  return c.builder.transpose(c.builder.reshape(x, [batch, seq, heads, hidden / heads]), { permutation: [0, 2, 1, 3] });
}

/** [B, N, S, H] → [B, S, N·H]. */
function mergeHeads(c: ImportContext, x: MLOperand): MLOperand {
  const [batch, heads, seq, head] = x.shape;
  return c.builder.reshape(c.builder.transpose(x, { permutation: [0, 2, 1, 3] }), [batch, seq, heads * head], c.label);
}

/**
 * What is added to the scores for a key-side mask: 0 where a key is kept, `filter` where it is
 * masked, shaped to broadcast against [B, N, S, T]. Raw masks ([B, T] or [B, S, T], 0 = masked)
 * and right-padding lengths ([B]: keys from the length on are masked).
 */
function maskTerm(c: ImportContext, mask: MLOperand, batch: number, seq: number, total: number, filter: number, dt: MLOperand["dataType"]): MLOperand {
  const b = c.builder;
  const zero = scalar(c, dt, 0), masked = scalar(c, dt, filter);
  if (mask.shape.length === 2 && mask.shape[0] === batch && mask.shape[1] === total) {
    return b.reshape(b.where(b.greater(mask, scalar(c, mask.dataType, 0)), zero, masked), [batch, 1, 1, total]);
  }
  if (mask.shape.length === 3 && mask.shape[0] === batch && mask.shape[1] === seq && mask.shape[2] === total) {
    return b.reshape(b.where(b.greater(mask, scalar(c, mask.dataType, 0)), zero, masked), [batch, 1, seq, total]);
  }
  if (mask.shape.length === 1 && mask.shape[0] === batch) {
    const positions = b.constant({ dataType: mask.dataType, shape: [1, total] }, new Int32Array(Array.from({ length: total }, (_, i) => i)));
    return b.reshape(b.where(b.lesser(positions, b.reshape(mask, [batch, 1])), zero, masked), [batch, 1, 1, total]);
  }
  return c.fail(`mask_index of shape [${mask.shape.join(", ")}] is not supported (raw masks [B, T] or [B, S, T], or right-padding lengths [B]); the batch is ${batch}, ${seq} queries, ${total} keys`);
}

/** A causal mask: key j is hidden from query i when j > i (+ offset), as filter. */
function causalTerm(c: ImportContext, seq: number, total: number, filter: number, dt: MLOperand["dataType"]): MLOperand {
  const values = new Float32Array(seq * total);
  const offset = total - seq;
  for (let i = 0; i < seq; i++) for (let j = 0; j < total; j++) values[i * total + j] = j > i + offset ? filter : 0;
  const m = c.builder.constant({ dataType: "float32", shape: [1, 1, seq, total] }, values);
  return dt === "float32" ? m : c.builder.cast(m, dt);
}

interface AttentionParts { q: MLOperand; k: MLOperand; v: MLOperand; heads: number; scale: number }

/** softmax(q·kᵀ·scale + terms)·v over [B, N, S, H] heads, back to [B, S, N·Hv]. */
function attend(c: ImportContext, { q, k, v, scale }: AttentionParts, terms: MLOperand[]): MLOperand {
  const b = c.builder;
  let scores = b.mul(b.matmul(q, b.transpose(k, { permutation: [0, 1, 3, 2] })), scalar(c, q.dataType, scale));
  for (const t of terms) scores = b.add(scores, t);
  return mergeHeads(c, b.matmul(b.softmax(scores, 3), v));
}

/**
 * Attention: input [B, S, D] · weights [D, Dq + Dk + Dv] (+ bias) split into Q, K, V;
 * mask_index, unidirectional and attention_bias as described above.
 */
function attention(c: ImportContext): MLOperand[] {
  const b = c.builder;
  if (c.has(4) || c.node.outputs[1]) c.fail("past and present key/value states are not supported");
  if (c.int("do_rotary", 0)) c.fail("do_rotary is not supported");
  if (c.int("past_present_share_buffer", 0)) c.fail("past_present_share_buffer is not supported");
  const x = c.operand(0);
  if (x.shape.length !== 3) c.fail(`input must be 3-D [batch, sequence, hidden], got [${x.shape.join(", ")}]`, "argument-value");
  const heads = c.int("num_heads") ?? c.fail("num_heads is required");
  const [batch, seq] = x.shape;
  let projected = b.matmul(x, c.operand(1));
  if (c.has(2)) projected = b.add(projected, c.operand(2));
  const width = projected.shape[2];
  const sizes = c.intList("qkv_hidden_sizes") ?? [width / 3, width / 3, width / 3];
  if (sizes.length !== 3 || sizes[0] !== sizes[1] || sizes.reduce((a, s) => a + s, 0) !== width || !sizes.every(Number.isInteger)) {
    c.fail(`qkv_hidden_sizes [${sizes.join(", ")}] must be three sizes, Q's equal to K's, summing to the weights' ${width} columns`, "argument-value");
  }
  const [qw, kw, vw] = b.split(projected, sizes, { axis: 2 });
  const q = splitHeads(c, qw, heads), k = splitHeads(c, kw, heads), v = splitHeads(c, vw, heads);
  const filter = c.float("mask_filter_value", -10000);
  const terms: MLOperand[] = [];
  if (c.has(3)) terms.push(maskTerm(c, c.operand(3), batch, seq, seq, filter, x.dataType));
  if (c.int("unidirectional", 0)) terms.push(causalTerm(c, seq, seq, filter, x.dataType));
  if (c.has(5)) terms.push(c.operand(5));
  return [attend(c, { q, k, v, heads, scale: c.float("scale", 1 / Math.sqrt(sizes[0] / heads)) }, terms)];
}

/**
 * MultiHeadAttention: separate query [B, S, D], key and value ([B, T, D], or already split
 * into heads [B, N, T, H]), bias [Dq + Dk + Dv], key_padding_mask ([B, T], or lengths [B]),
 * attention_bias. Packed QKV and caches are not read.
 */
function multiHeadAttention(c: ImportContext): MLOperand[] {
  const b = c.builder;
  if (c.has(6) || c.has(7) || c.node.outputs[1] || c.node.outputs[2]) c.fail("past and present key/value states are not supported");
  if (!c.has(1) || !c.has(2)) c.fail("packed query/key/value (key and value absent) is not supported");
  const heads = c.int("num_heads") ?? c.fail("num_heads is required");
  let query = c.operand(0), key = c.operand(1), value = c.operand(2);
  if (query.shape.length !== 3) c.fail(`query must be 3-D [batch, sequence, hidden], got [${query.shape.join(", ")}]`, "argument-value");
  const [batch, seq, dq] = query.shape;
  const split = key.shape.length === 4;
  if (c.has(3)) {
    if (split) c.fail("a bias with key and value already split into heads is not supported");
    const [bq, bk, bv] = b.split(c.operand(3), [dq, key.shape[2], value.shape[2]], { axis: 0 });
    query = b.add(query, bq); key = b.add(key, bk); value = b.add(value, bv);
  }
  const q = splitHeads(c, query, heads);
  const k = split ? key : splitHeads(c, key, heads);
  const v = split ? value : splitHeads(c, value, heads);
  const total = k.shape[2];
  const filter = c.float("mask_filter_value", -10000);
  const terms: MLOperand[] = [];
  if (c.has(4)) terms.push(maskTerm(c, c.operand(4), batch, seq, total, filter, query.dataType));
  if (c.int("unidirectional", 0)) terms.push(causalTerm(c, seq, total, filter, query.dataType));
  if (c.has(5)) terms.push(c.operand(5));
  return [attend(c, { q, k, v, heads, scale: c.float("scale", 1 / Math.sqrt(dq / heads)) }, terms)];
}

/**
 * RotaryEmbedding, com.microsoft form: inputs (input, position_ids, cos_cache, sin_cache).
 * position_ids is [B, S] per token, or one offset (shape [] or [1]): positions offset … offset + S − 1.
 */
function rotaryEmbeddingMicrosoft(c: ImportContext): MLOperand[] {
  const b = c.builder;
  if (c.int("is_packed_batching", 0)) c.fail("is_packed_batching is not supported");
  const x = c.operand(0);
  const seq = x.shape.length === 4 ? x.shape[2] : x.shape[1];
  let ids = c.operand(1);
  if (ids.shape.reduce((a, d) => a * d, 1) === 1 && ids.shape.length <= 1) {
    const steps = b.constant({ dataType: ids.dataType, shape: [1, seq] }, ids.dataType === "int64" ? BigInt64Array.from({ length: seq }, (_, i) => BigInt(i)) : new Int32Array(Array.from({ length: seq }, (_, i) => i)));
    ids = b.add(b.reshape(ids, [1, 1]), steps);
  }
  const cos = c.operand(2);
  const headsAttr = c.int("num_heads", 0);
  const rot = c.int("rotary_embedding_dim", 0);
  // Without rotary_embedding_dim, the head size is twice the cache's width (ONNX Runtime's rule).
  const heads = x.shape.length === 3 && !headsAttr ? x.shape[2] / (cos.shape[1] * 2) : headsAttr;
  return [rotate(c, x, { cos, sin: c.operand(3), positions: ids, interleaved: c.int("interleaved", 0) === 1, heads, rotaryDim: rot })];
}

/**
 * GroupQueryAttention (onnxruntime-genai's decoders) with separate past and present caches:
 * query [B, S, N·H] (or packed Q, K, V), key and value [B, S, Nkv·H], past_key/past_value
 * [B, Nkv, P, H], seqlens_k [B] (each batch's total length − 1), total_sequence_length (a
 * scalar, known when the model is converted: it sets the present caches' length).
 * Per batch b, the past holds past_b = seqlens_k[b] + 1 − S valid positions (0 for the first
 * prompt, when total_sequence_length is S); the present cache is past[:past_b], then the new
 * keys, then zeros, max(total, P) long; query s sees keys 0 … past_b + s. With do_rotary, Q and
 * K turn by positions past_b + s first. Query heads share key/value heads in groups of N / Nkv.
 */
function groupQueryAttention(c: ImportContext): (MLOperand | undefined)[] {
  const b = c.builder;
  for (const [attr, none] of [["local_window_size", -1], ["softcap", 0], ["smooth_softmax", 0], ["sliding_window_cache", 0], ["qk_output", 0]] as const) {
    if ((attr === "softcap" ? c.float(attr, 0) : c.int(attr, none)) !== none) c.fail(`${attr} is not supported`);
  }
  for (let i = 10; i < c.inputCount; i++) if (c.has(i)) c.fail(`input ${i} (attention_bias, head_sink, quantized caches, q/k norms) is not supported`);
  const heads = c.int("num_heads") ?? c.fail("num_heads is required");
  const kvHeads = c.int("kv_num_heads") ?? c.fail("kv_num_heads is required");
  if (heads % kvHeads !== 0) c.fail(`num_heads ${heads} is not a multiple of kv_num_heads ${kvHeads}`, "argument-value");
  let query = c.operand(0);
  const [batch, seq] = query.shape;
  let key: MLOperand, value: MLOperand;
  if (c.has(1) && c.has(2)) { key = c.operand(1); value = c.operand(2); }
  else {
    const head = query.shape[2] / (heads + 2 * kvHeads);
    [query, key, value] = b.split(query, [heads * head, kvHeads * head, kvHeads * head], { axis: 2 });
  }
  const head = query.shape[2] / heads;
  const total = c.ints(6, "total_sequence_length")[0];
  // An empty past (the first prompt) is a zero-size tensor: it is not read.
  const pastLength = c.has(3) ? c.shape(3)[2] : 0;
  const pastKey = pastLength ? c.operand(3) : undefined, pastValue = pastLength ? c.operand(4) : undefined;
  const prompt = total === seq;
  const present = Math.max(total, pastLength);
  // past_b per batch, [B], int32.
  const seqlens = b.cast(c.operand(5), "int32");
  const pastValid = prompt ? b.constant({ dataType: "int32", shape: [batch] }, new Int32Array(batch)) : b.sub(b.add(seqlens, scalar(c, "int32", 1)), scalar(c, "int32", seq));
  let q = splitHeads(c, query, heads), k = splitHeads(c, key, kvHeads);
  const v = splitHeads(c, value, kvHeads);
  if (c.int("do_rotary", 0)) {
    const steps = b.constant({ dataType: "int32", shape: [1, seq] }, new Int32Array(Array.from({ length: seq }, (_, i) => i)));
    const positions = b.add(b.reshape(pastValid, [batch, 1]), steps);
    const r = { cos: c.operand(7), sin: c.operand(8), positions, interleaved: c.int("rotary_interleaved", 0) === 1, heads: 0, rotaryDim: 0 };
    q = rotate(c, q, r); k = rotate(c, k, r);
  }
  // The present caches: for row j of batch b, past row j (j < past_b), new row j − past_b
  // (j − past_b < S), else a zero row; gathered from [past, new, zeros].
  const rows = b.constant({ dataType: "int32", shape: [1, present] }, new Int32Array(Array.from({ length: present }, (_, j) => j)));
  const offset = b.reshape(pastValid, [batch, 1]);
  const fromNew = b.sub(rows, offset);
  const source = b.where(b.lesser(rows, offset), b.expand(rows, [batch, present]),
    b.where(b.lesser(fromNew, scalar(c, "int32", seq)), b.add(fromNew, scalar(c, "int32", pastLength)), b.constant({ dataType: "int32", shape: [batch, present] }, new Int32Array(batch * present).fill(pastLength + seq))));
  const index = b.expand(b.reshape(source, [batch, 1, present, 1]), [batch, kvHeads, present, head]);
  const cache = (past: MLOperand | undefined, next: MLOperand) => {
    const zeros = b.constant({ dataType: next.dataType, shape: [batch, kvHeads, 1, head] }, new Float32Array(batch * kvHeads * head));
    return b.gatherElements(b.concat([...(past ? [past] : []), next, zeros], 2), index, { axis: 2 });
  };
  const presentKey = cache(pastKey, k), presentValue = cache(pastValue, v);
  // Query s of batch b sees keys j ≤ past_b + s.
  const queries = b.constant({ dataType: "int32", shape: [1, seq, 1] }, new Int32Array(Array.from({ length: seq }, (_, i) => i)));
  const last = b.add(b.reshape(pastValid, [batch, 1, 1]), queries);
  const visible = b.lesserOrEqual(b.reshape(rows, [1, 1, present]), last);
  const mask = b.reshape(b.where(visible, scalar(c, query.dataType, 0), scalar(c, query.dataType, -1e9)), [batch, 1, seq, present]);
  // Each group of query heads reads one key/value head: [B, Nkv, 1, T, H] against [B, Nkv, G, S, H].
  const group = heads / kvHeads;
  const grouped = (x: MLOperand) => b.reshape(b.expand(b.reshape(x, [batch, kvHeads, 1, present, head]), [batch, kvHeads, group, present, head]), [batch, heads, present, head]);
  const scale = c.float("scale", 0) || 1 / Math.sqrt(head);
  const out = attend(c, { q, k: grouped(presentKey), v: grouped(presentValue), heads, scale }, [mask]);
  return [out, c.node.outputs[1] ? b.identity(presentKey, { label: c.node.outputs[1] }) : undefined, c.node.outputs[2] ? b.identity(presentValue, { label: c.node.outputs[2] }) : undefined];
}

export const MICROSOFT_ATTENTION_OPS: OnnxOpTable = {
  GroupQueryAttention: { lower: groupQueryAttention as never },
  Attention: { lower: attention },
  MultiHeadAttention: { lower: multiHeadAttention },
  RotaryEmbedding: { lower: rotaryEmbeddingMicrosoft },
};
