// Shape and data-movement operators, with the forms each opset gives them (attributes before
// opset 13 or 18, inputs after). Their shape arguments must be known at import time; with static
// input shapes they are (Shape of an operand is a constant), and what exporters compute from
// shapes folds away.
import { elementCountOf } from "../../../graph/types.js";
import type { MLOperand } from "../../../graph/operand.js";
import type { ImportContext } from "../context.js";
import { concat, expand, gather, reshape, slice, transpose } from "../fold.js";
import { fromNumbers, numbers, type HostTensor } from "../tensor.js";
import type { OnnxOpTable } from "./types.js";

/** Reshape's target with ONNX's 0 (copy, unless allowzero) and -1 (inferred). */
function reshapeTarget(c: ImportContext, input: number[], shape: number[]): number[] {
  const allowZero = c.int("allowzero", 0) === 1;
  const out = shape.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const n = elementCountOf(input);
  if (out.filter((d) => d === -1).length > 1) c.fail("the new shape has more than one -1", "argument-value");
  const filled = out.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  if (filled.some((d) => !Number.isInteger(d) || d < 0) || elementCountOf(filled) !== n) c.fail(`cannot reshape [${input.join(", ")}] to [${shape.join(", ")}]`, "argument-value");
  return filled;
}

/** Squeeze/Unsqueeze/Reduce axes: an attribute before `inputFrom`, else input 1. */
function axesOf(c: ImportContext, inputFrom: number): number[] | undefined {
  if (c.opset < inputFrom) return c.intList("axes");
  return c.has(1) ? c.ints(1, "axes") : undefined;
}

function squeezedShape(c: ImportContext, shape: number[]): number[] {
  const axes = axesOf(c, 13);
  if (!axes) return shape.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => c.axis(a, shape.length)));
  return shape.filter((_, i) => !drop.has(i));
}

function unsqueezedShape(c: ImportContext, shape: number[]): number[] {
  const axes = axesOf(c, 13) ?? c.fail("axes are required");
  const rank = shape.length + axes.length;
  const set = new Set(axes.map((a) => c.axis(a, rank)));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : shape[k++]);
  return out;
}

function flattenShape(c: ImportContext, shape: number[]): number[] {
  const axis = c.int("axis", 1);
  const a = axis < 0 ? axis + shape.length : axis;
  return [elementCountOf(shape.slice(0, a)), elementCountOf(shape.slice(a))];
}

/** Slice's starts/ends/axes/steps: attributes before opset 10, inputs from 10. */
function sliceArgs(c: ImportContext, rank: number): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } {
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (c.opset < 10) {
    starts = c.intList("starts") ?? []; ends = c.intList("ends") ?? []; axes = c.intList("axes");
  } else {
    starts = c.ints(1, "starts"); ends = c.ints(2, "ends");
    axes = c.has(3) ? c.ints(3, "axes") : undefined;
    steps = c.has(4) ? c.ints(4, "steps") : undefined;
  }
  axes = (axes ?? starts.map((_, i) => i)).map((a) => c.axis(a, rank));
  steps = steps ?? starts.map(() => 1);
  if (steps.some((s) => s === 0)) c.fail("a step is 0", "argument-value");
  return { starts, ends, axes, steps };
}

function splitSizes(c: ImportContext, dim: number): number[] {
  let split: number[] | undefined = c.opset < 13 ? c.intList("split") : c.has(1) ? c.ints(1, "split") : undefined;
  if (!split || split.length === 0) {
    const n = c.int("num_outputs") ?? c.node.outputs.length;
    const size = Math.ceil(dim / n);
    split = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(size, dim - i * size)));
  }
  return split;
}

function padsOf(c: ImportContext, rank: number): { begin: number[]; end: number[]; value: number } {
  let pads: number[], value = 0;
  if (c.opset < 11) { pads = c.intList("pads") ?? c.intList("paddings") ?? []; value = c.float("value", 0); }
  else {
    pads = c.ints(1, "pads");
    if (c.has(2)) value = numbers(c.constant(2, "constant_value"))[0] ?? 0;
  }
  let begin = pads.slice(0, pads.length / 2);
  let end = pads.slice(pads.length / 2);
  if (c.opset >= 18 && c.has(3)) {
    const axes = c.ints(3, "axes").map((a) => c.axis(a, rank));
    const b = new Array<number>(rank).fill(0), e = new Array<number>(rank).fill(0);
    axes.forEach((a, k) => { b[a] = begin[k]; e[a] = end[k]; });
    begin = b; end = e;
  }
  return { begin, end, value };
}

