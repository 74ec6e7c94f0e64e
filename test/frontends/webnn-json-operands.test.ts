// Operand-valued options and plain positional arguments in webnn-graph JSON, for every operator
// the signature table describes (not only conv and normalization).
import { describe, expect, it } from "vitest";
import { readGraphJson } from "../../src/frontends/webnn-json/index.js";
import { nodeAttributeRecord, nodeInputRecord, type MLOperand } from "../../src/graph/operand.js";
import { convertGraph } from "../../src/convert.js";
import { runPackage } from "../../src/run-package.js";

const f32 = (shape: number[]) => ({ dataType: "float32", shape });
const inline = (values: number[]) => ({ kind: "inlineBytes", bytes: [...new Uint8Array(new Float32Array(values).buffer)] });

function doc(nodes: unknown[], inputs: Record<string, unknown>, consts: Record<string, unknown>, outputs: Record<string, string>) {
  return { format: "webnn-graph-json", version: 2, inputs, consts, nodes, outputs };
}

describe("webnn-graph JSON: operands by name through the signature table", () => {
  it("resolves gemm's option c by name (as webnn-graph writes `gemm(a, b, c=bias)`) and computes with it", async () => {
    const g = readGraphJson(doc(
      [{ id: "y", op: "gemm", inputs: ["a", "b"], options: { c: "bias", bTranspose: true } }],
      { a: f32([1, 2]) },
      { b: { ...f32([3, 2]), init: inline([1, 0, 0, 1, 1, 1]) }, bias: { ...f32([3]), init: inline([10, 20, 30]) } },
      { y: "y" }));
    const node = g.nodes[0];
    expect((nodeInputRecord(node).c as MLOperand).name).toBe("bias");
    const out = await runPackage(await convertGraph(g), { a: { dataType: "float32", shape: [1, 2], data: new Float32Array([2, 5]) } });
    expect([...(out.y.data as Float32Array)]).toEqual([12, 25, 37]);
  });

  it("takes gru's biases and initial state by name and steps/hiddenSize from options", () => {
    const hs = 2, input = 3;
    const w = (n: number) => inline(new Array(n).fill(0.1));
    const g = readGraphJson(doc(
      [{ id: "gru", op: "gru", inputs: ["x", "W", "R"], options: { steps: 1, hiddenSize: hs, bias: "B", initialHiddenState: "H0", returnSequence: false }, outputs: ["h"] }],
      { x: f32([1, 1, input]) },
      { W: { ...f32([1, 3 * hs, input]), init: w(3 * hs * input) }, R: { ...f32([1, 3 * hs, hs]), init: w(3 * hs * hs) },
        B: { ...f32([1, 3 * hs]), init: w(3 * hs) }, H0: { ...f32([1, 1, hs]), init: w(hs) } },
      { h: "h" }));
    const node = g.nodes[0];
    expect(node.op).toBe("gru");
    expect(Object.keys(nodeInputRecord(node)).filter((k) => nodeInputRecord(node)[k] !== undefined).sort()).toEqual(["bias", "initialHiddenState", "input", "recurrentWeight", "weight"]);
    expect(nodeAttributeRecord(node).hiddenSize).toBe(hs);
  });

  it("reads pad's paddings and tile's repetitions from options", () => {
    const g = readGraphJson(doc(
      [{ id: "p", op: "pad", inputs: ["x"], options: { beginningPadding: [1, 0], endingPadding: [0, 2], mode: "edge" } },
       { id: "t", op: "tile", inputs: ["p"], options: { repetitions: [2, 1] } }],
      { x: f32([2, 2]) }, {}, { t: "t" }));
    expect(g.outputs[0].operand.shape).toEqual([6, 4]);
  });

  it("refuses an unknown option name (a typo) with the operator and the rule", () => {
    expect(() => readGraphJson(doc([{ id: "y", op: "gemm", inputs: ["a", "a"], options: { aTransposed: true } }], { a: f32([2, 2]) }, {}, { y: "y" })))
      .toThrow(expect.objectContaining({ kind: "GraphValidationError", rule: "option-unknown", operator: "gemm", operand: "y" }));
  });

  it("reports a dangling operand-valued option by name", () => {
    expect(() => readGraphJson(doc([{ id: "y", op: "gemm", inputs: ["a", "a"], options: { c: "nope" } }], { a: f32([2, 2]) }, {}, { y: "y" })))
      .toThrow(expect.objectContaining({ kind: "GraphFormatError", rule: "dangling-operand", operand: "nope" }));
  });
});
