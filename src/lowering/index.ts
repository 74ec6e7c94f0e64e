// The lowering table: one function per WebNN operator, keyed by operator name.
import { convolutionLowerings } from "./convolution.js";
import { elementwiseLowerings } from "./elementwise.js";
import { normalizationLowerings } from "./normalization.js";
import { reductionLowerings } from "./reduction.js";
import { shapeLowerings } from "./shape.js";
import type { LoweringTable } from "./table.js";

export const LOWERINGS: LoweringTable = Object.freeze({
  ...elementwiseLowerings,
  ...reductionLowerings,
  ...shapeLowerings,
  ...convolutionLowerings,
  ...normalizationLowerings,
});

export function supportedOperators(): string[] {
  return Object.keys(LOWERINGS).sort();
}

export { lowerGraph, type LoweredModel, type IOEntry, type LowerOptions } from "./lower-graph.js";
export { resolveTarget, TARGETS, DEFAULT_TARGET, type Target, type TargetName } from "./target.js";
