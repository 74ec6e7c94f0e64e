// What a program pass is: a named function from a MIL program to a MIL program (the input is
// never changed), run in order between lowering and serialization.
import type { MilFunction, MilProgram } from "../mil/program.js";
import type { Target } from "../mil/target.js";
import type { CompressOptions } from "./compress-weights.js";

export interface PassContext {
  readonly target: Target;
  /** Float computation precision: "float32" (default) or "float16" (the fp16-compute pass). */
  readonly precision?: "float32" | "float16";
  /** Weight compression (the compress-weights pass); none when absent. */
  readonly compress?: CompressOptions;
}

export interface ProgramPass {
  readonly name: string;
  run(program: MilProgram, context: PassContext): MilProgram;
}

/**
 * A pass that rewrites each function on its own. `rewrite` returns the same function when it
 * changes nothing; the pass then returns the same program.
 */
export function functionPass(name: string, rewrite: (fn: MilFunction, context: PassContext) => MilFunction): ProgramPass {
  return {
    name,
    run(program, context) {
      let changed = false;
      const functions = new Map([...program.functions].map(([n, fn]) => {
        const out = rewrite(fn, context);
        if (out !== fn) changed = true;
        return [n, out] as const;
      }));
      return changed ? { functions, defaultFunction: program.defaultFunction } : program;
    },
  };
}

const remembered = new WeakMap<ArrayBufferLike, Map<string, unknown>>();

/**
 * A result computed from constant bytes (which are never changed), kept as long as their buffer
 * lives: the functions of a multifunction package hold views of the same weights, and a pass
 * then computes each result once — and hands out the same bytes, which weight.bin stores once.
 */
export function rememberForBytes<T>(bytes: Uint8Array, key: string, make: () => T): T {
  let byBuffer = remembered.get(bytes.buffer);
  if (!byBuffer) remembered.set(bytes.buffer, (byBuffer = new Map()));
  const k = `${bytes.byteOffset}:${bytes.byteLength}:${key}`;
  if (byBuffer.has(k)) return byBuffer.get(k) as T;
  const made = make();
  byBuffer.set(k, made);
  return made;
}
