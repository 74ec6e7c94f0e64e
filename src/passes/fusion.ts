// A fusion pass in one function: `match` looks at one operation (the root of a pattern) with the
// function's use-def index and returns the operations that replace it — consts first, the last
// computing the root's outputs under the same names — or undefined. The operations the pattern
// took in are left to eliminate-dead-code, which the pipeline runs after the fusions; `match`
// checks with `onlyFeeds` that nothing else reads them.
import { constOperation, freshNames, namesOf, type MilDataType, type MilFunction, type MilOperation, type MilTensorType } from "../mil/program.js";
import { constFromTensor, makeTensor } from "../runtime/tensor.js";
import type { MilOpInputs, MilOpType } from "../mil/op-types.js";
import type { PassContext, ProgramPass } from "./pass.js";
import { functionPass } from "./pass.js";
import { UseDef } from "./use-def.js";

export interface FusionTools {
  readonly g: UseDef;
  readonly context: PassContext;
  /** A const operation of a fresh name from `base`. */
  constant(base: string, dataType: MilDataType, shape: readonly number[], values: ArrayLike<number>): MilOperation;
  /** A string const (a mode). */
  text(base: string, value: string): MilOperation;
  /** A fresh value name from `base`. */
  fresh(base: string): string;
}

export interface Fusion {
  readonly name: string;
  /** Whether the pass runs for this conversion (the pipeline asks; default: always). */
  readonly appliesTo?: (context: PassContext) => boolean;
  /** The op types a pattern ends in: a function with none of them is not indexed at all. */
  readonly roots: readonly string[];
  readonly match: (op: MilOperation, tools: FusionTools) => MilOperation[] | undefined;
}

/** The operation `type` on `inputs` giving `out` (name and type) — the root's replacement. */
export function operation<T extends MilOpType>(type: T, inputs: MilOpInputs<T, string | undefined>, out: { name: string; type: MilTensorType }, name = out.name): MilOperation {
  return rebuilt(type, inputs as Record<string, string | undefined>, out, name);
}

/** An operation of an existing op's type (not known until run time) on new inputs. */
export function rebuilt(type: string, inputs: Record<string, string | undefined>, out: { name: string; type: MilTensorType }, name = out.name): MilOperation {
  const bound: Record<string, readonly string[]> = {};
  for (const [k, v] of Object.entries(inputs)) if (v !== undefined) bound[k] = [v];
  return { type, name, inputs: bound, outputs: [out] };
}

export function fusionPass(fusion: Fusion): ProgramPass {
  const roots = new Set(fusion.roots);
  const pass = functionPass(fusion.name, (fn: MilFunction, context) => {
    if (!fn.operations.some((o) => roots.has(o.type))) return fn;
    const g = new UseDef(fn);
    let fresh: ((base: string) => string) | undefined;
    const name = (base: string) => (fresh ??= freshNames(namesOf(fn)))(base);
    const tools: FusionTools = {
      g, context, fresh: name,
      constant: (base, dataType, shape, values) => constOperation(name(base), constFromTensor(makeTensor(dataType, shape, values))),
      text: (base, value) => constOperation(name(base), { type: { dataType: "string", shape: [] }, strings: [value] }),
    };
    let changed = false;
    const operations: MilOperation[] = [];
    for (const op of fn.operations) {
      const replacement = roots.has(op.type) ? fusion.match(op, tools) : undefined;
      if (!replacement) { operations.push(op); continue; }
      changed = true;
      g.record(replacement);
      operations.push(...replacement);
    }
    return changed ? { ...fn, operations } : fn;
  });
  return {
    name: fusion.name,
    run: (program, context) => (fusion.appliesTo && !fusion.appliesTo(context) ? program : pass.run(program, context)),
  };
}
