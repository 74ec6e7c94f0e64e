// What a program pass is: a named function from a MIL program to a MIL program (the input is
// never changed), run in order between lowering and serialization.
import type { MilProgram } from "../mil/program.js";
import type { Target } from "../mil/target.js";

export interface PassContext {
  readonly target: Target;
}

export interface ProgramPass {
  readonly name: string;
  run(program: MilProgram, context: PassContext): MilProgram;
}
