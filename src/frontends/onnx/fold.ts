// Import-time evaluation on host tensors: what exported models compute about shapes (Shape,
// Gather, Concat, Unsqueeze, Slice, Range, ConstantOfShape, arithmetic, comparisons, Where, Cast)
// and any other node whose inputs are all known, so that none of it reaches the package.
// Values are computed as doubles and stored in the result's data type, as a cast would.
import { UnsupportedError } from "../../errors.js";
import { broadcastShapes } from "../../graph/shape-rules.js";
import { allocTypedArray, elementCountOf, type MLOperandDataType } from "../../graph/types.js";
import { fromNumbers, numbers, rawTensor, type HostTensor } from "./tensor.js";

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

/** For each element of `out`, the index of the element of `shape` it broadcasts from. */
function broadcastIndex(shape: readonly number[], out: readonly number[]): Int32Array {
  const n = elementCountOf(out);
  const idx = new Int32Array(n);
  const rank = out.length;
  const inS = strides(shape);
  const pad = rank - shape.length;
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = pad; d < rank; d++) if (shape[d - pad] !== 1) j += coord[d] * inS[d - pad];
    idx[i] = j;
    for (let d = rank - 1; d >= 0; d--) { if (++coord[d] < out[d]) break; coord[d] = 0; }
  }
  return idx;
}

export function elementwise(inputs: readonly HostTensor[], outType: MLOperandDataType, f: (...v: number[]) => number): HostTensor {
  let shape: number[] = [];
  for (const t of inputs) shape = broadcastShapes(shape, t.shape, { operator: "broadcast" });
  const n = elementCountOf(shape);
  const vals = inputs.map(numbers);
  const maps = inputs.map((t) => broadcastIndex(t.shape, shape));
  const out = new Float64Array(n);
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = vals[k][maps[k][i]];
    out[i] = f(...args);
  }
  return fromNumbers(outType, shape, out);
}

export function reshape(t: HostTensor, shape: number[]): HostTensor {
  // Stored bytes stay as they are (a reshaped weight is still a view of the file).
  if (t.raw) return rawTensor(t.dataType, shape, t.raw, () => t.data);
  return { dataType: t.dataType, shape, data: t.data };
}

export function transpose(t: HostTensor, perm: readonly number[]): HostTensor {
  const shape = perm.map((p) => t.shape[p]);
  const n = elementCountOf(shape);
  const inS = strides(t.shape);
  const out = allocTypedArray(t.dataType, n) as unknown as { [i: number]: number | bigint; length: number };
  const src = t.data as unknown as { [i: number]: number | bigint };
  const coord = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < shape.length; d++) j += coord[d] * inS[perm[d]];
    out[i] = src[j];
    for (let d = shape.length - 1; d >= 0; d--) { if (++coord[d] < shape[d]) break; coord[d] = 0; }
  }
  return { dataType: t.dataType, shape, data: out as unknown as HostTensor["data"] };
}

/** Elements along `axis` picked by `indices` (negative ones count from the end). */
export function gather(t: HostTensor, indices: readonly number[], indexShape: readonly number[], axis: number): HostTensor {
  const dim = t.shape[axis];
  const outer = elementCountOf(t.shape.slice(0, axis));
  const inner = elementCountOf(t.shape.slice(axis + 1));
  const shape = [...t.shape.slice(0, axis), ...indexShape, ...t.shape.slice(axis + 1)];
  const out = allocTypedArray(t.dataType, elementCountOf(shape)) as unknown as { [i: number]: number | bigint };
  const src = t.data as unknown as { [i: number]: number | bigint };
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const raw of indices) {
      const k = raw < 0 ? raw + dim : raw;
      if (!(k >= 0 && k < dim)) throw new UnsupportedError(`Gather: index ${raw} is out of range for a dimension of ${dim}`, { rule: "out-of-range" });
      for (let b = 0; b < inner; b++) out[o++] = src[(a * dim + k) * inner + b];
    }
  }
  return { dataType: t.dataType, shape, data: out as unknown as HostTensor["data"] };
}

