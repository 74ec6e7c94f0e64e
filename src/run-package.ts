// runPackage: execute a converted package with the reference runtime, in WebNN terms.
// It reads the package bytes back (never the in-memory graph), converts the caller's WebNN
// tensors to the model's Core ML boundary types, runs the ML Program, and converts back.
import { allocTypedArray, type MLOperandDataType, type MLTypedArray } from "./graph/types.js";
import { elementCount } from "./mil/program.js";
import type { FunctionBoundary, IOEntry } from "./mil/model.js";
import type { MLPackage } from "./packaging/package.js";
import { readPackage, readPackageZip, type ReadPackage } from "./packaging/reader.js";
import { RuntimeError } from "./errors.js";
import { executeProgram } from "./runtime/execute.js";
import { decodeHalfArray, halfBitsFromNumber } from "./runtime/fp16.js";
import { functionBoundaryOf } from "./serialization/model-reader.js";
import type { RuntimeTensor } from "./runtime/tensor.js";
import { getOwn as own, setOwn } from "./records.js";

/** WebNN element storage: float16 as Uint16Array of half bits; int64/uint64 as BigInt arrays. */
export type WebNNData = MLTypedArray;

export interface WebNNTensor {
  dataType: MLOperandDataType;
  shape: number[];
  data: WebNNData;
}


function toBoundary(e: IOEntry, t: WebNNTensor): RuntimeTensor {
  if (t.dataType !== e.dataType) throw new RuntimeError(`input "${e.name}": expected ${e.dataType}, got ${t.dataType}`);
  if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
    throw new RuntimeError(`input "${e.name}": expected shape [${e.shape.join(", ")}], got [${t.shape.join(", ")}]`);
  }
  const n = elementCount(e.shape);
  if (t.data.length !== n) throw new RuntimeError(`input "${e.name}": ${t.data.length} elements for shape [${t.shape.join(", ")}]`);
  const shape = [...e.coremlShape];
  switch (e.coremlDataType) {
    case "float32":
      if (e.dataType === "float16") return { dataType: "fp32", shape, data: decodeHalfArray(t.data as Uint16Array) };
      return { dataType: "fp32", shape, data: Float32Array.from(t.data as Float32Array) };
    case "float16":
      return { dataType: "fp16", shape, data: Uint16Array.from(t.data as Uint16Array) };
    case "int8":
      return { dataType: "int8", shape, data: Int8Array.from(t.data as Int8Array) };
    case "int32": {
      const out = new Int32Array(n);
      const d = t.data;
      if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
        for (let i = 0; i < n; i++) out[i] = Number(BigInt.asIntN(32, d[i]));
      } else {
        for (let i = 0; i < n; i++) out[i] = (d as Int32Array)[i] | 0;
      }
      return { dataType: "int32", shape, data: out };
    }
  }
}

function fromBoundary(e: IOEntry, t: RuntimeTensor): WebNNTensor {
  const shape = [...e.shape];
  const n = elementCount(shape);
  switch (e.dataType) {
    case "float32": return { dataType: "float32", shape, data: Float32Array.from(t.data as Float32Array) };
    case "float16": {
      if (t.dataType === "fp16") return { dataType: "float16", shape, data: Uint16Array.from(t.data as Uint16Array) };
      const f = t.data as Float32Array;
      return { dataType: "float16", shape, data: Uint16Array.from(f, (v) => halfBitsFromNumber(v)) };
    }
    default: {
      const d = t.data as Int32Array;
      switch (e.dataType) {
        case "int32": return { dataType: "int32", shape, data: Int32Array.from(d) };
        case "uint32": return { dataType: "uint32", shape, data: Uint32Array.from(d, (v) => v >>> 0) };
        case "int8": return { dataType: "int8", shape, data: Int8Array.from(d) };
        case "uint8": return { dataType: "uint8", shape, data: Uint8Array.from(d) };
        case "int64": { const o = new BigInt64Array(n); for (let i = 0; i < n; i++) o[i] = BigInt(d[i]); return { dataType: "int64", shape, data: o }; }
        case "uint64": { const o = new BigUint64Array(n); for (let i = 0; i < n; i++) o[i] = BigInt.asUintN(64, BigInt(d[i])); return { dataType: "uint64", shape, data: o }; }
        default: throw new RuntimeError(`output "${e.name}": ${e.dataType} outputs are not supported`);
      }
    }
  }
}

