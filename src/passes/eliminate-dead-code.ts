// eliminate-dead-code: drops operations none of whose outputs is read by a later operation or
// returned by the function (lowering may leave a helper value unused; Core ML would carry it).
// Core ML predicts only when every function input is read by some operation, so an input left
// unread gets an identity reading it, as coremltools adds one — the one place that rule lives.
import { milOperation } from "../mil/op-types.js";
import { freshNames, type MilFunction, type MilOperation, namesOf } from "../mil/program.js";
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
  // Names of dropped operations are free again: a reader dropped by an earlier run of the pass is
  // made again under the same name.
  const fresh = freshNames(namesOf(fn, fn.operations.filter((_, i) => kept[i])));
  const readers: MilOperation[] = [];
  for (const input of fn.inputs) {
    if (live.has(input.name)) continue;
    const name = fresh(`${input.name}_read`);
    readers.push(milOperation("identity", name, { x: [input.name] }, [{ name, type: input.type }]));
  }
  if (kept.every(Boolean) && readers.length === 0) return fn;
  return { ...fn, operations: [...readers, ...fn.operations.filter((_, i) => kept[i])] };
}

export const eliminateDeadCode = functionPass("eliminate-dead-code", eliminateInFunction);
