// Operands, nodes and built graphs: the graph layer's data model.
import type { MLOperandDataType, MLOperandDescriptor } from "./types.js";

export type OperandKind = "input" | "constant" | "output";

export class MLOperand {
  readonly dataType: MLOperandDataType;
  readonly shape: readonly number[];
  /** @internal unique within its builder, in creation order (a topological order). */
  readonly id: number;
  /** @internal */
  readonly kind: OperandKind;
  /** @internal input name, constant label, or node label. */
  readonly name?: string;
  /** @internal constant bytes (a view; never copied or mutated). */
  readonly data?: Uint8Array;
  /** @internal the node producing this operand, for kind "output". */
  producer?: GraphNode;
  /** @internal */
  readonly builderId: number;

  constructor(init: { desc: MLOperandDescriptor; id: number; kind: OperandKind; name?: string; data?: Uint8Array; builderId: number }) {
    this.dataType = init.desc.dataType;
    this.shape = Object.freeze([...init.desc.shape]);
    this.id = init.id;
    this.kind = init.kind;
    this.name = init.name;
    this.data = init.data;
    this.builderId = init.builderId;
  }

  /** WebNN spec: operand rank. */
  get rank(): number {
    return this.shape.length;
  }

  /** Legacy alias used by older WebNN drafts. */
  get dimensions(): readonly number[] {
    return this.shape;
  }

  /** A readable name for error messages. */
  get label(): string {
    if (this.name) return this.name;
    if (this.producer) return `${this.producer.op}#${this.producer.id} output`;
    return `operand#${this.id}`;
  }
}

export type NodeInput = MLOperand | readonly MLOperand[] | undefined;

export interface GraphNode {
  readonly id: number;
  /** WebNN operator (builder method) name. */
  readonly op: string;
  /** Operand arguments by parameter name (positional ones use the spec's parameter names). */
  readonly inputs: Readonly<Record<string, NodeInput>>;
  /** Non-operand arguments and options, with the spec's defaults filled in. */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly outputs: readonly MLOperand[];
  readonly label?: string;
}

export interface NamedOperand {
  readonly name: string;
  readonly operand: MLOperand;
}

/** An immutable built graph: only the nodes that the outputs depend on, in topological order. */
export interface MLGraph {
  readonly inputs: readonly NamedOperand[];
  readonly constants: readonly MLOperand[];
  readonly nodes: readonly GraphNode[];
  readonly outputs: readonly NamedOperand[];
}

export function nodeInputOperands(node: GraphNode): MLOperand[] {
  const out: MLOperand[] = [];
  for (const key of Object.keys(node.inputs)) {
    const v = node.inputs[key];
    if (v === undefined) continue;
    if (v instanceof MLOperand) out.push(v);
    else out.push(...v);
  }
  return out;
}
