// Generates WebNN conformance cases (the WPT JSON case format, see test/fixtures/wpt/README.md) for
// operators the shared corpus lacks, with expected values from the independent float64 reference
// in ./webnn-reference.ts. Run: npx tsx test/reference/generate-cases.ts
//
// Every random draw comes from a fixed-seed PRNG seeded per operator, so the output is
// reproducible and adding cases to one operator leaves the others unchanged. Inputs are drawn as
// values exactly representable in their data type (float16 inputs are rounded to the nearest
// half first); the reference then works in float64 on those exact values; expected values are
// stored rounded to the output type (float32: Math.fround, float16: nearest half), which is what
// the runner would do with an unrounded value.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as ref from "./webnn-reference.js";
import type { DataType, Round, Tensor } from "./webnn-reference.js";
import { Rng } from "../fuzz/random.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const OUT_DIR = join(ROOT, "test/conformance");
const EXT_DIR = OUT_DIR; // int4/uint4 cases run with the rest (the runner packs 4-bit constants)
const SOURCE = "test/reference/generate-cases.ts";

function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

// ------------------------------------------------------------------ values

const F32: DataType = "float32";
const F16: DataType = "float16";
const FLOATS: DataType[] = [F32, F16];

function roundTo(dt: DataType): Round {
  if (dt === "float32") return Math.fround;
  if (dt === "float16") return ref.roundToFloat16;
  return (x) => x;
}

/** n floats uniform in [lo, hi), exactly representable in dt. */
function floats(rng: Rng, n: number, lo: number, hi: number, dt: DataType): number[] {
  const r = roundTo(dt);
  return Array.from({ length: n }, () => r(rng.uniform(lo, hi)));
}

/** n multiples of `step` in [lo, hi] (exact in float16 and float32 for small magnitudes). */
function dyadic(rng: Rng, n: number, lo: number, hi: number, step: number): number[] {
  return Array.from({ length: n }, () => rng.between(Math.ceil(lo / step), Math.floor(hi / step)) * step);
}

function ints(rng: Rng, n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, () => rng.between(lo, hi));
}

/** Values of an integer or float type in a range that suits the type. */
function valuesOf(rng: Rng, n: number, dt: DataType, lo = -100, hi = 100): number[] {
  if (ref.isFloatType(dt)) return floats(rng, n, lo, hi, dt);
  const [tlo, thi] = ref.integerRange(dt);
  return ints(rng, n, Math.max(tlo, Math.ceil(lo)), Math.min(thi, Math.floor(hi)));
}

const size = ref.sizeOf;

