// bind-defaults: binds the optional parameters of mil/bound-defaults.ts that an operation leaves
// unbound, with their documented defaults (one shared const per value and type).
import { BOUND_DEFAULTS, unboundDefaults } from "../mil/bound-defaults.js";
import type { MilDataType, MilFunction, MilOperation, MilTensorType } from "../mil/program.js";
import { constFromTensor, makeTensor } from "../runtime/tensor.js";
import { functionPass } from "./pass.js";

function bindInFunction(fn: MilFunction, ios: number): MilFunction {
  if (!fn.operations.some((op) => Object.prototype.hasOwnProperty.call(BOUND_DEFAULTS, op.type) && unboundDefaults(op, ios).length)) return fn;
  const types = new Map<string, MilTensorType>();
  for (const i of fn.inputs) types.set(i.name, i.type);
  for (const op of fn.operations) for (const o of op.outputs) types.set(o.name, o.type);
  const taken = new Set(types.keys());
  const consts = new Map<string, MilOperation>();
  const constFor = (param: string, dataType: MilDataType, value: number): string => {
    const key = `${param}|${dataType}|${value}`;
    const found = consts.get(key);
    if (found) return found.name;
    let name = `${param}_default`;
    for (let k = 2; taken.has(name); k++) name = `${param}_default_${k}`;
    taken.add(name);
    const type: MilTensorType = { dataType, shape: [] };
    consts.set(key, { type: "const", name, inputs: {}, outputs: [{ name, type }], value: constFromTensor(makeTensor(dataType, [], [value])) });
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
