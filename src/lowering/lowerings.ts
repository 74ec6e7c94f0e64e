// The lowering table: one function per WebNN operator, keyed by operator name.
import { convolutionLowerings } from "./convolution.js";
import { linearAlgebraLowerings } from "./linear-algebra.js";
import { poolingLowerings } from "./pooling.js";
import { quantizationLowerings } from "./quantization.js";
import { recurrentLowerings } from "./recurrent.js";
import { elementwiseLowerings } from "./elementwise.js";
import { normalizationLowerings } from "./normalization.js";
import { indexReductionLowerings, reductionLowerings } from "./reduction.js";
import { shapeLowerings } from "./shape.js";
import type { LoweringTable } from "./table.js";

export const LOWERINGS: LoweringTable = Object.freeze({
  ...elementwiseLowerings,
  ...reductionLowerings,
  ...indexReductionLowerings,
  ...shapeLowerings,
  ...convolutionLowerings,
  ...linearAlgebraLowerings,
  ...poolingLowerings,
  ...quantizationLowerings,
  ...recurrentLowerings,
  ...normalizationLowerings,
});

export function supportedOperators(): string[] {
  return Object.keys(LOWERINGS).sort();
}
