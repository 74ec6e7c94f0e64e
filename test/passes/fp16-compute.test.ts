// precision "float16": float32 computation moves to float16 inside the program, the model's
// inputs and outputs keep their types, weights take half the bytes, the validator and the
// reference runtime accept it, and results stay within float16 tolerances of float64.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { validateProgram } from "../../src/mil/validate.js";
import { programFunction } from "../../src/mil/program.js";
import { readPackage } from "../../src/packaging/reader.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";

function cnn() {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [1, 3, 8, 8] });
  const w = b.constant({ dataType: "float32", shape: [4, 3, 3, 3] }, new Float32Array(108).map((_, i) => Math.sin(i) * 0.2));
  const bias = b.constant({ dataType: "float32", shape: [4] }, Float32Array.of(0.1, -0.1, 0.2, 0));
  const c = b.relu(b.conv2d(x, w, { padding: [1, 1, 1, 1], bias }));
  const y = b.softmax(b.reshape(b.averagePool2d(c), [1, 4]), 1);
  return b.buildSync({ y, n: b.cast(b.reduceMax(x), "int32"), z: b.cast(b.greater(x, b.constant({ dataType: "float32", shape: [] }, Float32Array.of(0))), "float32") });
}
const input = () => tensorFromNumbers("float32", [1, 3, 8, 8], Array.from({ length: 192 }, (_, i) => Math.cos(i * 0.7)));

describe("fp16-compute", () => {
  for (const target of ["ios15", "ios17", "ios18"] as const) {
    it(`computes in float16 with float32 inputs and outputs (${target})`, async () => {
      const [p32, p16] = await Promise.all([convertGraph(cnn(), { target }), convertGraph(cnn(), { target, precision: "float16" })]);
      const r16 = readPackage(p16);
      expect(r16.parsed.inputs.map((i) => i.dataType)).toEqual(["float32"]);
      expect(r16.parsed.outputs.map((o) => [o.name, o.dataType])).toEqual([["y", "float32"], ["n", "int32"], ["z", "float32"]]);
      const fn = programFunction(r16.parsed.program);
      const floatTypes = new Set(fn.operations.filter((o) => o.type !== "cast").flatMap((o) => o.outputs.map((x) => x.type.dataType)).filter((t) => t.startsWith("fp")));
      expect([...floatTypes]).toEqual(["fp16"]);
      expect(validateProgram(r16.parsed.program, { ios15: 15, ios17: 17, ios18: 18 }[target])).toEqual([]);
      expect(p16.stats.blobBytes).toBeLessThan(p32.stats.blobBytes);
      const [o32, o16] = [await runPackage(p32, { x: input() }), await runPackage(p16, { x: input() })];
      expect(tensorValues(o16.n)).toEqual(tensorValues(o32.n));
      expect(tensorValues(o16.z)).toEqual(tensorValues(o32.z));
      tensorValues(o16.y).forEach((v, i) => expect(Math.abs(v - tensorValues(o32.y)[i])).toBeLessThan(2e-3));
    });
  }

  it("a graph of constants only still reads its placeholder input (Core ML needs every input read)", async () => {
    const b = new MLGraphBuilder();
    const g = b.buildSync({ y: b.relu(b.constant({ dataType: "float32", shape: [2] }, Float32Array.of(-1, 2))) });
    for (const precision of ["float32", "float16"] as const) {
      const read = readPackage(await convertGraph(g, { precision }));
      const fn = programFunction(read.parsed.program);
      expect(read.parsed.placeholderInput).toBe("placeholder");
      expect(fn.operations.filter((o) => Object.values(o.inputs).flat().includes("placeholder")).map((o) => o.type)).toEqual(["identity"]);
      expect(tensorValues((await runPackage(read, {})).y)).toEqual([0, 2]);
    }
  });

  it("leaves a float32 model unchanged by default, and an int32 model alike", async () => {
    const a = await convertGraph(cnn());
    const b = await convertGraph(cnn(), { precision: "float32" });
    expect(a.files.map((f) => f.size)).toEqual(b.files.map((f) => f.size));
    const g = new MLGraphBuilder();
    const i = g.input("i", { dataType: "int32", shape: [2] });
    const ints = await convertGraph(g.buildSync({ o: g.add(i, i) }), { precision: "float16" });
    expect(readPackage(ints).parsed.outputs[0].dataType).toBe("int32");
  });
});
