// matmul(x, W) (+ b) with W and b constants → linear(x, Wᵀ, b), as coremltools' optimize_linear.py
// (fuse_matmul_weight_bias) and its torch frontend make of a dense layer: one op the Neural
// Engine runs as a fully connected layer. x of rank 1 to 4 (coremltools writes rank-4 linears
// for channels-last blocks such as ConvNeXt's and Swin's), W of rank 2 — a const, or a
// compressed weight (constexpr_blockwise_shift_scale, constexpr_affine_dequantize) whose stored
// parts are transposed with it — and b one value per output column (any leading 1s). Without an
// add (a weight already [N, K]) the bias is zeros, as coremltools writes it.
import { constOperation, milElementSize, type MilConstValue, type MilOperation } from "../mil/program.js";
import type { FusionTools } from "./fusion.js";
import { rememberForBytes } from "./pass.js";
import { fusionPass, operation, rebuilt } from "./fusion.js";

const FLOAT = new Set(["fp32", "fp16"]);
const MAX_X_RANK = 4;

/** The bias const of `add` = matmul `mm` + b, when b is one value per output column. */
function biasOf(add: MilOperation, mm: MilOperation, n: number, t: FusionTools): MilConstValue | undefined {
  const { g } = t;
  const split = g.splitConst(add);
  if (!split || split[1] !== mm.outputs[0].name || !g.onlyFeeds(split[1], add)) return undefined;
  const bias = g.producerOf(split[0], "const")!.value!;
  if (bias.strings || bias.type.shape.reduce((a, d) => a * d, 1) !== n || bias.type.shape[bias.type.shape.length - 1] !== n) return undefined;
  // The add must not broadcast the product to a larger shape.
  const out = add.outputs[0];
  if (out.type.shape.length !== mm.outputs[0].type.shape.length || bias.type.shape.length > out.type.shape.length) return undefined;
  return bias.type.dataType === mm.outputs[0].type.dataType ? bias : undefined;
}

/** matmul `mm`'s x, stored weight and output width, when it can be a linear. */
function linearParts(mm: MilOperation, t: FusionTools): { x: string; w: MilOperation; transposed: boolean; n: number } | undefined {
  const { g } = t;
  if (g.isConstant(g.arg(mm, "transpose_x"), 1)) return undefined;
  const x = g.arg(mm, "x"), w = g.producer(g.arg(mm, "y"));
  const wType = w?.outputs[0].type;
  const xType = g.typeOf(x);
  if (!x || !w || !wType || !xType || wType.shape.length !== 2 || xType.shape.length < 1 || xType.shape.length > MAX_X_RANK) return undefined;
  if (w.type !== "const" && !w.type.startsWith("constexpr_")) return undefined;
  if (!FLOAT.has(wType.dataType) || wType.dataType !== xType.dataType) return undefined;
  const transposed = g.isConstant(g.arg(mm, "transpose_y"), 1);
  return { x, w, transposed, n: transposed ? wType.shape[0] : wType.shape[1] };
}

export const fuseLinear = fusionPass({
  name: "fuse-linear",
  roots: ["matmul", "add"],
  match: (op, t) => {
    const { g } = t;
    const mm = op.type === "add" ? g.producerOf(g.splitConst(op)?.[1], "matmul") : op;
    const parts = mm && linearParts(mm, t);
    if (!mm || !parts) return undefined;
    let bias: MilConstValue | undefined;
    if (op.type === "add") {
      bias = biasOf(op, mm, parts.n, t);
      if (!bias) return undefined;
    } else {
      // A matmul whose add will take it in is left to that add.
      const readers = g.consumers(op.outputs[0].name);
      if (readers.length === 1 && readers[0].type === "add" && biasOf(readers[0], op, parts.n, t)) return undefined;
      // Without a bias there is no op to save: a weight that would have to be transposed
      // (copied: gigabytes, on large models) stays a matmul's.
      if (!parts.transposed) return undefined;
    }
    const wName = parts.w.outputs[0].name;
    const weight = parts.transposed ? { ops: [], name: wName }
      // A weight read elsewhere too would be stored twice.
      : g.onlyFeeds(wName, mm) ? transposedWeight(parts.w, t) : undefined;
    if (!weight) return undefined;
    const dataType = parts.w.outputs[0].type.dataType;
    // The bias's bytes as they are (shared with other functions' copies), shaped [n].
    const bc = bias ? constOperation(t.fresh(`${op.name}_bias`), { type: { dataType, shape: [parts.n] }, bytes: bias.bytes! })
      : t.constant(`${op.name}_bias`, dataType, [parts.n], new Float32Array(parts.n));
    return [...weight.ops, bc, operation("linear", { x: parts.x, weight: weight.name, bias: bc.outputs[0].name }, op.outputs[0], op.name)];
  },
});

/**
 * A 2-D const value transposed (elements as stored: one per byte for sub-byte types). The bytes
 * are made once per source bytes, so the functions of a multifunction package share them.
 */
function transposeValue(v: MilConstValue): MilConstValue {
  const [rows, cols] = v.type.shape;
  const size = milElementSize(v.type.dataType);
  const src = v.bytes!;
  const bytes = rememberForBytes(src, `transpose:${rows}x${cols}:${size}`, () => {
    const out = new Uint8Array(src.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out.set(src.subarray((r * cols + c) * size, (r * cols + c + 1) * size), (c * rows + r) * size);
    return out;
  });
  return { type: { dataType: v.type.dataType, shape: [cols, rows] }, bytes };
}

/** The weight [K, N] as [N, K]: a const transposed, or a compressed weight with its stored parts transposed. */
function transposedWeight(w: MilOperation, t: FusionTools): { ops: MilOperation[]; name: string } | undefined {
  const { g } = t;
  const constOf = (param: string) => g.producerOf(g.arg(w, param), "const")?.value;
  const swapped = (param: string): MilOperation | undefined => {
    const v = constOf(param);
    if (!v || v.strings || v.type.shape.length !== 2) return undefined;
    return constOperation(t.fresh(`${w.name}_${param}_t`), transposeValue(v));
  };
  const [k, n] = w.outputs[0].type.shape;
  const out = { name: t.fresh(`${w.name}_t`), type: { dataType: w.outputs[0].type.dataType, shape: [n, k] } };
  if (w.type === "const") {
    const c = constOperation(out.name, transposeValue(w.value!));
    return { ops: [c], name: out.name };
  }
  if (w.type === "constexpr_blockwise_shift_scale") {
    const parts = ["data", "scale", ...(w.inputs.offset ? ["offset"] : [])].map((p) => [p, swapped(p)] as const);
    if (parts.some(([, c]) => !c)) return undefined;
    const ops = parts.map(([, c]) => c!);
    return { ops: [...ops, rebuilt(w.type, Object.fromEntries(parts.map(([p, c]) => [p, c!.outputs[0].name])), out)], name: out.name };
  }
  if (w.type === "constexpr_affine_dequantize") {
    const data = swapped("quantized_data");
    const axis = g.constValues(g.arg(w, "axis"));
    if (!data || !axis || axis.length !== 1) return undefined;
    const newAxis = t.constant(`${w.name}_axis_t`, "int32", [], [1 - axis[0]]);
    return {
      ops: [data, newAxis, operation(w.type, { quantized_data: data.outputs[0].name, zero_point: g.arg(w, "zero_point"), scale: g.arg(w, "scale"), axis: newAxis.outputs[0].name }, out)],
      name: out.name,
    };
  }
  return undefined;
}
