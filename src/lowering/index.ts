// The lowering layer: WebNN graph → MIL program. The table is in lowerings.ts.
export { LOWERINGS, supportedOperators } from "./lowerings.js";
export { lowerGraph, lowerGraphAsync, type LoweredModel, type IOEntry, type LowerOptions } from "./lower-graph.js";
export { resolveTarget, TARGETS, DEFAULT_TARGET, type Target, type TargetName } from "../mil/target.js";
