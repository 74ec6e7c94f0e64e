// The targets table: every target-gated rule is read from it; iOS 26 is specification 10 with
// opset CoreML9, iOS 18's operations, and int8 model inputs and outputs.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { programFunction } from "../../src/mil/program.js";
import { resolveTarget, TARGETS, targetForOpset } from "../../src/mil/target.js";
import { readPackage } from "../../src/packaging/reader.js";
import { runPackageContents, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { iosVersionOfOpset } from "../../src/runtime/execute.js";

describe("targets", () => {
  it("name each specification version and opset once, and the runtime reads iOS versions from them", () => {
    expect(Object.values(TARGETS).map((t) => [t.name, t.specificationVersion, t.opset, t.ios])).toEqual([
      ["ios15", 6, "CoreML5", 15], ["ios16", 7, "CoreML6", 16], ["ios17", 8, "CoreML7", 17], ["ios18", 9, "CoreML8", 18], ["ios26", 10, "CoreML9", 26],
    ]);
    expect(iosVersionOfOpset("CoreML9")).toBe(26);
    expect(targetForOpset("CoreML8")?.name).toBe("ios18");
    expect(() => iosVersionOfOpset("CoreML10")).toThrow(/unknown opset "CoreML10" \(expected CoreML5, CoreML6, CoreML7, CoreML8, CoreML9\)/);
    expect(() => resolveTarget("ios19")).toThrow(/expected ios15, ios16, ios17, ios18 or ios26/);
  });

  it("iOS 26 packages carry int8 inputs and outputs as INT8 arrays; earlier ones as INT32", async () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "int8", shape: [4] });
    const g = b.buildSync({ y: b.neg(x) });
    for (const [target, coreml] of [["ios18", "int32"], ["ios26", "int8"]] as const) {
      const read = readPackage(await convertGraph(g, { target }));
      expect(read.parsed.inputs[0].coremlDataType, target).toBe(coreml);
      expect(read.parsed.outputs[0].coremlDataType, target).toBe(coreml);
      const fn = programFunction(read.parsed.program);
      expect(fn.inputs[0].type.dataType).toBe(coreml);
      expect(read.parsed.proto.description!.input![0].type!.multiArrayType!.dataType).toBe(coreml === "int8" ? 131080 : 131104);
      const out = runPackageContents(read, { x: tensorFromNumbers("int8", [4], [1, -2, 127, -128]) });
      expect(out.y.dataType).toBe("int8");
      expect(tensorValues(out.y)).toEqual([-1, 2, -127, -128]);
    }
  });

  it("iOS 26 compresses weights with iOS 18's operations and takes multifunction packages", async () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: [1, 64] });
    const w = b.constant({ dataType: "float32", shape: [64, 64] }, Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i)));
    const pkg = await convertGraph(b.buildSync({ y: b.matmul(x, w) }), { target: "ios26", compress: { mode: "int4", blockSize: 16 } });
    const types = programFunction(readPackage(pkg).parsed.program).operations.map((o) => o.type);
    expect(types).toContain("constexpr_blockwise_shift_scale");
    expect(TARGETS.ios26.multifunction && TARGETS.ios26.constexprOps === "ios18").toBe(true);
    expect(TARGETS.ios17.multifunction).toBe(false);
  });
});
