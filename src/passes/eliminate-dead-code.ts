// eliminate-dead-code: drops operations none of whose outputs is read by a later operation or
// returned by the function (lowering may leave a helper value unused; Core ML would carry it).
import type { MilFunction, MilProgram } from "../mil/program.js";
import type { ProgramPass } from "./pass.js";

function eliminateInFunction(fn: MilFunction): MilFunction {
  const live = new Set<string>(fn.outputs);
  const kept: boolean[] = new Array(fn.operations.length).fill(false);
  for (let i = fn.operations.length - 1; i >= 0; i--) {
    const op = fn.operations[i];
    if (!op.outputs.some((o) => live.has(o.name))) continue;
    kept[i] = true;
    for (const names of Object.values(op.inputs)) for (const n of names) live.add(n);
  }
  if (kept.every(Boolean)) return fn;
  return { ...fn, operations: fn.operations.filter((_, i) => kept[i]) };
}

export const eliminateDeadCode: ProgramPass = {
  name: "eliminate-dead-code",
  run(program: MilProgram): MilProgram {
    let changed = false;
    const functions = new Map([...program.functions].map(([name, fn]) => {
      const out = eliminateInFunction(fn);
      if (out !== fn) changed = true;
      return [name, out] as const;
    }));
    return changed ? { functions, defaultFunction: program.defaultFunction } : program;
  },
};