export function concat(ts: readonly HostTensor[], axis: number): HostTensor {
  const first = ts[0];
  if (!first) throw new UnsupportedError("Concat has no inputs", { rule: "arity" });
  for (const t of ts) {
    if (t.dataType !== first.dataType) throw new UnsupportedError(`Concat inputs are ${first.dataType} and ${t.dataType}; they must have one type`, { rule: "data-type-mismatch" });
    if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new UnsupportedError(`Concat inputs [${first.shape.join(", ")}] and [${t.shape.join(", ")}] differ outside axis ${axis}`, { rule: "shape-mismatch" });
    }
  }
  const shape = [...first.shape];
  shape[axis] = ts.reduce((s, t) => s + t.shape[axis], 0);
  const outer = elementCountOf(shape.slice(0, axis));
  const out = allocTypedArray(first.dataType, elementCountOf(shape)) as unknown as { [i: number]: number | bigint };
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const t of ts) {
      const block = elementCountOf(t.shape.slice(axis));
      const src = t.data as unknown as { [i: number]: number | bigint };
      for (let b = 0; b < block; b++) out[o++] = src[a * block + b];
    }
  }
  return { dataType: first.dataType, shape, data: out as unknown as HostTensor["data"] };
}

/** A strided slice with ONNX's clamping; steps may be negative. */
export function slice(t: HostTensor, starts: number[], ends: number[], axes: number[], steps: number[]): HostTensor {
  const rank = t.shape.length;
  const begin = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const count = [...t.shape];
  axes.forEach((axis, k) => {
    const dim = t.shape[axis];
    const s = steps[k];
    let b = starts[k] < 0 ? starts[k] + dim : starts[k];
    let e = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (s > 0) { b = Math.min(Math.max(b, 0), dim); e = Math.min(Math.max(e, 0), dim); count[axis] = Math.max(0, Math.ceil((e - b) / s)); }
    else { b = Math.min(Math.max(b, -1), dim - 1); e = Math.min(Math.max(e, -1), dim - 1); count[axis] = Math.max(0, Math.ceil((b - e) / -s)); }
    begin[axis] = b;
    step[axis] = s;
  });
  const n = elementCountOf(count);
  const inS = strides(t.shape);
  const out = allocTypedArray(t.dataType, n) as unknown as { [i: number]: number | bigint };
  const src = t.data as unknown as { [i: number]: number | bigint };
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < rank; d++) j += (begin[d] + coord[d] * step[d]) * inS[d];
    out[i] = src[j];
    for (let d = rank - 1; d >= 0; d--) { if (++coord[d] < count[d]) break; coord[d] = 0; }
  }
  return { dataType: t.dataType, shape: count, data: out as unknown as HostTensor["data"] };
}

export function expand(t: HostTensor, shape: readonly number[]): HostTensor {
  const out = broadcastShapes(t.shape, shape, { operator: "Expand" });
  const map = broadcastIndex(t.shape, out);
  const data = allocTypedArray(t.dataType, map.length) as unknown as { [i: number]: number | bigint };
  const src = t.data as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < map.length; i++) data[i] = src[map[i]];
  return { dataType: t.dataType, shape: out, data: data as unknown as HostTensor["data"] };
}

export function reduce(t: HostTensor, axes: readonly number[], keep: boolean, init: number, f: (acc: number, v: number) => number, post?: (acc: number, n: number) => number): HostTensor {
  const vals = numbers(t);
  const rank = t.shape.length;
  const reduced = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const outShape = t.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const n = elementCountOf(outShape);
  const acc = new Float64Array(n).fill(init);
  const outS = strides(outShape);
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < vals.length; i++) {
    let j = 0;
    for (let d = 0; d < rank; d++) if (!reduced.has(d)) j += coord[d] * outS[d];
    acc[j] = f(acc[j], vals[i]);
    for (let d = rank - 1; d >= 0; d--) { if (++coord[d] < t.shape[d]) break; coord[d] = 0; }
  }
  const count = vals.length / Math.max(1, n);
  const res = post ? acc.map((a) => post(a, count)) : acc;
  const shape = keep ? outShape : t.shape.filter((_, i) => !reduced.has(i));
  return fromNumbers(t.dataType, shape, res);
}

export function cast(t: HostTensor, to: MLOperandDataType): HostTensor {
  if (t.dataType === to) return t;
  return fromNumbers(to, t.shape, numbers(t));
}
