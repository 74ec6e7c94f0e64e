// The integer and bool cleanups, on graphs as exporters write them: torch's integer floor
// division (trunc Div plus its fix-up) becomes one floor_div, shape arithmetic's offsets merge,
// WebNN's bools-as-numbers round trips go, and repeated computations are computed once — each
// checked against ONNX Runtime on negative and positive values.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { programFunction } from "../../src/mil/program.js";
import { readPackage } from "../../src/packaging/reader.js";
import { onnxModel, T, tensor, type NodeSpec } from "../onnx/onnx-writer.js";
import { runOrt, runOurs, type Feed } from "../onnx/ort.js";

const i64 = (name: string, v: number) => tensor(name, T.INT64, [], new BigInt64Array([BigInt(v)]));
const bool = (name: string, v: boolean) => tensor(name, T.BOOL, [], new Uint8Array([v ? 1 : 0]));

/** torch.div(a, b, rounding_mode="floor") on int64, as torch.onnx.export (opset 18) writes it. */
function floorDivNodes(a: string, b: string, out: string, p: string): NodeSpec[] {
  return [
    { op: "Div", inputs: [a, b], outputs: [`${p}div`] },
    { op: "Less", inputs: [a, "zero"], outputs: [`${p}neg`] },
    { op: "Xor", inputs: [`${p}neg`, "bNegative"], outputs: [`${p}differ`] },
    { op: "Mod", inputs: [a, b], outputs: [`${p}mod`], attrs: { fmod: 0 } },
    { op: "Equal", inputs: [`${p}mod`, "zero"], outputs: [`${p}exact`] },
    { op: "Not", inputs: [`${p}exact`], outputs: [`${p}inexact`] },
    { op: "And", inputs: [`${p}differ`, `${p}inexact`], outputs: [`${p}fix`] },
    { op: "Sub", inputs: [`${p}div`, "one"], outputs: [`${p}down`] },
    { op: "Where", inputs: [`${p}fix`, `${p}down`, `${p}div`], outputs: [out] },
  ];
}

async function computeOps(bytes: Uint8Array): Promise<string[]> {
  const pkg = await convertGraph(await importOnnx(bytes), { target: "ios17" });
  return programFunction(readPackage(pkg).parsed.program).operations.map((o) => o.type).filter((t) => t !== "const");
}

describe("integer cleanups", () => {
  it("torch's floor division over two conv layers' length arithmetic: floor_div and merged offsets, as ONNX Runtime computes it", async () => {
    const model = onnxModel({
      nodes: [
        { op: "Sub", inputs: ["n", "k"], outputs: ["a0"] },
        ...floorDivNodes("a0", "five", "q0", "l0_"),
        { op: "Add", inputs: ["q0", "one"], outputs: ["len0"] },
        { op: "Sub", inputs: ["len0", "three"], outputs: ["a1"] },
        ...floorDivNodes("a1", "two", "q1", "l1_"),
        { op: "Add", inputs: ["q1", "one"], outputs: ["y"] },
      ],
      inputs: [["n", T.INT64, [6]]],
      outputs: [["y", T.INT64, [6]]],
      initializers: [i64("k", 10), i64("five", 5), i64("two", 2), i64("three", 3), i64("one", 1), i64("zero", 0), bool("bNegative", false)],
    }, 18);
    const ops = await computeOps(model);
    expect(ops.filter((t) => t === "floor_div")).toHaveLength(2);
    // sub, floor_div, add + sub merged, floor_div, add — no selects, mods or comparisons.
    expect(ops).toEqual(["sub", "floor_div", "add", "floor_div", "add"]);
    const feeds: Record<string, Feed> = { n: { dataType: "int64", shape: [6], data: [1600, 0, -7, 13, -23, 10] } };
    expect((await runOurs(model, feeds)).y.values).toEqual((await runOrt(model, feeds)).y.values);
  });

  it("the truncating division alone stays exact (WebNN's div), negative values included", async () => {
    const model = onnxModel({ nodes: [{ op: "Div", inputs: ["n", "five"], outputs: ["y"] }], inputs: [["n", T.INT64, [4]]], outputs: [["y", T.INT64, [4]]], initializers: [i64("five", 5)] }, 18);
    const feeds: Record<string, Feed> = { n: { dataType: "int64", shape: [4], data: [-7, 7, -10, 3] } };
    expect((await runOurs(model, feeds)).y.values).toEqual((await runOrt(model, feeds)).y.values);
    expect(await computeOps(model)).toContain("select");
  });

  it("a comparison's bool cast out and tested back in goes; repeated comparisons are computed once", async () => {
    const model = onnxModel({
      nodes: [
        { op: "Less", inputs: ["x", "zf"], outputs: ["neg"] },
        { op: "Cast", inputs: ["neg"], outputs: ["negInt"], attrs: { to: T.INT32 } },
        { op: "Cast", inputs: ["negInt"], outputs: ["negBool"], attrs: { to: T.BOOL } },
        { op: "Less", inputs: ["x", "zf"], outputs: ["neg2"] },
        { op: "And", inputs: ["negBool", "neg2"], outputs: ["both"] },
        { op: "Where", inputs: ["both", "x", "zf"], outputs: ["y"] },
      ],
      inputs: [["x", T.FLOAT, [5]]],
      outputs: [["y", T.FLOAT, [5]]],
      initializers: [tensor("zf", T.FLOAT, [], new Float32Array([0]))],
    }, 18);
    const ops = await computeOps(model);
    expect(ops.filter((t) => t === "less")).toHaveLength(1);
    expect(ops).not.toContain("cast");
    const feeds: Record<string, Feed> = { x: { dataType: "float32", shape: [5], data: [-2, -0.5, 0, 0.5, 3] } };
    expect((await runOurs(model, feeds)).y.values).toEqual((await runOrt(model, feeds)).y.values);
  });
});
