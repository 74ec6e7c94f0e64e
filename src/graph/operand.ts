// Operands, nodes and built graphs: the graph layer's data model.
import type { OperatorAttributes } from "./attributes.js";
import type { OperatorInputs, OperatorName } from "./operators.js";
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

/** A node of operator K: its operands by parameter name and its attributes, both typed by K. */
export interface GraphNodeOf<K extends OperatorName> {
  readonly id: number;
  /** WebNN operator (builder method) name. */
  readonly op: K;
  /** Operand arguments by parameter name (positional ones use the spec's parameter names). */
  readonly inputs: OperatorInputs<K>;
  /** Non-operand arguments and options, with the spec's defaults filled in. */
  readonly attributes: OperatorAttributes<K>;
  readonly outputs: readonly MLOperand[];
  readonly label?: string;
}

/** A node of any of the operators K (a union, discriminated by `op`). */
export type GraphNode<K extends OperatorName = OperatorName> = K extends OperatorName ? GraphNodeOf<K> : never;

/** A node's operands by parameter name, for code that treats every operator alike. */
export function nodeInputRecord(node: GraphNode): Readonly<Record<string, NodeInput>> {
  return node.inputs as Readonly<Record<string, NodeInput>>;
}

/** A node's attributes by name, for code that treats every operator alike. */
export function nodeAttributeRecord(node: GraphNode): Readonly<Record<string, unknown>> {
  return node.attributes as Readonly<Record<string, unknown>>;
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
  const inputs = nodeInputRecord(node);
  for (const key of Object.keys(inputs)) {
    const v = inputs[key];
    if (v === undefined) continue;
    if (v instanceof MLOperand) out.push(v);
    else out.push(...v);
  }
  return out;
}
