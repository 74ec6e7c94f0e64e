// name-constants: gives the small constants that lowering made up (named `<hint>_c<n>` after
// their first use) names that read well in the MIL text: by role when every use binds them to
// the same parameter (`strides_1_1`), by value when several roles share one (`int32_1_1`).
// Constants named by the user (graph constants) and weights (over 16 elements) keep their names.
import { getFloat16 } from "@petamoriken/float16";
import { toIdentifier } from "../mil/names.js";
import { elementCount, freshNames, type MilConstValue, type MilFunction, type MilOperation } from "../mil/program.js";
import { functionPass } from "./pass.js";

const GENERATED = /_c\d+$/;
const MAX_NAMED_ELEMENTS = 8;
/** Larger constants are weights: they keep the name lowering gave them. */
const MAX_RENAMED_ELEMENTS = 16;

/** The value as a name fragment: "1_1", "0p5", "m1", "true", or undefined when too long. */
function valueTag(v: MilConstValue): string | undefined {
  if (v.strings) return v.strings.length === 1 && /^[A-Za-z0-9_]{1,24}$/.test(v.strings[0]) ? v.strings[0] : undefined;
  const n = elementCount(v.type.shape);
  if (n > MAX_NAMED_ELEMENTS) return undefined;
  const dv = new DataView(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    let x: number | boolean;
    switch (v.type.dataType) {
      case "fp32": x = dv.getFloat32(i * 4, true); break;
      case "fp16": x = getFloat16(dv, i * 2, true); break;
      case "int32": x = dv.getInt32(i * 4, true); break;
      case "bool": x = dv.getUint8(i) !== 0; break;
      default: return undefined;
    }
    parts.push(typeof x === "boolean" ? String(x) : numberTag(x));
  }
  const tag = parts.length === 0 ? "empty" : parts.join("_");
  // Long values (trained biases, many digits) read worse than their role.
  return parts.some((p) => p.length > 8) || tag.length > 32 ? undefined : tag;
}

function numberTag(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "minf";
  const s = Object.is(x, -0) ? "-0" : String(Number(x.toPrecision(6)));
  return s.replace(/^-/, "m").replace(".", "p").replace("e+", "e").replace("e-", "em");
}

function renameInFunction(fn: MilFunction): MilFunction {
  // Parameter names each generated constant is bound to.
  const roles = new Map<string, Set<string>>();
  const generated = new Map<string, MilOperation>();
  for (const op of fn.operations) {
    if (op.type === "const" && op.value && GENERATED.test(op.name) && op.outputs[0]?.name === op.name && elementCount(op.value.type.shape) <= MAX_RENAMED_ELEMENTS) {
      generated.set(op.name, op);
    }
  }
  if (generated.size === 0) return fn;
  for (const op of fn.operations) {
    for (const [param, names] of Object.entries(op.inputs)) {
      for (const n of names) if (generated.has(n)) (roles.get(n) ?? roles.set(n, new Set()).get(n)!).add(param);
    }
  }
  // The names kept: inputs, outputs, and every result but the generated constants'.
  const fresh = freshNames([...fn.inputs.map((i) => i.name), ...fn.outputs,
    ...fn.operations.filter((op) => !generated.has(op.name)).flatMap((op) => op.outputs.map((o) => o.name))]);
  const renamed = new Map<string, string>();
  for (const [name, op] of generated) {
    const tag = valueTag(op.value!);
    const used = [...(roles.get(name) ?? [])];
    if (tag === undefined && used.length !== 1) continue;
    const base = toIdentifier(used.length === 1 ? (tag === undefined ? used[0] : `${used[0]}_${tag}`) : `${op.value!.type.dataType}_${tag}`);
    renamed.set(name, fresh(base));
  }
  if (renamed.size === 0) return fn;
  const rename = (n: string) => renamed.get(n) ?? n;
  const operations = fn.operations.map((op): MilOperation => {
    const own = renamed.get(op.name);
    const inputs: Record<string, readonly string[]> = {};
    let inputsChanged = false;
    for (const [param, names] of Object.entries(op.inputs)) {
      inputs[param] = names.map(rename);
      if (inputs[param].some((n, i) => n !== names[i])) inputsChanged = true;
    }
    if (!own && !inputsChanged) return op;
    return {
      ...op,
      name: own ?? op.name,
      inputs: inputsChanged ? inputs : op.inputs,
      outputs: own ? op.outputs.map((o) => ({ ...o, name: rename(o.name) })) : op.outputs,
    };
  });
  return { ...fn, operations, outputs: fn.outputs.map(rename) };
}

export const nameConstants = functionPass("name-constants", renameInFunction);
