import { describe, expect, it } from "vitest";
import { f16round, getFloat16, setFloat16 } from "@petamoriken/float16";
import { halfBitsFromNumber, numberFromHalfBits, roundHalf } from "../../src/runtime/fp16.js";
import { RuntimeError } from "../../src/errors.js";
import { makeTensor, readNumber, readNumbers, tensorFromConst } from "../../src/runtime/tensor.js";
import { rand } from "./helpers.js";

describe("fp16 conversion", () => {
  it("decodes every half bit pattern like the float16 library", () => {
    const dv = new DataView(new ArrayBuffer(2));
    for (let h = 0; h < 65536; h++) {
      dv.setUint16(0, h, true);
      const ref = getFloat16(dv, 0, true);
      const got = numberFromHalfBits(h);
      if (Number.isNaN(ref)) expect(Number.isNaN(got)).toBe(true);
      else expect(Object.is(got, ref)).toBe(true);
    }
  });

  it("re-encodes every non-NaN half exactly", () => {
    for (let h = 0; h < 65536; h++) {
      const v = numberFromHalfBits(h);
      if (!Number.isNaN(v)) expect(halfBitsFromNumber(v)).toBe(h);
    }
  });

  it("rounds doubles like f16round (ties to even, overflow to Infinity, subnormals)", () => {
    const dv = new DataView(new ArrayBuffer(2));
    const samples = [
      ...rand(20000, 7).map((r) => r * 70000),
      ...rand(20000, 9).map((r) => r * 1e-4),
      ...rand(5000, 11).map((r) => r * 1e-7),
      65504, 65519.99, 65520, 65536, -65520, 1e-8, 2 ** -25, 2 ** -25 * 1.0000001, 2 ** -24, 3 * 2 ** -25,
      1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -40, 2049, 2051, -0, 0, Infinity, -Infinity,
    ];
    for (const x of samples) {
      const bits = halfBitsFromNumber(x);
      setFloat16(dv, 0, x, true);
      expect(bits).toBe(dv.getUint16(0, true));
      expect(Object.is(roundHalf(x), f16round(x))).toBe(true);
    }
  });

  it("handles specific edge values", () => {
    expect(roundHalf(1 + 2 ** -11)).toBe(1); // tie → even
    expect(roundHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9); // tie → even (up)
    expect(roundHalf(65519)).toBe(65504);
    expect(roundHalf(65520)).toBe(Infinity);
    expect(roundHalf(-70000)).toBe(-Infinity);
    expect(roundHalf(2 ** -25)).toBe(0); // half the smallest subnormal: tie → 0
    expect(roundHalf(2 ** -25 + 2 ** -40)).toBe(2 ** -24);
    expect(Object.is(roundHalf(-1e-9), -0)).toBe(true);
    expect(halfBitsFromNumber(NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(roundHalf(NaN))).toBe(true);
  });
});

describe("tensors", () => {
  it("makeTensor rounds fp16 and fp32, wraps integers, maps bool", () => {
    expect(readNumbers(makeTensor("fp16", [3], [0.1, 65520, 2049]))).toEqual([f16round(0.1), Infinity, 2048]);
    expect(readNumbers(makeTensor("fp32", [1], [0.1]))).toEqual([Math.fround(0.1)]);
    expect(readNumbers(makeTensor("int32", [4], [2 ** 31, -(2 ** 31) - 1, 3.9, -3.9]))).toEqual([-(2 ** 31), 2 ** 31 - 1, 3, -3]);
    expect(readNumbers(makeTensor("int8", [2], [200, -129]))).toEqual([-56, 127]);
    expect(readNumbers(makeTensor("uint8", [2], [256, -1]))).toEqual([0, 255]);
    expect(readNumbers(makeTensor("bool", [4], [0, 2, -1, NaN]))).toEqual([0, 1, 1, 1]);
    expect(readNumbers(makeTensor("int4", [2], [7, 8]))).toEqual([7, -8]);
    expect(() => makeTensor("fp32", [2], [1])).toThrow(RuntimeError);
  });

  it("tensorFromConst reads little-endian bytes, aligned or not", () => {
    const raw = new Uint8Array(1 + 8);
    const dv = new DataView(raw.buffer);
    dv.setFloat32(1, 1.5, true);
    dv.setFloat32(5, -2.25, true);
    const unaligned = raw.subarray(1); // byteOffset 1
    const t = tensorFromConst({ type: { dataType: "fp32", shape: [2] }, bytes: unaligned });
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(readNumbers(t)).toEqual([1.5, -2.25]);

    const h = new Uint8Array([0x00, 0x3c, 0x00, 0xc0]); // 1.0, -2.0 in fp16
    expect(readNumbers(tensorFromConst({ type: { dataType: "fp16", shape: [2] }, bytes: h }))).toEqual([1, -2]);
    const i = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
    expect(readNumbers(tensorFromConst({ type: { dataType: "int32", shape: [] }, bytes: i }))).toEqual([-1]);
    expect(readNumbers(tensorFromConst({ type: { dataType: "bool", shape: [3] }, bytes: new Uint8Array([0, 1, 5]) }))).toEqual([0, 1, 1]);
    expect(readNumbers(tensorFromConst({ type: { dataType: "int4", shape: [2] }, bytes: new Uint8Array([0x0f, 0x07]) }))).toEqual([-1, 7]);
    const s = tensorFromConst({ type: { dataType: "string", shape: [] }, strings: ["same"] });
    expect(s.data).toEqual(["same"]);
    expect(() => tensorFromConst({ type: { dataType: "fp32", shape: [3] }, bytes: new Uint8Array(8) })).toThrow(/needs 12 bytes/);
  });

  it("readNumber decodes fp16 and checks the index", () => {
    const x = makeTensor("fp16", [2], [1.5, -0.25]);
    expect(readNumber(x, 1)).toBe(-0.25);
    expect(() => readNumber(x, 2)).toThrow(RuntimeError);
  });
});
