// No silent wrong values where integers are narrowed to the int32 Core ML computes with: an
// int64/uint64 constant, option value or initializer outside int32 is refused naming the operator,
// operand and value; int32-typed option values saturate as WebNN casts them; quantizeLinear adds
// its zero point in int32, whatever the input's precision. A scan of src/lowering proves that every
// narrowing goes through the checked helpers of tensor-data.ts.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { UnsupportedError } from "../../src/errors.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import type { MLOperandDataType } from "../../src/graph/types.js";
import { castNumber, int32Bytes, int32Of, toInternalBytes } from "../../src/lowering/tensor-data.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { numberFromHalfBits } from "../../src/runtime/fp16.js";

async function refusal(build: (b: MLGraphBuilder) => Record<string, ReturnType<MLGraphBuilder["input"]>>): Promise<UnsupportedError> {
  const b = new MLGraphBuilder();
  const e = await convertGraph(b.buildSync(build(b)), { target: "ios17" }).then(() => undefined, (x) => x);
  expect(e).toBeInstanceOf(UnsupportedError);
  return e as UnsupportedError;
}

async function run(build: (b: MLGraphBuilder) => Record<string, ReturnType<MLGraphBuilder["input"]>>, inputs: Record<string, ReturnType<typeof tensorFromNumbers>>, target: "ios15" | "ios17" | "ios18" = "ios17") {
  const b = new MLGraphBuilder();
  const pkg = await convertGraph(b.buildSync(build(b)), { target });
  const out = await runPackage(pkg, inputs);
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, tensorValues(t).map(Number)]));
}

describe("int64/uint64 values outside int32 are refused, never wrapped", () => {
  it("a pad value of 2^53 (a bigint) on an int64 tensor", async () => {
    const e = await refusal((b) => {
      const x = b.input("x", { dataType: "int64", shape: [2] });
      return { y: b.pad(x, [1], [1], { value: 2n ** 53n, label: "padded" }) };
    });
    expect(e.message).toBe('operator pad, operand "padded": int64 value 9007199254740992 does not fit in int32, the widest integer type Core ML computes with');
    expect(e).toMatchObject({ operator: "pad", operand: "padded", rule: "int64-range" });
  });

  it("a clamp bound that would set every element beyond int32", async () => {
    const e = await refusal((b) => ({ y: b.clamp(b.input("x", { dataType: "int64", shape: [3] }), { minValue: 2n ** 40n, label: "c" }) }));
    expect(e.message).toMatch(/^operator clamp, operand "c": int64 minValue 1099511627776 does not fit in int32/);
    const u = await refusal((b) => ({ y: b.clamp(b.input("x", { dataType: "uint64", shape: [3] }), { minValue: 2 ** 32 }) }));
    expect(u.message).toMatch(/uint64 minValue 4294967296 does not fit in int32/);
  });

  it("an int64 constant", async () => {
    const e = await refusal((b) => {
      const c = b.constant({ dataType: "int64", shape: [3] }, BigInt64Array.of(1n, -(2n ** 31n) - 1n, 3n));
      return { y: b.add(b.input("x", { dataType: "int64", shape: [3] }), c) };
    });
    expect(e.message).toMatch(/int64 value -2147483649 \(at index 1\) does not fit in int32/);
  });

  it("a bound beyond int32 on the far side binds nothing, and converts exactly", async () => {
    const x = tensorFromNumbers("int64", [3], [-5, 0, 7]);
    const out = await run((b) => ({ y: b.clamp(b.input("x", { dataType: "int64", shape: [3] }), { minValue: -(2n ** 40n), maxValue: 2n ** 62n }) }), { x });
    expect(out.y).toEqual([-5, 0, 7]);
  });
});

