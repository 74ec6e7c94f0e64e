// validate: the last step of every conversion. A program that breaks Core ML's operation
// signatures or value rules for the target is refused here, naming the operation, rather than
// written into a package that Core ML would reject.
import { UnsupportedError } from "../errors.js";
import type { MilProgram } from "../mil/program.js";
import { validateProgram } from "../mil/validate.js";
import type { PassContext, ProgramPass } from "./pass.js";

export const validate: ProgramPass = {
  name: "validate",
  run(program: MilProgram, context: PassContext): MilProgram {
    const issues = validateProgram(program, context.target.ios);
    if (issues.length > 0) {
      const first = issues[0];
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more: ${issues.slice(1, 4).map((i) => `${i.opType} "${i.op}"`).join(", ")}${issues.length > 4 ? ", …" : ""})` : "";
      const fn = first.function ? ` in function ${first.function}` : "";
      throw new UnsupportedError(`the MIL program breaks Core ML's rules for ${context.target.name}${fn}: ${first.message}${more}`, {
        operator: first.opType, operand: first.op, rule: "mil-validation",
      });
    }
    return program;
  },
};