export interface RunOptions {
  /** The function of a multifunction package to run (default: its default function). */
  function?: string;
}

/** Runs an already-read package. Inputs and outputs are keyed by the WebNN names. */
export function runPackageContents(pkg: ReadPackage, inputs: Record<string, WebNNTensor>, options: RunOptions = {}): Record<string, WebNNTensor> {
  const parsed = boundaryToRun(pkg, options.function);
  const feeds: Record<string, RuntimeTensor> = {};
  for (const e of parsed.inputs) {
    const t = own(inputs, e.name);
    if (!t) throw new RuntimeError(`missing input "${e.name}"`);
    setOwn(feeds, e.coremlName, toBoundary(e, t));
  }
  if (parsed.placeholderInput) feeds[parsed.placeholderInput] = { dataType: "fp32", shape: [1], data: new Float32Array(1) };
  for (const name of Object.keys(inputs)) {
    if (!parsed.inputs.some((e) => e.name === name)) throw new RuntimeError(`unknown input "${name}" (the model takes ${parsed.inputs.map((e) => `"${e.name}"`).join(", ")})`);
  }
  const results = executeProgram(pkg.parsed.program, feeds, { function: options.function });
  const out: Record<string, WebNNTensor> = {};
  for (const e of parsed.outputs) {
    const r = own(results, e.coremlName);
    if (!r) throw new RuntimeError(`the program has no output "${e.coremlName}" for model output "${e.name}"`);
    setOwn(out, e.name, fromBoundary(e, r));
  }
  return out;
}

/** The boundary of the function to run, or a RuntimeError naming the functions there are. */
function boundaryToRun(pkg: ReadPackage, name: string | undefined): FunctionBoundary {
  const { parsed } = pkg;
  const b = functionBoundaryOf(parsed, name);
  if (!b) throw new RuntimeError(`the package has no function "${name}" (it has ${[...parsed.program.functions.keys()].map((k) => `"${k}"`).join(", ")})`);
  return b;
}

/** Runs a package given as an in-memory package, zip bytes/Blob, or an already-read package. */
export async function runPackage(pkg: MLPackage | ReadPackage | Uint8Array | Blob, inputs: Record<string, WebNNTensor>, options: RunOptions = {}): Promise<Record<string, WebNNTensor>> {
  let read: ReadPackage;
  if (pkg instanceof Uint8Array) read = await readPackageZip(pkg);
  else if (typeof Blob !== "undefined" && pkg instanceof Blob) read = await readPackageZip(pkg);
  else if ("parsed" in pkg) read = pkg;
  else read = readPackage(pkg as MLPackage);
  return runPackageContents(read, inputs, options);
}

// ------------------------------------------------------------------ JSON tensors

export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity" | string;

export interface JsonTensor {
  dataType: MLOperandDataType;
  shape: number[];
  data: JsonNumber[] | JsonNumber;
}

function fromJsonNumber(v: JsonNumber): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  const n = Number(v);
  if (Number.isNaN(n)) throw new RuntimeError(`not a number: ${JSON.stringify(v)}`);
  return n;
}

function toJsonNumber(v: number): JsonNumber {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}

/** Builds a WebNN tensor from numbers (float16 values are rounded to the nearest half). A single value fills the shape. */
export function tensorFromNumbers(dataType: MLOperandDataType, shape: number[], values: ArrayLike<number | bigint>): WebNNTensor {
  const n = elementCount(shape);
  if (dataType === "int4" || dataType === "uint4") {
    // two per byte, low nibble first (WebNN); only constants may have these types
    const data = new Uint8Array(Math.ceil(n / 2));
    for (let i = 0; i < n; i++) data[i >> 1] |= (Number(values[values.length === 1 ? 0 : i]) & 0x0f) << ((i & 1) * 4);
    return { dataType, shape, data };
  }
  const data = allocWebNN(dataType, n);
  const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
  const convert = (v: number | bigint): number | bigint => {
    if (big) return BigInt(v);
    return dataType === "float16" ? halfBitsFromNumber(Number(v)) : Number(v);
  };
  if (values.length === 1) {
    (data as { fill(v: number | bigint): unknown }).fill(convert(values[0]) as never);
  } else {
    if (values.length !== n) throw new RuntimeError(`${values.length} values for shape [${shape.join(", ")}] (${n} elements)`);
    const d = data as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < n; i++) d[i] = convert(values[i]);
  }
  return { dataType, shape, data };
}