describe("option values are cast to the operand's type as WebNN casts an MLNumber", () => {
  it("int32: a pad value or clamp bound beyond int32 saturates", async () => {
    const x = tensorFromNumbers("int32", [2], [5, -9]);
    const out = await run((b) => {
      const i = b.input("x", { dataType: "int32", shape: [2] });
      return { p: b.pad(i, [1], [0], { value: 2n ** 40n }), c: b.clamp(i, { maxValue: -(2 ** 40) }) };
    }, { x });
    expect(out.p).toEqual([2147483647, 5, -9]);
    expect(out.c).toEqual([-2147483648, -2147483648]);
  });

  it("uint32: a pad value of 2^32 − 1 keeps its bit pattern; int8 saturates to 127", async () => {
    const out = await run((b) => ({
      u: b.pad(b.input("u", { dataType: "uint32", shape: [1] }), [1], [0], { value: 4294967295 }),
      s: b.pad(b.input("s", { dataType: "int8", shape: [1] }), [0], [1], { value: 1000 }),
    }), { u: tensorFromNumbers("uint32", [1], [3]), s: tensorFromNumbers("int8", [1], [-4]) });
    expect(out.u).toEqual([4294967295, 3]);
    expect(out.s).toEqual([-4, 127]);
  });

  it("castNumber truncates and saturates; int32Of refuses what int32 cannot hold", () => {
    expect(castNumber(2.9, "int8")).toBe(2);
    expect(castNumber(-1e30, "int64")).toBe(-(2 ** 63));
    expect(castNumber(NaN, "uint8")).toBe(0);
    expect(castNumber(1.5, "float32")).toBe(1.5);
    expect(int32Of(4294967295, "uint32", {})).toBe(-1);
    expect(() => int32Of(2 ** 31, "int64", { operator: "x" })).toThrow(UnsupportedError);
    expect(() => int32Of(2 ** 31, "int32", {})).toThrow(/does not fit in int32/);
    expect(() => int32Of(0.5, "int32", {})).toThrow(/is not an integer/);
    expect(() => int32Bytes([1, 2 ** 31])).toThrow(/\(at index|does not fit/);
    expect(() => toInternalBytes(new Uint8Array(BigUint64Array.of(2n ** 31n).buffer), "uint64", 1, { operand: "w" })).toThrow(/"w": uint64 value 2147483648 \(at index 0\)/);
  });
});

describe("quantizeLinear adds its zero point in int32", () => {
  // The WebNN reference: clamp(roundEven(x / scale) + zeroPoint, range), in exact arithmetic.
  const roundEven = (v: number) => { const f = Math.floor(v); const d = v - f; return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1; };
  const reference = (xs: number[], scale: number, zp: number, [lo, hi]: [number, number]) => xs.map((v) => Math.min(hi, Math.max(lo, roundEven(v / scale) + zp)));

  const cases: Array<[MLOperandDataType, "int32" | "uint32" | "int8" | "uint8", number, [number, number]]> = [
    ["float16", "int32", 12347, [-(2 ** 31), 2 ** 31 - 1]],
    ["float16", "int32", 2 ** 31 - 3, [-(2 ** 31), 2 ** 31 - 1]],
    ["float16", "int32", -(2 ** 31) + 2, [-(2 ** 31), 2 ** 31 - 1]],
    ["float32", "int32", 123456789, [-(2 ** 31), 2 ** 31 - 1]],
    ["float16", "uint32", 3000000001, [0, 2 ** 32 - 1]],
    ["float16", "uint8", 250, [0, 255]],
    ["float16", "int8", -120, [-128, 127]],
  ];
  for (const [inType, zpType, zp, range] of cases) {
    it(`${inType} input, ${zpType} zero point ${zp}: exactly the reference`, async () => {
      const xs = [0, 1, -1, 2.5, -3.5, 7, 100, -100, 1000, -60000, 60000];
      const x = tensorFromNumbers(inType, [xs.length], xs);
      const exact = inType === "float16" ? Array.from(x.data as Uint16Array, numberFromHalfBits) : Array.from(x.data as Float32Array);
      for (const target of ["ios15", "ios18"] as const) {
        const out = await run((b) => {
          const i = b.input("x", { dataType: inType, shape: [xs.length] });
          const s = b.constant({ dataType: inType, shape: [1] }, tensorFromNumbers(inType, [1], [0.5]).data as Float32Array);
          const z = b.constant({ dataType: zpType, shape: [1] }, tensorFromNumbers(zpType, [1], [zp]).data as Int32Array);
          return { q: b.quantizeLinear(i, s, z) };
        }, { x }, target);
        expect(out.q, target).toEqual(reference(exact, 0.5, zp, range));
      }
    });
  }
});

describe("every narrowing in the lowering is a checked one", () => {
  // Ways to turn a number into a narrower integer without a range check. Only tensor-data.ts may
  // use them (castNumber, int32Of, int32Bytes, toInternalBytes, each tested above); the listed
  // exceptions write bytes of the width their values were read from.
  const NARROWING = /\|\s*0\b|>>>\s*0|\bInt32Array\b|\bInt8Array\b|\bUint8Array\.from\b|Math\.trunc|BigInt\.as(U?)IntN/g;
  const SAME_WIDTH = new Map([
    ["context.ts", ["Uint8Array.from"]], // bool constants: 0 or 1
    ["quantization.ts", ["Int8Array", "Uint8Array.from"]], // int8/uint8 data read from int8/uint8 operands
  ]);
  it("outside tensor-data.ts, only same-width writes", () => {
    const dir = fileURLToPath(new URL("../../src/lowering/", import.meta.url));
    const found: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== "tensor-data.ts")) {
      const text = readFileSync(join(dir, file), "utf8");
      for (const m of text.matchAll(NARROWING)) {
        if (!SAME_WIDTH.get(file)?.includes(m[0])) found.push(`${file}: ${m[0]} at ${text.slice(0, m.index).split("\n").length}`);
      }
    }
    expect(found).toEqual([]);
  });
});
