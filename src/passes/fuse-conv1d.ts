// reshape(x [N, C, L] → [N, C, L, 1]) → conv 2-D with a [O, I, K, 1] kernel → reshape back to
// [N, O, L'] (or the unit axis first: [N, C, 1, L], kernels [O, I, 1, K]) → one 1-D conv, as
// coremltools writes torch's Conv1d: WebNN has only conv2d, so a 1-D ONNX Conv (Whisper's and
// wav2vec2's front ends, WaveNet-style audio) arrives spelled that way.
import { constOperation, type MilOperation } from "../mil/program.js";
import { fusionPass, operation } from "./fusion.js";

export const fuseConv1d = fusionPass({
  name: "fuse-conv1d",
  roots: ["reshape"],
  match: (op, t) => {
    const { g } = t;
    const convOut = g.arg(op, "x");
    const conv = g.producerOf(convOut, "conv");
    if (!conv || !g.onlyFeeds(convOut!, op)) return undefined;
    const xName = g.arg(conv, "x");
    const expand = g.producerOf(xName, "reshape");
    const source = expand && g.arg(expand, "x");
    const x = g.typeOf(xName), y = conv.outputs[0].type, out = op.outputs[0].type;
    if (!expand || !source || !x || x.shape.length !== 4) return undefined;
    // The unit spatial axis: 3 ([N, C, L, 1]) or 2 ([N, C, 1, L]).
    const unit = x.shape[3] === 1 ? 3 : x.shape[2] === 1 ? 2 : 0;
    const kept = 5 - unit;
    if (!unit || y.shape[unit] !== 1) return undefined;
    // x as [N, C, L]: the reshape's input when it has that shape, else a reshape to it (in place of the one to 4-D).
    const rank3 = [x.shape[0], x.shape[1], x.shape[kept]];
    const sourceType = g.typeOf(source)!;
    const ops: MilOperation[] = [];
    let a = source;
    if (sourceType.shape.join(",") !== rank3.join(",")) {
      const shape = t.constant(`${op.name}_input_shape`, "int32", [3], rank3);
      const reshaped = operation("reshape", { x: source, shape: shape.outputs[0].name }, { name: t.fresh(`${op.name}_input`), type: { dataType: sourceType.dataType, shape: rank3 } });
      ops.push(shape, reshaped);
      a = reshaped.outputs[0].name;
    }
    if (out.shape.length !== 3 || out.shape[0] !== y.shape[0] || out.shape[1] !== y.shape[1] || out.shape[2] !== y.shape[kept]) return undefined;
    const w = g.producerOf(g.arg(conv, "weight"), "const")?.value;
    if (!w || !w.bytes || w.type.shape.length !== 4 || w.type.shape[unit] !== 1) return undefined;
    const padType = g.producerOf(g.arg(conv, "pad_type"), "const")?.value?.strings?.[0] ?? "valid";
    const strides = g.constValues(g.arg(conv, "strides")) ?? [1, 1];
    const dilations = g.constValues(g.arg(conv, "dilations")) ?? [1, 1];
    const pad = padType === "custom" ? g.constValues(g.arg(conv, "pad")) : [0, 0, 0, 0];
    const u = unit - 2, k = kept - 2;
    if ((padType !== "custom" && padType !== "valid") || !pad || strides[u] !== 1 || dilations[u] !== 1 || pad[2 * u] !== 0 || pad[2 * u + 1] !== 0) return undefined;
    const base = op.name;
    const weight = constOperation(t.fresh(`${base}_weight`), { type: { dataType: w.type.dataType, shape: w.type.shape.filter((_, i) => i !== unit) }, bytes: w.bytes });
    const consts: MilOperation[] = [
      weight,
      t.constant(`${base}_strides`, "int32", [1], [strides[k]]),
      t.constant(`${base}_pad`, "int32", [2], [pad[2 * k], pad[2 * k + 1]]),
      t.constant(`${base}_dilations`, "int32", [1], [dilations[k]]),
      t.text(`${base}_pad_type`, "custom"),
    ];
    const [wc, sc, pc, dc, tc] = consts.map((c) => c.outputs[0].name);
    return [...ops, ...consts, operation("conv", { x: a, weight: wc, bias: g.arg(conv, "bias"), strides: sc, pad: pc, dilations: dc, groups: g.arg(conv, "groups"), pad_type: tc }, op.outputs[0], op.name)];
  },
});
