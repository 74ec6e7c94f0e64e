// The program passes between lowering and serialization, in the order they run. Each is a
// function of a program (passes/<name>.ts) that a test can run alone; `validate` is last, so
// no conversion writes a program that Core ML's signatures reject.
import type { MilProgram } from "../mil/program.js";
import { bindDefaults } from "./bind-defaults.js";
import { eliminateDeadCode } from "./eliminate-dead-code.js";
import { foldConstants } from "./fold-constants.js";
import { fp16Compute } from "./fp16-compute.js";
import { nameConstants } from "./name-constants.js";
import type { PassContext, ProgramPass } from "./pass.js";
import { validate } from "./validate.js";

// fp16-compute does nothing unless the conversion asks for float16; dead code is removed again after it (the float32 casts' dtype constants it replaces).
export const PASS_PIPELINE: readonly ProgramPass[] = Object.freeze([foldConstants, eliminateDeadCode, bindDefaults, fp16Compute, eliminateDeadCode, nameConstants, validate]);

/** Runs `passes` (default: the whole pipeline) in order; `onPass` hears of each one as it finishes. */
export function runPasses(program: MilProgram, context: PassContext, passes: readonly ProgramPass[] = PASS_PIPELINE,
  onPass?: (pass: ProgramPass, index: number, total: number) => void): MilProgram {
  let p = program;
  passes.forEach((pass, i) => {
    p = pass.run(p, context);
    onPass?.(pass, i + 1, passes.length);
  });
  return p;
}

export { bindDefaults, eliminateDeadCode, foldConstants, fp16Compute, nameConstants, validate, type PassContext, type ProgramPass };
