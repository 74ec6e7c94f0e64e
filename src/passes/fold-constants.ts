// fold-constants: evaluates, at conversion time, every operation whose arguments are all
// constants, with the reference runtime's kernels, and puts a const in its place — as
// coremltools' const elimination does. Core ML's loaders run value inference on such operations
// and refuse some (coremltools: reductions of constants), and a package should not carry work
// whose result is known. A function output that becomes a constant is returned through an
// identity (an output must be an operation's result). constexpr_* operations (compressed
// weights) are left alone, and so is any result over MAX_FOLDED_ELEMENTS elements.
import { milOperation } from "../mil/op-types.js";
import { constOperation, elementCount, freshNames, type MilFunction, type MilOperation, namesOf } from "../mil/program.js";
import { evaluateOperation, iosVersionOfOpset } from "../runtime/execute.js";
import { constFromTensor, tensorFromConst, type RuntimeTensor } from "../runtime/tensor.js";
import { functionPass } from "./pass.js";

const MAX_FOLDED_ELEMENTS = 1 << 20;

function foldFunction(fn: MilFunction): MilFunction {
  const ctx = { iosVersion: iosVersionOfOpset(fn.opset) };
  const known = new Map<string, RuntimeTensor>();
  const operations: MilOperation[] = [];
  let changed = false;
  for (const op of fn.operations) {
    if (op.type === "const") {
      operations.push(op);
      if (op.value && elementCount(op.value.type.shape) <= MAX_FOLDED_ELEMENTS) {
        try { known.set(op.outputs[0].name, tensorFromConst(op.value)); } catch { /* a dtype the runtime does not hold */ }
      }
      continue;
    }
    const args = Object.values(op.inputs).flat();
    const foldable = !op.type.startsWith("constexpr_") && args.every((n) => known.has(n))
      && op.outputs.every((o) => elementCount(o.type.shape) <= MAX_FOLDED_ELEMENTS);
    let outs: RuntimeTensor[] | undefined;
    if (foldable) {
      try { outs = evaluateOperation(op, (n) => known.get(n), ctx); } catch { outs = undefined; } // left for Core ML to report
    }
    if (!outs) {
      operations.push(op);
      continue;
    }
    changed = true;
    op.outputs.forEach((o, i) => {
      operations.push(constOperation(o.name, constFromTensor(outs![i])));
      known.set(o.name, outs![i]);
    });
  }
  if (!changed) return fn;
  // Function outputs that are now constants come out through an identity.
  const constNames = new Set(operations.filter((o) => o.type === "const").map((o) => o.outputs[0].name));
  const fresh = freshNames(namesOf(fn, operations));
  for (const out of fn.outputs) {
    if (!constNames.has(out)) continue;
    const i = operations.findIndex((o) => o.type === "const" && o.outputs[0].name === out);
    const c = operations[i];
    const name = fresh(`${out}_value`);
    operations[i] = constOperation(name, c.value!);
    operations.push(milOperation("identity", out, { x: [name] }, [{ name: out, type: c.outputs[0].type }]));
  }
  return { ...fn, operations };
}

export const foldConstants = functionPass("fold-constants", foldFunction);
