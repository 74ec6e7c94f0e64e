// MIL op types and their parameters as TypeScript types (from the generated op-parameters.ts):
// a misspelt op or parameter, or a required parameter left out, is a compile error where
// lowering and the passes build operations.
import type { MilOpParameters } from "./op-parameters.js";
import type { MilNamedType, MilOperation } from "./program.js";

export type MilOpType = keyof MilOpParameters;
type Params<T extends MilOpType> = MilOpParameters[T];
type RequiredParam<T extends MilOpType> = { [K in keyof Params<T>]: Params<T>[K] extends true ? K : never }[keyof Params<T>];
type OptionalParam<T extends MilOpType> = Exclude<keyof Params<T>, RequiredParam<T>>;

/** The arguments of an op of type T, each a V: required parameters must be there. */
export type MilOpInputs<T extends MilOpType, V> = { [K in RequiredParam<T> & string]: V } & { [K in OptionalParam<T> & string]?: V };

/** Elementwise binary ops (x, y) and unary ones (x): the helpers' type arguments. */
export type MilBinaryOp = { [T in MilOpType]: keyof Params<T> extends "x" | "y" ? ("y" extends keyof Params<T> ? T : never) : never }[MilOpType];
export type MilUnaryOp = { [T in MilOpType]: "x" extends keyof Params<T> ? T : never }[MilOpType];

/** An operation of type T: its arguments' value names checked against T's parameters. */
export function milOperation<T extends MilOpType>(type: T, name: string, inputs: MilOpInputs<T, readonly string[]>, outputs: readonly MilNamedType[]): MilOperation {
  return { type, name, inputs: inputs as Record<string, readonly string[]>, outputs };
}
