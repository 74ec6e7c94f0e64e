// The MIL program: the in-memory form of a Core ML ML Program, between lowering and
// serialization. Lowering writes it; serialization turns it into protobuf + weight blob;
// the package reader turns bytes back into it; the reference runtime executes it.
import { NameTable } from "./names.js";

/** MIL tensor element types (coremltools' names). */
export type MilDataType =
  | "bool" | "string"
  | "fp16" | "fp32" | "fp64"
  | "int4" | "int8" | "int16" | "int32" | "int64"
  | "uint1" | "uint2" | "uint3" | "uint4" | "uint6" | "uint8" | "uint16" | "uint32" | "uint64";

export interface MilTensorType {
  dataType: MilDataType;
  /** Static shape; [] is a scalar (rank 0). */
  shape: readonly number[];
}

export interface MilNamedType {
  name: string;
  type: MilTensorType;
}

/**
 * A compile-time tensor value (the `val` of a `const` op).
 * Numeric data is raw little-endian bytes (`bytes`), exactly as stored: fp16 as IEEE half bits,
 * bool as one byte per element (0/1), sub-byte types (int4, uint1/2/3/4/6) unpacked one value per byte (sign-extended for int4).
 * `bytes` may be a view into a caller's buffer: never mutate it.
 * Strings are in `strings`.
 */
export type MilConstValue =
  | { type: MilTensorType; bytes: Uint8Array; strings?: undefined }
  | { type: MilTensorType & { dataType: "string" }; strings: readonly string[]; bytes?: undefined };

/** An argument binds one value name, or several (a tuple, e.g. concat's `values`). */
export type MilArgument = readonly string[];

export interface MilOperation {
  /** MIL operation type, e.g. "add", "conv", "const". */
  type: string;
  /** Operation name (the `name` attribute). */
  name: string;
  /** Parameter name → value names it binds (empty for `const`). */
  inputs: Readonly<Record<string, MilArgument>>;
  outputs: readonly MilNamedType[];
  /** Only for `const`: the value. */
  value?: MilConstValue;
}

export interface MilFunction {
  inputs: readonly MilNamedType[];
  /** Opset name, e.g. "CoreML7". */
  opset: string;
  operations: readonly MilOperation[];
  /** Names of the values the function returns, in order. */
  outputs: readonly string[];
}

/**
 * A program: functions by name (in the order they were added) and the one Core ML runs when
 * none is named. Most programs have one function, "main"; a multifunction package (spec 9)
 * holds several that share weights.
 */
export interface MilProgram {
  readonly functions: ReadonlyMap<string, MilFunction>;
  readonly defaultFunction: string;
}

/** The program of one function (named "main" unless told). */
export function singleFunctionProgram(fn: MilFunction, name = "main"): MilProgram {
  return { functions: new Map([[name, fn]]), defaultFunction: name };
}

/** The function called `name`, or the default one; throws when there is none by that name. */
export function programFunction(program: MilProgram, name?: string): MilFunction {
  const key = name ?? program.defaultFunction;
  const fn = program.functions.get(key);
  if (!fn) throw new RangeError(`the program has no function "${key}" (it has ${[...program.functions.keys()].map((k) => `"${k}"`).join(", ")})`);
  return fn;
}

/** A `const` operation of `value`, named `name` (its output has the same name). */
export function constOperation(name: string, value: MilConstValue): MilOperation {
  return { type: "const", name, inputs: {}, outputs: [{ name, type: value.type }], value };
}

/** Every name a function uses: its inputs', its operations' and their outputs'. */
export function namesOf(fn: MilFunction, operations: readonly MilOperation[] = fn.operations): string[] {
  return [...fn.inputs.map((i) => i.name), ...operations.flatMap((o) => [o.name, ...o.outputs.map((x) => x.name)])];
}

/**
 * Names for what a pass (or the reader) adds: `fresh(base)` gives `base`, else `base_2`, `base_3`, …, never one
 * in `taken` or handed out before (a counter per base keeps it linear).
 */
export function freshNames(taken: Iterable<string>): (base: string) => string {
  const table = new NameTable(taken, 2);
  return (base) => table.claim(base);
}

/** Bytes per element of a MIL data type as stored in memory here (sub-byte types unpacked). */
export function milElementSize(dataType: MilDataType): number {
  switch (dataType) {
    case "bool": case "int4": case "uint1": case "uint2": case "uint3": case "uint4": case "uint6": case "int8": case "uint8": return 1;
    case "fp16": case "int16": case "uint16": return 2;
    case "fp32": case "int32": case "uint32": return 4;
    case "fp64": case "int64": case "uint64": return 8;
    case "string": throw new Error("string tensors have no element size");
  }
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
