// Test helpers: build tiny MIL programs (const ops + one op under test) and run kernels.

import { singleFunctionProgram, type MilDataType, type MilOperation, type MilProgram, type MilTensorType } from "../../src/mil/program.js";
import { executeProgram } from "../../src/runtime/execute.js";
import { KernelArgs, kernels, type KernelInputs } from "../../src/runtime/kernels/index.js";
import { makeStringTensor, makeTensor, readNumbers, type NumericData, type RuntimeTensor } from "../../src/runtime/tensor.js";

export const t = (dataType: MilDataType, shape: number[], values: number[]): RuntimeTensor => makeTensor(dataType, shape, values);
export const f32 = (shape: number[], values: number[]): RuntimeTensor => t("fp32", shape, values);
export const f16 = (shape: number[], values: number[]): RuntimeTensor => t("fp16", shape, values);
export const i32 = (shape: number[], values: number[]): RuntimeTensor => t("int32", shape, values);
export const bool = (shape: number[], values: (number | boolean)[]): RuntimeTensor => t("bool", shape, values.map(Number));
export const str = (s: string): RuntimeTensor => makeStringTensor([], [s]);
/** Scalars. */
export const si = (v: number): RuntimeTensor => i32([], [v]);
export const sf = (v: number): RuntimeTensor => f32([], [v]);
export const sb = (v: boolean): RuntimeTensor => bool([], [v]);
/** 1-D int32 / bool lists. */
export const ints = (vs: number[]): RuntimeTensor => i32([vs.length], vs);
export const bools = (vs: boolean[]): RuntimeTensor => bool([vs.length], vs);

/** Runs a kernel directly (no program), with the given iOS version. */
export function run(type: string, inputs: KernelInputs, opts: { ios?: number; outputs?: number } = {}): RuntimeTensor[] {
  const k = kernels[type];
  if (!k) throw new Error(`no kernel ${type}`);
  const op: MilOperation = {
    type, name: `${type}_0`, inputs: {},
    outputs: Array.from({ length: opts.outputs ?? 1 }, (_, i) => ({ name: `out${i}`, type: { dataType: "fp32", shape: [] } })),
  };
  return k(new KernelArgs(inputs), op, { iosVersion: opts.ios ?? 18 });
}

/** Runs a single-output kernel. */
export function run1(type: string, inputs: KernelInputs, ios = 18): RuntimeTensor {
  return run(type, inputs, { ios })[0];
}

/** Values of a tensor as plain numbers (fp16 decoded). */
export const vals = (x: RuntimeTensor): number[] => readNumbers(x);

/** The bytes of a tensor's storage (little-endian host), for const ops. */
export function bytesOf(x: RuntimeTensor): Uint8Array {
  const d = x.data as NumericData;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

export function constOp(name: string, x: RuntimeTensor): MilOperation {
  const type: MilTensorType = { dataType: x.dataType, shape: [...x.shape] };
  return {
    type: "const", name, inputs: {}, outputs: [{ name, type }],
    value: x.dataType === "string"
      ? { type: { dataType: "string", shape: [...x.shape] }, strings: x.data as string[] }
      : { type, bytes: bytesOf(x) },
  };
}

export interface ProgramSpec {
  inputs?: Record<string, RuntimeTensor>;
  consts?: Record<string, RuntimeTensor>;
  ops: MilOperation[];
  outputs: string[];
  opset?: string;
}

/** Builds a program: declared inputs (types from the given tensors), const ops, then ops. */
export function program(spec: ProgramSpec): MilProgram {
  return singleFunctionProgram({
    inputs: Object.entries(spec.inputs ?? {}).map(([name, x]) => ({ name, type: { dataType: x.dataType, shape: [...x.shape] } })),
    opset: spec.opset ?? "CoreML7",
    operations: [...Object.entries(spec.consts ?? {}).map(([n, x]) => constOp(n, x)), ...spec.ops],
    outputs: spec.outputs,
  });
}

/**
 * Runs one op whose parameters are all constants, through the engine.
 * `params` values are tensors (bound as const ops) or arrays of tensors (tuples).
 */
export function runOp(
  type: string,
  params: Record<string, RuntimeTensor | RuntimeTensor[]>,
  outputs: { dataType: MilDataType; shape: number[] }[],
  opset = "CoreML7",
): RuntimeTensor[] {
  const consts: Record<string, RuntimeTensor> = {};
  const inputs: Record<string, string[]> = {};
  for (const [p, v] of Object.entries(params)) {
    const list = Array.isArray(v) ? v : [v];
    inputs[p] = list.map((x, i) => {
      const n = `${p}_${i}`;
      consts[n] = x;
      return n;
    });
  }
  const op: MilOperation = {
    type, name: "op", inputs,
    outputs: outputs.map((o, i) => ({ name: `y${i}`, type: o })),
  };
  const res = executeProgram(program({ consts, ops: [op], outputs: op.outputs.map((o) => o.name), opset }), {});
  return op.outputs.map((o) => res[o.name]);
}

/** Deterministic pseudo-random numbers in [-1, 1). */
export function rand(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out.push((s / 4294967296) * 2 - 1);
  }
  return out;
}

export function expectClose(actual: number[], expected: number[], tol = 1e-6): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) ? !Number.isNaN(a) : Math.abs(a - e) > tol * Math.max(1, Math.abs(e))) {
      throw new Error(`element ${i}: got ${a}, expected ${e} (tol ${tol})\nactual:   ${actual.slice(0, 40).join(", ")}\nexpected: ${expected.slice(0, 40).join(", ")}`);
    }
  }
}
