import { describe, expect, it } from "vitest";
import { isBlobEligible, readWeightBlob, WeightBlobWriter } from "../../src/serialization/weight-blob.js";
import type { MilDataType } from "../../src/mil/program.js";
import { TARGETS } from "../../src/mil/target.js";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.byteLength; }
  return out;
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const u64 = (b: Uint8Array, at: number) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(at, true));

const CODES: [MilDataType, number][] = [["fp16", 1], ["fp32", 2], ["uint8", 3], ["int8", 4], ["int32", 14], ["uint32", 15]];

describe("weight.bin (MIL blob storage v2)", () => {
  for (const [dtype, code] of CODES) {
    it(`${dtype}: blobs of 1 to 130 bytes, two per file, laid out by hand-computed offsets`, () => {
      for (let size = 1; size <= 130; size++) {
        const a = Uint8Array.from({ length: size }, (_, i) => (i * 7 + size) & 255);
        const b = a.map((x) => x ^ 0x80);
        const w = new WeightBlobWriter();
        expect(w.add(dtype, a)).toBe(64);
        const second = 64 + Math.ceil((64 + size) / 64) * 64; // metadata 64 + data, padded to 64
        expect(w.add(dtype, b)).toBe(second);
        const file = concat(w.parts());
        // header: count 2, version 2, 56 zero bytes
        expect(u32(file, 0)).toBe(2);
        expect(u32(file, 4)).toBe(2);
        expect(file.subarray(8, 64).every((x) => x === 0)).toBe(true);
        for (const [off, data] of [[64, a], [second, b]] as const) {
          expect(off % 64).toBe(0);
          expect(u32(file, off)).toBe(0xdeadbeef);
          expect(u32(file, off + 4)).toBe(code);
          expect(u64(file, off + 8)).toBe(size);
          expect(u64(file, off + 16)).toBe(off + 64);
          expect(u64(file, off + 24)).toBe(0);
          expect(file.subarray(off + 32, off + 64).every((x) => x === 0)).toBe(true);
          expect(Array.from(file.subarray(off + 64, off + 64 + size))).toEqual(Array.from(data));
        }
        // zero padding between the first blob's data and the second metadata
        expect(file.subarray(128 + size, second).every((x) => x === 0)).toBe(true);
        // the file ends right after the last data
        expect(file.byteLength).toBe(second + 64 + size);
        expect(w.byteLength).toBe(file.byteLength);
        const recs = readWeightBlob(file);
        expect([...recs.keys()]).toEqual([64, second]);
      }
    });
  }

  it("stores identical bytes once and keeps references (no copies)", () => {
    const w = new WeightBlobWriter();
    const a = new Uint8Array(40).fill(3);
    const b = new Uint8Array(40).fill(3);
    expect(w.add("fp32", a)).toBe(64);
    expect(w.add("fp32", b)).toBe(64);
    expect(w.add("fp16", b)).toBe(192); // another dtype is another blob
    expect(w.count).toBe(2);
    expect(w.parts()).toContain(a);
  });

  it("an empty writer is a bare header", () => {
    const file = concat(new WeightBlobWriter().parts());
    expect(file.byteLength).toBe(64);
    expect(u32(file, 4)).toBe(2);
  });

  it("the reader rejects bad version, sentinel, offsets and truncation", () => {
    const w = new WeightBlobWriter();
    w.add("fp32", new Uint8Array(40));
    const good = concat(w.parts());
    const bad = (mutate: (f: Uint8Array) => Uint8Array) => () => readWeightBlob(mutate(good.slice()));
    expect(bad((f) => { f[4] = 1; return f; })).toThrow(/version 1/);
    expect(bad((f) => { f[64] = 0; return f; })).toThrow(/sentinel/);
    expect(bad((f) => { f[80] = 1; return f; })).toThrow(/data offset/);
    expect(bad((f) => f.subarray(0, 100))).toThrow(/past the end/);
    expect(bad((f) => f.subarray(0, 10))).toThrow(/shorter than/);
  });

  it("the ≥ 10 element rule per target", () => {
    expect(isBlobEligible("fp16", 9, TARGETS.ios15)).toBe(false);
    expect(isBlobEligible("fp16", 10, TARGETS.ios15)).toBe(true);
    expect(isBlobEligible("fp32", 10, TARGETS.ios15)).toBe(true);
    expect(isBlobEligible("int8", 10, TARGETS.ios15)).toBe(true);
    expect(isBlobEligible("uint8", 10, TARGETS.ios15)).toBe(true);
    expect(isBlobEligible("int32", 10, TARGETS.ios17)).toBe(false);
    expect(isBlobEligible("int32", 10, TARGETS.ios18)).toBe(true);
    expect(isBlobEligible("uint32", 10, TARGETS.ios18)).toBe(true);
    expect(isBlobEligible("bool", 100, TARGETS.ios18)).toBe(false);
    expect(isBlobEligible("string", 100, TARGETS.ios18)).toBe(false);
    expect(isBlobEligible("int4", 10, TARGETS.ios17)).toBe(false);
    expect(isBlobEligible("uint4", 10, TARGETS.ios26)).toBe(true);
  });
});
