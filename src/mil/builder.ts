// MilFunctionBuilder: appends MIL operations with unique, valid identifiers. Used by lowering.
import { NameTable } from "./names.js";
import { elementCount, milElementSize, type MilConstValue, type MilDataType, type MilNamedType, type MilOperation, type MilTensorType } from "./program.js";

/** A value in the program being built: its MIL name and type. */
export interface MilValue {
  readonly name: string;
  readonly type: MilTensorType;
  /** Set when the value is the output of a `const` op (lets lowering fold constants). */
  readonly constValue?: MilConstValue;
}

export class MilFunctionBuilder {
  readonly names = new NameTable();
  readonly inputs: MilNamedType[] = [];
  readonly operations: MilOperation[] = [];
  private constCounter = 0;
  private opCounter = 0;
  /**
   * Indices of the operations that produce or read each value name, built on the first rename
   * and kept up to date after it: each rename then touches only the operations that use the name.
   */
  private uses: Map<string, number[]> | undefined;

  private use(name: string, index: number): void {
    const uses = this.uses!;
    const list = uses.get(name);
    if (!list) uses.set(name, [index]);
    else if (list[list.length - 1] !== index) list.push(index);
  }

  private index(op: MilOperation, index: number): void {
    for (const key in op.inputs) for (const n of op.inputs[key]) this.use(n, index);
    for (const o of op.outputs) this.use(o.name, index);
  }

  private push(op: MilOperation): void {
    if (this.uses) this.index(op, this.operations.length);
    this.operations.push(op);
  }

  constructor(readonly opset: string) {}

  addInput(name: string, type: MilTensorType): MilValue {
    this.inputs.push({ name, type });
    return { name, type };
  }

  /** A `const` op. `bytes` is referenced, not copied. */
  constant(type: MilTensorType, bytes: Uint8Array, hint = "const"): MilValue {
    const expected = elementCount(type.shape) * milElementSize(type.dataType);
    if (bytes.byteLength !== expected) {
      throw new Error(`internal: const ${hint} of ${type.dataType}[${type.shape.join(",")}] needs ${expected} bytes, got ${bytes.byteLength}`);
    }
    const name = this.names.claim(`${hint}_c${this.constCounter++}`);
    const value: MilConstValue = { type, bytes };
    this.push({ type: "const", name, inputs: {}, outputs: [{ name, type }], value });
    return { name, type, constValue: value };
  }

  stringConstant(s: string, hint = "str"): MilValue {
    const name = this.names.claim(`${hint}_c${this.constCounter++}`);
    const type: MilTensorType = { dataType: "string", shape: [] };
    const value: MilConstValue = { type: { dataType: "string", shape: [] }, strings: [s] };
    this.push({ type: "const", name, inputs: {}, outputs: [{ name, type }], value });
    return { name, type, constValue: value };
  }

  /** Any op but const. Returns its outputs. */
  op(type: string, inputs: Record<string, MilValue | readonly MilValue[] | undefined>, outputTypes: readonly MilTensorType[], hint?: string): MilValue[] {
    const base = hint ?? type;
    const opName = this.names.claim(`${base}_${this.opCounter++}`);
    const outputs: MilNamedType[] = outputTypes.map((t, i) => ({ name: i === 0 ? opName : this.names.claim(`${opName}_out${i}`), type: t }));
    const bound: Record<string, string[]> = {};
    for (const key of Object.keys(inputs).sort()) {
      const v = inputs[key];
      if (v === undefined) continue;
      bound[key] = Array.isArray(v) ? (v as MilValue[]).map((x) => x.name) : [(v as MilValue).name];
    }
    this.push({ type, name: opName, inputs: bound, outputs });
    return outputs.map((o) => ({ name: o.name, type: o.type }));
  }

  op1(type: string, inputs: Record<string, MilValue | readonly MilValue[] | undefined>, outputType: MilTensorType, hint?: string): MilValue {
    return this.op(type, inputs, [outputType], hint)[0];
  }

  /** Renames a value everywhere (used to give graph outputs their names); touches only the ops that use it. */
  rename(from: string, to: string): void {
    if (from === to) return;
    if (!this.uses) {
      this.uses = new Map();
      this.operations.forEach((op, i) => this.index(op, i));
    }
    const indices = this.uses.get(from);
    if (!indices) return;
    for (const i of indices) {
      const op = this.operations[i];
      const outputs = op.outputs.map((o) => (o.name === from ? { ...o, name: to } : o));
      const inputs: Record<string, string[]> = {};
      for (const [k, args] of Object.entries(op.inputs)) inputs[k] = args.map((a) => (a === from ? to : a));
      this.operations[i] = { ...op, name: op.name === from ? to : op.name, inputs, outputs };
    }
    this.uses.delete(from);
    const existing = this.uses.get(to);
    this.uses.set(to, existing ? [...new Set([...existing, ...indices])].sort((a, b) => a - b) : indices);
  }
}

export function tensorType(dataType: MilDataType, shape: readonly number[]): MilTensorType {
  return { dataType, shape: [...shape] };
}
