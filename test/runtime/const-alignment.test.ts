import { describe, expect, it } from "vitest";
import { tensorFromConst } from "../../src/runtime/tensor.js";

describe("tensorFromConst", () => {
  it("copies unaligned bytes, also when they are a Node Buffer (whose slice() is a view)", () => {
    const backing = Buffer.alloc(9);
    backing.writeUInt16LE(0x3c00, 1); // 1.0 as half, at an odd offset
    backing.writeUInt16LE(0xc000, 3); // -2.0
    const t = tensorFromConst({ type: { dataType: "fp16", shape: [2] }, bytes: backing.subarray(1, 5) });
    expect(Array.from(t.data as Uint16Array)).toEqual([0x3c00, 0xc000]);
    const f = Buffer.alloc(9);
    f.writeFloatLE(1.5, 1);
    f.writeFloatLE(-3, 5);
    expect(Array.from(tensorFromConst({ type: { dataType: "fp32", shape: [2] }, bytes: f.subarray(1, 9) }).data as Float32Array)).toEqual([1.5, -3]);
  });
});
