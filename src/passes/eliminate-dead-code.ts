// eliminate-dead-code: drops operations none of whose outputs is read by a later operation or
// returned by the function (lowering may leave a helper value unused; Core ML would carry it).
import type { MilFunction } from "../mil/program.js";
import { functionPass } from "./pass.js";

function eliminateInFunction(fn: MilFunction): MilFunction {
  const live = new Set<string>(fn.outputs);
  const kept: boolean[] = new Array(fn.operations.length).fill(false);
  for (let i = fn.operations.length - 1; i >= 0; i--) {
    const op = fn.operations[i];
    if (!op.outputs.some((o) => live.has(o.name))) continue;
    kept[i] = true;
    for (const names of Object.values(op.inputs)) for (const n of names) live.add(n);
  }
  // Core ML predicts only when every function input is read by some operation (coremltools adds
  // an identity for an unused input): keep the first reader of an input nothing else reads.
  const read = new Set<string>();
  fn.operations.forEach((op, i) => { if (kept[i]) for (const names of Object.values(op.inputs)) for (const n of names) read.add(n); });
  for (const input of fn.inputs) {
    if (read.has(input.name)) continue;
    const i = fn.operations.findIndex((op) => Object.values(op.inputs).some((names) => names.includes(input.name)));
    if (i >= 0 && Object.values(fn.operations[i].inputs).flat().every((n) => n === input.name || fn.inputs.some((x) => x.name === n) || live.has(n))) {
      kept[i] = true;
      read.add(input.name);
    }
  }
  if (kept.every(Boolean)) return fn;
  return { ...fn, operations: fn.operations.filter((_, i) => kept[i]) };
}

export const eliminateDeadCode = functionPass("eliminate-dead-code", eliminateInFunction);
