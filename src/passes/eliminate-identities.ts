// eliminate-identities: an identity's readers read its input instead (coremltools'
// noop_elimination), and so do those of arithmetic that changes nothing: x·1, x/1, x+0, x−0,
// x ∧ true, x ∨ false, x ⊕ false, with the constant all exact ones or zeros and the result of x's shape and type (a norm's unit
// scale, a zero bias, an index offset of 0). An identity that gives a function output keeps the output's name: the op
// computing its input then writes that name, when nothing else reads the input. Identities
// giving an output from a function input or a const stay (an output must be a computed value);
// an unread input's reader goes, and eliminate-dead-code, after the fusions, gives it one again.
import type { MilFunction, MilOperation } from "../mil/program.js";
import { functionPass } from "./pass.js";
import { UseDef } from "./use-def.js";

const NEUTRAL: Record<string, { value: number; commutes: boolean }> = {
  mul: { value: 1, commutes: true }, add: { value: 0, commutes: true },
  real_div: { value: 1, commutes: false }, sub: { value: 0, commutes: false },
  logical_and: { value: 1, commutes: true }, logical_or: { value: 0, commutes: true }, logical_xor: { value: 0, commutes: true },
};

/** The operand an identity, or arithmetic by a neutral constant, passes through unchanged. */
function passedThrough(op: MilOperation, g: UseDef): string | undefined {
  if (op.type === "identity") return g.arg(op, "x");
  const rule = NEUTRAL[op.type];
  if (!rule) return undefined;
  const [x, y] = [g.arg(op, "x"), g.arg(op, "y")];
  const neutral = (c: string | undefined) => { const vs = g.constValues(c); return vs !== undefined && vs.length > 0 && vs.every((v) => v === rule.value); };
  const out = op.outputs[0].type;
  const kept = (v: string | undefined) => (g.hasType(v, out, false) ? v : undefined);
  if (neutral(y)) return kept(x);
  return rule.commutes && neutral(x) ? kept(y) : undefined;
}

function eliminateInFunction(fn: MilFunction): MilFunction {
  if (!fn.operations.some((o) => o.type === "identity" || o.type in NEUTRAL)) return fn;
  const g = new UseDef(fn);
  const outputs = new Set(fn.outputs);
  const rename = new Map<string, string>(); // value → the name its readers use instead
  const renameOutput = new Map<string, string>(); // a producer's output → the function output it becomes
  const dropped = new Set<MilOperation>();
  for (const op of fn.operations) {
    const x = passedThrough(op, g);
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
