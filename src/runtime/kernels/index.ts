// The kernel table: MIL operation type → implementation.

import { activationKernels } from "./activation.js";
import { attentionKernels } from "./attention.js";
import type { Kernel } from "./common.js";
import { convolutionKernels } from "./convolution.js";
import { binaryKernels } from "./elementwise-binary.js";
import { unaryKernels } from "./elementwise-unary.js";
import { gatherScatterKernels } from "./gather-scatter.js";
import { linearKernels } from "./linear-algebra.js";
import { normalizationKernels } from "./normalization.js";
import { poolingKernels } from "./pooling.js";
import { quantizationKernels } from "./quantization.js";
import { palettizationKernels } from "./palettization.js";
import { reductionKernels } from "./reduction.js";
import { resizeKernels } from "./resize.js";
import { shapeKernels } from "./shape.js";
import { fillKernels } from "./shape-fill.js";
import { sortingKernels } from "./sorting.js";

export type { Kernel, KernelContext, KernelInputs } from "./common.js";
export { KernelArgs } from "./common.js";

/** Every operation the reference runtime executes, keyed by MIL op type ("const" is handled by the engine). */
export const kernels: Record<string, Kernel> = {
  ...unaryKernels,
  ...activationKernels,
  ...binaryKernels,
  ...reductionKernels,
  ...shapeKernels,
  ...fillKernels,
  ...gatherScatterKernels,
  ...linearKernels,
  ...convolutionKernels,
  ...normalizationKernels,
  ...poolingKernels,
  ...resizeKernels,
  ...quantizationKernels,
  ...palettizationKernels,
  ...sortingKernels,
  ...attentionKernels,
};
