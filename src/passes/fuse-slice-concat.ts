// concat(slice(x, [k:n]), slice(x, [0:k])) along the sliced axis → gather(x, [k, …, n−1, 0, …, k−1]):
// torch.roll as ONNX exports it (Swin's shifted windows), and any concat of ranges of one value
// along one axis, one op as coremltools writes roll.
import type { MilOperation } from "../mil/program.js";
import { sliceRange } from "../runtime/kernels/shape.js";
import { fusionPass, operation } from "./fusion.js";
import type { UseDef } from "./use-def.js";

/** The [begin, end) a slice_by_index takes along `axis`, when it slices no other axis by stride 1. */
function rangeAlong(g: UseDef, s: MilOperation, axis: number, shape: readonly number[]): [number, number] | undefined {
  const rank = shape.length;
  const list = (p: string, fallback: number[]) => (s.inputs[p] ? g.constValues(g.arg(s, p), 8) : fallback);
  const begin = list("begin", []), end = list("end", []);
  const stride = list("stride", Array(rank).fill(1));
  const bm = list("begin_mask", Array(rank).fill(0)), em = list("end_mask", Array(rank).fill(0)), sm = list("squeeze_mask", Array(rank).fill(0));
  if (!begin || !end || !stride || !bm || !em || !sm || [begin, end, stride, bm, em, sm].some((l) => l.length !== rank)) return undefined;
  let range: [number, number] | undefined;
  for (let i = 0; i < rank; i++) {
    if (stride[i] !== 1 || sm[i]) return undefined;
    // The runtime's slice semantics (its kernel's), so the gather takes what the slice took.
    const { start, count } = sliceRange(shape[i], bm[i] ? null : begin[i], em[i] ? null : end[i], 1);
    if (i === axis) range = [start, start + count];
    else if (start !== 0 || count !== shape[i]) return undefined;
  }
  return range && range[0] < range[1] ? range : undefined;
}

export const fuseSliceConcat = fusionPass({
  name: "fuse-slice-concat",
  roots: ["concat"],
  match: (op, t) => {
    const { g } = t;
    const values = op.inputs.values ?? [];
    const out = op.outputs[0].type;
    const axisValue = g.constValues(g.arg(op, "axis"), 1)?.[0];
    if (values.length < 2 || axisValue === undefined || g.isConstant(g.arg(op, "interleave"), 1, 0)) return undefined;
    const axis = axisValue < 0 ? axisValue + out.shape.length : axisValue;
    const slices = values.map((v) => g.producerOf(v, "slice_by_index"));
    const x = slices[0] && g.arg(slices[0], "x");
    const xType = g.typeOf(x);
    if (!x || !xType || xType.dataType !== out.dataType || slices.some((s, i) => !s || g.arg(s, "x") !== x || !g.onlyFeeds(values[i], op))) return undefined;
    // Every value once: a slice read twice by the concat would be counted twice above.
    if (new Set(values).size !== values.length) return undefined;
    const indices: number[] = [];
    for (const s of slices) {
      const r = rangeAlong(g, s!, axis, xType.shape);
      if (!r) return undefined;
      for (let i = r[0]; i < r[1]; i++) indices.push(i);
    }
    if (indices.length !== out.shape[axis]) return undefined;
    const idx = t.constant(`${op.name}_indices`, "int32", [indices.length], indices);
    const ax = t.constant(`${op.name}_axis`, "int32", [], [axis]);
    return [idx, ax, operation("gather", { x, indices: idx.outputs[0].name, axis: ax.outputs[0].name }, op.outputs[0], op.name)];
  },
});
