// eliminate-common-subexpressions: an operation computing what an earlier one computes — the
// same type on the same values, small constants compared by value — is dropped, and its readers
// read the earlier result (coremltools' remove_redundant_ops). Exporters repeat themselves: an
// integer floor division exported from torch computes the truncating quotient twice, and every
// comparison with 0 brings its own 0. Random ops and ops giving a function output stay.
import { elementCount, type MilFunction, type MilOperation } from "../mil/program.js";
import { functionPass } from "./pass.js";

/** Constants compared by value up to this many bytes (patterns' scalars, not weights). */
const MAX_CONST_BYTES = 256;

function constKey(op: MilOperation): string | undefined {
  const v = op.value;
  if (!v) return undefined;
  const t = `${v.type.dataType}[${v.type.shape.join(",")}]`;
  if (v.strings) return `const|${t}|${JSON.stringify(v.strings)}`;
  if (v.bytes.byteLength > MAX_CONST_BYTES || elementCount(v.type.shape) === 0) return undefined;
  let hex = "";
  for (const b of v.bytes) hex += b.toString(16).padStart(2, "0");
  return `const|${t}|${hex}`;
}

function eliminateInFunction(fn: MilFunction): MilFunction {
  const outputs = new Set(fn.outputs);
  const rename = new Map<string, string>();
  const seen = new Map<string, MilOperation>();
  const operations: MilOperation[] = [];
  let changed = false;
  for (const op of fn.operations) {
    const inputs = Object.entries(op.inputs).map(([k, ns]) => [k, ns.map((n) => rename.get(n) ?? n)] as const);
    const renamed = inputs.some(([k, ns]) => ns.some((n, i) => n !== op.inputs[k][i]));
    const current = renamed ? { ...op, inputs: Object.fromEntries(inputs) } : op;
    const eligible = !op.type.startsWith("random_") && op.outputs.every((o) => !outputs.has(o.name));
    const key = !eligible ? undefined : op.type === "const" ? constKey(op)
      : `${op.type}|${inputs.map(([k, ns]) => `${k}=${ns.join(",")}`).sort().join("|")}|${op.outputs.map((o) => `${o.type.dataType}[${o.type.shape.join(",")}]`).join(",")}`;
    const earlier = key === undefined ? undefined : seen.get(key);
    if (earlier && earlier.outputs.length === op.outputs.length) {
      op.outputs.forEach((o, i) => rename.set(o.name, earlier.outputs[i].name));
      changed = true;
      continue;
    }
    if (key !== undefined) seen.set(key, current);
    if (renamed) changed = true;
    operations.push(current);
  }
  return changed ? { ...fn, operations } : fn;
}

export const eliminateCommonSubexpressions = functionPass("eliminate-common-subexpressions", eliminateInFunction);