// ------------------------------------------------------------------ ULP distance (for conditioning checks)

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
function f32Linear(x: number): number {
  f32buf[0] = x;
  const b = u32buf[0];
  return b & 0x80000000 ? -(b & 0x7fffffff) : b;
}
function f16Linear(x: number): number {
  // position of an exactly representable half on the linear scale of half bit patterns
  if (x === 0) return 0;
  const a = Math.abs(x);
  let bits: number;
  if (a < 2 ** -14) bits = Math.round(a / 2 ** -24);
  else {
    const e = Math.floor(Math.log2(a));
    bits = ((e + 15) << 10) + Math.round((a / 2 ** e - 1) * 1024);
  }
  return x < 0 ? -bits : bits;
}
function ulpDistance(a: number, b: number, dt: DataType): number {
  if (Object.is(a, b) || a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  if (dt === "float16") return Math.abs(f16Linear(ref.roundToFloat16(a)) - f16Linear(ref.roundToFloat16(b)));
  return Math.abs(f32Linear(Math.fround(a)) - f32Linear(Math.fround(b)));
}

/** True when a per-step-rounded evaluation stays within `limit` ULP of the exact result. */
function conditioned(exact: Tensor[], simulated: Tensor[], dt: DataType, limit: number): boolean {
  return exact.every((t, i) => t.data.every((v, j) => ulpDistance(v, simulated[i].data[j], dt) <= limit));
}

const noise = new Rng(0x5eed);

/** At least half the values of every output are non-zero (relu and saturated gates zero a lot). */
function nonDegenerate(outputs: Tensor[]): boolean {
  return outputs.every((t) => t.data.filter((v) => v !== 0).length * 2 >= t.data.length);
}

/**
 * Conditioning check for a computation `run(R)` that applies R after every arithmetic step:
 * the rounded evaluation, and several evaluations with ±1 ULP of random noise injected at every
 * step (standing in for other evaluation orders and for elementary functions that are not
 * correctly rounded; ±0.5 ULP), must all stay within `limit` ULP of the exact result. With exact
 * arithmetic (relu activations on dyadic values) only the plainly rounded evaluation is checked:
 * it must then be exact, whatever the order.
 */
function wellConditioned(run: (R: Round) => Tensor[], dt: DataType, limit: number, exactArithmetic: boolean): boolean {
  const exact = run((x) => x);
  if (!conditioned(exact, run(roundTo(dt)), dt, exactArithmetic ? 0 : limit)) return false;
  if (exactArithmetic) return true;
  const r = roundTo(dt);
  const eps = dt === F16 ? 2 ** -11 : 2 ** -24; // ±0.5 ULP
  for (let trial = 0; trial < 6; trial++) {
    const noisy: Round = (x) => r(x * (1 + (noise.next() * 2 - 1) * eps));
    if (!conditioned(exact, run(noisy), dt, limit)) return false;
  }
  return true;
}

// ------------------------------------------------------------------ case building

type JsonValue = number | string;
interface JsonTensor {
  data: JsonValue[];
  descriptor: { shape: number[]; dataType: DataType };
  constant?: boolean;
}
interface JsonOperator {
  name: string;
  arguments: Record<string, unknown>[];
  outputs: string | string[];
}
interface JsonCase {
  name: string;
  graph: { inputs: Record<string, JsonTensor>; operators: JsonOperator[]; expectedOutputs: Record<string, JsonTensor> };
}

function encode(x: number): JsonValue {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return Object.is(x, -0) ? "-0" : x; // JSON has no negative zero
}

function checkRepresentable(values: number[], dt: DataType, what: string): void {
  for (const v of values) {
    if (Number.isNaN(v)) {
      if (!ref.isFloatType(dt)) throw new Error(`${what}: NaN in ${dt}`);
      continue;
    }
    if (ref.isFloatType(dt)) {
      if (roundTo(dt)(v) !== v) throw new Error(`${what}: ${v} is not a ${dt} value`);
    } else {
      const [lo, hi] = ref.integerRange(dt);
      if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what}: ${v} is not a ${dt} value`);
      if (!Number.isSafeInteger(v)) throw new Error(`${what}: ${v} is not a safe integer`);
    }
  }
}

class CaseBuilder {
  readonly inputs: Record<string, JsonTensor> = {};
  readonly operators: JsonOperator[] = [];
  readonly expected: Record<string, JsonTensor> = {};
  readonly dataTypes = new Map<string, DataType>();

  /** A graph input (or constant) operand; data must be representable in dt. */
  input(name: string, dt: DataType, shape: number[], data: number[], constant = false): Tensor {
    if (size(shape) !== data.length) throw new Error(`${name}: ${data.length} values for [${shape}]`);
    checkRepresentable(data, dt, name);
    this.inputs[name] = { data: data.map(encode), descriptor: { shape: [...shape], dataType: dt }, ...(constant ? { constant: true } : {}) };
    this.dataTypes.set(name, dt);
    return { shape: [...shape], data: [...data] };
  }

  /** Adds an operand used through an options member and returns its name. */
  operand(name: string, dt: DataType, t: Tensor, constant = true): string {
    this.input(name, dt, t.shape, t.data, constant);
    return name;
  }

  op(name: string, args: Record<string, unknown>[], outputs: string | string[]): this {
    this.operators.push({ name, arguments: args, outputs });
    return this;
  }

  /** An expected output: values are rounded to dt (floats) or checked (integers). */
  output(name: string, dt: DataType, t: Tensor): this {
    const r = roundTo(dt);
    const data = t.data.map((v) => (ref.isFloatType(dt) ? r(v) : v));
    if (!ref.isFloatType(dt)) checkRepresentable(data, dt, name);
    this.expected[name] = { data: data.map(encode), descriptor: { shape: [...t.shape], dataType: dt } };
    return this;
  }

  build(name: string): JsonCase {
    if (this.operators.length === 0 || Object.keys(this.expected).length === 0) throw new Error(`${name}: empty case`);
    return { name, graph: { inputs: this.inputs, operators: this.operators, expectedOutputs: this.expected } };
  }
}

const files = new Map<string, { operation: string; tests: JsonCase[] }>();

function addCase(file: string, c: JsonCase): void {
  const f = files.get(file) ?? { operation: file, tests: [] };
  if (f.tests.some((x) => x.name === c.name)) throw new Error(`duplicate case name: ${c.name}`);
  f.tests.push(c);
  files.set(file, f);
}

const SNAKE: Record<string, string> = {
  argMax: "arg_max", argMin: "arg_min", averagePool2d: "average_pool2d", cos: "cos", cumulativeSum: "cumulative_sum",
  dequantizeLinear: "dequantize_linear", erf: "erf", gatherElements: "gather_elements", gatherND: "gather_nd", gelu: "gelu",
  gemm: "gemm", gru: "gru", gruCell: "gru_cell", identity: "identity", isInfinite: "is_infinite", isNaN: "is_nan",
  l2Pool2d: "l2_pool2d", logicalAnd: "logical_and", logicalOr: "logical_or", logicalXor: "logical_xor", lstm: "lstm",
  lstmCell: "lstm_cell", maxPool2d: "max_pool2d", notEqual: "not_equal", pad: "pad", prelu: "prelu",
  quantizeLinear: "quantize_linear", reciprocal: "reciprocal", resample2d: "resample2d", reverse: "reverse",
  roundEven: "round_even", scatterElements: "scatter_elements", scatterND: "scatter_nd", sign: "sign", sin: "sin",
  softplus: "softplus", softsign: "softsign", tan: "tan", tile: "tile", triangular: "triangular", where: "where",
};

const shapeName = (s: number[]) => (s.length === 0 ? "0D scalar" : `${s.length}D`);

/** Tries `make` with fresh random draws until it returns a case (not undefined). */
function retry<T>(what: string, make: () => T | undefined, attempts = 2000): T {
  for (let i = 0; i < attempts; i++) {
    const r = make();
    if (r !== undefined) return r;
  }
  throw new Error(`${what}: no well-conditioned draw in ${attempts} attempts`);
}

// ------------------------------------------------------------------ element-wise unary (float)

interface UnarySpec {
  range: Record<string, [number, number]>;
  special?: { name: string; values: number[]; types?: DataType[] }[];
  extraValues?: number[];
}

const UNARY_SPECS: Partial<Record<ref.UnaryName, UnarySpec>> = {
  cos: { range: { float32: [-3 * Math.PI, 3 * Math.PI], float16: [-3 * Math.PI, 3 * Math.PI] },
    special: [{ name: "NaN and ±Infinity (→ NaN)", values: [NaN, Infinity, -Infinity, 0, -0] }] },
  sin: { range: { float32: [-3 * Math.PI, 3 * Math.PI], float16: [-3 * Math.PI, 3 * Math.PI] },
    special: [{ name: "NaN and ±Infinity (→ NaN)", values: [NaN, Infinity, -Infinity, 0, -0] }] },
  tan: { range: { float32: [-1.4, 1.4], float16: [-1.1, 1.1] },
    special: [{ name: "NaN and ±Infinity (→ NaN)", values: [NaN, Infinity, -Infinity, 0, -0] }] },
  erf: { range: { float32: [-3, 3], float16: [-3, 3] },
    special: [{ name: "NaN and ±Infinity (→ ±1)", values: [NaN, Infinity, -Infinity, 0, 5, -5] }] },
  reciprocal: { range: { float32: [0.125, 16], float16: [0.125, 16] },
    special: [
      { name: "±Infinity (→ ±0) and NaN", values: [Infinity, -Infinity, NaN, 1] },
      { name: "±0 (→ ±Infinity, IEEE division keeps the sign)", values: [0, -0] },
    ] },
  roundEven: { range: { float32: [-20, 20], float16: [-20, 20] }, extraValues: [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5],
    special: [{ name: "NaN, ±Infinity and -0", values: [NaN, Infinity, -Infinity, -0, 0.5, -0.5] }] },
  softplus: { range: { float32: [-3, 8], float16: [-2, 6] },
    special: [{ name: "NaN and ±Infinity (→ Infinity, 0)", values: [NaN, Infinity, -Infinity, 0] }] },
  softsign: { range: { float32: [-10, 10], float16: [-10, 10] }, special: [{ name: "NaN and ±0", values: [NaN, 0, -0, 1] }] },
  gelu: { range: { float32: [-1.5, 5], float16: [-1.5, 5] }, special: [{ name: "NaN and +Infinity", values: [NaN, Infinity, 0, 1] }] },
  sign: { range: { float32: [-10, 10], float16: [-10, 10] }, extraValues: [0, -0],
    special: [
      { name: "±Infinity and ±0", values: [Infinity, -Infinity, 0, -0, 1e-30, -1e-30] },
      // The spec: "returning 1 if > 0, -1 if < 0, and 0 otherwise" (its emulation note agrees).
      { name: "NaN (→ 0 by the spec's definition)", values: [NaN, NaN, 1, -1] },
    ] },
};

function genUnaryFloat(op: ref.UnaryName): void {
  const spec = UNARY_SPECS[op]!;
  const rng = new Rng(seedOf(op));
  const shapes: { shape: number[]; constant: boolean }[] = [
    { shape: [], constant: false }, { shape: [24], constant: true }, { shape: [2, 3, 4], constant: false }, { shape: [2, 1, 3, 2, 2], constant: false },
  ];
  const makeCase = (name: string, dt: DataType, shape: number[], data: number[], constant: boolean) => {
    const b = new CaseBuilder();
    const x = b.input(`${op}Input`, dt, shape, data, constant);
    b.op(op, [{ input: `${op}Input` }], `${op}Output`).output(`${op}Output`, dt, ref.unary(op, x));
    addCase(SNAKE[op], b.build(name));
  };
  for (const dt of FLOATS) {
    const [lo, hi] = spec.range[dt];
    for (const { shape, constant } of shapes) {
      const n = size(shape);
      let data = floats(rng, n, lo, hi, dt);
      if (op === "reciprocal") data = data.map((v) => (rng.next() < 0.5 ? -v : v));
      if (spec.extraValues && n >= 12) spec.extraValues.forEach((v, i) => (data[(i * 3) % n] = roundTo(dt)(v)));
      makeCase(`${op} ${dt} ${shapeName(shape)} ${constant ? "constant " : ""}tensor`, dt, shape, data, constant);
    }
    for (const s of spec.special ?? []) {
      makeCase(`${op} ${dt} special values: ${s.name}`, dt, [s.values.length], s.values.map(roundTo(dt)), false);
    }
  }
  if (op === "gelu") {
    // The negative tail, where 1 + erf(x/√2) is small: an implementation must not lose it to cancellation.
    const data = floats(rng, 12, -5, -1.5, F32);
    makeCase("gelu float32 1D tensor negative tail [-5, -1.5]", F32, [12], data, false);
  }
  if (op === "softplus") {
    // Tails: ln(1 + e^x) ≈ e^x for very negative x and ≈ x for large x.
    const data = floats(rng, 12, -20, 20, F32);
    makeCase("softplus float32 1D tensor wide range [-20, 20]", F32, [12], data, false);
  }
  if (op === "sign") {
    for (const dt of ["int32", "int64", "int8"] as DataType[]) {
      const data = valuesOf(rng, 12, dt, -100, 100);
      data[0] = 0;
      makeCase(`sign ${dt} 2D tensor`, dt, [3, 4], data, false);
    }
  }
}

function genIdentity(): void {
  const rng = new Rng(seedOf("identity"));
  const types: DataType[] = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8"];
  for (const dt of types) {
    const shape = dt === "float32" ? [2, 3, 4] : dt === "float16" ? [2, 2, 1, 3] : [2, 3];
    const b = new CaseBuilder();
    const x = b.input("identityInput", dt, shape, valuesOf(rng, size(shape), dt, -100, 100));
    b.op("identity", [{ input: "identityInput" }], "identityOutput").output("identityOutput", dt, x);
    addCase("identity", b.build(`identity ${dt} ${shapeName(shape)} tensor`));
  }
  for (const dt of FLOATS) {
    const b = new CaseBuilder();
    const x = b.input("identityInput", dt, [], floats(rng, 1, -10, 10, dt));
    b.op("identity", [{ input: "identityInput" }], "identityOutput").output("identityOutput", dt, x);
    addCase("identity", b.build(`identity ${dt} 0D scalar`));
    const s = new CaseBuilder();
    const y = s.input("identityInput", dt, [6], [NaN, Infinity, -Infinity, -0, 0, 1.5]);
    s.op("identity", [{ input: "identityInput" }], "identityOutput").output("identityOutput", dt, y);
    addCase("identity", s.build(`identity ${dt} special values: NaN, ±Infinity, ±0`));
  }
  const c = new CaseBuilder();
  const x = c.input("identityInput", F32, [5], floats(rng, 5, -10, 10, F32), true);
  c.op("identity", [{ input: "identityInput" }], "identityOutput").output("identityOutput", F32, x);
  addCase("identity", c.build("identity float32 1D constant tensor"));
}

// ------------------------------------------------------------------ isNaN / isInfinite

function genIsNaNInfinite(op: "isNaN" | "isInfinite"): void {
  const rng = new Rng(seedOf(op));
  const specials = [NaN, Infinity, -Infinity, 0, -0];
  for (const dt of FLOATS) {
    const big = dt === F16 ? 65504 : 3.4028234663852886e38;
    const tiny = dt === F16 ? 2 ** -24 : 2 ** -149;
    for (const [shape, constant] of [[[], false], [[16], true], [[2, 2, 3], false], [[1, 2, 2, 2, 2], false]] as [number[], boolean][]) {
      const n = size(shape);
      const data = floats(rng, n, -100, 100, dt);
      const pool = [...specials, big, -big, tiny];
      for (let i = 0; i < n; i++) if (n === 1 || rng.next() < 0.5) data[i] = rng.pick(pool);
      if (n === 1) data[0] = op === "isNaN" ? NaN : -Infinity;
      const b = new CaseBuilder();
      const x = b.input(`${op}Input`, dt, shape, data, constant);
      b.op(op, [{ a: `${op}Input` }], `${op}Output`).output(`${op}Output`, "uint8", ref.unary(op, x));
      addCase(SNAKE[op], b.build(`${op} ${dt} ${shapeName(shape)} ${constant ? "constant " : ""}tensor`));
    }
  }
}

// ------------------------------------------------------------------ logical and / or / xor, notEqual

function genLogical(op: "logicalAnd" | "logicalOr" | "logicalXor"): void {
  const rng = new Rng(seedOf(op));
  const pairs: [number[], number[], string, boolean][] = [
    [[], [], "0D scalars", false],
    [[12], [12], "1D constant tensors", true],
    [[2, 3], [2, 3], "2D tensors", false],
    [[2, 1, 3], [4, 1], "broadcast 3D and 2D", false],
    [[], [2, 2, 3], "broadcast 0D and 3D", false],
    [[2, 1, 2, 1, 3], [1, 2, 1, 2, 3], "broadcast 5D", false],
  ];
  for (const [sa, sb, label, constant] of pairs) {
    const vals = (n: number) => Array.from({ length: n }, () => rng.pick([0, 0, 1, 1, 2, 255]));
    const b = new CaseBuilder();
    const a = b.input(`${op}A`, "uint8", sa, vals(size(sa)), constant);
    const c = b.input(`${op}B`, "uint8", sb, vals(size(sb)), constant);
    b.op(op, [{ a: `${op}A` }, { b: `${op}B` }], `${op}Output`).output(`${op}Output`, "uint8", ref.binary(op, a, c));
    addCase(SNAKE[op], b.build(`${op} uint8 ${label} (non-zero is true)`));
  }
}

function genNotEqual(): void {
  const rng = new Rng(seedOf("notEqual"));
  const cases: [DataType, number[], number[], string][] = [
    [F32, [24], [24], "1D tensors"], [F32, [2, 3, 4], [4], "broadcast 3D and 1D"], [F32, [], [2, 3], "broadcast 0D and 2D"],
    [F16, [2, 3, 4], [2, 3, 4], "3D tensors"], [F16, [3, 1], [1, 4], "broadcast 2D"],
    ["int32", [2, 6], [2, 6], "2D tensors"], ["uint32", [12], [12], "1D tensors"], ["int8", [2, 2, 3], [3], "broadcast"],
    ["uint8", [12], [12], "1D tensors"], ["int64", [3, 4], [3, 4], "2D tensors"],
  ];
  for (const [dt, sa, sb, label] of cases) {
    const pool = ref.isFloatType(dt) ? floats(rng, 4, -10, 10, dt) : valuesOf(rng, 4, dt, -50, 50);
    const vals = (n: number) => Array.from({ length: n }, () => rng.pick(pool));
    const b = new CaseBuilder();
    const a = b.input("notEqualA", dt, sa, vals(size(sa)));
    const c = b.input("notEqualB", dt, sb, vals(size(sb)), true);
    b.op("notEqual", [{ a: "notEqualA" }, { b: "notEqualB" }], "notEqualOutput").output("notEqualOutput", "uint8", ref.binary("notEqual", a, c));
    addCase("not_equal", b.build(`notEqual ${dt} ${label}`));
  }
  for (const dt of FLOATS) {
    const b = new CaseBuilder();
    const a = b.input("notEqualA", dt, [8], [NaN, NaN, 1, Infinity, -Infinity, 0, -0, Infinity]);
    const c = b.input("notEqualB", dt, [8], [NaN, 1, NaN, Infinity, Infinity, -0, 0, -Infinity]);
    b.op("notEqual", [{ a: "notEqualA" }, { b: "notEqualB" }], "notEqualOutput").output("notEqualOutput", "uint8", ref.binary("notEqual", a, c));
    addCase("not_equal", b.build(`notEqual ${dt} special values: NaN is not equal to anything, +0 equals -0`));
  }
}

// ------------------------------------------------------------------ argMin / argMax

function genArgMinMax(op: "argMin" | "argMax"): void {
  const rng = new Rng(seedOf(op));
  const cases: { dt: DataType; shape: number[]; axis: number; keep?: boolean; out?: DataType; constant?: boolean }[] = [
    { dt: F32, shape: [6], axis: 0 },
    { dt: F32, shape: [4, 6], axis: 1, constant: true },
    { dt: F32, shape: [3, 4, 5], axis: 0, keep: true },
    { dt: F32, shape: [2, 3, 4, 2], axis: 2 },
    { dt: F32, shape: [2, 1, 3, 2, 4], axis: 4, keep: true },
    { dt: F32, shape: [3, 5], axis: 0, out: "int64" },
    { dt: F32, shape: [2, 3, 4], axis: 1, keep: true, out: "int64" },
    { dt: F32, shape: [2, 4], axis: 1, keep: false, out: "int32" },
    { dt: "int32", shape: [3, 4, 2], axis: 1 },
    { dt: "int8", shape: [4, 5], axis: 1 },
    { dt: "uint8", shape: [5, 3], axis: 0, keep: true },
    { dt: F16, shape: [8], axis: 0 },
    { dt: F16, shape: [2, 3, 4], axis: 2, keep: true },
    { dt: F16, shape: [2, 4, 2, 3], axis: 1, out: "int64" },
  ];
  for (const c of cases) {
    const r = retry(`${op} ${c.dt}`, () => {
      const data = ref.isFloatType(c.dt) ? floats(rng, size(c.shape), -100, 100, c.dt) : valuesOf(rng, size(c.shape), c.dt, -128, 255);
      try {
        return { data, out: ref.argMinMax(op, ref.tensor(c.shape, data), c.axis, { keepDimensions: c.keep }) };
      } catch {
        return undefined; // a tie: draw again (ties are implementation-dependent in the spec)
      }
    });
    const options: Record<string, unknown> = {};
    if (c.keep !== undefined) options.keepDimensions = c.keep;
    if (c.out) options.outputDataType = c.out;
    const b = new CaseBuilder();
    b.input(`${op}Input`, c.dt, c.shape, r.data, c.constant ?? false);
    const args: Record<string, unknown>[] = [{ input: `${op}Input` }, { axis: c.axis }];
    if (Object.keys(options).length) args.push({ options });
    b.op(op, args, `${op}Output`).output(`${op}Output`, c.out ?? "int32", r.out);
    const opts = Object.entries(options).map(([k, v]) => `options.${k}=${v}`).join(" ");
    addCase(SNAKE[op], b.build(`${op} ${c.dt} ${shapeName(c.shape)} tensor axis=${c.axis}${opts ? " " + opts : " default options"}`));
  }
}

// ------------------------------------------------------------------ cumulativeSum

function genCumulativeSum(): void {
  const rng = new Rng(seedOf("cumulativeSum"));
  const cases: { dt: DataType; shape: number[]; axis: number; exclusive?: boolean; reversed?: boolean; random?: boolean; constant?: boolean }[] = [
    { dt: F32, shape: [6], axis: 0, constant: true },
    { dt: F32, shape: [6], axis: 0, exclusive: true },
    { dt: F32, shape: [6], axis: 0, reversed: true },
    { dt: F32, shape: [6], axis: 0, exclusive: true, reversed: true },
    { dt: F32, shape: [2, 3, 4], axis: 1 },
    { dt: F32, shape: [2, 2, 3, 4], axis: 3, exclusive: true },
    { dt: F32, shape: [3, 2, 1, 2, 2], axis: 0, reversed: true },
    { dt: F32, shape: [3, 4], axis: 1, random: true },
    { dt: F32, shape: [4, 3], axis: 0, random: true, exclusive: true, reversed: true },
    { dt: "int32", shape: [3, 4], axis: 0 },
    { dt: "int32", shape: [2, 5], axis: 1, exclusive: true, reversed: true },
    { dt: "uint32", shape: [5], axis: 0, reversed: true },
    { dt: "int64", shape: [2, 4], axis: 1, exclusive: true },
    { dt: F16, shape: [6], axis: 0 },
    { dt: F16, shape: [2, 3, 4], axis: 2, exclusive: true, reversed: true },
    { dt: F16, shape: [3, 4], axis: 1, random: true },
  ];
  for (const c of cases) {
    let data: number[];
    if (ref.isFloatType(c.dt)) {
      // Multiples of 1/8 keep every partial sum exact in float16 and float32; the "random"
      // cases use short runs of positive values (no cancellation) to exercise rounding.
      data = c.random ? floats(rng, size(c.shape), 0.1, 10, c.dt) : dyadic(rng, size(c.shape), -16, 16, 0.125);
    } else {
      data = valuesOf(rng, size(c.shape), c.dt, c.dt === "uint32" ? 0 : -1000, 1000);
    }
    const options: Record<string, unknown> = {};
    if (c.exclusive) options.exclusive = true;
    if (c.reversed) options.reversed = true;
    const b = new CaseBuilder();
    const x = b.input("cumulativeSumInput", c.dt, c.shape, data, c.constant ?? false);
    const args: Record<string, unknown>[] = [{ input: "cumulativeSumInput" }, { axis: c.axis }];
    if (Object.keys(options).length) args.push({ options });
    b.op("cumulativeSum", args, "cumulativeSumOutput").output("cumulativeSumOutput", c.dt, ref.cumulativeSum(x, c.axis, options));
    const opts = Object.keys(options).map((k) => `options.${k}=true`).join(" ") || "default options";
    addCase("cumulative_sum", b.build(`cumulativeSum ${c.dt} ${shapeName(c.shape)} tensor axis=${c.axis} ${opts}${c.random ? " random values" : ""}`));
  }
}

// ------------------------------------------------------------------ quantization

function genDequantizeLinear(): void {
  const rng = new Rng(seedOf("dequantizeLinear"));
  const cases: { in: DataType; scale: DataType; shape: number[]; sshape: number[]; label: string; inputConstant?: boolean; allInputs?: boolean }[] = [
    { in: "uint8", scale: F32, shape: [2, 3], sshape: [1, 1], label: "per-tensor" },
    { in: "int8", scale: F32, shape: [], sshape: [], label: "0D scalar", inputConstant: true },
    { in: "uint8", scale: F32, shape: [1, 3, 2, 2], sshape: [1, 3, 1, 1], label: "per-channel (axis 1)", inputConstant: true },
    { in: "int8", scale: F32, shape: [4, 3], sshape: [1, 3], label: "per-axis (last axis)" },
    { in: "int8", scale: F32, shape: [4, 6], sshape: [2, 3], label: "blockwise 2x2 blocks", inputConstant: true },
    { in: "uint8", scale: F32, shape: [2, 4, 4], sshape: [2, 2, 1], label: "blockwise 3D" },
    { in: "uint8", scale: F32, shape: [2, 3], sshape: [2, 3], label: "element-wise scale" },
    { in: "int32", scale: F32, shape: [2, 4], sshape: [1, 4], label: "per-axis" },
    { in: "uint32", scale: F32, shape: [6], sshape: [2], label: "blockwise 1D" },
    { in: "uint8", scale: F32, shape: [3, 4], sshape: [3, 1], label: "per-axis, all operands graph inputs", allInputs: true },
    { in: "uint8", scale: F16, shape: [2, 3], sshape: [1, 1], label: "per-tensor" },
    { in: "int8", scale: F16, shape: [4, 6], sshape: [2, 2], label: "blockwise", inputConstant: true },
    { in: "uint8", scale: F16, shape: [1, 2, 2, 3], sshape: [1, 1, 1, 3], label: "per-axis (last axis)" },
    { in: "int8", scale: F16, shape: [], sshape: [], label: "0D scalar" },
  ];
  for (const c of cases) {
    const range = c.in === "int32" ? [-100000, 100000] : c.in === "uint32" ? [0, 100000] : ref.integerRange(c.in);
    const x = ints(rng, size(c.shape), range[0], range[1]);
    const s = floats(rng, size(c.sshape), 0.001, 0.5, c.scale);
    const zp = ints(rng, size(c.sshape), Math.max(range[0], -100), Math.min(range[1], 200));
    const b = new CaseBuilder();
    const xt = b.input("dequantizeLinearInput", c.in, c.shape, x, !c.allInputs && (c.inputConstant ?? false));
    const st = b.input("dequantizeLinearScale", c.scale, c.sshape, s, !c.allInputs);
    const zt = b.input("dequantizeLinearZeroPoint", c.in, c.sshape, zp, !c.allInputs);
    b.op("dequantizeLinear", [{ input: "dequantizeLinearInput" }, { scale: "dequantizeLinearScale" }, { zeroPoint: "dequantizeLinearZeroPoint" }], "dequantizeLinearOutput")
      .output("dequantizeLinearOutput", c.scale, ref.dequantizeLinear(xt, st, zt));
    addCase("dequantize_linear", b.build(`dequantizeLinear ${c.in} ${shapeName(c.shape)} input, ${c.scale} scale [${c.sshape}] ${c.label}`));
  }
}

/** True when float32/float16 evaluation of x/s (or x·(1/s)) rounds to the same integer as the exact quotient. */
function stableQuotient(x: number, s: number, zp: number, out: DataType, dt: DataType): boolean {
  const q = x / s;
  const target = ref.roundHalfEven(q);
  const [lo, hi] = ref.integerRange(out);
  if (target + zp > hi + 2 || target + zp < lo - 2) return true; // saturates either way
  const r = roundTo(dt);
  const variants = [Math.fround(q), Math.fround(x * Math.fround(1 / s)), r(q), r(x * r(1 / s))];
  if (variants.some((v) => ref.roundHalfEven(v) !== target)) return false;
  // away from a .5 tie unless it is exact (exact ties are tested deliberately)
  const frac = Math.abs(q - Math.trunc(q));
  return Math.abs(frac - 0.5) > (dt === F16 ? 0.1 : 0.01) || frac === 0.5;
}

function genQuantizeLinear(): void {
  const rng = new Rng(seedOf("quantizeLinear"));
  const cases: { dt: DataType; out: DataType; shape: number[]; sshape: number[]; label: string; kind?: "ties" | "saturate" | "infinity"; allInputs?: boolean; constant?: boolean }[] = [
    { dt: F32, out: "uint8", shape: [2, 3], sshape: [1, 1], label: "per-tensor" },
    { dt: F32, out: "int8", shape: [], sshape: [], label: "0D scalar", constant: true },
    { dt: F32, out: "uint8", shape: [1, 3, 2, 2], sshape: [1, 3, 1, 1], label: "per-channel (axis 1)" },
    { dt: F32, out: "int8", shape: [4, 6], sshape: [2, 3], label: "blockwise 2x2 blocks" },
    { dt: F32, out: "int8", shape: [2, 2, 4], sshape: [1, 2, 2], label: "blockwise 3D" },
    { dt: F32, out: "uint8", shape: [12], sshape: [1], label: "saturation to [0, 255]", kind: "saturate" },
    { dt: F32, out: "int8", shape: [12], sshape: [1], label: "saturation to [-128, 127]", kind: "saturate" },
    { dt: F32, out: "int8", shape: [12], sshape: [1], label: "exact halves round to even", kind: "ties" },
    { dt: F32, out: "uint8", shape: [12], sshape: [1], label: "exact halves round to even with zero point", kind: "ties" },
    { dt: F32, out: "uint8", shape: [4], sshape: [1], label: "±Infinity saturate", kind: "infinity" },
    { dt: F32, out: "int32", shape: [2, 4], sshape: [1, 4], label: "per-axis" },
    { dt: F32, out: "uint32", shape: [6], sshape: [3], label: "blockwise 1D" },
    { dt: F32, out: "uint8", shape: [3, 4], sshape: [3, 1], label: "per-axis, all operands graph inputs", allInputs: true },
    { dt: F16, out: "uint8", shape: [2, 3], sshape: [1, 1], label: "per-tensor" },
    { dt: F16, out: "int8", shape: [4, 6], sshape: [2, 2], label: "blockwise" },
    { dt: F16, out: "int8", shape: [12], sshape: [1], label: "exact halves round to even", kind: "ties" },
    { dt: F16, out: "uint8", shape: [12], sshape: [1], label: "saturation", kind: "saturate" },
  ];
  for (const c of cases) {
    const [olo, ohi] = ref.integerRange(c.out);
    const zpRange: [number, number] = [Math.max(olo, -60), Math.min(ohi, 180)];
    let s: number[], zp: number[], x: number[];
    if (c.kind === "ties") {
      s = [c.dt === F16 ? 0.5 : 0.25];
      zp = [c.out === "uint8" ? 100 : 0];
      x = [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 10.5, -10.5, 0].map((v) => v * s[0]);
    } else if (c.kind === "infinity") {
      s = [0.5];
      zp = [10];
      x = [Infinity, -Infinity, 1, -1];
    } else {
      s = floats(rng, size(c.sshape), 0.01, 0.2, c.dt);
      zp = ints(rng, size(c.sshape), zpRange[0], zpRange[1]);
      const span = c.kind === "saturate" ? 80 : 10;
      const st = ref.tensor(c.sshape, s);
      const tmp = new Array<number>(size(c.shape)).fill(0);
      const zt = ref.tensor(c.sshape, zp);
      const block = (i: number) => ref.unravel(i, c.shape).map((v, d) => Math.floor(v / (c.shape[d] / c.sshape[d])));
      x = tmp.map((_, i) => retry("quantizeLinear value", () => {
        const v = roundTo(c.dt)(rng.uniform(-span, span));
        return stableQuotient(v, ref.at(st, block(i)), ref.at(zt, block(i)), c.out, c.dt) ? v : undefined;
      }));
    }
    const b = new CaseBuilder();
    const xt = b.input("quantizeLinearInput", c.dt, c.shape, x, c.constant ?? false);
    const st = b.input("quantizeLinearScale", c.dt, c.sshape, s, !c.allInputs);
    const zt = b.input("quantizeLinearZeroPoint", c.out, c.sshape, zp, !c.allInputs);
    const q = ref.quantizeLinear(xt, st, zt, c.out);
    b.op("quantizeLinear", [{ input: "quantizeLinearInput" }, { scale: "quantizeLinearScale" }, { zeroPoint: "quantizeLinearZeroPoint" }], "quantizeLinearOutput")
      .output("quantizeLinearOutput", c.out, q);
    addCase("quantize_linear", b.build(`quantizeLinear ${c.dt} ${shapeName(c.shape)} input to ${c.out}, scale [${c.sshape}] ${c.label}`));
  }
}

// ------------------------------------------------------------------ gather / scatter

/** Distinct random indices in [0, n) as a list of `count` (count ≤ n), some written negative. */
function distinctIndices(rng: Rng, n: number, count: number, negative: boolean): number[] {
  const all = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, count);
  return all.map((i) => (negative && rng.next() < 0.5 ? i - n : i));
}

function genGatherElements(): void {
  const rng = new Rng(seedOf("gatherElements"));
  const cases: { dt: DataType; shape: number[]; ishape: number[]; axis?: number; idt?: DataType; negative?: boolean; indicesInput?: boolean }[] = [
    { dt: F32, shape: [6], ishape: [4] },
    { dt: F32, shape: [4, 3], ishape: [2, 3] },
    { dt: F32, shape: [4, 3], ishape: [4, 5], axis: 1 },
    { dt: F32, shape: [2, 3, 4], ishape: [2, 3, 2], axis: 2 },
    { dt: F32, shape: [2, 3, 2, 2], ishape: [2, 1, 2, 2], axis: 1 },
    { dt: F32, shape: [3, 4], ishape: [3, 4], axis: 1, negative: true },
    { dt: F32, shape: [4, 3], ishape: [3, 3], idt: "int64", negative: true },
    { dt: F32, shape: [4, 3], ishape: [2, 3], idt: "uint32" },
    { dt: F32, shape: [3, 4], ishape: [3, 2], axis: 1, indicesInput: true, negative: true },
    { dt: "int32", shape: [3, 3], ishape: [3, 3], axis: 0 },
    { dt: F16, shape: [4, 3], ishape: [2, 3] },
    { dt: F16, shape: [2, 3, 4], ishape: [3, 3, 4], axis: 0, negative: true },
  ];
  for (const c of cases) {
    const axis = c.axis ?? 0;
    const idt = c.idt ?? "int32";
    const n = c.shape[axis];
    const idx = Array.from({ length: size(c.ishape) }, () => {
      const i = rng.int(n);
      return c.negative && rng.next() < 0.5 ? i - n : i;
    });
    const b = new CaseBuilder();
    const x = b.input("gatherElementsInput", c.dt, c.shape, valuesOf(rng, size(c.shape), c.dt));
    const it = b.input("gatherElementsIndices", idt, c.ishape, idx, !c.indicesInput);
    const args: Record<string, unknown>[] = [{ input: "gatherElementsInput" }, { indices: "gatherElementsIndices" }];
    if (c.axis !== undefined) args.push({ options: { axis: c.axis } });
    b.op("gatherElements", args, "gatherElementsOutput").output("gatherElementsOutput", c.dt, ref.gatherElements(x, it, axis));
    const label = `${c.axis !== undefined ? `options.axis=${c.axis}` : "default options"}${c.negative ? " negative indices" : ""}${c.indicesInput ? " indices as graph input" : ""}`;
    addCase("gather_elements", b.build(`gatherElements ${c.dt} ${shapeName(c.shape)} input and ${idt} ${shapeName(c.ishape)} indices ${label}`));
  }
}

function genGatherND(): void {
  const rng = new Rng(seedOf("gatherND"));
  const cases: { dt: DataType; shape: number[]; ishape: number[]; idt?: DataType; negative?: boolean; indicesInput?: boolean }[] = [
    { dt: F32, shape: [2, 2], ishape: [3, 2] },
    { dt: F32, shape: [2, 2], ishape: [2, 1] },
    { dt: F32, shape: [2, 3, 4], ishape: [2, 2] },
    { dt: F32, shape: [2, 3, 4], ishape: [5, 3] },
    { dt: F32, shape: [3, 4], ishape: [2, 2, 1] },
    { dt: F32, shape: [2, 3, 2, 2], ishape: [2, 1, 3] },
    { dt: F32, shape: [3, 4, 2], ishape: [4, 2], negative: true },
    { dt: F32, shape: [3, 3], ishape: [4, 2], idt: "int64", negative: true },
    { dt: F32, shape: [4, 3], ishape: [2, 1], idt: "uint32" },
    { dt: F32, shape: [3, 4], ishape: [3, 2], indicesInput: true, negative: true },
    { dt: "int32", shape: [3, 2, 2], ishape: [2, 2] },
    { dt: "uint8", shape: [4, 3], ishape: [3, 2] },
    { dt: F16, shape: [2, 3, 4], ishape: [3, 2] },
    { dt: F16, shape: [4, 2], ishape: [2, 2, 1], negative: true },
  ];
  for (const c of cases) {
    const idt = c.idt ?? "int32";
    const k = c.ishape[c.ishape.length - 1];
    const idx: number[] = [];
    for (let i = 0; i < size(c.ishape) / k; i++) {
      for (let d = 0; d < k; d++) {
        const v = rng.int(c.shape[d]);
        idx.push(c.negative && rng.next() < 0.5 ? v - c.shape[d] : v);
      }
    }
    const b = new CaseBuilder();
    const x = b.input("gatherNDInput", c.dt, c.shape, valuesOf(rng, size(c.shape), c.dt, c.dt === "uint8" ? 0 : -100, 100));
    const it = b.input("gatherNDIndices", idt, c.ishape, idx, !c.indicesInput);
    b.op("gatherND", [{ input: "gatherNDInput" }, { indices: "gatherNDIndices" }], "gatherNDOutput").output("gatherNDOutput", c.dt, ref.gatherND(x, it));
    const label = `${c.negative ? " negative indices" : ""}${c.indicesInput ? " indices as graph input" : ""}`;
    addCase("gather_nd", b.build(`gatherND ${c.dt} ${shapeName(c.shape)} input and ${idt} ${shapeName(c.ishape)} indices [${c.ishape}]${label}`));
  }
}

function genScatterElements(): void {
  const rng = new Rng(seedOf("scatterElements"));
  const cases: { dt: DataType; shape: number[]; ishape: number[]; axis?: number; idt?: DataType; negative?: boolean; indicesInput?: boolean }[] = [
    { dt: F32, shape: [8], ishape: [4] },
    { dt: F32, shape: [4, 3], ishape: [2, 3] },
    { dt: F32, shape: [4, 3], ishape: [4, 2], axis: 1 },
    { dt: F32, shape: [2, 3, 4], ishape: [2, 3, 3], axis: 2 },
    { dt: F32, shape: [3, 2, 2, 2], ishape: [2, 2, 2, 2], axis: 0, negative: true },
    { dt: F32, shape: [4, 3], ishape: [3, 3], idt: "int64", negative: true },
    { dt: F32, shape: [5, 2], ishape: [2, 2], idt: "uint32" },
    { dt: F32, shape: [3, 5], ishape: [3, 2], axis: 1, indicesInput: true, negative: true },
    { dt: "int32", shape: [4, 3], ishape: [2, 3] },
    { dt: F16, shape: [4, 3], ishape: [2, 3] },
    { dt: F16, shape: [2, 5], ishape: [2, 3], axis: 1, negative: true },
  ];
  for (const c of cases) {
    const axis = c.axis ?? 0;
    const idt = c.idt ?? "int32";
    const n = c.shape[axis];
    // distinct targets along the axis for every other position (duplicates have no specified order)
    const lineShape = c.ishape.map((d, i) => (i === axis ? 1 : d));
    const idx = new Array<number>(size(c.ishape));
    for (let l = 0; l < size(lineShape); l++) {
      const pos = ref.unravel(l, lineShape);
      const picks = distinctIndices(rng, n, c.ishape[axis], c.negative ?? false);
      picks.forEach((v, k) => {
        pos[axis] = k;
        idx[ref.ravel(pos, c.ishape)] = v;
      });
    }
    const b = new CaseBuilder();
    const x = b.input("scatterElementsInput", c.dt, c.shape, valuesOf(rng, size(c.shape), c.dt));
    const it = b.input("scatterElementsIndices", idt, c.ishape, idx, !c.indicesInput);
    const ut = b.input("scatterElementsUpdates", c.dt, c.ishape, valuesOf(rng, size(c.ishape), c.dt), true);
    const args: Record<string, unknown>[] = [{ input: "scatterElementsInput" }, { indices: "scatterElementsIndices" }, { updates: "scatterElementsUpdates" }];
    if (c.axis !== undefined) args.push({ options: { axis: c.axis } });
    b.op("scatterElements", args, "scatterElementsOutput").output("scatterElementsOutput", c.dt, ref.scatterElements(x, it, ut, axis));
    const label = `${c.axis !== undefined ? `options.axis=${c.axis}` : "default options"}${c.negative ? " negative indices" : ""}${c.indicesInput ? " indices as graph input" : ""}`;
    addCase("scatter_elements", b.build(`scatterElements ${c.dt} ${shapeName(c.shape)} input and ${idt} ${shapeName(c.ishape)} indices ${label}`));
  }
}

function genScatterND(): void {
  const rng = new Rng(seedOf("scatterND"));
  const cases: { dt: DataType; shape: number[]; ishape: number[]; idt?: DataType; negative?: boolean; indicesInput?: boolean }[] = [
    { dt: F32, shape: [8], ishape: [4, 1] },
    { dt: F32, shape: [2, 2], ishape: [2, 2] },
    { dt: F32, shape: [3, 2], ishape: [2, 1] },
    { dt: F32, shape: [2, 2, 2], ishape: [2, 2] },
    { dt: F32, shape: [5, 3, 2], ishape: [2, 2, 1] },
    { dt: F32, shape: [2, 3, 2, 2], ishape: [3, 3], negative: true },
    { dt: F32, shape: [4, 3], ishape: [2, 1], idt: "int64", negative: true },
    { dt: F32, shape: [3, 3], ishape: [3, 2], idt: "uint32" },
    { dt: F32, shape: [4, 2], ishape: [2, 1], indicesInput: true, negative: true },
    { dt: "int32", shape: [3, 2, 2], ishape: [2, 2] },
    { dt: F16, shape: [2, 3, 4], ishape: [2, 2] },
    { dt: F16, shape: [5, 2], ishape: [3, 1], negative: true },
  ];
  for (const c of cases) {
    const idt = c.idt ?? "int32";
    const k = c.ishape[c.ishape.length - 1];
    const count = size(c.ishape) / k;
    const coordShape = c.shape.slice(0, k);
    const picks = rng.shuffle(Array.from({ length: size(coordShape) }, (_, i) => i)).slice(0, count);
    const idx = picks.flatMap((p) => ref.unravel(p, coordShape).map((v, d) => (c.negative && rng.next() < 0.5 ? v - c.shape[d] : v)));
    const ushape = [...c.ishape.slice(0, -1), ...c.shape.slice(k)];
    const b = new CaseBuilder();
    const x = b.input("scatterNDInput", c.dt, c.shape, valuesOf(rng, size(c.shape), c.dt));
    const it = b.input("scatterNDIndices", idt, c.ishape, idx, !c.indicesInput);
    const ut = b.input("scatterNDUpdates", c.dt, ushape, valuesOf(rng, size(ushape), c.dt), true);
    b.op("scatterND", [{ input: "scatterNDInput" }, { indices: "scatterNDIndices" }, { updates: "scatterNDUpdates" }], "scatterNDOutput")
      .output("scatterNDOutput", c.dt, ref.scatterND(x, it, ut));
    const label = `${c.negative ? " negative indices" : ""}${c.indicesInput ? " indices as graph input" : ""}`;
    addCase("scatter_nd", b.build(`scatterND ${c.dt} ${shapeName(c.shape)} input and ${idt} indices [${c.ishape}]${label}`));
  }
}

// ------------------------------------------------------------------ gemm

function genGemm(): void {
  const rng = new Rng(seedOf("gemm"));
  const cases: { dt: DataType; M: number; K: number; N: number; aT?: boolean; bT?: boolean; alpha?: number; beta?: number; c?: number[] | "MN"; label: string; allInputs?: boolean }[] = [
    { dt: F32, M: 3, K: 4, N: 5, label: "default options" },
    { dt: F32, M: 3, K: 4, N: 2, aT: true, label: "options.aTranspose" },
    { dt: F32, M: 2, K: 5, N: 3, bT: true, label: "options.bTranspose" },
    { dt: F32, M: 4, K: 3, N: 3, aT: true, bT: true, label: "options.aTranspose and options.bTranspose" },
    { dt: F32, M: 3, K: 4, N: 5, alpha: 0.5, label: "options.alpha" },
    { dt: F32, M: 3, K: 4, N: 5, alpha: -2.25, label: "negative options.alpha" },
    { dt: F32, M: 3, K: 4, N: 5, c: "MN", label: "options.c 2D [M, N]" },
    { dt: F32, M: 3, K: 4, N: 5, c: [5], label: "options.c 1D [N] broadcast" },
    { dt: F32, M: 3, K: 4, N: 5, c: [], label: "options.c 0D scalar broadcast" },
    { dt: F32, M: 3, K: 4, N: 5, c: [3, 1], label: "options.c [M, 1] broadcast" },
    { dt: F32, M: 3, K: 4, N: 5, c: [1, 5], label: "options.c [1, N] broadcast" },
    { dt: F32, M: 3, K: 4, N: 5, c: "MN", beta: 0.25, label: "options.c and options.beta" },
    { dt: F32, M: 2, K: 6, N: 3, c: [3], alpha: 1.5, beta: 3, label: "options.c, options.alpha and options.beta" },
    { dt: F32, M: 3, K: 2, N: 4, c: "MN", alpha: -0.5, beta: -1.5, aT: true, bT: true, label: "all options (negative alpha and beta)" },
    { dt: F32, M: 2, K: 3, N: 2, c: [2], label: "options.c, all operands graph inputs", allInputs: true },
    { dt: F16, M: 3, K: 4, N: 5, label: "default options" },
    { dt: F16, M: 3, K: 4, N: 2, aT: true, bT: true, label: "options.aTranspose and options.bTranspose" },
    { dt: F16, M: 3, K: 4, N: 5, c: [5], alpha: 0.5, beta: 2, label: "options.c 1D, options.alpha and options.beta" },
    { dt: F16, M: 2, K: 3, N: 4, c: [], label: "options.c 0D scalar" },
  ];
  for (const c of cases) {
    const r = roundTo(c.dt);
    // Positive operands (no cancellation) keep the K × 2 ULP tolerance meaningful.
    const a = floats(rng, c.M * c.K, 0.1, 1, c.dt);
    const bb = floats(rng, c.K * c.N, 0.1, 1, c.dt);
    const cshape = c.c === "MN" ? [c.M, c.N] : c.c;
    const cv = cshape ? floats(rng, size(cshape), 0.1, 1, c.dt) : undefined;
    const b = new CaseBuilder();
    const at = b.input("gemmA", c.dt, c.aT ? [c.K, c.M] : [c.M, c.K], a);
    const bt = b.input("gemmB", c.dt, c.bT ? [c.N, c.K] : [c.K, c.N], bb, !c.allInputs);
    const ct = cshape ? b.input("gemmC", c.dt, cshape, cv!, !c.allInputs) : undefined;
    const options: Record<string, unknown> = {};
    if (ct) options.c = "gemmC";
    if (c.alpha !== undefined) options.alpha = c.alpha;
    if (c.beta !== undefined) options.beta = c.beta;
    if (c.aT) options.aTranspose = true;
    if (c.bT) options.bTranspose = true;
    if (c.alpha !== undefined && r(c.alpha) !== c.alpha) throw new Error("alpha must be representable");
    const args: Record<string, unknown>[] = [{ a: "gemmA" }, { b: "gemmB" }];
    if (Object.keys(options).length) args.push({ options });
    const out = ref.gemm(at, bt, { c: ct, alpha: c.alpha, beta: c.beta, aTranspose: c.aT, bTranspose: c.bT });
    b.op("gemm", args, "gemmOutput").output("gemmOutput", c.dt, out);
    addCase("gemm", b.build(`gemm ${c.dt} 2D tensors M=${c.M} K=${c.K} N=${c.N} ${c.label}`));
  }
}

// ------------------------------------------------------------------ pooling

function genPool(op: "averagePool2d" | "l2Pool2d" | "maxPool2d"): void {
  const kind = op === "averagePool2d" ? "average" : op === "l2Pool2d" ? "l2" : "max";
  const rng = new Rng(seedOf(op));
  const cases: { dt: DataType; shape: number[]; options: ref.Pool2dOptions; label: string; constant?: boolean }[] = [
    { dt: F32, shape: [1, 2, 4, 4], options: {}, label: "default options (global pooling)", constant: true },
    { dt: F32, shape: [2, 2, 5, 5], options: { windowDimensions: [3, 3] }, label: "options.windowDimensions" },
    { dt: F32, shape: [1, 2, 5, 5], options: { windowDimensions: [3, 3], padding: [1, 0, 0, 1] }, label: "options.padding" },
    { dt: F32, shape: [1, 2, 5, 7], options: { windowDimensions: [3, 3], strides: [2, 2] }, label: "options.strides" },
    { dt: F32, shape: [1, 1, 7, 7], options: { windowDimensions: [3, 3], dilations: [2, 2] }, label: "options.dilations" },
    { dt: F32, shape: [1, 4, 4, 3], options: { windowDimensions: [2, 2], strides: [2, 2], layout: "nhwc" }, label: "options.layout=nhwc" },
    { dt: F32, shape: [1, 2, 6, 6], options: { windowDimensions: [3, 3], strides: [2, 2], outputShapeRounding: "floor" }, label: "options.outputShapeRounding=floor" },
    { dt: F32, shape: [1, 2, 6, 6], options: { windowDimensions: [3, 3], strides: [2, 2], outputShapeRounding: "ceil" }, label: "options.outputShapeRounding=ceil" },
    { dt: F32, shape: [1, 2, 6, 6], options: { windowDimensions: [3, 3], strides: [4, 4], outputSizes: [2, 2] }, label: "options.outputSizes (ceil sizes)" },
    { dt: F32, shape: [1, 2, 6, 6], options: { windowDimensions: [3, 3], strides: [4, 4], outputSizes: [1, 1] }, label: "options.outputSizes (floor sizes)" },
    { dt: F32, shape: [1, 2, 7, 7], options: { windowDimensions: [2, 2], padding: [1, 1, 0, 2], strides: [2, 1], dilations: [2, 3] }, label: "options.dilations with options.padding and options.strides" },
    { dt: F32, shape: [2, 6, 7, 3], options: { windowDimensions: [2, 3], padding: [1, 0, 0, 1], strides: [2, 2], layout: "nhwc", outputShapeRounding: "ceil" }, label: "all options except dilations, nhwc" },
    { dt: F32, shape: [1, 1, 3, 3], options: { windowDimensions: [2, 2], padding: [1, 1, 1, 1], strides: [2, 2] }, label: "windows partly in padding" },
    { dt: F16, shape: [1, 2, 4, 4], options: {}, label: "default options (global pooling)" },
    { dt: F16, shape: [1, 2, 5, 7], options: { windowDimensions: [3, 3], strides: [2, 2], padding: [1, 1, 1, 1] }, label: "options.windowDimensions, options.strides and options.padding" },
    { dt: F16, shape: [1, 4, 4, 3], options: { windowDimensions: [2, 2], dilations: [2, 2], layout: "nhwc" }, label: "options.dilations and options.layout=nhwc" },
    { dt: F16, shape: [1, 1, 6, 6], options: { windowDimensions: [3, 3], strides: [2, 2], outputShapeRounding: "ceil" }, label: "options.outputShapeRounding=ceil" },
  ];
  if (op === "maxPool2d") cases.push({ dt: "int32", shape: [1, 2, 4, 4], options: { windowDimensions: [2, 2], strides: [2, 2] }, label: "options.windowDimensions and options.strides" });
  for (const c of cases) {
    // averages and L2 norms of positive values stay well-conditioned; max takes any sign
    const data = ref.isFloatType(c.dt)
      ? floats(rng, size(c.shape), kind === "max" ? -100 : 0.1, kind === "l2" ? 10 : 100, c.dt)
      : valuesOf(rng, size(c.shape), c.dt, -1000, 1000);
    const b = new CaseBuilder();
    const x = b.input(`${op}Input`, c.dt, c.shape, data, c.constant ?? false);
    const args: Record<string, unknown>[] = [{ input: `${op}Input` }];
    if (Object.keys(c.options).length) args.push({ options: c.options });
    b.op(op, args, `${op}Output`).output(`${op}Output`, c.dt, ref.pool2d(kind, x, c.options));
    addCase(SNAKE[op], b.build(`${op} ${c.dt} 4D tensor ${c.label}`));
  }
}

// ------------------------------------------------------------------ pad

function genPad(): void {
  const rng = new Rng(seedOf("pad"));
  const cases: { dt: DataType; shape: number[]; begin: number[]; end: number[]; options?: Record<string, unknown>; label: string; constant?: boolean }[] = [
    { dt: F32, shape: [9], begin: [1], end: [1], label: "default options", constant: true },
    { dt: F32, shape: [3, 3], begin: [1, 2], end: [2, 1], options: { value: 2.5 }, label: "options.value" },
    { dt: F32, shape: [4, 5], begin: [1, 0], end: [0, 2], options: { mode: "constant" }, label: "explicit options.mode=constant" },
    { dt: F32, shape: [3, 3], begin: [1, 2], end: [2, 1], options: { mode: "edge" }, label: "options.mode=edge" },
    { dt: F32, shape: [3, 3], begin: [1, 2], end: [2, 1], options: { mode: "reflection" }, label: "options.mode=reflection" },
    { dt: F32, shape: [2, 3, 4], begin: [0, 1, 3], end: [1, 2, 0], options: { mode: "edge" }, label: "options.mode=edge" },
    { dt: F32, shape: [2, 3, 4], begin: [1, 2, 3], end: [1, 0, 2], options: { mode: "reflection" }, label: "options.mode=reflection" },
    { dt: F32, shape: [1, 2, 3, 3], begin: [0, 0, 1, 1], end: [0, 0, 1, 1], options: { value: -1 }, label: "options.value spatial padding" },
    { dt: F32, shape: [2, 2, 2, 2, 3], begin: [1, 0, 1, 1, 2], end: [0, 1, 1, 0, 2], options: { mode: "reflection" }, label: "options.mode=reflection" },
    { dt: F32, shape: [2, 2], begin: [0, 0], end: [0, 0], options: { mode: "edge" }, label: "zero padding" },
    { dt: F32, shape: [4], begin: [2], end: [1], options: { value: "-Infinity" }, label: "options.value=-Infinity" },
    { dt: "int32", shape: [2, 3], begin: [1, 1], end: [1, 1], options: { value: 7 }, label: "options.value" },
    { dt: "int32", shape: [2, 3], begin: [1, 2], end: [1, 2], options: { mode: "reflection" }, label: "options.mode=reflection" },
    { dt: F16, shape: [3, 3], begin: [1, 2], end: [2, 1], options: { value: 0.1 }, label: "options.value (cast to float16)" },
    { dt: F16, shape: [2, 3, 4], begin: [0, 1, 3], end: [1, 2, 0], options: { mode: "edge" }, label: "options.mode=edge" },
    { dt: F16, shape: [1, 2, 3, 3], begin: [0, 1, 2, 2], end: [0, 0, 1, 2], options: { mode: "reflection" }, label: "options.mode=reflection" },
  ];
  for (const c of cases) {
    const b = new CaseBuilder();
    const x = b.input("padInput", c.dt, c.shape, valuesOf(rng, size(c.shape), c.dt), c.constant ?? false);
    const raw = c.options?.value;
    const value = raw === undefined ? undefined : ref.castTo(typeof raw === "string" ? Number(raw) : (raw as number), c.dt);
    const args: Record<string, unknown>[] = [{ input: "padInput" }, { beginningPadding: c.begin }, { endingPadding: c.end }];
    if (c.options) args.push({ options: c.options });
    b.op("pad", args, "padOutput").output("padOutput", c.dt, ref.pad(x, c.begin, c.end, { mode: c.options?.mode as ref.PadOptions["mode"], value }));
    addCase("pad", b.build(`pad ${c.dt} ${shapeName(c.shape)} tensor ${c.label}`));
  }
}

// ------------------------------------------------------------------ prelu

function genPrelu(): void {
  const rng = new Rng(seedOf("prelu"));
  const cases: { dt: DataType; shape: number[]; sshape: number[]; label: string; constant?: boolean }[] = [
    { dt: F32, shape: [24], sshape: [24], label: "1D constant tensors", constant: true },
    { dt: F32, shape: [2, 3, 4], sshape: [2, 3, 4], label: "3D tensors" },
    { dt: F32, shape: [1, 3, 2, 2], sshape: [1, 3, 1, 1], label: "per-channel slope broadcast" },
    { dt: F32, shape: [2, 3, 4], sshape: [4], label: "1D slope broadcast to last axis" },
    { dt: F32, shape: [2, 3, 4], sshape: [], label: "0D slope broadcast" },
    { dt: F32, shape: [3], sshape: [2, 3], label: "slope of higher rank (bidirectional broadcast)" },
    { dt: F32, shape: [2, 1, 2, 1, 3], sshape: [1, 2, 1, 2, 1], label: "5D bidirectional broadcast" },
    { dt: "int32", shape: [2, 4], sshape: [4], label: "broadcast" },
    { dt: "int8", shape: [8], sshape: [8], label: "1D tensors" },
    { dt: "int64", shape: [2, 3], sshape: [1, 3], label: "broadcast" },
    { dt: F16, shape: [2, 3, 4], sshape: [2, 3, 4], label: "3D tensors" },
    { dt: F16, shape: [1, 3, 2, 2], sshape: [1, 3, 1, 1], label: "per-channel slope broadcast" },
  ];
  for (const c of cases) {
    const x = ref.isFloatType(c.dt) ? floats(rng, size(c.shape), -100, 100, c.dt) : valuesOf(rng, size(c.shape), c.dt, -10, 10);
    const s = ref.isFloatType(c.dt) ? floats(rng, size(c.sshape), -2, 2, c.dt) : valuesOf(rng, size(c.sshape), c.dt, -3, 3);
    const b = new CaseBuilder();
    const xt = b.input("preluInput", c.dt, c.shape, x, c.constant ?? false);
    const st = b.input("preluSlope", c.dt, c.sshape, s, true);
    b.op("prelu", [{ input: "preluInput" }, { slope: "preluSlope" }], "preluOutput").output("preluOutput", c.dt, ref.prelu(xt, st));
    addCase("prelu", b.build(`prelu ${c.dt} ${shapeName(c.shape)} input and [${c.sshape}] slope ${c.label}`));
  }
}

// ------------------------------------------------------------------ resample2d

/** Whether nearest-neighbor sampling hits a coordinate exactly halfway between two input elements. */
function nearestHasTies(inShape: number[], outShape: number[], axes: number[]): boolean {
  return axes.some((a) => {
    const i = inShape[a], o = outShape[a];
    for (let k = 0; k < o; k++) {
      const num = (2 * k + 1) * i - 2 * o; // c - 0.5 = num / (2o)
      const c2 = (2 * k + 1) * i - o; // 2o·c
      if (c2 > 0 && c2 < 2 * o * (i - 1) && num % (2 * o) === 0) return true;
    }
    return false;
  });
}

function genResample2d(): void {
  const rng = new Rng(seedOf("resample2d"));
  const cases: { dt: DataType; shape: number[]; options: ref.Resample2dOptions; label: string; constant?: boolean }[] = [
    { dt: F32, shape: [1, 1, 3, 4], options: {}, label: "default options", constant: true },
    { dt: F32, shape: [1, 2, 2, 3], options: { scales: [2, 2] }, label: "options.scales upsampling" },
    { dt: F32, shape: [2, 1, 4, 4], options: { scales: [0.5, 0.5] }, label: "options.scales downsampling" },
    { dt: F32, shape: [1, 1, 4, 4], options: { scales: [1.5, 1.5] }, label: "options.scales=[1.5, 1.5]" },
    { dt: F32, shape: [1, 1, 1, 3], options: { scales: [1, 1.5] }, label: "options.scales with non-integral output size (scale = outputSize / inputSize)" },
    { dt: F32, shape: [1, 2, 3, 4], options: { sizes: [5, 7] }, label: "options.sizes" },
    { dt: F32, shape: [1, 1, 1, 2], options: { sizes: [1, 3] }, label: "options.sizes" },
    { dt: F32, shape: [1, 2, 3, 4], options: { sizes: [6, 2], scales: [9, 9] }, label: "options.sizes take precedence over options.scales" },
    { dt: F32, shape: [1, 3, 2, 2], options: { sizes: [5, 3], axes: [1, 2] }, label: "options.axes=[1, 2]" },
    { dt: F32, shape: [1, 2, 3, 2], options: { sizes: [3, 4], axes: [3, 2] }, label: "options.axes=[3, 2] (sizes follow axes order)" },
    { dt: "uint8", shape: [1, 1, 2, 3], options: { scales: [2, 2] }, label: "options.scales upsampling" },
    { dt: "int8", shape: [1, 1, 4, 4], options: { sizes: [3, 2] }, label: "options.sizes downsampling" },
    { dt: F32, shape: [1, 1, 4, 4], options: { mode: "linear", sizes: [8, 8] }, label: "linear options.sizes upsampling" },
    { dt: F32, shape: [1, 2, 2, 3], options: { mode: "linear", scales: [2, 2] }, label: "linear options.scales upsampling" },
    { dt: F32, shape: [2, 1, 4, 6], options: { mode: "linear", scales: [0.5, 0.5] }, label: "linear options.scales downsampling" },
    { dt: F32, shape: [1, 2, 3, 4], options: { mode: "linear", sizes: [5, 7] }, label: "linear options.sizes non-integral ratio" },
    { dt: F32, shape: [1, 1, 3, 4], options: { mode: "linear", scales: [1.5, 2.5] }, label: "linear options.scales with non-integral output size" },
    { dt: F32, shape: [1, 3, 3, 2], options: { mode: "linear", sizes: [5, 4], axes: [1, 2] }, label: "linear options.axes=[1, 2]" },
    { dt: F16, shape: [1, 2, 2, 3], options: { scales: [2, 2] }, label: "options.scales upsampling" },
    { dt: F16, shape: [1, 3, 2, 2], options: { sizes: [3, 3], axes: [1, 2] }, label: "options.axes=[1, 2]" },
    { dt: F16, shape: [1, 2, 3, 4], options: { mode: "linear", sizes: [5, 7] }, label: "linear options.sizes" },
    { dt: F16, shape: [1, 1, 4, 6], options: { mode: "linear", scales: [0.5, 0.5] }, label: "linear options.scales downsampling" },
  ];
  for (const c of cases) {
    const data = valuesOf(rng, size(c.shape), c.dt, c.dt === "uint8" ? 0 : -100, 100);
    const b = new CaseBuilder();
    const x = b.input("resample2dInput", c.dt, c.shape, data, c.constant ?? false);
    const args: Record<string, unknown>[] = [{ input: "resample2dInput" }];
    if (Object.keys(c.options).length) args.push({ options: c.options });
    const out = ref.resample2d(x, c.options);
    const mode = c.options.mode ?? "nearest-neighbor";
    const ties = mode === "nearest-neighbor" && nearestHasTies(c.shape, out.shape, c.options.axes ?? [2, 3]) ? " (ties pick the smaller index)" : "";
    b.op("resample2d", args, "resample2dOutput").output("resample2dOutput", c.dt, out);
    addCase("resample2d", b.build(`resample2d ${c.dt} 4D tensor [${c.shape}] → [${out.shape}] ${mode === "linear" ? "" : "nearest-neighbor "}${c.label}${ties}`));
  }
}

// ------------------------------------------------------------------ reverse / tile / triangular / where

function genReverse(): void {
  const rng = new Rng(seedOf("reverse"));
  const cases: { dt: DataType; shape: number[]; axes?: number[]; constant?: boolean }[] = [
    { dt: F32, shape: [], axes: undefined },
    { dt: F32, shape: [6], constant: true },
    { dt: F32, shape: [3, 4] },
    { dt: F32, shape: [3, 4], axes: [0] },
    { dt: F32, shape: [2, 3, 4], axes: [0, 2] },
    { dt: F32, shape: [2, 3, 2, 2], axes: [] },
    { dt: F32, shape: [2, 1, 3, 2, 2], axes: [1, 3, 4] },
    { dt: "int32", shape: [2, 3], axes: [1] },
    { dt: "uint8", shape: [4] },
    { dt: "int64", shape: [2, 2, 2], axes: [2, 0] },
    { dt: F16, shape: [2, 3, 4] },
    { dt: F16, shape: [3, 4], axes: [1] },
  ];
  for (const c of cases) {
    const b = new CaseBuilder();
    const x = b.input("reverseInput", c.dt, c.shape, valuesOf(rng, size(c.shape), c.dt), c.constant ?? false);
    const args: Record<string, unknown>[] = [{ input: "reverseInput" }];
    if (c.axes) args.push({ options: { axes: c.axes } });
    b.op("reverse", args, "reverseOutput").output("reverseOutput", c.dt, ref.reverse(x, c.axes));
    addCase("reverse", b.build(`reverse ${c.dt} ${shapeName(c.shape)} tensor ${c.axes ? `options.axes=[${c.axes}]` : "default options (all axes)"}`));
  }
}

function genTile(): void {
  const rng = new Rng(seedOf("tile"));
  const cases: { dt: DataType; shape: number[]; reps: number[]; constant?: boolean }[] = [
    { dt: F32, shape: [3], reps: [2], constant: true },
    { dt: F32, shape: [2, 3], reps: [2, 2] },
    { dt: F32, shape: [2, 3], reps: [1, 3] },
    { dt: F32, shape: [1, 2, 3], reps: [3, 1, 2] },
    { dt: F32, shape: [2, 2, 1, 2], reps: [1, 1, 1, 1] },
    { dt: F32, shape: [1, 2, 1, 2, 2], reps: [2, 1, 3, 1, 2] },
    { dt: "int32", shape: [2, 2], reps: [3, 2] },
    { dt: "uint8", shape: [3], reps: [4] },
    { dt: "int64", shape: [2, 1], reps: [2, 3] },
    { dt: F16, shape: [2, 3], reps: [2, 2] },
    { dt: F16, shape: [1, 2, 2], reps: [2, 3, 1] },
  ];
  for (const c of cases) {
    const b = new CaseBuilder();
    const x = b.input("tileInput", c.dt, c.shape, valuesOf(rng, size(c.shape), c.dt), c.constant ?? false);
    b.op("tile", [{ input: "tileInput" }, { repetitions: c.reps }], "tileOutput").output("tileOutput", c.dt, ref.tile(x, c.reps));
    addCase("tile", b.build(`tile ${c.dt} ${shapeName(c.shape)} tensor repetitions=[${c.reps}]`));
  }
}

function genTriangular(): void {
  const rng = new Rng(seedOf("triangular"));
  const cases: { dt: DataType; shape: number[]; options?: ref.TriangularOptions; constant?: boolean }[] = [
    { dt: F32, shape: [3, 3], constant: true },
    { dt: F32, shape: [3, 3], options: { upper: true } },
    { dt: F32, shape: [3, 3], options: { diagonal: 1 } },
    { dt: F32, shape: [3, 3], options: { diagonal: -1 } },
    { dt: F32, shape: [3, 3], options: { upper: false } },
    { dt: F32, shape: [3, 3], options: { upper: false, diagonal: 1 } },
    { dt: F32, shape: [3, 3], options: { upper: false, diagonal: -1 } },
    { dt: F32, shape: [3, 5], options: { diagonal: 2 } },
    { dt: F32, shape: [4, 2], options: { upper: false, diagonal: -1 } },
    { dt: F32, shape: [2, 3, 4], options: { upper: false } },
    { dt: F32, shape: [2, 2, 3, 3], options: { diagonal: -2 } },
    { dt: F32, shape: [1, 2, 1, 3, 4], options: { upper: false, diagonal: 2 } },
    { dt: F32, shape: [3, 4], options: { diagonal: 10 } },
    { dt: F32, shape: [3, 4], options: { upper: false, diagonal: -10 } },
    { dt: F32, shape: [3, 4], options: { upper: false, diagonal: 10 } },
    { dt: "int32", shape: [3, 3], options: { upper: false } },
    { dt: F16, shape: [3, 4] },
    { dt: F16, shape: [2, 4, 3], options: { upper: false, diagonal: 1 } },
  ];
  for (const c of cases) {
    const b = new CaseBuilder();
    const x = b.input("triangularInput", c.dt, c.shape, valuesOf(rng, size(c.shape), c.dt), c.constant ?? false);
    const args: Record<string, unknown>[] = [{ input: "triangularInput" }];
    if (c.options) args.push({ options: c.options });
    b.op("triangular", args, "triangularOutput").output("triangularOutput", c.dt, ref.triangular(x, c.options));
    const opts = c.options ? Object.entries(c.options).map(([k, v]) => `options.${k}=${v}`).join(" ") : "default options";
    addCase("triangular", b.build(`triangular ${c.dt} ${shapeName(c.shape)} tensor [${c.shape}] ${opts}`));
  }
}

function genWhere(): void {
  const rng = new Rng(seedOf("where"));
  const cases: { dt: DataType; cs: number[]; ts: number[]; fs: number[]; label: string; constant?: boolean }[] = [
    { dt: F32, cs: [24], ts: [24], fs: [24], label: "1D constant tensors", constant: true },
    { dt: F32, cs: [2, 3, 4], ts: [2, 3, 4], fs: [2, 3, 4], label: "3D tensors" },
    { dt: F32, cs: [2, 1], ts: [2, 3], fs: [2, 3], label: "broadcast condition" },
    { dt: F32, cs: [2, 3], ts: [], fs: [3], label: "broadcast trueValue 0D and falseValue 1D" },
    { dt: F32, cs: [3, 1], ts: [1, 4], fs: [2, 1, 1], label: "all three broadcast" },
    { dt: F32, cs: [1, 2, 1, 2, 1], ts: [2, 1, 2, 1, 2], fs: [2, 2, 2, 2, 2], label: "5D broadcast" },
    { dt: F32, cs: [], ts: [2, 2], fs: [2, 2], label: "0D condition" },
    { dt: "int32", cs: [2, 3], ts: [2, 3], fs: [3], label: "broadcast" },
    { dt: "uint8", cs: [6], ts: [6], fs: [6], label: "1D tensors" },
    { dt: "int64", cs: [2, 2], ts: [2, 2], fs: [], label: "broadcast falseValue" },
    { dt: F16, cs: [2, 3, 4], ts: [2, 3, 4], fs: [2, 3, 4], label: "3D tensors" },
    { dt: F16, cs: [3, 1], ts: [1, 4], fs: [3, 4], label: "broadcast" },
  ];
  for (const c of cases) {
    const cond = Array.from({ length: size(c.cs) }, () => rng.pick([0, 0, 1, 1, 2, 255]));
    const b = new CaseBuilder();
    const ct = b.input("whereCondition", "uint8", c.cs, cond, c.constant ?? false);
    const tt = b.input("whereTrueValue", c.dt, c.ts, valuesOf(rng, size(c.ts), c.dt), c.constant ?? false);
    const ft = b.input("whereFalseValue", c.dt, c.fs, valuesOf(rng, size(c.fs), c.dt), true);
    b.op("where", [{ condition: "whereCondition" }, { trueValue: "whereTrueValue" }, { falseValue: "whereFalseValue" }], "whereOutput")
      .output("whereOutput", c.dt, ref.where(ct, tt, ft));
    addCase("where", b.build(`where ${c.dt} ${c.label} (non-zero condition is true)`));
  }
  for (const dt of FLOATS) {
    // Selection, not arithmetic: special values in the branch not taken must not leak.
    const b = new CaseBuilder();
    const ct = b.input("whereCondition", "uint8", [6], [1, 0, 1, 0, 1, 0]);
    const tt = b.input("whereTrueValue", dt, [6], [1, NaN, -Infinity, Infinity, -0, NaN]);
    const ft = b.input("whereFalseValue", dt, [6], [NaN, 2, Infinity, -3, NaN, -Infinity]);
    b.op("where", [{ condition: "whereCondition" }, { trueValue: "whereTrueValue" }, { falseValue: "whereFalseValue" }], "whereOutput")
      .output("whereOutput", dt, ref.where(ct, tt, ft));
    addCase("where", b.build(`where ${dt} special values: NaN and ±Infinity in the branch not taken`));
  }
}

// ------------------------------------------------------------------ recurrent networks

type Acts2 = [ref.RecurrentActivation, ref.RecurrentActivation];
type Acts3 = [ref.RecurrentActivation, ref.RecurrentActivation, ref.RecurrentActivation];

/**
 * Values for recurrent cases: dyadic (exact arithmetic) when every activation is relu; else
 * random in [-0.1, hi], mostly positive, because with sigmoid/tanh gates and mixed signs the
 * outputs are typically 5-15 float32 ULP sensitive to rounding (cancellation in the gates and in
 * z·h + (1 - z)·n), beyond WPT's 3-6 ULP tolerances; wellConditioned() then filters the draws.
 */
function rnnValues(rng: Rng, n: number, dt: DataType, lo: number, hi: number, exactArithmetic: boolean): number[] {
  if (exactArithmetic) return dyadic(rng, n, lo, hi, dt === F16 ? 0.5 : 0.125);
  return floats(rng, n, Math.max(lo, -0.1), hi, dt);
}

interface GruCase {
  dt: DataType; steps: number; batch: number; inputSize: number; H: number; label: string;
  bias?: boolean; recurrentBias?: boolean; initialHiddenState?: boolean; resetAfter?: boolean; returnSequence?: boolean;
  direction?: ref.RecurrentDirection; layout?: "zrn" | "rzn"; activations?: Acts2;
}

function genGru(): void {
  const rng = new Rng(seedOf("gru"));
  const cases: GruCase[] = [
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 4, label: "default options" },
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 3, bias: true, label: "options.bias" },
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 3, recurrentBias: true, label: "options.recurrentBias" },
    { dt: F32, steps: 2, batch: 1, inputSize: 2, H: 3, initialHiddenState: true, label: "options.initialHiddenState" },
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 3, bias: true, recurrentBias: true, resetAfter: false, label: "options.resetAfter=false" },
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 3, bias: true, recurrentBias: true, layout: "rzn", label: "options.layout=rzn" },
    { dt: F32, steps: 3, batch: 2, inputSize: 2, H: 3, bias: true, direction: "backward", label: "options.direction=backward" },
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 2, bias: true, recurrentBias: true, direction: "both", label: "options.direction=both" },
    { dt: F32, steps: 3, batch: 2, inputSize: 2, H: 3, bias: true, returnSequence: true, label: "options.returnSequence=true" },
    { dt: F32, steps: 3, batch: 1, inputSize: 2, H: 2, recurrentBias: true, returnSequence: true, direction: "backward", label: "options.returnSequence=true options.direction=backward" },
    { dt: F32, steps: 2, batch: 2, inputSize: 2, H: 2, bias: true, initialHiddenState: true, returnSequence: true, direction: "both", label: "options.returnSequence=true options.direction=both" },
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 3, bias: true, recurrentBias: true, activations: ["relu", "relu"], label: "options.activations=[relu, relu]" },
    { dt: F32, steps: 2, batch: 2, inputSize: 2, H: 3, bias: true, activations: ["sigmoid", "relu"], label: "options.activations=[sigmoid, relu]" },
    { dt: F32, steps: 1, batch: 1, inputSize: 3, H: 4, bias: true, recurrentBias: true, label: "steps=1" },
    { dt: F32, steps: 3, batch: 2, inputSize: 2, H: 2, bias: true, recurrentBias: true, initialHiddenState: true, resetAfter: false, returnSequence: true, direction: "both", layout: "rzn", activations: ["sigmoid", "tanh"], label: "all options" },
    { dt: F16, steps: 2, batch: 2, inputSize: 3, H: 3, label: "default options" },
    { dt: F16, steps: 2, batch: 2, inputSize: 2, H: 3, bias: true, recurrentBias: true, resetAfter: false, layout: "rzn", label: "options.resetAfter=false options.layout=rzn" },
    { dt: F16, steps: 2, batch: 1, inputSize: 2, H: 2, bias: true, initialHiddenState: true, returnSequence: true, direction: "both", label: "options.returnSequence=true options.direction=both" },
    { dt: F16, steps: 2, batch: 2, inputSize: 2, H: 2, bias: true, recurrentBias: true, activations: ["relu", "relu"], label: "options.activations=[relu, relu]" },
  ];
  for (const c of cases) {
    const dirs = c.direction === "both" ? 2 : 1;
    const exactArith = c.activations?.every((a) => a === "relu") ?? false;
    const made = retry(`gru ${c.label}`, () => {
      const v = (n: number, lo: number, hi: number) => rnnValues(rng, n, c.dt, lo, hi, exactArith);
      const input = ref.tensor([c.steps, c.batch, c.inputSize], v(c.steps * c.batch * c.inputSize, -0.5, 1));
      const weight = ref.tensor([dirs, 3 * c.H, c.inputSize], v(dirs * 3 * c.H * c.inputSize, -0.5, 1));
      const rweight = ref.tensor([dirs, 3 * c.H, c.H], v(dirs * 3 * c.H * c.H, -0.5, 1));
      const opt: ref.GruOptions = {
        bias: c.bias ? ref.tensor([dirs, 3 * c.H], v(dirs * 3 * c.H, -0.5, 1)) : undefined,
        recurrentBias: c.recurrentBias ? ref.tensor([dirs, 3 * c.H], v(dirs * 3 * c.H, -0.5, 1)) : undefined,
        initialHiddenState: c.initialHiddenState ? ref.tensor([dirs, c.batch, c.H], v(dirs * c.batch * c.H, -0.5, 1)) : undefined,
        resetAfter: c.resetAfter, returnSequence: c.returnSequence, direction: c.direction, layout: c.layout, activations: c.activations,
      };
      const run = (R: Round) => ref.gru(input, weight, rweight, c.steps, c.H, opt, R);
      return nonDegenerate(run((x) => x)) && wellConditioned(run, c.dt, 4, exactArith) ? { input, weight, rweight, opt, exact: run((x) => x) } : undefined;
    });
    const b = new CaseBuilder();
    b.input("gruInput", c.dt, made.input.shape, made.input.data);
    b.input("gruWeight", c.dt, made.weight.shape, made.weight.data, true);
    b.input("gruRecurrentWeight", c.dt, made.rweight.shape, made.rweight.data, true);
    const options: Record<string, unknown> = {};
    if (made.opt.bias) options.bias = b.operand("gruBias", c.dt, made.opt.bias);
    if (made.opt.recurrentBias) options.recurrentBias = b.operand("gruRecurrentBias", c.dt, made.opt.recurrentBias);
    if (made.opt.initialHiddenState) options.initialHiddenState = b.operand("gruInitialHiddenState", c.dt, made.opt.initialHiddenState, false);
    if (c.resetAfter !== undefined) options.resetAfter = c.resetAfter;
    if (c.returnSequence !== undefined) options.returnSequence = c.returnSequence;
    if (c.direction) options.direction = c.direction;
    if (c.layout) options.layout = c.layout;
    if (c.activations) options.activations = c.activations;
    const outs = c.returnSequence ? ["gruOutput1", "gruOutput2"] : ["gruOutput1"];
    const args: Record<string, unknown>[] = [{ input: "gruInput" }, { weight: "gruWeight" }, { recurrentWeight: "gruRecurrentWeight" }, { steps: c.steps }, { hiddenSize: c.H }];
    if (Object.keys(options).length) args.push({ options });
    b.op("gru", args, outs);
    outs.forEach((o, i) => b.output(o, c.dt, made.exact[i]));
    addCase("gru", b.build(`gru ${c.dt} steps=${c.steps} batch=${c.batch} inputSize=${c.inputSize} hiddenSize=${c.H} ${c.label}`));
  }
}

interface GruCellCase {
  dt: DataType; batch: number; inputSize: number; H: number; label: string;
  bias?: boolean; recurrentBias?: boolean; resetAfter?: boolean; layout?: "zrn" | "rzn"; activations?: Acts2;
}

function genGruCell(): void {
  const rng = new Rng(seedOf("gruCell"));
  const cases: GruCellCase[] = [
    { dt: F32, batch: 2, inputSize: 3, H: 4, label: "default options" },
    { dt: F32, batch: 2, inputSize: 3, H: 3, bias: true, label: "options.bias" },
    { dt: F32, batch: 2, inputSize: 3, H: 3, recurrentBias: true, label: "options.recurrentBias" },
    { dt: F32, batch: 2, inputSize: 3, H: 3, bias: true, recurrentBias: true, resetAfter: false, label: "options.resetAfter=false" },
    { dt: F32, batch: 2, inputSize: 3, H: 3, bias: true, recurrentBias: true, layout: "rzn", label: "options.layout=rzn" },
    { dt: F32, batch: 2, inputSize: 3, H: 3, bias: true, recurrentBias: true, activations: ["relu", "relu"], label: "options.activations=[relu, relu]" },
    { dt: F32, batch: 3, inputSize: 2, H: 2, bias: true, activations: ["sigmoid", "relu"], label: "options.activations=[sigmoid, relu]" },
    { dt: F32, batch: 1, inputSize: 4, H: 2, bias: true, recurrentBias: true, resetAfter: false, layout: "rzn", activations: ["sigmoid", "tanh"], label: "all options" },
    { dt: F16, batch: 2, inputSize: 3, H: 3, label: "default options" },
    { dt: F16, batch: 2, inputSize: 2, H: 3, bias: true, recurrentBias: true, resetAfter: false, layout: "rzn", label: "options.resetAfter=false options.layout=rzn" },
    { dt: F16, batch: 2, inputSize: 2, H: 2, bias: true, recurrentBias: true, activations: ["relu", "relu"], label: "options.activations=[relu, relu]" },
  ];
  for (const c of cases) {
    const exactArith = c.activations?.every((a) => a === "relu") ?? false;
    const made = retry(`gruCell ${c.label}`, () => {
      const v = (n: number, lo: number, hi: number) => rnnValues(rng, n, c.dt, lo, hi, exactArith);
      const input = ref.tensor([c.batch, c.inputSize], v(c.batch * c.inputSize, -0.5, 1));
      const weight = ref.tensor([3 * c.H, c.inputSize], v(3 * c.H * c.inputSize, -0.5, 1));
      const rweight = ref.tensor([3 * c.H, c.H], v(3 * c.H * c.H, -0.5, 1));
      const hidden = ref.tensor([c.batch, c.H], v(c.batch * c.H, -0.5, 1));
      const opt: ref.GruCellOptions = {
        bias: c.bias ? ref.tensor([3 * c.H], v(3 * c.H, -0.5, 1)) : undefined,
        recurrentBias: c.recurrentBias ? ref.tensor([3 * c.H], v(3 * c.H, -0.5, 1)) : undefined,
        resetAfter: c.resetAfter, layout: c.layout, activations: c.activations,
      };
      const run = (R: Round) => [ref.gruCell(input, weight, rweight, hidden, c.H, opt, R)];
      return nonDegenerate(run((x) => x)) && wellConditioned(run, c.dt, 2, exactArith) ? { input, weight, rweight, hidden, opt, exact: run((x) => x)[0] } : undefined;
    });
    const b = new CaseBuilder();
    b.input("gruCellInput", c.dt, made.input.shape, made.input.data);
    b.input("gruCellWeight", c.dt, made.weight.shape, made.weight.data, true);
    b.input("gruCellRecurrentWeight", c.dt, made.rweight.shape, made.rweight.data, true);
    b.input("gruCellHiddenState", c.dt, made.hidden.shape, made.hidden.data);
    const options: Record<string, unknown> = {};
    if (made.opt.bias) options.bias = b.operand("gruCellBias", c.dt, made.opt.bias);
    if (made.opt.recurrentBias) options.recurrentBias = b.operand("gruCellRecurrentBias", c.dt, made.opt.recurrentBias);
    if (c.resetAfter !== undefined) options.resetAfter = c.resetAfter;
    if (c.layout) options.layout = c.layout;
    if (c.activations) options.activations = c.activations;
    const args: Record<string, unknown>[] = [{ input: "gruCellInput" }, { weight: "gruCellWeight" }, { recurrentWeight: "gruCellRecurrentWeight" }, { hiddenState: "gruCellHiddenState" }, { hiddenSize: c.H }];
    if (Object.keys(options).length) args.push({ options });
    b.op("gruCell", args, "gruCellOutput").output("gruCellOutput", c.dt, made.exact);
    addCase("gru_cell", b.build(`gruCell ${c.dt} batch=${c.batch} inputSize=${c.inputSize} hiddenSize=${c.H} ${c.label}`));
  }
}

interface LstmCase {
  dt: DataType; steps: number; batch: number; inputSize: number; H: number; label: string;
  bias?: boolean; recurrentBias?: boolean; peephole?: boolean; initialHiddenState?: boolean; initialCellState?: boolean;
  returnSequence?: boolean; direction?: ref.RecurrentDirection; layout?: "iofg" | "ifgo"; activations?: Acts3;
}

function genLstm(): void {
  const rng = new Rng(seedOf("lstm"));
  const cases: LstmCase[] = [
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 3, label: "default options" },
    { dt: F32, steps: 2, batch: 2, inputSize: 3, H: 2, bias: true, recurrentBias: true, label: "options.bias and options.recurrentBias" },
    { dt: F32, steps: 2, batch: 2, inputSize: 2, H: 2, bias: true, peephole: true, label: "options.peepholeWeight" },
    { dt: F32, steps: 2, batch: 1, inputSize: 3, H: 3, initialHiddenState: true, initialCellState: true, label: "options.initialHiddenState and options.initialCellState" },
    { dt: F32, steps: 2, batch: 2, inputSize: 2, H: 3, bias: true, recurrentBias: true, layout: "ifgo", label: "options.layout=ifgo" },
    { dt: F32, steps: 3, batch: 2, inputSize: 2, H: 2, bias: true, direction: "backward", label: "options.direction=backward" },
    { dt: F32, steps: 2, batch: 2, inputSize: 2, H: 2, bias: true, recurrentBias: true, direction: "both", label: "options.direction=both" },
    { dt: F32, steps: 3, batch: 2, inputSize: 2, H: 2, bias: true, returnSequence: true, label: "options.returnSequence=true" },
    { dt: F32, steps: 2, batch: 1, inputSize: 2, H: 3, bias: true, initialCellState: true, returnSequence: true, direction: "both", label: "options.returnSequence=true options.direction=both" },
    { dt: F32, steps: 2, batch: 2, inputSize: 2, H: 2, bias: true, recurrentBias: true, activations: ["relu", "relu", "relu"], label: "options.activations=[relu, relu, relu]" },
    { dt: F32, steps: 2, batch: 2, inputSize: 2, H: 2, bias: true, activations: ["sigmoid", "relu", "tanh"], label: "options.activations=[sigmoid, relu, tanh]" },
    { dt: F32, steps: 1, batch: 2, inputSize: 3, H: 2, bias: true, recurrentBias: true, peephole: true, layout: "ifgo", label: "steps=1 options.peepholeWeight options.layout=ifgo" },
    { dt: F32, steps: 2, batch: 1, inputSize: 2, H: 2, bias: true, recurrentBias: true, peephole: true, initialHiddenState: true, initialCellState: true, returnSequence: true, direction: "both", layout: "ifgo", activations: ["sigmoid", "tanh", "tanh"], label: "all options" },
    { dt: F16, steps: 2, batch: 2, inputSize: 2, H: 2, label: "default options" },
    { dt: F16, steps: 2, batch: 2, inputSize: 2, H: 2, bias: true, recurrentBias: true, peephole: true, layout: "ifgo", label: "options.peepholeWeight options.layout=ifgo" },
    { dt: F16, steps: 2, batch: 1, inputSize: 2, H: 2, bias: true, initialCellState: true, returnSequence: true, direction: "both", label: "options.returnSequence=true options.direction=both" },
    { dt: F16, steps: 2, batch: 2, inputSize: 2, H: 2, bias: true, activations: ["relu", "relu", "relu"], label: "options.activations=[relu, relu, relu]" },
  ];
  for (const c of cases) {
    const dirs = c.direction === "both" ? 2 : 1;
    const exactArith = c.activations?.every((a) => a === "relu") ?? false;
    const made = retry(`lstm ${c.label}`, () => {
      const v = (n: number, lo: number, hi: number) => rnnValues(rng, n, c.dt, lo, hi, exactArith);
      const input = ref.tensor([c.steps, c.batch, c.inputSize], v(c.steps * c.batch * c.inputSize, -0.5, 1));
      const weight = ref.tensor([dirs, 4 * c.H, c.inputSize], v(dirs * 4 * c.H * c.inputSize, -0.5, 1));
      const rweight = ref.tensor([dirs, 4 * c.H, c.H], v(dirs * 4 * c.H * c.H, -0.5, 1));
      const opt: ref.LstmOptions = {
        bias: c.bias ? ref.tensor([dirs, 4 * c.H], v(dirs * 4 * c.H, -0.5, 1)) : undefined,
        recurrentBias: c.recurrentBias ? ref.tensor([dirs, 4 * c.H], v(dirs * 4 * c.H, -0.5, 1)) : undefined,
        peepholeWeight: c.peephole ? ref.tensor([dirs, 3 * c.H], v(dirs * 3 * c.H, -0.5, 1)) : undefined,
        initialHiddenState: c.initialHiddenState ? ref.tensor([dirs, c.batch, c.H], v(dirs * c.batch * c.H, -0.5, 1)) : undefined,
        initialCellState: c.initialCellState ? ref.tensor([dirs, c.batch, c.H], v(dirs * c.batch * c.H, -0.5, 1)) : undefined,
        returnSequence: c.returnSequence, direction: c.direction, layout: c.layout, activations: c.activations,
      };
      const run = (R: Round) => ref.lstm(input, weight, rweight, c.steps, c.H, opt, R);
      return nonDegenerate(run((x) => x)) && wellConditioned(run, c.dt, 2, exactArith) ? { input, weight, rweight, opt, exact: run((x) => x) } : undefined;
    });
    const b = new CaseBuilder();
    b.input("lstmInput", c.dt, made.input.shape, made.input.data);
    b.input("lstmWeight", c.dt, made.weight.shape, made.weight.data, true);
    b.input("lstmRecurrentWeight", c.dt, made.rweight.shape, made.rweight.data, true);
    const options: Record<string, unknown> = {};
    const o = made.opt;
    if (o.bias) options.bias = b.operand("lstmBias", c.dt, o.bias);
    if (o.recurrentBias) options.recurrentBias = b.operand("lstmRecurrentBias", c.dt, o.recurrentBias);
    if (o.peepholeWeight) options.peepholeWeight = b.operand("lstmPeepholeWeight", c.dt, o.peepholeWeight);
    if (o.initialHiddenState) options.initialHiddenState = b.operand("lstmInitialHiddenState", c.dt, o.initialHiddenState, false);
    if (o.initialCellState) options.initialCellState = b.operand("lstmInitialCellState", c.dt, o.initialCellState, false);
    if (c.returnSequence !== undefined) options.returnSequence = c.returnSequence;
    if (c.direction) options.direction = c.direction;
    if (c.layout) options.layout = c.layout;
    if (c.activations) options.activations = c.activations;
    const outs = c.returnSequence ? ["lstmOutput1", "lstmOutput2", "lstmOutput3"] : ["lstmOutput1", "lstmOutput2"];
    const args: Record<string, unknown>[] = [{ input: "lstmInput" }, { weight: "lstmWeight" }, { recurrentWeight: "lstmRecurrentWeight" }, { steps: c.steps }, { hiddenSize: c.H }];
    if (Object.keys(options).length) args.push({ options });
    b.op("lstm", args, outs);
    outs.forEach((name, i) => b.output(name, c.dt, made.exact[i]));
    addCase("lstm", b.build(`lstm ${c.dt} steps=${c.steps} batch=${c.batch} inputSize=${c.inputSize} hiddenSize=${c.H} ${c.label}`));
  }
}

interface LstmCellCase {
  dt: DataType; batch: number; inputSize: number; H: number; label: string;
  bias?: boolean; recurrentBias?: boolean; peephole?: boolean; layout?: "iofg" | "ifgo"; activations?: Acts3; saturated?: boolean;
}

function genLstmCell(): void {
  const rng = new Rng(seedOf("lstmCell"));
  const relu3: Acts3 = ["relu", "relu", "relu"];
  // lstmCell's WPT tolerance is 1 ULP, so most cases use relu activations on dyadic values (exact
  // arithmetic); the "saturated" ones use the default sigmoid/tanh with gate pre-activations of
  // magnitude ≥ 110, where float32/float16 sigmoid is exactly 0 or 1 and tanh exactly ±1, so only
  // the final tanh(c') rounds — they still tell the gate orderings apart.
  const cases: LstmCellCase[] = [
    { dt: F32, batch: 2, inputSize: 2, H: 2, activations: relu3, label: "options.activations=[relu, relu, relu]" },
    { dt: F32, batch: 2, inputSize: 2, H: 2, bias: true, activations: relu3, label: "options.bias options.activations=[relu, relu, relu]" },
    { dt: F32, batch: 2, inputSize: 2, H: 2, recurrentBias: true, activations: relu3, label: "options.recurrentBias options.activations=[relu, relu, relu]" },
    { dt: F32, batch: 2, inputSize: 2, H: 2, bias: true, peephole: true, activations: relu3, label: "options.peepholeWeight options.activations=[relu, relu, relu]" },
    { dt: F32, batch: 2, inputSize: 3, H: 2, bias: true, recurrentBias: true, layout: "ifgo", activations: relu3, label: "options.layout=ifgo options.activations=[relu, relu, relu]" },
    { dt: F32, batch: 1, inputSize: 2, H: 3, bias: true, recurrentBias: true, peephole: true, layout: "ifgo", activations: relu3, label: "all options with relu activations" },
    { dt: F32, batch: 2, inputSize: 2, H: 2, saturated: true, label: "default options (saturated gates)" },
    { dt: F32, batch: 2, inputSize: 2, H: 2, bias: true, recurrentBias: true, peephole: true, saturated: true, label: "options.bias options.recurrentBias options.peepholeWeight (saturated gates)" },
    { dt: F32, batch: 2, inputSize: 2, H: 2, bias: true, layout: "ifgo", saturated: true, label: "options.layout=ifgo (saturated gates)" },
    { dt: F32, batch: 2, inputSize: 2, H: 2, bias: true, activations: ["sigmoid", "tanh", "tanh"], saturated: true, label: "explicit default options.activations (saturated gates)" },
    { dt: F16, batch: 2, inputSize: 2, H: 2, bias: true, activations: relu3, label: "options.bias options.activations=[relu, relu, relu]" },
    { dt: F16, batch: 2, inputSize: 2, H: 2, bias: true, recurrentBias: true, peephole: true, layout: "ifgo", activations: relu3, label: "all options with relu activations" },
    { dt: F16, batch: 2, inputSize: 2, H: 2, bias: true, peephole: true, saturated: true, label: "options.peepholeWeight (saturated gates)" },
  ];
  for (const c of cases) {
    const made = retry(`lstmCell ${c.label}`, () => {
      const v = (n: number, lo: number, hi: number) => rnnValues(rng, n, c.dt, lo, hi, true);
      // saturated: the first input column is ±1 and the first weight column ±128, every other
      // term is at most 1 in magnitude, so every gate pre-activation is beyond ±120
      const firstColumn = (rows: number, cols: number, big: () => number, rest: () => number) =>
        Array.from({ length: rows * cols }, (_, i) => (i % cols === 0 ? big() : rest()));
      const small = () => dyadic(rng, 1, -1, 1, 0.5)[0];
      const input = ref.tensor([c.batch, c.inputSize], c.saturated
        ? firstColumn(c.batch, c.inputSize, () => rng.pick([-1, 1]), small) : v(c.batch * c.inputSize, -0.5, 1));
      const weight = ref.tensor([4 * c.H, c.inputSize], c.saturated
        ? firstColumn(4 * c.H, c.inputSize, () => rng.pick([-128, 128]), () => dyadic(rng, 1, -0.5, 0.5, 0.5)[0]) : v(4 * c.H * c.inputSize, -0.5, 1));
      // relu cases lean positive so that more gates (and outputs) are non-zero
      const sv = (n: number, lo: number, hi: number) => (c.saturated ? dyadic(rng, n, lo, hi, 0.5) : v(n, Math.max(lo, -0.5), Math.max(hi, 1)));
      const rweight = ref.tensor([4 * c.H, c.H], sv(4 * c.H * c.H, -0.5, 0.5));
      const hidden = ref.tensor([c.batch, c.H], sv(c.batch * c.H, -1, 1));
      const cell = ref.tensor([c.batch, c.H], sv(c.batch * c.H, -1, 1));
      const opt: ref.LstmCellOptions = {
        bias: c.bias ? ref.tensor([4 * c.H], sv(4 * c.H, -1, 1)) : undefined,
        recurrentBias: c.recurrentBias ? ref.tensor([4 * c.H], sv(4 * c.H, -1, 1)) : undefined,
        peepholeWeight: c.peephole ? ref.tensor([3 * c.H], sv(3 * c.H, -0.5, 0.5)) : undefined,
        layout: c.layout, activations: c.activations,
      };
      if (c.saturated && lstmGatePreactivations(input, weight, rweight, hidden, cell, c.H, opt).some((g) => Math.abs(g) < 110)) return undefined;
      // relu on dyadic values is exact; saturated gates leave one rounding (the final tanh)
      const run = (R: Round) => ref.lstmCell(input, weight, rweight, hidden, cell, c.H, opt, R);
      return nonDegenerate(run((x) => x)) && wellConditioned(run, c.dt, 0, true) ? { input, weight, rweight, hidden, cell, opt, exact: run((x) => x) } : undefined;
    }, 20000);
    const b = new CaseBuilder();
    b.input("lstmCellInput", c.dt, made.input.shape, made.input.data);
    b.input("lstmCellWeight", c.dt, made.weight.shape, made.weight.data, true);
    b.input("lstmCellRecurrentWeight", c.dt, made.rweight.shape, made.rweight.data, true);
    b.input("lstmCellHiddenState", c.dt, made.hidden.shape, made.hidden.data);
    b.input("lstmCellCellState", c.dt, made.cell.shape, made.cell.data);
    const options: Record<string, unknown> = {};
    const o = made.opt;
    if (o.bias) options.bias = b.operand("lstmCellBias", c.dt, o.bias);
    if (o.recurrentBias) options.recurrentBias = b.operand("lstmCellRecurrentBias", c.dt, o.recurrentBias);
    if (o.peepholeWeight) options.peepholeWeight = b.operand("lstmCellPeepholeWeight", c.dt, o.peepholeWeight);
    if (c.layout) options.layout = c.layout;
    if (c.activations) options.activations = c.activations;
    const args: Record<string, unknown>[] = [{ input: "lstmCellInput" }, { weight: "lstmCellWeight" }, { recurrentWeight: "lstmCellRecurrentWeight" },
      { hiddenState: "lstmCellHiddenState" }, { cellState: "lstmCellCellState" }, { hiddenSize: c.H }];
    if (Object.keys(options).length) args.push({ options });
    b.op("lstmCell", args, ["lstmCellOutput1", "lstmCellOutput2"]);
    b.output("lstmCellOutput1", c.dt, made.exact[0]).output("lstmCellOutput2", c.dt, made.exact[1]);
    addCase("lstm_cell", b.build(`lstmCell ${c.dt} batch=${c.batch} inputSize=${c.inputSize} hiddenSize=${c.H} ${c.label}`));
  }
}

/** The i, f, o, g pre-activations of an lstmCell (to check saturation). */
function lstmGatePreactivations(input: Tensor, weight: Tensor, rweight: Tensor, hidden: Tensor, cell: Tensor, H: number, opt: ref.LstmCellOptions): number[] {
  const [batch, inputSize] = input.shape;
  const layout = opt.layout ?? "iofg";
  const off = layout === "iofg" ? { i: 0, o: H, f: 2 * H, g: 3 * H } : { i: 0, f: H, g: 2 * H, o: 3 * H };
  const peep: Record<string, number> = { i: 0, o: H, f: 2 * H };
  const out: number[] = [];
  for (let bi = 0; bi < batch; bi++) for (let j = 0; j < H; j++) for (const gate of ["i", "o", "f", "g"] as const) {
    const row = off[gate] + j;
    let s = (opt.bias?.data[row] ?? 0) + (opt.recurrentBias?.data[row] ?? 0);
    for (let k = 0; k < inputSize; k++) s += input.data[bi * inputSize + k] * weight.data[row * inputSize + k];
    for (let k = 0; k < H; k++) s += hidden.data[bi * H + k] * rweight.data[row * H + k];
    if (gate !== "g" && opt.peepholeWeight) s += cell.data[bi * H + j] * opt.peepholeWeight.data[peep[gate] + j];
    out.push(s);
  }
  return out;
}

// ------------------------------------------------------------------ multi-operator graphs

function roundTensor(t: Tensor, dt: DataType): Tensor {
  return { shape: t.shape, data: t.data.map(roundTo(dt)) };
}

function genMultiOperator(): void {
  const rng = new Rng(seedOf("multi_operator"));
  const file = "multi_operator";
  {
    // conv2d → add → relu, with every pre-relu value at least 0.05 away from 0
    const made = retry("conv2d add relu", () => {
      const x = ref.tensor([1, 2, 4, 4], floats(rng, 32, 0.1, 1, F32));
      const f = ref.tensor([3, 2, 3, 3], floats(rng, 54, 0.1, 1, F32));
      const bias = ref.tensor([1, 3, 1, 1], floats(rng, 3, -8, 2, F32));
      // every operator's output is a float32 tensor: round between operators, not inside them
      const conv = roundTensor(ref.conv2d(x, f, { padding: [1, 1, 1, 1] }), F32);
      const sum = ref.add(conv, bias, Math.fround);
      if (sum.data.some((v) => Math.abs(v) < 0.05) || sum.data.every((v) => v > 0) || sum.data.every((v) => v < 0)) return undefined;
      return { x, f, bias, out: ref.relu(sum) };
    });
    const b = new CaseBuilder();
    b.input("input", F32, made.x.shape, made.x.data);
    b.input("filter", F32, made.f.shape, made.f.data, true);
    b.input("bias", F32, made.bias.shape, made.bias.data, true);
    b.op("conv2d", [{ input: "input" }, { filter: "filter" }, { options: { padding: [1, 1, 1, 1] } }], "conv")
      .op("add", [{ a: "conv" }, { b: "bias" }], "biased")
      .op("relu", [{ input: "biased" }], "output")
      .output("output", F32, made.out);
    addCase(file, b.build("conv2d → add → relu float32"));
  }
  {
    // matmul → add → gelu (gelu arguments kept where gelu is well-conditioned: x ≥ -1.5)
    const made = retry("matmul add gelu", () => {
      const a = ref.tensor([2, 3], floats(rng, 6, 0.1, 1, F32));
      const w = ref.tensor([3, 4], floats(rng, 12, 0.1, 1, F32));
      const bias = ref.tensor([4], floats(rng, 4, -2, 1, F32));
      const sum = ref.add(roundTensor(ref.matmul2d(a, w), F32), bias, Math.fround);
      if (sum.data.some((v) => v < -1.5 || Math.abs(v) < 0.05)) return undefined;
      return { a, w, bias, out: ref.unary("gelu", sum) };
    });
    const b = new CaseBuilder();
    b.input("a", F32, made.a.shape, made.a.data);
    b.input("weights", F32, made.w.shape, made.w.data, true);
    b.input("bias", F32, made.bias.shape, made.bias.data, true);
    b.op("matmul", [{ a: "a" }, { b: "weights" }], "product")
      .op("add", [{ a: "product" }, { b: "bias" }], "biased")
      .op("gelu", [{ input: "biased" }], "output")
      .output("output", F32, made.out);
    addCase(file, b.build("matmul → add → gelu float32"));
  }
  {
    // a shared constant used by two operators (one output each)
    const b = new CaseBuilder();
    const x = b.input("x", F32, [2, 3], floats(rng, 6, 0.5, 2, F32));
    const c = b.input("shared", F32, [3], floats(rng, 3, 0.5, 2, F32), true);
    b.op("add", [{ a: "x" }, { b: "shared" }], "sum").op("mul", [{ a: "x" }, { b: "shared" }], "product")
      .output("sum", F32, ref.add(x, c)).output("product", F32, ref.mul(x, c));
    addCase(file, b.build("shared constant used by add and mul float32"));
  }
  {
    // one constant used twice by one chain: (x + c) · c
    const b = new CaseBuilder();
    const x = b.input("x", F16, [2, 3], floats(rng, 6, 0.5, 2, F16));
    const c = b.input("shared", F16, [2, 3], floats(rng, 6, 0.5, 2, F16), true);
    const sum = ref.add(x, c, ref.roundToFloat16);
    b.op("add", [{ a: "x" }, { b: "shared" }], "sum").op("mul", [{ a: "sum" }, { b: "shared" }], "output")
      .output("output", F16, ref.mul(sum, c));
    addCase(file, b.build("shared constant used by two chained operators float16"));
  }
  {
    // an input used twice: x · x + x
    const b = new CaseBuilder();
    const x = b.input("x", F32, [2, 2, 3], floats(rng, 12, 0.5, 2, F32));
    const sq = ref.mul(x, x, Math.fround);
    b.op("mul", [{ a: "x" }, { b: "x" }], "square").op("add", [{ a: "square" }, { b: "x" }], "output")
      .output("output", F32, ref.add(sq, x));
    addCase(file, b.build("input used twice (mul(x, x)) and again by add float32"));
  }
  {
    // an output that is also consumed by a later operator
    const b = new CaseBuilder();
    const a = b.input("a", F32, [3, 2], floats(rng, 6, -2, 2, F32));
    const c = b.input("b", F32, [3, 2], floats(rng, 6, -2, 2, F32), true);
    const diff = ref.sub(a, c, Math.fround);
    b.op("sub", [{ a: "a" }, { b: "b" }], "difference").op("relu", [{ input: "difference" }], "rectified")
      .output("difference", F32, diff).output("rectified", F32, ref.relu(diff));
    addCase(file, b.build("an output also consumed by a later operator float32"));
  }
  {
    // A graph input as an output: WebNN's build() rejects input/constant operands as outputs
    // (TypeError; the spec's note says to use identity), so the case routes it through identity.
    const b = new CaseBuilder();
    const x = b.input("x", F32, [4], floats(rng, 4, -2, 2, F32));
    b.op("identity", [{ input: "x" }], "inputCopy").op("relu", [{ input: "x" }], "rectified")
      .output("inputCopy", F32, x).output("rectified", F32, ref.relu(x));
    addCase(file, b.build("graph input as an output (through identity, as the spec requires) float32"));
  }
  {
    const b = new CaseBuilder();
    const x = b.input("x", F32, [2, 2], floats(rng, 4, -2, 2, F32));
    const c = b.input("weights", F32, [2, 2], floats(rng, 4, -2, 2, F32), true);
    b.op("identity", [{ input: "weights" }], "constantCopy").op("mul", [{ a: "x" }, { b: "weights" }], "product")
      .output("constantCopy", F32, c).output("product", F32, ref.mul(x, c));
    addCase(file, b.build("constant as an output (through identity, as the spec requires) float32"));
  }
  {
    // a diamond: t = x - c feeds both t·t and the final add
    const b = new CaseBuilder();
    const x = b.input("x", F32, [2, 3], floats(rng, 6, 2, 4, F32));
    const c = b.input("c", F32, [], [1], true);
    const t = ref.sub(x, c, Math.fround);
    const sq = ref.mul(t, t, Math.fround);
    b.op("sub", [{ a: "x" }, { b: "c" }], "t").op("mul", [{ a: "t" }, { b: "t" }], "square").op("add", [{ a: "t" }, { b: "square" }], "output")
      .output("output", F32, ref.add(t, sq));
    addCase(file, b.build("diamond: one operator's output feeds two operators float32"));
  }
}

// ------------------------------------------------------------------ int4 / uint4 (outside the spec)

/**
 * int4/uint4 are not MLOperandDataType values in the current WebNN spec (its dequantizeLinear
 * allows uint8/int8/uint32/int32 inputs), but Chromium and this project accept them. These cases
 * go to test/conformance/dequantize_linear_int4.json; data are logical values, which the runner
 * packs two per byte, low nibble first (see packInt4 in the reference).
 */
function genInt4Extension(): { operation: string; tests: JsonCase[] } {
  const rng = new Rng(seedOf("int4"));
  const tests: JsonCase[] = [];
  const cases: { dt: DataType; shape: number[]; sshape: number[]; label: string }[] = [
    { dt: "int4", shape: [3, 4], sshape: [1, 1], label: "per-tensor" },
    { dt: "uint4", shape: [5], sshape: [1], label: "per-tensor, odd element count" },
    { dt: "int4", shape: [4, 6], sshape: [4, 2], label: "blockwise (blocks of 3 along the last axis)" },
    { dt: "uint4", shape: [2, 8], sshape: [2, 1], label: "per-row" },
  ];
  for (const c of cases) {
    const [lo, hi] = ref.integerRange(c.dt);
    const b = new CaseBuilder();
    const x = b.input("dequantizeLinearInput", c.dt, c.shape, ints(rng, size(c.shape), lo, hi), true);
    const s = b.input("dequantizeLinearScale", F32, c.sshape, floats(rng, size(c.sshape), 0.01, 0.5, F32), true);
    const z = b.input("dequantizeLinearZeroPoint", c.dt, c.sshape, ints(rng, size(c.sshape), lo, hi), true);
    b.op("dequantizeLinear", [{ input: "dequantizeLinearInput" }, { scale: "dequantizeLinearScale" }, { zeroPoint: "dequantizeLinearZeroPoint" }], "dequantizeLinearOutput")
      .output("dequantizeLinearOutput", F32, ref.dequantizeLinear(x, s, z));
    tests.push(b.build(`dequantizeLinear ${c.dt} ${shapeName(c.shape)} input, float32 scale [${c.sshape}] ${c.label}`));
  }
  return { operation: "dequantize_linear_int4", tests };
}

// ------------------------------------------------------------------ main

function main(): void {
  for (const op of Object.keys(UNARY_SPECS) as ref.UnaryName[]) genUnaryFloat(op);
  genIdentity();
  genIsNaNInfinite("isNaN");
  genIsNaNInfinite("isInfinite");
  for (const op of ["logicalAnd", "logicalOr", "logicalXor"] as const) genLogical(op);
  genNotEqual();
  genArgMinMax("argMax");
  genArgMinMax("argMin");
  genCumulativeSum();
  genDequantizeLinear();
  genQuantizeLinear();
  genGatherElements();
  genGatherND();
  genScatterElements();
  genScatterND();
  genGemm();
  for (const op of ["averagePool2d", "l2Pool2d", "maxPool2d"] as const) genPool(op);
  genPad();
  genPrelu();
  genResample2d();
  genReverse();
  genTile();
  genTriangular();
  genWhere();
  genGru();
  genGruCell();
  genLstm();
  genLstmCell();
  genMultiOperator();

  mkdirSync(OUT_DIR, { recursive: true });
  let total = 0;
  const summary: string[] = [];
  for (const [file, doc] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const text = serialize({ operation: doc.operation, source_file: SOURCE, tests: doc.tests });
    if (text.length > 300_000) throw new Error(`${file}.json is ${text.length} bytes (limit 300 KB)`);
    writeFileSync(join(OUT_DIR, `${file}.json`), text);
    total += doc.tests.length;
    summary.push(`${file}: ${doc.tests.length}`);
  }
  mkdirSync(EXT_DIR, { recursive: true });
  const ext = genInt4Extension();
  writeFileSync(join(EXT_DIR, "dequantize_linear_int4.json"), serialize({ operation: ext.operation, source_file: SOURCE, tests: ext.tests }));
  console.log(summary.join("\n"));
  console.log(`${total} cases in ${files.size} files (test/conformance), including ${ext.tests.length} int4/uint4 cases in dequantize_linear_int4.json`);
}

function serialize(doc: { operation: string; source_file: string; tests: JsonCase[] }): string {
  const tests = doc.tests.map((t) => "    " + JSON.stringify(t)).join(",\n");
  return `{\n  "operation": ${JSON.stringify(doc.operation)},\n  "source_file": ${JSON.stringify(doc.source_file)},\n  "tests": [\n${tests}\n  ]\n}\n`;
}

main();
