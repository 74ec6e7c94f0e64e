// The program passes between lowering and serialization, in the order they run. Each is a
// function of a program (passes/<name>.ts) that a test can run alone; `validate` is last, so
// no conversion writes a program that Core ML's signatures reject.
import type { MilProgram } from "../mil/program.js";
import { bindDefaults } from "./bind-defaults.js";
import { eliminateDeadCode } from "./eliminate-dead-code.js";
import { foldConstants } from "./fold-constants.js";
import { fp16Compute } from "./fp16-compute.js";
import { compressWeights, type CompressOptions } from "./compress-weights.js";
import { nameConstants } from "./name-constants.js";
import type { PassContext, ProgramPass } from "./pass.js";
import { validate } from "./validate.js";
import { eliminateIdentities } from "./eliminate-identities.js";
import { fuseGeluExact, fuseGeluTanh, fuseHardSwish, fuseSilu } from "./fuse-activations.js";
import { fuseLinear } from "./fuse-linear.js";
import { fuseRsqrt } from "./fuse-rsqrt.js";
import { fuseConv1d } from "./fuse-conv1d.js";
import { eliminateIndexBounds } from "./eliminate-index-bounds.js";
import { eliminateCastPairs } from "./eliminate-cast-pairs.js";
import { eliminateCommonSubexpressions } from "./eliminate-common-subexpressions.js";
import { fuseFloorDiv } from "./fuse-floor-div.js";
import { mergeIntegerOffsets } from "./merge-integer-offsets.js";
import { sinkTransposes } from "./sink-transposes.js";
import { fuseSliceConcat } from "./fuse-slice-concat.js";
import { fuseAttention } from "./fuse-attention.js";
import { fuseLayerNorm, fuseLayerNormAffine } from "./fuse-layer-norm.js";
import { fuseConvAffine } from "./fuse-conv-affine.js";
import { fuseLeakyRelu } from "./fuse-leaky-relu.js";
import { fuseMatmulOperands } from "./fuse-matmul.js";
import { mergeShapeChains } from "./merge-shape-chains.js";

// fuse-linear runs before eliminate-identities, which would take a zero bias away (no copy of a
// [K, N] weight is made for a linear without one); the cast-pair and value-range cleanups see
// through identities, and leave identities of their own. Common subexpressions are merged last:
// a value shared early would have more readers than the fusions' patterns allow. Fusions run on folded constants and leave what they took in to the dead-code pass after them
// (shape chains are merged again after them: attention's fusion may transpose a transposed K);
// they run before bind-defaults, which binds the new ops' defaults as coremltools' builder does.
// fp16-compute does nothing unless the conversion asks for float16; dead code is removed again after it (the float32 casts' dtype constants it replaces).
// compress-weights (also only when asked) works on the weights as the program will compute with them (float16 after fp16-compute).
/** The optimizing passes (fusions and cleanups), in order: without them the pipeline writes the plain lowering. */
const OPTIMIZING: readonly ProgramPass[] = [
  mergeShapeChains, fuseLinear, eliminateIdentities, eliminateIndexBounds, eliminateCastPairs, eliminateIdentities,
  fuseFloorDiv, mergeIntegerOffsets, fuseGeluExact, fuseGeluTanh, fuseSilu, fuseHardSwish, fuseLeakyRelu, fuseRsqrt, fuseConv1d, fuseConvAffine, fuseSliceConcat, fuseAttention,
  fuseMatmulOperands, fuseLayerNorm, fuseLayerNormAffine, sinkTransposes, mergeShapeChains, eliminateIdentities, eliminateCommonSubexpressions,
];
export const OPTIMIZING_PASSES: ReadonlySet<string> = new Set(OPTIMIZING.map((p) => p.name));

export const PASS_PIPELINE: readonly ProgramPass[] = Object.freeze([
  foldConstants, eliminateDeadCode, ...OPTIMIZING, eliminateDeadCode,
  bindDefaults, fp16Compute, compressWeights, eliminateDeadCode, nameConstants, validate,
]);

/** Runs `passes` (default: the whole pipeline) in order; `onPass` hears of each one as it finishes. */
export function runPasses(program: MilProgram, context: PassContext, passes: readonly ProgramPass[] = PASS_PIPELINE,
  onPass?: (pass: ProgramPass, index: number, total: number) => void): MilProgram {
  let p = program;
  passes.forEach((pass, i) => {
    p = pass.run(p, context);
    onPass?.(pass, i + 1, passes.length);
  });
  return p;
}

export { bindDefaults, compressWeights, fuseConvAffine, fuseLeakyRelu, fuseFloorDiv, mergeIntegerOffsets, eliminateCastPairs, eliminateCommonSubexpressions, eliminateDeadCode, eliminateIdentities, eliminateIndexBounds, foldConstants, fp16Compute, fuseAttention, fuseGeluExact, fuseLayerNorm, fuseLayerNormAffine, fuseMatmulOperands, mergeShapeChains, fuseGeluTanh, fuseHardSwish, fuseConv1d, fuseLinear, fuseRsqrt, fuseSilu, fuseSliceConcat, nameConstants, sinkTransposes, validate, type CompressOptions, type PassContext, type ProgramPass };
