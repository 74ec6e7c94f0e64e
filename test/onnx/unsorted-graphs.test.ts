// Graphs whose nodes are not in topological order (float16 converters append their input Casts
// at the end; ONNX Runtime sorts before running) import as ONNX Runtime runs them; a real cycle is
// a GraphFormatError naming the nodes of the cycle.
import { describe, expect, it } from "vitest";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { GraphFormatError } from "../../src/errors.js";
import { onnxModel, T, tensor, type GraphSpec } from "./onnx-writer.js";
import { expectSameAsOrt, f32 } from "./ort.js";

const w = tensor("w", T.FLOAT, [4], Float32Array.of(1, -2, 3, 0.5));

describe("nodes out of topological order", () => {
  it("keep_io_types style: the input Cast appended after its readers, runs as ONNX Runtime runs it", async () => {
    const graph: GraphSpec = {
      nodes: [
        { op: "Mul", inputs: ["x16", "w16"], outputs: ["m"], name: "/mul" },
        { op: "Relu", inputs: ["m"], outputs: ["r"], name: "/relu" },
        { op: "Cast", inputs: ["r"], outputs: ["y"], name: "graph_output_cast_0", attrs: { to: T.FLOAT } },
        { op: "Cast", inputs: ["w"], outputs: ["w16"], name: "w_cast", attrs: { to: T.FLOAT16 } },
        { op: "Cast", inputs: ["x"], outputs: ["x16"], name: "graph_input_cast_0", attrs: { to: T.FLOAT16 } },
      ],
      inputs: [["x", T.FLOAT, [2, 4]]],
      outputs: [["y", T.FLOAT, [2, 4]]],
      initializers: [w],
    };
    await expectSameAsOrt(onnxModel(graph), { x: f32([2, 4]) }, { atol: 1e-2 });
  });

  it("a node whose If branch reads a value computed later in the file waits for it", async () => {
    const branch = (op: string): GraphSpec => ({ nodes: [{ op, inputs: ["late", "late"], outputs: [`${op}_out`] }], inputs: [], outputs: [[`${op}_out`, T.FLOAT, [4]]] });
    const graph: GraphSpec = {
      nodes: [
        { op: "If", inputs: ["c"], outputs: ["y"], name: "branch", attrs: { then_branch: { graph: branch("Add") }, else_branch: { graph: branch("Mul") } } },
        { op: "Relu", inputs: ["x"], outputs: ["late"], name: "late_relu" },
      ],
      inputs: [["x", T.FLOAT, [4]]],
      outputs: [["y", T.FLOAT, [4]]],
      initializers: [{ name: "c", type: T.BOOL, dims: [], data: Uint8Array.of(1) }],
    };
    await expectSameAsOrt(onnxModel(graph), { x: f32([4]) });
  });

  it("a cycle is a GraphFormatError naming its nodes", async () => {
    const graph: GraphSpec = {
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["a"], name: "start" },
        { op: "Add", inputs: ["a", "c"], outputs: ["b"], name: "first" },
        { op: "Neg", inputs: ["b"], outputs: ["c"], name: "second" },
        { op: "Identity", inputs: ["c"], outputs: ["y"], name: "end" },
      ],
      inputs: [["x", T.FLOAT, [4]]],
      outputs: [["y", T.FLOAT, [4]]],
    };
    const e = await importOnnx(onnxModel(graph)).then(() => undefined, (x) => x);
    expect(e).toBeInstanceOf(GraphFormatError);
    expect(e).toMatchObject({ rule: "cycle" });
    expect((e as Error).message).toMatch(/the graph has a cycle: (Add "first" → Neg "second" → Add "first"|Neg "second" → Add "first" → Neg "second")/);
  });
});
