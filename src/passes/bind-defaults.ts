// bind-defaults: binds every optional parameter with a default that an operation leaves unbound
// (mil/op-forms.ts: coremltools' builder binds them all), one shared const per value and type.
import { unboundDefaults } from "../mil/op-forms.js";
import { constOperation, freshNames, type MilConstValue, type MilDataType, type MilFunction, type MilOperation, type MilTensorType, namesOf } from "../mil/program.js";
import { constFromTensor, makeTensor } from "../runtime/tensor.js";
import { functionPass } from "./pass.js";

function defaultValue(dataType: MilDataType, value: number | boolean | string): MilConstValue {
  if (typeof value === "string") return { type: { dataType: "string", shape: [] }, strings: [value] };
  return constFromTensor(makeTensor(dataType, [], [Number(value)]));
}

function bindInFunction(fn: MilFunction, ios: number): MilFunction {
  const types = new Map<string, MilTensorType>();
  for (const i of fn.inputs) types.set(i.name, i.type);
  for (const op of fn.operations) for (const o of op.outputs) types.set(o.name, o.type);
  const typeOf = (name: string) => types.get(name);
  let fresh: ((base: string) => string) | undefined;
  const consts = new Map<string, MilOperation>();
  const constFor = (param: string, dataType: MilDataType, value: number | boolean | string): string => {
    const key = `${param}|${dataType}|${typeof value}|${value}`;
    const found = consts.get(key);
    if (found) return found.name;
    fresh ??= freshNames(namesOf(fn));
    const name = fresh(`${param}_default`);
    consts.set(key, constOperation(name, defaultValue(dataType, value)));
    return name;
  };
  const operations = fn.operations.map((op) => {
    const missing = unboundDefaults(op, ios, typeOf);
    if (!missing.length) return op;
    const inputs = { ...op.inputs };
    for (const d of missing) inputs[d.param] = [constFor(d.param, d.dataType, d.value)];
    return { ...op, inputs };
  });
  return consts.size ? { ...fn, operations: [...consts.values(), ...operations] } : fn;
}

export const bindDefaults = functionPass("bind-defaults", (fn, context) => bindInFunction(fn, context.target.ios));
