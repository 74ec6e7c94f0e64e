// bind-defaults: binds the optional parameters of mil/bound-defaults.ts that an operation leaves
// unbound, with their documented defaults (one shared const per value and type).
import { BOUND_DEFAULTS, unboundDefaults } from "../mil/bound-defaults.js";
import { constOperation, namesOf, type MilDataType, type MilFunction, type MilOperation, type MilTensorType } from "../mil/program.js";
import { constFromTensor, makeTensor } from "../runtime/tensor.js";
import { freshNames, functionPass } from "./pass.js";

function bindInFunction(fn: MilFunction, ios: number): MilFunction {
  if (!fn.operations.some((op) => Object.prototype.hasOwnProperty.call(BOUND_DEFAULTS, op.type) && unboundDefaults(op, ios).length)) return fn;
  const types = new Map<string, MilTensorType>();
  for (const i of fn.inputs) types.set(i.name, i.type);
  for (const op of fn.operations) for (const o of op.outputs) types.set(o.name, o.type);
  const fresh = freshNames(namesOf(fn));
  const consts = new Map<string, MilOperation>();
  const constFor = (param: string, dataType: MilDataType, value: number): string => {
    const key = `${param}|${dataType}|${value}`;
    const found = consts.get(key);
    if (found) return found.name;
    const name = fresh(`${param}_default`);
    consts.set(key, constOperation(name, constFromTensor(makeTensor(dataType, [], [value]))));
    return name;
  };
  const operations = fn.operations.map((op) => {
    const missing = unboundDefaults(op, ios);
    if (!missing.length) return op;
    const inputs = { ...op.inputs };
    for (const d of missing) {
      const dataType = d.dataType === "input" ? types.get(op.inputs.x?.[0] ?? "")?.dataType ?? "fp32" : d.dataType;
      inputs[d.param] = [constFor(d.param, dataType, d.value)];
    }
    return { ...op, inputs };
  });
  return { ...fn, operations: [...consts.values(), ...operations] };
}

export const bindDefaults = functionPass("bind-defaults", (fn, context) => bindInFunction(fn, context.target.ios));
