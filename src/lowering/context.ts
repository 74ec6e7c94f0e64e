// LoweringContext: what each per-operator lowering function gets — the MIL function being
// built, the MIL value of each WebNN operand, the target, and small emit helpers.
import type { MilBinaryOp, MilOpInputs, MilOpType, MilUnaryOp } from "../mil/op-types.js";
import { UnsupportedError } from "../errors.js";
import type { GraphNode, MLOperand } from "../graph/operand.js";
import { broadcastShapes, sameShape } from "../graph/shape-rules.js";
import { elementCountOf } from "../graph/types.js";
import { MilFunctionBuilder, tensorType, type MilValue } from "../mil/builder.js";
import type { MilDataType, MilTensorType } from "../mil/program.js";
import type { Target } from "../mil/target.js";
import type { RankPlan } from "./reduce-rank.js";
import { float16Bytes, float32Bytes, int32Bytes, internalDataType, toInternalBytes } from "./tensor-data.js";

export class LoweringContext {
  readonly mil: MilFunctionBuilder;
  private readonly values = new Map<number, MilValue>();

  /** The node being lowered: named by errors about the values its lowering emits. */
  node: GraphNode | undefined;

  /** Chains of values above Core ML's rank, lowered at a smaller one (reduce-rank.ts). */
  rankPlan: RankPlan = { shapes: new Map(), permutations: new Map() };

  constructor(readonly target: Target) {
    this.mil = new MilFunctionBuilder(target.opset);
  }

  /** The MIL value of a WebNN operand (constants are emitted on first use). */
  get(operand: MLOperand): MilValue {
    const v = this.values.get(operand.id);
    if (v) return v;
    if (operand.kind === "constant" && operand.data) {
      const count = elementCountOf(operand.shape);
      const bytes = toInternalBytes(operand.data, operand.dataType, count, { operator: "constant", operand: operand.name });
      const c = this.mil.constant(tensorType(internalDataType(operand.dataType), operand.shape), bytes, operand.name ? operand.name : "constant");
      this.values.set(operand.id, c);
      return c;
    }
    throw new Error(`internal: operand ${operand.label} has no MIL value yet`);
  }

  /** The shape an operand is lowered at: its own, or the smaller-rank one of a planned chain. */
  loweredShape(operand: MLOperand): readonly number[] {
    return this.rankPlan.shapes.get(operand.id) ?? operand.shape;
  }

  set(operand: MLOperand, value: MilValue): void {
    this.values.set(operand.id, value);
  }

  has(operand: MLOperand): boolean {
    return this.values.has(operand.id);
  }

  unsupported(node: GraphNode, message: string, operand?: string): never {
    throw new UnsupportedError(message, { operator: node.op, operand: operand ?? node.label ?? node.outputs[0]?.label, rule: "unsupported" });
  }

  // ------------------------------------------------------------------ constants

  /** Small constants already emitted, by dtype, shape and values: each is emitted once. */
  private readonly smallConstants = new Map<string, MilValue>();

  /** A const of `dataType` holding `values` (rounded to that dtype). Small ones are shared. */
  constant(dataType: MilDataType, shape: readonly number[], values: ArrayLike<number>, hint?: string): MilValue {
    const key = values.length <= 16 ? `${dataType}|${shape.join(",")}|${Array.from(values, (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",")}` : undefined;
    const cached = key && this.smallConstants.get(key);
    if (cached) return cached;
    const made = this.makeConstant(dataType, shape, values, hint);
    if (key) this.smallConstants.set(key, made);
    return made;
  }

  private makeConstant(dataType: MilDataType, shape: readonly number[], values: ArrayLike<number>, hint?: string): MilValue {
    let bytes: Uint8Array;
    switch (dataType) {
      case "fp32": bytes = float32Bytes(values); break;
      case "fp16": bytes = float16Bytes(values); break;
      case "int32": bytes = int32Bytes(values, { operator: this.node?.op, operand: this.node?.label ?? this.node?.outputs[0]?.label, what: hint ?? "value" }); break;
      case "bool": bytes = Uint8Array.from(values, (v) => (v ? 1 : 0)); break;
      default: throw new Error(`internal: constant of ${dataType}`);
    }
    return this.mil.constant(tensorType(dataType, shape), bytes, hint);
  }

  scalar(dataType: MilDataType, value: number, hint?: string): MilValue {
    return this.constant(dataType, [], [value], hint);
  }

  ints(values: readonly number[], hint?: string): MilValue {
    return this.constant("int32", [values.length], values, hint);
  }

  int(value: number, hint?: string): MilValue {
    return this.constant("int32", [], [value], hint);
  }

  bool(value: boolean, hint?: string): MilValue {
    return this.constant("bool", [], [value ? 1 : 0], hint);
  }

  str(value: string, hint?: string): MilValue {
    const key = `string|${value}`;
    const cached = this.smallConstants.get(key);
    if (cached) return cached;
    const made = this.mil.stringConstant(value, hint);
    this.smallConstants.set(key, made);
    return made;
  }

  // ------------------------------------------------------------------ common ops

  /** x broadcast to `shape` (numpy rules): same rank first (leading 1s), then the size-1 dimensions tiled. */
  broadcastTo(x: MilValue, shape: readonly number[]): MilValue {
    if (sameShape(x.type.shape, shape)) return x;
    const ranked = [...new Array(shape.length - x.type.shape.length).fill(1), ...x.type.shape];
    const r = this.reshape(x, ranked);
    const reps = shape.map((d, i) => (ranked[i] === d ? 1 : d));
    if (reps.every((k) => k === 1)) return r;
    return this.op("tile", { x: r, reps: this.ints(reps, "reps") }, tensorType(x.type.dataType, shape));
  }

  op<T extends MilOpType>(type: T, inputs: MilOpInputs<T, MilValue | readonly MilValue[] | undefined>, outType: MilTensorType, hint?: string): MilValue {
    return this.mil.op1(type, inputs, outType, hint);
  }

  cast(x: MilValue, dataType: MilDataType): MilValue {
    if (x.type.dataType === dataType) return x;
    return this.op("cast", { x, dtype: this.str(dataType, "dtype") }, tensorType(dataType, x.type.shape));
  }

  reshape(x: MilValue, shape: readonly number[]): MilValue {
    if (sameShape(x.type.shape, shape)) return x;
    return this.op("reshape", { x, shape: this.ints(shape, "shape") }, tensorType(x.type.dataType, shape));
  }

  transpose(x: MilValue, perm: readonly number[]): MilValue {
    if (perm.every((p, i) => p === i)) return x;
    return this.op("transpose", { x, perm: this.ints(perm, "perm") }, tensorType(x.type.dataType, perm.map((p) => x.type.shape[p])));
  }

  /** Element-wise binary MIL op with numpy broadcasting; output dtype defaults to x's. */
  binary(type: MilBinaryOp, x: MilValue, y: MilValue, outDataType?: MilDataType): MilValue {
    return this.op(type, { x, y }, tensorType(outDataType ?? x.type.dataType, broadcastShapes(x.type.shape, y.type.shape, { operator: type })));
  }

  unary(type: MilUnaryOp, x: MilValue, extra: Record<string, MilValue> = {}): MilValue {
    return this.op(type, { x, ...extra } as MilOpInputs<typeof type, MilValue>, x.type);
  }
}
