// The state an MLGraphBuilder's operators share, and the checks every one makes: operands from
// this builder, options named as the signature table has them, nodes appended before build.
// The operator families (graph/ops/*.ts) take it as their first argument.
import type { OperatorAttributeMap } from "./attributes.js";
import type { MLOperatorOptions } from "./options.js";
import { MLOperand, type GraphNode, type GraphNodeOf } from "./operand.js";
import { OPERATORS, type OperatorInputs, type OperatorName } from "./operators.js";
import { checkOptionNames, fail, isPlainObject, type Where } from "./shape-rules.js";
import { checkShape, type MLOperandDataType, type MLOperandDescriptor } from "./types.js";

export const FLOATS = ["float32", "float16"] as const;
export const SIGNED = ["float32", "float16", "int32", "int64", "int8"] as const;
export const INDEX_TYPES = ["int32", "uint32", "int64"] as const;
export const ANY: readonly MLOperandDataType[] = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8", "int4", "uint4"];

/** What the operators take: any of the option dictionaries. */
export type Opts = MLOperatorOptions | undefined;

let nextBuilderId = 1;

export class BuilderCore {
  readonly builderId = nextBuilderId++;
  nextId = 0;
  readonly inputNames = new Set<string>();
  built = false;

  own(x: unknown, where: Where, what = "input"): MLOperand {
    if (!(x instanceof MLOperand)) fail(where, "operand-type", `${what} must be an MLOperand, got ${describe(x)}`);
    if (x.builderId !== this.builderId) fail(where, "operand-builder", `${what} was created by another MLGraphBuilder`);
    return x;
  }

  optOperand(o: Record<string, unknown>, key: string, where: Where): MLOperand | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    return this.own(v, where, `option ${key}`);
  }

  node<K extends OperatorName>(op: K, inputs: OperatorInputs<K>, attributes: OperatorAttributeMap[K], outDescs: MLOperandDescriptor[], label?: unknown): MLOperand[] {
    if (this.built) fail({ operator: op }, "build-once", "the builder was already built");
    const id = this.nextId++;
    const outputs = outDescs.map((d) => {
      checkShape(d.shape, { operator: op });
      return new MLOperand({ desc: d, id: this.nextId++, kind: "output", name: typeof label === "string" ? label : undefined, builderId: this.builderId });
    });
    const node = Object.freeze({
      id, op, inputs: Object.freeze({ ...inputs }), attributes: Object.freeze({ ...attributes }), outputs: Object.freeze(outputs),
      label: typeof label === "string" ? label : undefined,
    }) as GraphNodeOf<K> as unknown as GraphNode;
    for (const o of outputs) o.producer = node;
    return outputs;
  }

  at(operator: OperatorName, options?: Opts): Where {
    const label = isPlainObject(options) && typeof options.label === "string" ? options.label : undefined;
    const where = { operator, operand: label };
    checkOptionNames(options, OPERATORS[operator], where);
    return where;
  }
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x === "object" ? (x as object).constructor?.name ?? "object" : typeof x;
}