const known = (c: ImportContext, i: number, what: string): HostTensor => c.constant(i, what);

/** Input `i` as gather indices along an axis of `size`: known ones made positive here, graph-computed ones as given. */
export function gatherIndices(c: ImportContext, i: number, size: number): MLOperand {
  const idx = c.known(i);
  return idx ? c.toOperand(fromNumbers("int32", idx.shape, numbers(idx).map((v) => (v < 0 ? v + size : v)))) : c.operand(i);
}

export const SHAPE_OPS: OnnxOpTable = {
  Constant: {
    foldNeeds: "none",
    fold: (c) => {
      const t = c.tensorAttr("value");
      if (t) return [t];
      const f = c.attr("value_float"), fs = c.attr("value_floats"), i = c.attr("value_int"), is = c.attr("value_ints");
      if (f) return [fromNumbers("float32", [], [f.f ?? 0])];
      if (fs) return [fromNumbers("float32", [fs.floats.length], fs.floats)];
      if (i) return [fromNumbers("int64", [], [i.i ?? 0])];
      if (is) return [fromNumbers("int64", [is.ints.length], is.ints)];
      return c.fail("has no value this importer reads (value, value_float(s), value_int(s))");
    },
  },
  Shape: {
    foldNeeds: "none",
    fold: (c) => {
      const s = c.shape(0);
      const rank = s.length;
      let start = c.int("start", 0), end = c.int("end", rank);
      start = Math.min(Math.max(start < 0 ? start + rank : start, 0), rank);
      end = Math.min(Math.max(end < 0 ? end + rank : end, 0), rank);
      const dims = s.slice(start, Math.max(start, end));
      return [fromNumbers("int64", [dims.length], dims)];
    },
  },
  Size: { foldNeeds: "none", fold: (c) => [fromNumbers("int64", [], [elementCountOf(c.shape(0))])] },
  Reshape: {
    fold: (c) => [reshape(known(c, 0, "data"), reshapeTarget(c, c.shape(0), c.opset < 5 ? c.intList("shape") ?? [] : c.ints(1, "shape")))],
    lower: (c) => [c.builder.reshape(c.operand(0), reshapeTarget(c, c.shape(0), c.opset < 5 ? c.intList("shape") ?? [] : c.ints(1, "shape")), c.label)],
  },
  Flatten: {
    fold: (c) => [reshape(known(c, 0, "input"), flattenShape(c, c.shape(0)))],
    lower: (c) => [c.builder.reshape(c.operand(0), flattenShape(c, c.shape(0)), c.label)],
  },
  Squeeze: {
    fold: (c) => [reshape(known(c, 0, "data"), squeezedShape(c, c.shape(0)))],
    lower: (c) => [c.builder.reshape(c.operand(0), squeezedShape(c, c.shape(0)), c.label)],
  },
  Unsqueeze: {
    fold: (c) => [reshape(known(c, 0, "data"), unsqueezedShape(c, c.shape(0)))],
    lower: (c) => [c.builder.reshape(c.operand(0), unsqueezedShape(c, c.shape(0)), c.label)],
  },
  Transpose: {
    fold: (c) => [transpose(known(c, 0, "data"), c.intList("perm") ?? c.shape(0).map((_, i, a) => a.length - 1 - i))],
    lower: (c) => [c.builder.transpose(c.operand(0), { permutation: c.intList("perm") ?? c.shape(0).map((_, i, a) => a.length - 1 - i), ...c.label })],
  },
  Concat: {
    fold: (c) => {
      const ts = Array.from({ length: c.inputCount }, (_, i) => known(c, i, "input")).filter((t) => elementCountOf(t.shape) > 0 || t.shape.length > 0);
      if (ts.length === 0) c.fail("has no inputs", "argument-value");
      return [concat(ts, c.axis(c.int("axis", 0), ts[0].shape.length))];
    },
    lower: (c) => {
      const inputs = Array.from({ length: c.inputCount }, (_, i) => i).filter((i) => c.has(i)).map((i) => c.operand(i));
      return [c.builder.concat(inputs, c.axis(c.int("axis", 0), inputs[0].shape.length), c.label)];
    },
  },
  Split: {
    lower: (c) => {
      const axis = c.axis(c.int("axis", 0), c.rank(0));
      const sizes = splitSizes(c, c.shape(0)[axis]);
      return c.builder.split(c.operand(0), sizes, { axis, ...c.label });
    },
  },
  Slice: {
    fold: (c) => {
      const { starts, ends, axes, steps } = sliceArgs(c, c.rank(0));
      return [slice(known(c, 0, "data"), starts, ends, axes, steps)];
    },
    lower: (c) => {
      const shape = c.shape(0);
      const { starts, ends, axes, steps } = sliceArgs(c, shape.length);
      let x = c.operand(0);
      const begin = shape.map(() => 0), sizes = [...shape], strides = shape.map(() => 1);
      const reversed: number[] = [];
      axes.forEach((axis, k) => {
        const dim = shape[axis], s = steps[k];
        let b = starts[k] < 0 ? starts[k] + dim : starts[k];
        let e = ends[k] < 0 ? ends[k] + dim : ends[k];
        // WebNN's sizes span input elements: the output has ceil(size / stride) of them.
        let count: number;
        if (s > 0) {
          b = Math.min(Math.max(b, 0), dim); e = Math.min(Math.max(e, 0), dim);
          count = Math.max(0, Math.ceil((e - b) / s));
          begin[axis] = b;
        } else {
          // A negative step walks backwards: reverse the axis, then step forwards.
          b = Math.min(Math.max(b, -1), dim - 1); e = Math.min(Math.max(e, -1), dim - 1);
          reversed.push(axis);
          count = Math.max(0, Math.ceil((b - e) / -s));
          begin[axis] = dim - 1 - b;
        }
        strides[axis] = Math.abs(s);
        sizes[axis] = count === 0 ? 0 : (count - 1) * Math.abs(s) + 1;
      });
      if (reversed.length) x = c.builder.reverse(x, { axes: reversed });
      if (sizes.some((d) => d === 0)) c.fail("the slice is empty, which WebNN cannot represent");
      return [c.builder.slice(x, begin, sizes, { strides, ...c.label })];
    },
  },
  Gather: {
    fold: (c) => {
      const data = known(c, 0, "data");
      const idx = known(c, 1, "indices");
      return [gather(data, numbers(idx), idx.shape, c.axis(c.int("axis", 0), data.shape.length))];
    },
    lower: (c) => {
      const axis = c.axis(c.int("axis", 0), c.rank(0));
      return [c.builder.gather(c.operand(0), gatherIndices(c, 1, c.shape(0)[axis]), { axis, ...c.label })];
    },
  },
  GatherElements: { lower: (c) => [c.builder.gatherElements(c.operand(0), c.operand(1), { axis: c.axis(c.int("axis", 0), c.rank(0)), ...c.label })] },
  GatherND: {
    lower: (c) => {
      if (c.int("batch_dims", 0) !== 0) c.fail("batch_dims other than 0 is not supported");
      return [c.builder.gatherND(c.operand(0), c.operand(1), c.label)];
    },
  },
  ScatterElements: {
    lower: (c) => {
      if (c.string("reduction", "none") !== "none") c.fail(`reduction "${c.string("reduction", "none")}" is not supported`);
      return [c.builder.scatterElements(c.operand(0), c.operand(1), c.operand(2), { axis: c.axis(c.int("axis", 0), c.rank(0)), ...c.label })];
    },
  },
  ScatterND: {
    lower: (c) => {
      if (c.string("reduction", "none") !== "none") c.fail(`reduction "${c.string("reduction", "none")}" is not supported`);
      return [c.builder.scatterND(c.operand(0), c.operand(1), c.operand(2), c.label)];
    },
  },
  Expand: {
    fold: (c) => [expand(known(c, 0, "input"), c.ints(1, "shape"))],
    lower: (c) => {
      const target = c.ints(1, "shape");
      const s = c.shape(0);
      const rank = Math.max(s.length, target.length);
      const out = Array.from({ length: rank }, (_, i) => {
        const a = s[s.length - rank + i] ?? 1, b = target[target.length - rank + i] ?? 1;
        return a === 1 ? b : a;
      });
      return [c.builder.expand(c.operand(0), out, c.label)];
    },
  },
  Tile: { lower: (c) => [c.builder.tile(c.operand(0), c.ints(1, "repeats"), c.label)] },
  Pad: {
    lower: (c) => {
      const { begin, end, value } = padsOf(c, c.rank(0));
      const mode = c.string("mode", "constant");
      const webnnMode = mode === "reflect" ? "reflection" : mode === "edge" ? "edge" : mode === "constant" ? "constant" : c.fail(`mode "${mode}" is not supported`);
      if ([...begin, ...end].some((p) => p < 0)) c.fail("negative pads are not supported");
      return [c.builder.pad(c.operand(0), begin, end, { mode: webnnMode, value, ...c.label })];
    },
  },
  ConstantOfShape: {
    foldNeeds: "none",
    fold: (c) => {
      const shape = c.ints(0, "shape");
      const v = c.tensorAttr("value") ?? fromNumbers("float32", [1], [0]);
      return [fromNumbers(v.dataType, shape, new Array(elementCountOf(shape)).fill(numbers(v)[0] ?? 0))];
    },
  },
  Range: {
    fold: (c) => {
      const [start, limit, delta] = [0, 1, 2].map((i) => numbers(known(c, i, ["start", "limit", "delta"][i]))[0]);
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      return [fromNumbers(c.dataType(0), [n], Array.from({ length: n }, (_, i) => start + i * delta))];
    },
  },
  Trilu: {
    lower: (c) => [c.builder.triangular(c.operand(0), { upper: c.int("upper", 1) === 1, diagonal: c.has(1) ? numbers(c.constant(1, "k"))[0] : 0, ...c.label })],
  },
  CumSum: {
    lower: (c) => [c.builder.cumulativeSum(c.operand(0), c.axis(numbers(c.constant(1, "axis"))[0], c.rank(0)), { exclusive: c.int("exclusive", 0) === 1, reversed: c.int("reverse", 0) === 1, ...c.label })],
  },
  // Rearranged with tensors of rank ≤ 5 (Core ML's limit): batch and block dimensions are merged.
  DepthToSpace: {
    lower: (c) => {
      const [n, ch, h, w] = c.shape(0);
      const bs = c.int("blocksize", 1);
      const cc = ch / (bs * bs);
      const b = c.builder;
      if (c.string("mode", "DCR") === "CRD") {
        // channel = c·b² + i·b + j
        const t = b.transpose(b.reshape(c.operand(0), [n * cc, bs, bs, h, w]), { permutation: [0, 3, 1, 4, 2] });
        return [b.reshape(t, [n, cc, h * bs, w * bs], c.label)];
      }
      // DCR: channel = (i·b + j)·C' + c
      const t1 = b.transpose(b.reshape(c.operand(0), [n * bs, bs, cc, h, w]), { permutation: [0, 2, 3, 4, 1] });
      const t2 = b.transpose(b.reshape(t1, [n, bs, cc, h, w * bs]), { permutation: [0, 2, 3, 1, 4] });
      return [b.reshape(t2, [n, cc, h * bs, w * bs], c.label)];
    },
  },
  SpaceToDepth: {
    lower: (c) => {
      const [n, ch, h, w] = c.shape(0);
      const bs = c.int("blocksize", 1);
      const b = c.builder;
      const t1 = b.transpose(b.reshape(c.operand(0), [n * ch, h / bs, bs, w / bs, bs]), { permutation: [0, 2, 4, 1, 3] });
      const t2 = b.transpose(b.reshape(t1, [n, ch, bs * bs, h / bs, w / bs]), { permutation: [0, 2, 1, 3, 4] });
      return [b.reshape(t2, [n, ch * bs * bs, h / bs, w / bs], c.label)];
    },
  },
  If: {
    lower: (c) => {
      const cond = c.known(0) ?? c.fail("the condition must be known when the model is converted (pin the inputs it depends on with inputValues)");
      const branch = c.graphAttr(numbers(cond)[0] ? "then_branch" : "else_branch") ?? c.fail("has no branch graph");
      return c.runSubgraph(branch).map((v) => (v.kind === "tensor" ? v.tensor : v.operand));
    },
  },
};

