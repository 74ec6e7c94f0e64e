// eliminate-identities: an identity's readers read its input instead (coremltools'
// noop_elimination). An identity that gives a function output keeps the output's name: the op
// computing its input then writes that name, when nothing else reads the input. Identities
// giving an output from a function input or a const stay (an output must be a computed value);
// an unread input's reader goes, and eliminate-dead-code, after the fusions, gives it one again.
import type { MilFunction, MilOperation } from "../mil/program.js";
import { functionPass } from "./pass.js";
import { UseDef } from "./use-def.js";

function eliminateInFunction(fn: MilFunction): MilFunction {
  if (!fn.operations.some((o) => o.type === "identity")) return fn;
  const g = new UseDef(fn);
  const outputs = new Set(fn.outputs);
  const rename = new Map<string, string>(); // value → the name its readers use instead
  const renameOutput = new Map<string, string>(); // a producer's output → the function output it becomes
  const dropped = new Set<MilOperation>();
  for (const op of fn.operations) {
    if (op.type !== "identity") continue;
    const x = g.arg(op, "x");
    const out = op.outputs[0];
    const xType = g.typeOf(x);
    if (x === undefined || out.type.dataType !== xType?.dataType) continue;
    const producer = g.producer(x);
    if (!outputs.has(out.name)) {
      rename.set(out.name, x);
      dropped.add(op);
    } else if (producer && producer.type !== "const" && !producer.type.startsWith("constexpr_") && !outputs.has(x) && g.consumers(x).length === 1 && !renameOutput.has(x) && !rename.has(x)) {
      renameOutput.set(x, out.name);
      dropped.add(op);
    }
  }
  if (!dropped.size) return fn;
  const resolve = (n: string) => { let r = n; while (rename.has(r)) r = rename.get(r)!; return renameOutput.get(r) ?? r; };
  const operations = fn.operations.filter((op) => !dropped.has(op)).map((op) => {
    const ins = Object.entries(op.inputs);
    const touched = ins.some(([, ns]) => ns.some((n) => rename.has(n) || renameOutput.has(n))) || op.outputs.some((o) => renameOutput.has(o.name));
    if (!touched) return op;
    return {
      ...op,
      name: renameOutput.get(op.outputs[0]?.name) ?? op.name,
      inputs: Object.fromEntries(ins.map(([k, ns]) => [k, ns.map(resolve)])),
      outputs: op.outputs.map((o) => (renameOutput.has(o.name) ? { ...o, name: renameOutput.get(o.name)! } : o)),
    };
  });
  return { ...fn, operations };
}

export const eliminateIdentities = functionPass("eliminate-identities", eliminateInFunction);
