// Rank-6 values inside reshape → transpose → reshape chains (Swin's window partition and window
// reverse) are lowered at rank ≤ 5 by merging the axes that stay adjacent through the
// permutation; a rank-6 value no merge can lower is refused naming the operator and shape.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { UnsupportedError } from "../../src/errors.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { mergeTransposeAxes } from "../../src/lowering/reduce-rank.js";
import { programFunction } from "../../src/mil/program.js";
import { readPackage } from "../../src/packaging/reader.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { onnxModel, T, tensor } from "../onnx/onnx-writer.js";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { expectSameAsOrt, f32 } from "../onnx/ort.js";

/** numpy-style transpose of a row-major array. */
function transposeValues(values: number[], shape: number[], perm: number[]): number[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]);
  const out: number[] = [];
  const idx = new Array(outShape.length).fill(0);
  for (let n = 0; n < values.length; n++) {
    out.push(values[idx.reduce((off, v, j) => off + v * strides[perm[j]], 0)]);
    for (let j = outShape.length - 1; j >= 0 && ++idx[j] === outShape[j]; j--) idx[j] = 0;
  }
  return out;
}

describe("rank-6 chains", () => {
  it("mergeTransposeAxes keeps adjacent axes together and drops size-1 ones", () => {
    expect(mergeTransposeAxes([2, 4, 3, 4, 3, 8], [0, 1, 3, 2, 4, 5])).toEqual({ input: [8, 3, 4, 24], perm: [0, 2, 1, 3], output: [8, 4, 3, 24] });
    expect(mergeTransposeAxes([1, 2, 1, 3, 4, 5], [2, 0, 4, 5, 1, 3])).toEqual({ input: [6, 20], perm: [1, 0], output: [20, 6] });
    expect(mergeTransposeAxes([2, 3, 2, 3, 2, 3], [1, 0, 3, 2, 5, 4]).input.length).toBe(6);
  });

  it("Swin window partition and reverse (WebNN): exact, and no MIL value above rank 5", async () => {
    const [B, H, W, C, w] = [2, 8, 12, 3, 4];
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: [B, H, W, C] });
    const six = b.reshape(x, [B, H / w, w, W / w, w, C]);
    const windows = b.reshape(b.transpose(six, { permutation: [0, 1, 3, 2, 4, 5] }), [B * (H / w) * (W / w), w, w, C]);
    const back6 = b.reshape(b.relu(windows), [B, H / w, W / w, w, w, C]);
    const back = b.reshape(b.transpose(back6, { permutation: [0, 1, 3, 2, 4, 5] }), [B, H, W, C]);
    const pkg = await convertGraph(b.buildSync({ windows, back }), { target: "ios17" });
    const fn = programFunction(readPackage(pkg).parsed.program);
    expect(Math.max(...fn.operations.flatMap((o) => o.outputs.map((v) => v.type.shape.length)))).toBeLessThanOrEqual(5);
    const values = Array.from({ length: B * H * W * C }, (_, i) => i - 100);
    const out = await runPackage(pkg, { x: tensorFromNumbers("float32", [B, H, W, C], values) });
    expect(tensorValues(out.windows)).toEqual(transposeValues(values, [B, H / w, w, W / w, w, C], [0, 1, 3, 2, 4, 5]));
    expect(tensorValues(out.back)).toEqual(values.map((v) => Math.max(0, v)));
  });

  it("ONNX Reshape → Transpose → Reshape at rank 6 matches ONNX Runtime", async () => {
    const shape6 = tensor("s6", T.INT64, [6], BigInt64Array.of(1n, 2n, 4n, 3n, 4n, 5n));
    const shape4 = tensor("s4", T.INT64, [4], BigInt64Array.of(6n, 4n, 4n, 5n));
    const model = onnxModel({
      nodes: [
        { op: "Reshape", inputs: ["x", "s6"], outputs: ["r6"] },
        { op: "Transpose", inputs: ["r6"], outputs: ["t6"], attrs: { perm: [0, 1, 3, 2, 4, 5] } },
        { op: "Reshape", inputs: ["t6", "s4"], outputs: ["y"] },
      ],
      inputs: [["x", T.FLOAT, [1, 8, 12, 5]]], outputs: [["y", T.FLOAT, [6, 4, 4, 5]]], initializers: [shape6, shape4],
    });
    await expectSameAsOrt(model, { x: f32([1, 8, 12, 5]) }, { atol: 0 });
  });

  it("a rank-6 value no merge lowers is refused naming the operator and shape", async () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: [2, 3, 2, 3, 2, 3] });
    const e = await convertGraph(b.buildSync({ y: b.transpose(b.relu(x), { permutation: [1, 0, 3, 2, 5, 4] }) })).then(() => undefined, (z) => z);
    expect(e).toBeInstanceOf(UnsupportedError);
    expect((e as Error).message).toMatch(/has rank 6 \[2, 3, 2, 3, 2, 3\]; Core ML tensors have at most 5 dimensions/);
  });

  it("elementwise operations on rank-6 values (after a transpose, between reshapes, with scalars) take the merged shape; ONNX Runtime agrees", async () => {
    const i64 = (name: string, v: number[]) => tensor(name, T.INT64, [v.length], BigInt64Array.from(v.map(BigInt)));
    const model = onnxModel({
      nodes: [
        { op: "Reshape", inputs: ["x", "s6"], outputs: ["r6"] },
        { op: "Transpose", inputs: ["r6"], outputs: ["t6"], attrs: { perm: [0, 1, 3, 2, 4, 5] } },
        { op: "Mul", inputs: ["t6", "half"], outputs: ["m6"] },
        { op: "Relu", inputs: ["m6"], outputs: ["a6"] },
        { op: "Reshape", inputs: ["a6", "s4"], outputs: ["y"] },
        // Between two reshapes: x·x + x at rank 6.
        { op: "Reshape", inputs: ["x", "s6"], outputs: ["q6"] },
        { op: "Mul", inputs: ["q6", "q6"], outputs: ["sq6"] },
        { op: "Add", inputs: ["sq6", "q6"], outputs: ["p6"] },
        { op: "Tanh", inputs: ["p6"], outputs: ["h6"] },
        { op: "Reshape", inputs: ["h6", "s4b"], outputs: ["z"] },
      ],
      inputs: [["x", T.FLOAT, [1, 8, 12, 5]]], outputs: [["y", T.FLOAT, [6, 4, 4, 5]], ["z", T.FLOAT, [1, 8, 12, 5]]],
      initializers: [i64("s6", [1, 2, 4, 3, 4, 5]), i64("s4", [6, 4, 4, 5]), i64("s4b", [1, 8, 12, 5]), tensor("half", T.FLOAT, [], Float32Array.of(0.5))],
    });
    await expectSameAsOrt(model, { x: f32([1, 8, 12, 5]) }, { atol: 1e-6 });
    const pkg = await convertGraph(await importOnnx(model), { target: "ios17" });
    expect(Math.max(...programFunction(readPackage(pkg).parsed.program).operations.flatMap((o) => o.outputs.map((v) => v.type.shape.length)))).toBeLessThanOrEqual(5);
  });
});
