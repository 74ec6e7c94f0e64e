// sink-transposes: transpose(f(transpose(a), …)) with f elementwise and the two permutations
// inverse → f(a, …) computed in a's layout: a limited form of coremltools' reduce_transposes.
// Channels-last blocks exported from NCHW models (ConvNeXt's layer norms and layer scales)
// transpose out of the block and straight back in; here the pair goes. The other operands must
// come along without a new transpose: the same inverse transpose of a value, or a constant with
// at most one axis over 1 (a per-channel scale or bias), which is reshaped. Each op taken in is
// read by the chain alone, so the rewrite never computes anything twice.
import { constOperation, type MilOperation, type MilTensorType } from "../mil/program.js";
import { fusionPass, rebuilt, type FusionTools } from "./fusion.js";

const BINARY = new Set(["add", "sub", "mul", "real_div", "maximum", "minimum"]);
const UNARY = new Set(["relu", "sigmoid", "tanh", "silu", "gelu", "abs", "exp", "sqrt", "erf"]);
const MAX_DEPTH = 8;

const permuted = (shape: readonly number[], q: readonly number[]) => q.map((i) => shape[i]);

/** `name` transposed by q, as ops that need no transpose (appended to `ops`), or undefined. */
function pull(name: string, q: readonly number[], reader: MilOperation, t: FusionTools, ops: MilOperation[], depth: number): string | undefined {
  const { g } = t;
  const op = g.producer(name);
  if (!op || depth > MAX_DEPTH) return undefined;
  if (op.type === "transpose") {
    const p = g.constValues(g.arg(op, "perm"));
    return p && p.length === q.length && q.every((qi, i) => p[qi] === i) ? g.arg(op, "x") : undefined;
  }
  if (op.type === "const") {
    const v = op.value!;
    if (v.strings || !v.bytes || v.type.shape.length > q.length) return undefined;
    const padded = [...Array(q.length - v.type.shape.length).fill(1), ...v.type.shape];
    if (padded.filter((d) => d > 1).length > 1) return undefined;
    const c = constOperation(t.fresh(`${op.name}_t`), { type: { dataType: v.type.dataType, shape: permuted(padded, q) }, bytes: v.bytes });
    ops.push(c);
    return c.outputs[0].name;
  }
  if (!g.onlyFeeds(name, reader) || op.outputs.length !== 1) return undefined;
  const params = BINARY.has(op.type) ? ["x", "y"] : UNARY.has(op.type) ? ["x"] : undefined;
  if (!params) return undefined;
  const inputs: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(op.inputs)) inputs[k] = v[0];
  for (const param of params) {
    const pulled = pull(g.arg(op, param)!, q, op, t, ops, depth + 1);
    if (pulled === undefined) return undefined;
    inputs[param] = pulled;
  }
  const type: MilTensorType = { dataType: op.outputs[0].type.dataType, shape: permuted(op.outputs[0].type.shape, q) };
  if (BINARY.has(op.type) && params.some((p) => g.typeOf(g.arg(op, p))!.shape.length !== type.shape.length && g.producer(g.arg(op, p))?.type !== "const")) return undefined;
  const out = rebuilt(op.type, inputs, { name: t.fresh(`${op.name}_t`), type });
  ops.push(out);
  return out.outputs[0].name;
}

export const sinkTransposes = fusionPass({
  name: "sink-transposes",
  roots: ["transpose"],
  match: (op, t) => {
    const q = t.g.constValues(t.g.arg(op, "perm"));
    const x = t.g.arg(op, "x");
    const producer = t.g.producer(x);
    if (!q || !x || !producer || !(BINARY.has(producer.type) || UNARY.has(producer.type))) return undefined;
    const ops: MilOperation[] = [];
    const result = pull(x, q, op, t, ops, 0);
    if (result === undefined) return undefined;
    const last = ops[ops.length - 1];
    // The last op computed writes the transpose's output.
    return [...ops.slice(0, -1), { ...last, name: op.name, outputs: [op.outputs[0]] }];
  },
});
