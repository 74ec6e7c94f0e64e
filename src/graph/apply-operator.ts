// The one path from a reader into MLGraphBuilder: an operator call whose arguments are keyed by
// the signature table's parameter names becomes the builder method call, positional arguments
// in IDL order and then the options dictionary. Readers that name operands (webnn-graph JSON,
// serialized graphs, WPT cases, the text form and ONNX later) resolve names with
// `resolveOperandArguments`, so every MLOperand-typed parameter and option is found the same way.
import type { MLGraphBuilder } from "./builder.js";
import { MLOperand } from "./operand.js";
import { OPERATORS, type OperatorName } from "./operators.js";

export interface OperatorCall {
  readonly op: OperatorName;
  /** Positional parameters by name (operands as MLOperands, operand sequences as arrays). */
  readonly args: Readonly<Record<string, unknown>>;
  /** The options dictionary (MLOperand-valued options as MLOperands). */
  readonly options?: Readonly<Record<string, unknown>>;
}

type BuilderMethod = (...args: unknown[]) => MLOperand | MLOperand[];

/** Calls the builder method of `call.op`; always returns the results as a list. */
export function applyOperator(builder: MLGraphBuilder, call: OperatorCall): MLOperand[] {
  const signature = OPERATORS[call.op];
  const positional = signature.params.map((p) => call.args[p.name]);
  const method = (builder as unknown as Record<OperatorName, BuilderMethod>)[call.op];
  const result = method.apply(builder, [...positional, call.options ?? {}]);
  return Array.isArray(result) ? result : [result];
}

/** A reference from a reader to an operand: its name and where the reference was written. */
export type OperandResolver = (name: string, via: string) => MLOperand;

/**
 * Replaces operand names by operands in positional arguments and options, as the signature
 * says which parameters and options are operands: a string (or, for a sequence parameter, an
 * array of strings) is looked up with `resolve`; values that are already operands pass as is.
 */
export function resolveOperandArguments(op: OperatorName, args: Readonly<Record<string, unknown>>,
  options: Readonly<Record<string, unknown>> | undefined, resolve: OperandResolver): OperatorCall {
  const signature = OPERATORS[op];
  const outArgs: Record<string, unknown> = { ...args };
  for (const p of signature.params) {
    const v = args[p.name];
    if (p.kind === "operand" && typeof v === "string") outArgs[p.name] = resolve(v, p.name);
    else if (p.kind === "operands" && Array.isArray(v)) outArgs[p.name] = v.map((x, i) => (typeof x === "string" ? resolve(x, `${p.name}[${i}]`) : x));
  }
  if (!options) return { op, args: outArgs };
  const outOptions: Record<string, unknown> = { ...options };
  for (const key of signature.operandOptions) {
    const v = options[key];
    if (typeof v === "string") outOptions[key] = resolve(v, `option ${key}`);
    else if (v === null) delete outOptions[key];
  }
  return { op, args: outArgs, options: outOptions };
}

/** The names a call refers to (before resolution): positional operand names, then operand options. */
export function referencedOperandNames(op: OperatorName, args: Readonly<Record<string, unknown>>,
  options: Readonly<Record<string, unknown>> | undefined): { name: string; via: string }[] {
  const signature = OPERATORS[op];
  const refs: { name: string; via: string }[] = [];
  for (const p of signature.params) {
    const v = args[p.name];
    if (p.kind === "operand" && typeof v === "string") refs.push({ name: v, via: p.name });
    else if (p.kind === "operands" && Array.isArray(v)) v.forEach((x, i) => { if (typeof x === "string") refs.push({ name: x, via: `${p.name}[${i}]` }); });
  }
  for (const key of signature.operandOptions) {
    const v = options?.[key];
    if (typeof v === "string") refs.push({ name: v, via: `option ${key}` });
  }
  return refs;
}

export { MLOperand };
