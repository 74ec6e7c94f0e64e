// validateProgram: checks a MIL program against Core ML's operation signatures for a target
// (src/mil/signatures.json, generated from coremltools' op registry): the op exists at the
// target, every parameter is known, required ones are bound, `const` parameters are bound to
// const ops, and dtypes are in each parameter's type domain (type variables agree).
import type { MilDataType, MilProgram, MilTensorType } from "./program.js";
import signaturesJson from "./signatures.json" with { type: "json" };

interface ParamSignature { name: string; optional: boolean; kind: string; type: string; const: boolean }
interface OpSignature { since: number; params: ParamSignature[]; typeVars: Record<string, string[]> }

const SIGNATURES = signaturesJson as unknown as Record<string, OpSignature[]>;

/** The signature in force at iOS version `ios`: the latest row at or below it. */
export function signatureFor(op: string, ios: number): OpSignature | undefined {
  const rows = SIGNATURES[op];
  if (!rows) return undefined;
  let found: OpSignature | undefined;
  for (const r of rows) if (r.since <= ios) found = r;
  return found;
}

export interface ValidationIssue {
  op: string;
  opType: string;
  message: string;
}

export function validateProgram(program: MilProgram, ios: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const types = new Map<string, MilTensorType>();
  const consts = new Set<string>();
  for (const i of program.main.inputs) types.set(i.name, i.type);
  for (const op of program.main.operations) {
    const issue = (message: string) => issues.push({ op: op.name, opType: op.type, message });
    if (op.type === "const") {
      consts.add(op.outputs[0].name);
      types.set(op.outputs[0].name, op.outputs[0].type);
      continue;
    }
    const sig = signatureFor(op.type, ios);
    if (!sig) {
      issue(SIGNATURES[op.type] ? `not available before iOS ${SIGNATURES[op.type][0].since}` : "unknown MIL operation");
    } else {
      const bound = new Map<string, MilDataType>();
      for (const name of Object.keys(op.inputs)) {
        if (!sig.params.some((p) => p.name === name)) issue(`unknown parameter ${name}`);
      }
      for (const p of sig.params) {
        const args = op.inputs[p.name];
        if (!args) {
          if (!p.optional) issue(`required parameter ${p.name} is not bound`);
          continue;
        }
        for (const a of args) {
          const t = types.get(a);
          if (!t) { issue(`parameter ${p.name} binds undefined value ${a}`); continue; }
          if (p.const && !consts.has(a)) issue(`parameter ${p.name} must be a compile-time constant, but ${a} is computed`);
          if (p.kind === "tuple" || p.kind === "list" || p.kind === "list-or-tensor" || p.type === "any") continue;
          const domain = sig.typeVars[p.type];
          if (domain) {
            if (!domain.includes(t.dataType)) issue(`parameter ${p.name} is ${t.dataType}; ${p.type} ∈ {${domain.join(", ")}}`);
            const prev = bound.get(p.type);
            if (prev && prev !== t.dataType) issue(`parameter ${p.name} is ${t.dataType} but type variable ${p.type} is already ${prev}`);
            bound.set(p.type, t.dataType);
          } else if (p.type !== t.dataType) {
            issue(`parameter ${p.name} is ${t.dataType}; it must be ${p.type}`);
          }
        }
        if (p.kind === "tuple" && args.length > 1) {
          const dts = new Set(args.map((a) => types.get(a)?.dataType));
          if (dts.size > 1) issue(`tuple parameter ${p.name} mixes dtypes ${[...dts].join(", ")}`);
        }
      }
    }
    for (const o of op.outputs) types.set(o.name, o.type);
  }
  for (const out of program.main.outputs) {
    if (!types.has(out)) issues.push({ op: out, opType: "output", message: `function output ${out} is not defined` });
  }
  return issues;
}
