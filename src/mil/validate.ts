// validateProgram: checks a MIL program against Core ML's operation signatures for a target
// (src/mil/signatures.json, generated from coremltools' op registry): the op exists at the
// target, every parameter is known, required ones are bound, `const` parameters are bound to
// const ops, and dtypes are in each parameter's type domain (type variables agree).
import { getFloat16 } from "@petamoriken/float16";
import type { MilDataType, MilFunction, MilOperation, MilProgram, MilTensorType } from "./program.js";
import { signatureFor, SIGNATURES } from "./signatures.js";
import { unboundDefaults } from "./op-forms.js";

export { signatureFor };

export interface ValidationIssue {
  op: string;
  opType: string;
  message: string;
  /** The function the operation is in (only for programs of several functions). */
  function?: string;
}

/** Checks every function of the program; issues name the function when there are several. */
export function validateProgram(program: MilProgram, ios: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [name, fn] of program.functions) {
    for (const i of validateFunction(fn, ios)) issues.push(program.functions.size > 1 ? { ...i, function: name } : i);
  }
  return issues;
}

function validateFunction(fn: MilFunction, ios: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const types = new Map<string, MilTensorType>();
  const consts = new Set<string>();
  const constValues = new Map<string, readonly (number | string)[]>();
  for (const i of fn.inputs) types.set(i.name, i.type);
  for (const op of fn.operations) {
    const issue = (message: string) => issues.push({ op: op.name, opType: op.type, message });
    if (op.type === "const") {
      consts.add(op.outputs[0].name);
      if (op.value?.bytes) constValues.set(op.outputs[0].name, numbersOf(op.value.type.dataType, op.value.bytes));
      else if (op.value?.strings) constValues.set(op.outputs[0].name, op.value.strings);
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
    for (const d of unboundDefaults(op, ios)) issue(`optional parameter ${d.param} must be bound to its default (${d.value}), as coremltools binds it`);
    for (const rule of Object.prototype.hasOwnProperty.call(VALUE_RULES, op.type) ? VALUE_RULES[op.type] : []) {
      const message = rule(op, (name) => constValues.get(op.inputs[name]?.[0] ?? ""), (name) => types.get(op.inputs[name]?.[0] ?? ""), ios, (name) => consts.has(op.inputs[name]?.[0] ?? ""));
      if (message) issue(message);
    }
    // A constexpr op (weight decompression) yields a compile-time constant, as coremltools counts it.
    if (op.type.startsWith("constexpr_")) for (const o of op.outputs) consts.add(o.name);
    for (const o of op.outputs) {
      types.set(o.name, o.type);
      if (o.type.shape.length > MAX_RANK) issue(`output ${o.name} has rank ${o.type.shape.length}; Core ML tensors have at most ${MAX_RANK} dimensions`);
    }
  }
  for (const out of fn.outputs) {
    if (!types.has(out)) issues.push({ op: out, opType: "output", message: `function output ${out} is not defined` });
  }
  return issues;
}

const MAX_RANK = 5;

type ConstLookup = (param: string) => readonly (number | string)[] | undefined;
type TypeLookup = (param: string) => MilTensorType | undefined;
/** Whether a parameter is bound to a compile-time constant (a const, or a constexpr op's output). */
type ConstTest = (param: string) => boolean;
type ValueRule = (op: MilOperation, value: ConstLookup, type: TypeLookup, ios: number, isConst: ConstTest) => string | undefined;

/** Rules on parameter values that Core ML (coremltools' op definitions) enforces beyond signatures. */
/** numpy broadcasting of two shapes, or undefined when they do not broadcast. */
function broadcast(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

const VALUE_RULES: Record<string, ValueRule[]> = {
  select: [(op, _value, type) => {
    // coremltools infers select's type from a and b only: a condition that widens the result
    // makes the declared type disagree with PyMIL's ("Mismatch between var types").
    const a = type("a"), b = type("b");
    if (!a || !b) return undefined;
    const ab = broadcast(a.shape, b.shape);
    const out = op.outputs[0]?.type.shape ?? [];
    if (!ab || ab.length !== out.length || ab.some((d, i) => d !== out[i])) {
      return `the output [${out.join(", ")}] must be the broadcast of a and b ([${(ab ?? []).join(", ")}]): broadcast a or b to it first`;
    }
    return undefined;
  }],
  conv: [(_op, value, _type, _ios, isConst) => {
    // coremltools iOS15 conv: "Convolution with dynamic weights does not support dilations". A
    // constexpr output (a compressed weight) is a compile-time value there, and is allowed.
    const d = value("dilations");
    if (!isConst("weight") && d && d.some((x) => x !== 1)) return "a computed weight cannot be used with dilations";
    return undefined;
  }],
  clip: [(_op, value, _type, ios) => {
    const a = value("alpha")?.[0], b = value("beta")?.[0];
    if (ios >= 17 && typeof a === "number" && typeof b === "number" && !(a < b)) return `alpha (${a}) must be smaller than beta (${b}) from iOS 17`;
    return undefined;
  }],
  pad: [(_op, value, type) => {
    const mode = value("mode")?.[0] ?? "constant";
    const pads = value("pad");
    const x = type("x");
    if (mode === "constant" || !pads || !x) return undefined;
    const rank = x.shape.length;
    const n = pads.length / 2;
    for (let i = 0; i < n; i++) {
      const dim = x.shape[rank - n + i];
      const [b, e] = [pads[2 * i] as number, pads[2 * i + 1] as number];
      if ((b || e) && rank - n + i < rank - 2) return `${mode} padding is limited to the last two dimensions`;
      if (mode === "reflect" && (b >= dim || e >= dim)) return `reflect padding of ${Math.max(b, e)} on a dimension of ${dim}`;
      if (mode === "replicate" && (b > dim || e > dim)) return `replicate padding of ${Math.max(b, e)} on a dimension of ${dim}`;
    }
    return undefined;
  }],
};
/** Allowed values of string parameters (coremltools' op definitions). */
const STRING_VALUES: Record<string, Record<string, readonly string[]>> = {
  conv: { pad_type: ["valid", "same", "custom", "same_lower"] },
  conv_transpose: { pad_type: ["valid", "same", "custom"] },
  avg_pool: { pad_type: ["valid", "same", "custom", "same_lower"] },
  max_pool: { pad_type: ["valid", "same", "custom", "same_lower"] },
  l2_pool: { pad_type: ["valid", "same", "custom", "same_lower"] },
  pad: { mode: ["constant", "reflect", "replicate"] },
  gelu: { mode: ["EXACT", "TANH_APPROXIMATION", "SIGMOID_APPROXIMATION"] },
  scatter_along_axis: { mode: ["update", "add", "sub", "mul", "div", "max", "min"] },
  scatter_nd: { mode: ["update", "add", "sub", "mul", "div", "max", "min"] },
  resize_bilinear: { sampling_mode: ["STRICT_ALIGN_CORNERS", "ALIGN_CORNERS", "UNALIGN_CORNERS", "DEFAULT", "OFFSET_CORNERS"] },
  cast: { dtype: ["bool", "fp16", "fp32", "int32", "int16", "int8", "uint16", "uint8"] },
};
for (const [opType, params] of Object.entries(STRING_VALUES)) {
  (VALUE_RULES[opType] ??= []).push((_op, value) => {
    for (const [param, allowed] of Object.entries(params)) {
      const v = value(param)?.[0];
      if (typeof v === "string" && !allowed.includes(v)) return `${param} "${v}" is not one of ${allowed.join(", ")}`;
    }
    return undefined;
  });
}

for (const pool of ["avg_pool", "max_pool", "l2_pool"]) {
  (VALUE_RULES[pool] ??= []).push((_op, value) => {
    const p = value("pad");
    if (value("ceil_mode")?.[0] === 1 && p && (p[0] !== p[1] || p[2] !== p[3])) return "ceil_mode needs symmetric padding";
    return undefined;
  });
}

function numbersOf(dataType: MilDataType, bytes: Uint8Array): number[] {
  const n = Math.min(bytes.byteLength, 64); // rules only look at small parameters
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dataType) {
    case "int32": return Array.from({ length: Math.floor(n / 4) }, (_, i) => dv.getInt32(i * 4, true));
    case "fp32": return Array.from({ length: Math.floor(n / 4) }, (_, i) => dv.getFloat32(i * 4, true));
    case "fp16": return Array.from({ length: Math.floor(n / 2) }, (_, i) => getFloat16(dv, i * 2, true));
    case "bool": return Array.from(bytes.subarray(0, n));
    default: return [];
  }
}
