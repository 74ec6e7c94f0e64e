// The MIL reference runtime's execution engine: runs a MilProgram's main function op by op
// on RuntimeTensors, checking every value against the types the program declares.

import { programFunction, type MilOperation, type MilProgram, type MilTensorType } from "../mil/program.js";
import { RuntimeError } from "../errors.js";
import { targetForOpset, TARGETS } from "../mil/target.js";
import { KernelArgs, kernels, type KernelContext, type KernelInputs } from "./kernels/index.js";
import { checkTensorStorage, cloneTensor, sameShape, tensorFromConst, typeToString, type RuntimeTensor } from "./tensor.js";
import { setOwn } from "../records.js";

export interface ExecuteOptions {
  /** Called after each operation (const ops included) with the tensors it produced. */
  onOperation?: (op: MilOperation, outputs: readonly RuntimeTensor[]) => void;
  /** The function to run (default: the program's default function). */
  function?: string;
}

/** The iOS version of an opset name, from the targets table ("CoreML5" → 15, …, "CoreML9" → 26). */
export function iosVersionOfOpset(opset: string): number {
  const t = targetForOpset(opset);
  if (!t) throw new RuntimeError(`unknown opset "${opset}" (expected ${Object.values(TARGETS).map((x) => x.opset).join(", ")})`);
  return t.ios;
}

function describeOp(op: MilOperation): string {
  return `op "${op.name}" (${op.type})`;
}

function checkDeclared(op: MilOperation, index: number, t: RuntimeTensor, declared: MilTensorType): void {
  if (t.dataType !== declared.dataType || !sameShape(t.shape, declared.shape)) {
    throw new RuntimeError(
      `${describeOp(op)}: output ${index} ("${op.outputs[index]?.name}") is ${typeToString(t.dataType, t.shape)} ` +
      `but the operation declares ${typeToString(declared.dataType, declared.shape)}`,
      { op: op.name, opType: op.type });
  }
}

/**
 * Runs one non-const operation on the values `lookup` gives for its arguments: binds every
 * parameter, calls the kernel, and checks the results against the types the operation declares.
 * Throws RuntimeError for an unknown operation or parameter, an undefined value, or a result
 * whose type differs from the declared one. Program passes use it to fold constants.
 */
export function evaluateOperation(op: MilOperation, lookup: (name: string) => RuntimeTensor | undefined, ctx: KernelContext): RuntimeTensor[] {
  // Own properties only: an op type such as "constructor" is not a kernel.
  const kernel = Object.prototype.hasOwnProperty.call(kernels, op.type) ? kernels[op.type] : undefined;
  if (kernel === undefined) {
    throw new RuntimeError(`unknown operation type "${op.type}" (op "${op.name}")`, { op: op.name, opType: op.type });
  }
  const bound: KernelInputs = {};
  for (const [param, names] of Object.entries(op.inputs)) {
    if (!kernel.params.includes(param)) {
      throw new RuntimeError(
        `${describeOp(op)}: unknown parameter "${param}" (accepted: ${kernel.params.join(", ")})`, { op: op.name, opType: op.type });
    }
    const ts = names.map((n) => {
      const v = lookup(n);
      if (v === undefined) {
        throw new RuntimeError(`${describeOp(op)}: parameter "${param}" refers to "${n}", which is not defined before it`, { op: op.name, opType: op.type });
      }
      return v;
    });
    bound[param] = ts.length === 1 ? ts[0] : ts;
  }
  let outs: RuntimeTensor[];
  try {
    outs = kernel(new KernelArgs(bound), op, ctx);
  } catch (e) {
    throw wrap(e, op);
  }
  if (outs.length !== op.outputs.length) {
    throw new RuntimeError(`${describeOp(op)} produced ${outs.length} outputs but declares ${op.outputs.length}`, { op: op.name, opType: op.type });
  }
  outs.forEach((t, i) => checkDeclared(op, i, t, op.outputs[i].type));
  return outs;
}

