import type { GraphNode } from "../graph/operand.js";
import type { OperatorName } from "../graph/operators.js";
import type { LoweringContext } from "./context.js";

/** Lowers one WebNN node: reads its inputs' MIL values from ctx, emits MIL ops, sets its outputs. */
export type LoweringFunction<K extends OperatorName = OperatorName> = (node: GraphNode<K>, ctx: LoweringContext) => void;

/** One lowering per WebNN operator: a missing operator is a compile error where the table is assembled. */
export type LoweringTable = { readonly [K in OperatorName]: LoweringFunction<K> };

/** A family's part of the table. */
export type LoweringFamily = Partial<LoweringTable>;
