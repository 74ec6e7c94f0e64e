// What an ONNX operator's import function works with: the current node's inputs (known tensors
// or builder operands), its attributes with ONNX defaults, the model's opset, and the builder.
import { GraphFormatError, UnsupportedError } from "../../errors.js";
import type { MLGraphBuilder } from "../../graph/builder.js";
import type { MLOperand } from "../../graph/operand.js";
import type { MLOperandDataType } from "../../graph/types.js";
import { AttributeType, type OnnxAttribute, type OnnxGraph, type OnnxNode } from "./proto.js";
import { hostBytes, hostTensorOf, numbers, type HostTensor } from "./tensor.js";

export type Value = { kind: "tensor"; tensor: HostTensor } | { kind: "operand"; operand: MLOperand };
export type Result = MLOperand | HostTensor;

export class ImportContext {
  node!: OnnxNode;
  private attrs = new Map<string, OnnxAttribute>();
  private constants = new Map<HostTensor, MLOperand>();

  constructor(
    readonly builder: MLGraphBuilder,
    readonly opset: number,
    readonly values: Map<string, Value>,
    /** Runs a subgraph (an If branch) in this scope; returns its outputs. */
    readonly runSubgraph: (g: OnnxGraph) => Value[],
  ) {}

  enter(node: OnnxNode): void {
    this.node = node;
    this.attrs = new Map(node.attributes.map((a) => [a.name, a]));
  }

  /** Details naming the node, for errors. */
  get where(): { operator: string; operand: string } {
    return { operator: this.node.opType, operand: this.node.name || this.node.outputs[0] || "?" };
  }

  fail(message: string, rule: "unsupported" | "argument-value" = "unsupported"): never {
    throw new UnsupportedError(`${this.node.opType} node "${this.where.operand}": ${message}`, { ...this.where, rule });
  }

  get inputCount(): number { return this.node.inputs.length; }

  has(i: number): boolean { return i < this.node.inputs.length && this.node.inputs[i] !== ""; }

  value(i: number): Value {
    const name = this.node.inputs[i];
    const v = name ? this.values.get(name) : undefined;
    if (!v) throw new GraphFormatError(`${this.node.opType} node "${this.where.operand}": input ${i} ("${name ?? ""}") is not defined before it`, { ...this.where, rule: "dangling-operand" });
    return v;
  }

  /** A known input's value, or undefined when it is computed by the graph. */
  known(i: number): HostTensor | undefined {
    if (!this.has(i)) return undefined;
    const v = this.value(i);
    return v.kind === "tensor" ? v.tensor : undefined;
  }

  /** An input that must be known at import time (shapes, axes, pads). */
  constant(i: number, what: string): HostTensor {
    const t = this.known(i);
    if (!t) this.fail(`${what} (input ${i}) must be known when the model is converted (a constant or computed from shapes); it is computed from the model's inputs`);
    return t;
  }

  ints(i: number, what: string): number[] { return numbers(this.constant(i, what)); }

  operand(i: number): MLOperand {
    const v = this.value(i);
    return v.kind === "operand" ? v.operand : this.toOperand(v.tensor, this.node.inputs[i]);
  }

  toOperand(t: HostTensor, label?: string): MLOperand {
    let o = this.constants.get(t);
    if (!o) {
      o = this.builder.constant({ dataType: t.dataType, shape: t.shape }, hostBytes(t), label);
      this.constants.set(t, o);
    }
    return o;
  }

  shape(i: number): number[] {
    const v = this.value(i);
    return v.kind === "tensor" ? [...v.tensor.shape] : [...v.operand.shape];
  }

  dataType(i: number): MLOperandDataType {
    const v = this.value(i);
    return v.kind === "tensor" ? v.tensor.dataType : v.operand.dataType;
  }

  rank(i: number): number { return this.shape(i).length; }

  // ---- attributes (ONNX defaults when absent)

  attr(name: string): OnnxAttribute | undefined { return this.attrs.get(name); }

  int(name: string, def: number): number;
  int(name: string): number | undefined;
  int(name: string, def?: number): number | undefined {
    const a = this.attrs.get(name);
    return a && (a.type === AttributeType.Int || a.i !== undefined) ? a.i ?? 0 : def;
  }

  float(name: string, def: number): number {
    const a = this.attrs.get(name);
    return a && (a.type === AttributeType.Float || a.f !== undefined) ? a.f ?? 0 : def;
  }

  string(name: string, def: string): string {
    const a = this.attrs.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : def;
  }

  intList(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a ? [...a.ints] : undefined;
  }

  floatList(name: string): number[] | undefined {
    const a = this.attrs.get(name);
    return a ? [...a.floats] : undefined;
  }

  stringList(name: string): string[] | undefined {
    const a = this.attrs.get(name);
    return a ? a.strings.map((s) => new TextDecoder().decode(s)) : undefined;
  }

  tensorAttr(name: string): HostTensor | undefined {
    const a = this.attrs.get(name);
    return a?.t ? hostTensorOf(a.t) : undefined;
  }

  graphAttr(name: string): OnnxGraph | undefined { return this.attrs.get(name)?.g; }

  /** Normalizes a possibly negative axis for rank `rank`. */
  axis(axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    if (!(a >= 0 && a < Math.max(rank, 1))) this.fail(`axis ${axis} is out of range for rank ${rank}`, "argument-value");
    return a;
  }

  /** Builder options naming the node's result. */
  get label(): { label: string } { return { label: this.node.outputs[0] || this.node.name }; }
}