/**
 * Executes a function of the program (the default one unless `options.function` names another) on `inputs` and returns its outputs by name.
 * Throws RuntimeError for a missing, extra or mistyped input, an unknown operation type or
 * parameter, an undefined value, an invalid argument, or a kernel result whose dtype/shape
 * differs from the operation's declared output type.
 */
export function executeProgram(
  program: MilProgram,
  inputs: Record<string, RuntimeTensor>,
  options: ExecuteOptions = {},
): Record<string, RuntimeTensor> {
  if (options.function !== undefined && !program.functions.has(options.function)) {
    throw new RuntimeError(`the program has no function "${options.function}" (it has ${[...program.functions.keys()].map((k) => `"${k}"`).join(", ")})`);
  }
  const fn = programFunction(program, options.function);
  const ctx: KernelContext = { iosVersion: iosVersionOfOpset(fn.opset) };
  const values = new Map<string, RuntimeTensor>();
  const inputData = new Set<unknown>();

  for (const decl of fn.inputs) {
    const t = Object.prototype.hasOwnProperty.call(inputs, decl.name) ? inputs[decl.name] : undefined;
    if (t === undefined) throw new RuntimeError(`missing input "${decl.name}" (${typeToString(decl.type.dataType, decl.type.shape)})`);
    if (t.dataType !== decl.type.dataType || !sameShape(t.shape, decl.type.shape)) {
      throw new RuntimeError(
        `input "${decl.name}" is ${typeToString(t.dataType, t.shape)} but the function declares ${typeToString(decl.type.dataType, decl.type.shape)}`);
    }
    checkTensorStorage(t, `input "${decl.name}"`);
    values.set(decl.name, t);
    inputData.add(t.data);
  }
  for (const name of Object.keys(inputs)) {
    if (!fn.inputs.some((d) => d.name === name)) throw new RuntimeError(`unexpected input "${name}": the function has no such input`);
  }

  for (const op of fn.operations) {
    let outs: RuntimeTensor[];
    if (op.type === "const") {
      if (op.value === undefined) throw new RuntimeError(`${describeOp(op)} has no value`, { op: op.name, opType: op.type });
      try {
        outs = [tensorFromConst(op.value)];
        inputData.add(outs[0].data); // may view the program's bytes
        if (op.outputs.length !== 1) throw new RuntimeError(`${describeOp(op)} declares ${op.outputs.length} outputs, not 1`, { op: op.name, opType: op.type });
        checkDeclared(op, 0, outs[0], op.outputs[0].type);
      } catch (e) {
        throw wrap(e, op);
      }
    } else {
      outs = evaluateOperation(op, (n) => values.get(n), ctx);
    }
    outs.forEach((t, i) => {
      const decl = op.outputs[i];
      if (values.has(decl.name)) {
        throw new RuntimeError(`${describeOp(op)}: value "${decl.name}" is defined twice`, { op: op.name, opType: op.type });
      }
      values.set(decl.name, t);
    });
    options.onOperation?.(op, outs);
  }

  const result: Record<string, RuntimeTensor> = {};
  const seen = new Set<unknown>(inputData);
  for (const name of fn.outputs) {
    const t = values.get(name);
    if (t === undefined) throw new RuntimeError(`function output "${name}" is not defined`);
    // Outputs never share storage with the caller's inputs, the program's constants, or each other.
    const out = seen.has(t.data) ? cloneTensor(t) : { dataType: t.dataType, shape: [...t.shape], data: t.data };
    seen.add(out.data);
    setOwn(result, name, out);
  }
  return result;
}

function wrap(e: unknown, op: MilOperation): RuntimeError {
  if (e instanceof RuntimeError && e.op !== undefined) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const err = new RuntimeError(`${describeOp(op)}: ${msg}`, { op: op.name, opType: op.type });
  if (e instanceof Error && !(e instanceof RuntimeError)) (err as { cause?: unknown }).cause = e;
  return err;
}
