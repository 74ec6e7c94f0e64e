import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { readPackage } from "../../src/packaging/reader.js";
import { fileBytes, findFile, WEIGHT_FILE } from "../../src/packaging/package.js";
import { runPackageContents, tensorFromNumbers } from "../../src/run-package.js";
import { validateProgram } from "../../src/mil/validate.js";
import { packSubByte, unpackSubByte } from "../../src/mil/sub-byte.js";
import { programFunction } from "../../src/mil/program.js";

function graph() {
  const b = new MLGraphBuilder();
  const vals = Array.from({ length: 25 }, (_, i) => (i % 16) - 8); // odd count: a padding nibble
  const packed = new Uint8Array(13);
  vals.forEach((v, i) => { packed[i >> 1] |= (v & 15) << ((i & 1) * 4); });
  // A 5×5 weight: 1-D quantized vectors (biases) fold to floats, weights stay narrow.
  const q = b.constant({ dataType: "int4", shape: [5, 5] }, packed);
  const scale = b.constant({ dataType: "float32", shape: [1, 1] }, new Float32Array([0.5]));
  const zp = b.constant({ dataType: "int4", shape: [1, 1] }, new Uint8Array([0x0e])); // -2
  const y = b.add(b.dequantizeLinear(q, scale, zp), b.input("x", { dataType: "float32", shape: [5, 5] }));
  return { g: b.buildSync({ y }), expected: vals.map((v) => (v + 2) * 0.5) };
}

describe("int4/uint4 constants", () => {
  it("pack and unpack two per byte, low nibble first, sign-extending int4", () => {
    const unpacked = Uint8Array.from([1, 0xff, 7, 0xf8, 3]); // 1, -1, 7, -8, 3
    const { bytes, paddingBits } = packSubByte("int4", unpacked, 5);
    expect(Array.from(bytes)).toEqual([0xf1, 0x87, 0x03]);
    expect(paddingBits).toBe(4);
    expect(Array.from(unpackSubByte("int4", bytes, 5))).toEqual(Array.from(unpacked));
    expect(Array.from(unpackSubByte("uint4", bytes, 5))).toEqual([1, 15, 7, 8, 3]);
  });

  for (const target of ["ios17", "ios18"] as const) {
    it(`${target}: dequantizeLinear of an int4 constant computes (q - zp) * scale`, async () => {
      const { g, expected } = graph();
      const pkg = await convertGraph(g, { target });
      const read = readPackage(pkg);
      expect(validateProgram(read.parsed.program, Number(target.slice(3)))).toEqual([]);
      const types = programFunction(read.parsed.program).operations.map((o) => o.type);
      if (target === "ios18") {
        expect(types).toContain("constexpr_blockwise_shift_scale");
        // the int4 data is a sub-byte blob: code 8, 13 packed bytes, 4 padding bits
        const rec = [...read.parsed.blobs.values()].find((r) => r.dataType === "int4")!;
        expect(rec.sizeInBytes).toBe(13);
        expect(rec.paddingBits).toBe(4);
        const file = fileBytes(findFile(pkg, WEIGHT_FILE)!);
        expect(new DataView(file.buffer, file.byteOffset).getUint32(rec.offset + 4, true)).toBe(8);
      } else {
        expect(types).not.toContain("constexpr_blockwise_shift_scale");
        // Before iOS 18 int4 has no sub-byte form: the data is widened to one byte per value and
        // expanded by constexpr_affine_dequantize (no float copy, no widened int32, no sub/mul).
        expect(types).toContain("constexpr_affine_dequantize");
        expect(types).not.toContain("sub");
        expect(types).not.toContain("mul");
        expect([...read.parsed.blobs.values()].map((r) => r.dataType)).toEqual(["int8"]);
      }
      const out = runPackageContents(read, { x: tensorFromNumbers("float32", [5, 5], [0]) });
      expect(Array.from(out.y.data as Float32Array)).toEqual(expected);
    });
  }
});

describe("small int4 constants", () => {
  it("are immediate values packed two per byte, and read back unpacked", async () => {
    const b = new MLGraphBuilder();
    const q = b.constant({ dataType: "int4", shape: [1, 3] }, new Uint8Array([0xf1, 0x07])); // 1, -1, 7
    const s = b.constant({ dataType: "float32", shape: [1, 1] }, new Float32Array([2]));
    const z = b.constant({ dataType: "int4", shape: [1, 1] }, new Uint8Array([0]));
    const pkg = await convertGraph(b.buildSync({ y: b.dequantizeLinear(q, s, z) }), { target: "ios18" });
    const read = readPackage(pkg);
    const data = programFunction(read.parsed.program).operations.find((o) => o.type === "const" && o.value?.type.dataType === "int4" && o.value.type.shape[1] === 3)!;
    expect(Array.from(data.value!.bytes!)).toEqual([1, 0xff, 7]);
    // Inline in the constexpr op's argument, as coremltools writes iOS 18 constexpr parameters.
    const raw = read.parsed.proto.mlProgram!.functions!.main.blockSpecializations!.CoreML8.operations!
      .find((o) => o.type === "constexpr_blockwise_shift_scale")!;
    expect(Array.from(raw.inputs!.data.arguments![0].value!.immediateValue!.tensor!.bytes!.values!)).toEqual([0xf1, 0x07]);
    const out = runPackageContents(read, {});
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, -2, 14]);
  });
});
