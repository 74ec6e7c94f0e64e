// fp16-compute (convert option precision: "float16", as coremltools' FP16ComputePrecision):
// every float32 value inside each function becomes float16 — float32 inputs are cast to float16
// once at the start, float32 constants are stored as float16, operations compute in float16, and
// float32 outputs are cast back at the end, so the model's inputs and outputs keep their types.
// A constant bound to a parameter whose signature has no float16 stays float32, and so does a
// `cast` to float32 that only feeds a function output. Integer and boolean values are untouched.
import { milOperation } from "../mil/op-types.js";
import { constOperation, freshNames, type MilConstValue, type MilFunction, type MilNamedType, type MilOperation, namesOf } from "../mil/program.js";
import { signatureFor } from "../mil/signatures.js";
import { bytesOfValues, numericView, tensorFromConst } from "../runtime/tensor.js";
import type { PassContext } from "./pass.js";
import { functionPass, rememberForBytes } from "./pass.js";


/** A float32 constant's bytes as float16 (once per weight, whichever functions share it). */
function toHalf(value: MilConstValue): Uint8Array {
  return rememberForBytes(value.bytes!, "fp16", () => bytesOfValues("fp16", numericView(tensorFromConst(value))));
}

/** Whether parameter `param` of `op` takes float16 at this target (its type or type variable allows it). */
function acceptsHalf(op: MilOperation, param: string, ios: number): boolean {
  const sig = signatureFor(op.type, ios);
  const p = sig?.params.find((x) => x.name === param);
  if (!sig || !p) return true;
  if (p.type === "fp16") return true;
  const domain = sig.typeVars[p.type];
  return domain ? domain.includes("fp16") : p.type !== "fp32";
}

function rewrite(fn: MilFunction, context: PassContext): MilFunction {
  if (context.precision !== "float16") return fn;
  const ios = context.target.ios;
  const fresh = freshNames(namesOf(fn));
  const half = (t: MilNamedType["type"]) => (t.dataType === "fp32" ? { ...t, dataType: "fp16" as const } : t);

  if (!fn.operations.some((o) => o.outputs.some((x) => x.type.dataType === "fp32")) && !fn.inputs.some((i) => i.type.dataType === "fp32")) return fn;
  // One walk: each value's producer, and for each constant whether some parameter needs it in
  // float32 (keep32) and whether some other takes it in float16 (usedAsHalf).
  const producer = new Map(fn.operations.flatMap((op) => op.outputs.map((o) => [o.name, op] as const)));
  const keep32 = new Set<string>();
  const usedAsHalf = new Set<string>();
  for (const op of fn.operations) {
    if (op.type === "const") continue;
    for (const [param, names] of Object.entries(op.inputs)) {
      const halfOk = acceptsHalf(op, param, ios);
      for (const n of names) if (producer.get(n)?.type === "const") (halfOk ? usedAsHalf : keep32).add(n);
    }
  }

  const rename = new Map<string, string>();
  const ops: MilOperation[] = [];
  const dtypeConst = (value: string): string => {
    const name = fresh(`dtype_${value}`);
    ops.push(constOperation(name, { type: { dataType: "string", shape: [] }, strings: [value] }));
    return name;
  };
  let toHalfDtype: string | undefined;
  let toFloatDtype: string | undefined;

  for (const input of fn.inputs) {
    if (input.type.dataType !== "fp32") continue;
    const name = fresh(`${input.name}_fp16`);
    toHalfDtype ??= dtypeConst("fp16");
    ops.push(milOperation("cast", name, { x: [input.name], dtype: [toHalfDtype] }, [{ name, type: half(input.type) }]));
    rename.set(input.name, name);
  }

  const typeOf = (name: string) => producer.get(name)?.outputs.find((x) => x.name === name)?.type;
  const outputs32 = new Set(fn.outputs.filter((o) => typeOf(o)?.dataType === "fp32"));
  for (const op of fn.operations) {
    if (op.type === "const") {
      const out = op.outputs[0];
      if (out.type.dataType !== "fp32" || !op.value?.bytes || keep32.has(out.name) && !usedAsHalf.has(out.name)) { ops.push(op); continue; }
      const converted: MilOperation = { ...op, outputs: [{ name: out.name, type: half(out.type) }], value: { type: half(op.value.type), bytes: toHalf(op.value) } };
      if (keep32.has(out.name)) {
        // Needed both ways: the float32 original stays, a float16 twin feeds the others.
        const twin = fresh(`${out.name}_fp16`);
        ops.push(op, { ...converted, name: twin, outputs: [{ name: twin, type: half(out.type) }] });
        rename.set(`${out.name}#half`, twin);
      } else ops.push(converted);
      continue;
    }
    const inputs: Record<string, string[]> = {};
    for (const [param, names] of Object.entries(op.inputs)) {
      inputs[param] = names.map((n) => {
        if (keep32.has(n) && acceptsHalf(op, param, ios) && rename.has(`${n}#half`)) return rename.get(`${n}#half`)!;
        return rename.get(n) ?? n;
      });
    }
    // A cast to float32 computes a float16 value now.
    if (op.type === "cast" && inputs.dtype) {
      if (producer.get(op.inputs.dtype[0])?.value?.strings?.[0] === "fp32") inputs.dtype = [toHalfDtype ??= dtypeConst("fp16")];
    }
    const outs = op.outputs.map((o) => {
      if (o.type.dataType !== "fp32") return o;
      if (!outputs32.has(o.name)) return { name: o.name, type: half(o.type) };
      const name = fresh(`${o.name}_fp16`);
      rename.set(o.name, name);
      return { name, type: half(o.type) };
    });
    ops.push({ ...op, inputs, outputs: outs });
  }
  // Outputs back to float32, under their own names.
  for (const o of fn.outputs) {
    if (!outputs32.has(o)) continue;
    const src = rename.get(o)!;
    const type = typeOf(o)!;
    toFloatDtype ??= dtypeConst("fp32");
    ops.push(milOperation("cast", fresh(`${o}_to_fp32`), { x: [src], dtype: [toFloatDtype] }, [{ name: o, type }]));
  }
  return { ...fn, operations: ops };
}

export const fp16Compute = functionPass("fp16-compute", rewrite);