function allocWebNN(dataType: MLOperandDataType, n: number): WebNNData {
  if (dataType === "int4" || dataType === "uint4") throw new RuntimeError(`${dataType} tensors are not supported here`);
  return allocTypedArray(dataType, n);
}

/** Numbers of a WebNN tensor (float16 decoded; int64 as numbers). */
export function tensorValues(t: WebNNTensor): number[] {
  if (t.dataType === "float16") return Array.from(decodeHalfArray(t.data as Uint16Array));
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

const JSON_DATA_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8"];

/**
 * Reads tensors from their JSON form (`{ name: { dataType, shape, data } }`, data a flat list in
 * row-major order or one value that fills the shape; "NaN", "Infinity", "-Infinity" and, for
 * int64/uint64, strings of digits are accepted). With `expected` (a model's inputs), names,
 * data types and shapes are checked against it before any tensor is allocated.
 */
export function tensorsFromJson(json: unknown, expected?: readonly { name: string; dataType: MLOperandDataType; shape: readonly number[] }[]): Record<string, WebNNTensor> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new RuntimeError("inputs must be a JSON object mapping input names to {dataType, shape, data}");
  const entries = Object.entries(json as Record<string, unknown>);
  if (expected) {
    const names = new Set(entries.map(([n]) => n));
    const missing = expected.filter((e) => !names.has(e.name)).map((e) => `"${e.name}" (${e.dataType} [${e.shape.join(", ")}])`);
    if (missing.length) throw new RuntimeError(`missing input${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
    const known = new Set(expected.map((e) => e.name));
    const extra = entries.map(([n]) => n).filter((n) => !known.has(n));
    if (extra.length) throw new RuntimeError(`the model has no input${extra.length > 1 ? "s" : ""} ${extra.map((n) => `"${n}"`).join(", ")} (it has ${expected.map((e) => `"${e.name}"`).join(", ")})`);
  }
  const out: Record<string, WebNNTensor> = {};
  for (const [name, t] of entries) {
    const bad = (m: string): never => { throw new RuntimeError(`input "${name}": ${m}`); };
    if (typeof t !== "object" || t === null || Array.isArray(t)) bad("must be an object {dataType, shape, data}");
    const { dataType, shape, data } = t as { dataType?: unknown; shape?: unknown; data?: unknown };
    if (typeof dataType !== "string" || !JSON_DATA_TYPES.includes(dataType)) bad(`dataType must be one of ${JSON_DATA_TYPES.join(", ")}, got ${JSON.stringify(dataType)}`);
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) bad("shape must be an array of non-negative integers");
    const want = expected?.find((e) => e.name === name);
    if (want && (want.dataType !== dataType || want.shape.length !== (shape as number[]).length || want.shape.some((d, i) => d !== (shape as number[])[i]))) {
      bad(`is ${dataType} [${(shape as number[]).join(", ")}], but the model takes ${want.dataType} [${want.shape.join(", ")}]`);
    }
    const n = elementCount(shape as number[]);
    if (!Number.isSafeInteger(n) || n > 2 ** 28) bad(`shape [${(shape as number[]).join(", ")}] has too many elements`);
    if (data === null || data === undefined) bad("has no data");
    const raw = Array.isArray(data) ? data : [data];
    if (raw.length !== 1 && raw.length !== n) bad(`${raw.length} values for shape [${(shape as number[]).join(", ")}] (${n} elements)`);
    const isBig = dataType === "int64" || dataType === "uint64";
    const values = raw.map((v, i) => {
      if (typeof v !== "number" && typeof v !== "string") bad(`data[${i}] is ${v === null ? "null" : typeof v}, not a number`);
      if (isBig && typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v) as unknown as number;
      return fromJsonNumber(v as JsonNumber);
    });
    setOwn(out, name, tensorFromNumbers(dataType as MLOperandDataType, shape as number[], values));
  }
  return out;
}

export function tensorsToJson(tensors: Record<string, WebNNTensor>): Record<string, JsonTensor> {
  const out: Record<string, JsonTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const isBig = t.dataType === "int64" || t.dataType === "uint64";
    const data = isBig
      ? Array.from(t.data as BigInt64Array, (v) => (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()))
      : tensorValues(t).map(toJsonNumber);
    setOwn(out, name, { dataType: t.dataType, shape: t.shape, data });
  }
  return out;
}
