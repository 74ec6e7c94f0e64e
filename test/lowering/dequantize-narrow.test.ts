// Weights already quantized in the graph (dequantizeLinear of int8/uint8/int4 constants) stay
// one byte per weight in weight.bin on iOS 16-17 (constexpr_affine_dequantize), never widened
// to int32 or folded to floats; blocks, which that op cannot express, still fold.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import type { MLOperandDataType } from "../../src/graph/types.js";
import { programFunction } from "../../src/mil/program.js";
import { validateProgram } from "../../src/mil/validate.js";
import { readPackage } from "../../src/packaging/reader.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";

const OUT = 24, IN = 40;
const q = (i: number, signed: boolean) => (signed ? ((i * 37) % 255) - 127 : (i * 37) % 256);

function model(dataType: "int8" | "uint8", scaleShape: number[], zpShape: number[], scaleType: MLOperandDataType = "float32") {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: scaleType, shape: [2, IN] });
  const signed = dataType === "int8";
  const data = Array.from({ length: OUT * IN }, (_, i) => q(i, signed));
  const w = b.constant({ dataType, shape: [IN, OUT] }, signed ? Int8Array.from(data) : Uint8Array.from(data));
  const n = (s: number[]) => s.reduce((a, c) => a * c, 1);
  const scales = Array.from({ length: n(scaleShape) }, (_, i) => 0.01 + i * 0.001);
  const zps = Array.from({ length: n(zpShape) }, (_, i) => (signed ? (i % 5) - 2 : 120 + (i % 7)));
  const s = b.constant({ dataType: scaleType, shape: scaleShape }, scaleType === "float32" ? Float32Array.from(scales) : tensorFromNumbers("float16", scaleShape, scales).data as Uint16Array);
  const z = b.constant({ dataType, shape: zpShape }, signed ? Int8Array.from(zps) : Uint8Array.from(zps));
  return b.buildSync({ y: b.matmul(x, b.dequantizeLinear(w, s, z)) });
}
const input = (t: MLOperandDataType = "float32") => tensorFromNumbers(t, [2, IN], Array.from({ length: 2 * IN }, (_, i) => Math.sin(i)));

describe("dequantizeLinear of constant weights before iOS 18", () => {
  const cases: Array<[string, "int8" | "uint8", number[], number[]]> = [
    ["per tensor", "int8", [1, 1], [1, 1]],
    ["per output channel", "int8", [1, OUT], [1, OUT]],
    ["per input channel", "uint8", [IN, 1], [IN, 1]],
    ["per output channel", "uint8", [1, OUT], [1, OUT]],
  ];
  for (const target of ["ios16", "ios17"] as const) {
    for (const [label, dt, sShape, zShape] of cases) {
      it(`${target}, ${dt} ${label}: constexpr_affine_dequantize over ${dt} data, the same outputs as iOS 15's folded weights`, async () => {
        const pkg = readPackage(await convertGraph(model(dt, sShape, zShape), { target }));
        const fn = programFunction(pkg.parsed.program);
        expect(fn.operations.filter((o) => o.type === "constexpr_affine_dequantize")).toHaveLength(1);
        expect(fn.operations.some((o) => o.type === "sub" || o.type === "cast")).toBe(false);
        expect(validateProgram(pkg.parsed.program, Number(target.slice(3)))).toEqual([]);
        const blobs = [...pkg.parsed.blobs.values()];
        expect(blobs.find((r) => r.dataType === dt)?.sizeInBytes).toBe(OUT * IN);
        expect(blobs.some((r) => r.dataType === "fp32" && r.sizeInBytes >= OUT * IN * 4)).toBe(false);
        const folded = await convertGraph(model(dt, sShape, zShape), { target: "ios15" });
        const expected = tensorValues((await runPackage(folded, { x: input() })).y);
        const got = tensorValues((await runPackage(pkg, { x: input() })).y);
        got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected[i]))));
      });
    }
  }

  it("float16 scales and float16 precision keep the byte data", async () => {
    for (const [scaleType, precision] of [["float16", undefined], ["float32", "float16"]] as const) {
      const pkg = readPackage(await convertGraph(model("int8", [1, OUT], [1, OUT], scaleType), { target: "ios16", precision }));
      const fn = programFunction(pkg.parsed.program);
      const dq = fn.operations.find((o) => o.type === "constexpr_affine_dequantize")!;
      expect(dq.outputs[0].type.dataType).toBe("fp16");
      expect(validateProgram(pkg.parsed.program, 16)).toEqual([]);
      expect([...pkg.parsed.blobs.values()].some((r) => r.dataType === "int8")).toBe(true);
    }
  });

  it("blocks have no constexpr_affine_dequantize form: the weights fold to floats", async () => {
    const fn = programFunction(readPackage(await convertGraph(model("int8", [IN / 8, OUT], [IN / 8, OUT]), { target: "ios17" })).parsed.program);
    expect(fn.operations.some((o) => o.type.startsWith("constexpr_"))).toBe(false);
  });
});
