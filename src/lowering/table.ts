import type { GraphNode } from "../graph/operand.js";
import type { LoweringContext } from "./context.js";

/** Lowers one WebNN node: reads its inputs' MIL values from ctx, emits MIL ops, sets its outputs. */
export type LoweringFunction = (node: GraphNode, ctx: LoweringContext) => void;

export type LoweringTable = Readonly<Record<string, LoweringFunction>>;
