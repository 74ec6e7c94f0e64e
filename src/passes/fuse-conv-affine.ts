// A per-channel affine map after a conv, taken into its weight and bias (coremltools'
// fuse_conv_batchnorm, fuse_conv_scale, fuse_conv_bias): batch_norm → W·s, (b − μ)·s + β with
// s = γ/√(σ² + ε); · s → W·s, b·s; + t → b + t. Graphs built with WebNN's batchNormalization,
// and exports that keep BatchNormalization apart from Conv, write them so. The conv's weight
// must be a constant read by it alone, the factors one value per output channel.
import type { MilOperation } from "../mil/program.js";
import { readNumbers, tensorFromConst } from "../runtime/tensor.js";
import { fusionPass, operation } from "./fusion.js";

const FLOAT = new Set(["fp32", "fp16"]);
/** Weights rewritten here at most (elements): larger ones are left as they are, unscaled and uncopied. */
const MAX_WEIGHT_ELEMENTS = 1 << 22;

export const fuseConvAffine = fusionPass({
  name: "fuse-conv-affine",
  roots: ["batch_norm", "mul", "add"],
  match: (op, t) => {
    const { g } = t;
    const convOut = op.type === "batch_norm" ? g.arg(op, "x") : g.splitConst(op)?.[1];
    const conv = g.producerOf(convOut, "conv");
    const w = conv && g.producerOf(g.arg(conv, "weight"), "const");
    if (!conv || !w || !g.onlyFeeds(convOut!, op) || !g.onlyFeeds(w.outputs[0].name, conv)) return undefined;
    const type = conv.outputs[0].type, wType = w.outputs[0].type;
    const channels = type.shape[1], rank = type.shape.length;
    if (!FLOAT.has(wType.dataType) || wType.shape.reduce((a, d) => a * d, 1) > MAX_WEIGHT_ELEMENTS || wType.dataType !== type.dataType || op.outputs[0].type.shape.join(",") !== type.shape.join(",")) return undefined;
    const biasName = g.arg(conv, "bias");
    const bias = biasName === undefined ? new Array<number>(channels).fill(0) : g.perChannel(biasName, channels, 0, 1)?.values;
    if (!bias) return undefined;
    let scale: number[], shift: number[];
    if (op.type === "batch_norm") {
      const p = (param: string, fallback: number) => (op.inputs[param] ? g.perChannel(g.arg(op, param), channels, 0, 1)?.values : new Array<number>(channels).fill(fallback));
      const [mean, variance, gamma, beta] = [p("mean", 0), p("variance", 1), p("gamma", 1), p("beta", 0)];
      const eps = op.inputs.epsilon ? g.constValues(g.arg(op, "epsilon"), 1)?.[0] : 1e-5;
      if (!mean || !variance || !gamma || !beta || eps === undefined) return undefined;
      scale = gamma.map((gm, c) => gm / Math.sqrt(variance[c] + eps));
      shift = beta.map((bt, c) => bt - mean[c] * scale[c]);
    } else {
      const k = g.perChannel(g.splitConst(op)![0], channels, rank - 2, rank)?.values;
      if (!k) return undefined;
      [scale, shift] = op.type === "mul" ? [k, new Array<number>(channels).fill(0)] : [new Array<number>(channels).fill(1), k];
    }
    const weights = readNumbers(tensorFromConst(w.value!));
    const perOut = weights.length / channels;
    const newWeights = weights.map((v, i) => v * scale[Math.floor(i / perOut)]);
    const newBias = bias.map((b, c) => b * scale[c] + shift[c]);
    const wc = t.constant(`${conv.name}_weight`, wType.dataType, wType.shape, newWeights);
    const bc = t.constant(`${conv.name}_bias`, wType.dataType, [channels], newBias);
    const inputs: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(conv.inputs)) inputs[k] = v[0];
    const fused: MilOperation = operation("conv", { ...inputs, x: inputs.x, weight: wc.outputs[0].name, bias: bc.outputs[0].name }, op.outputs[0], op.name);
    return [wc, bc, fused];
  },
});
