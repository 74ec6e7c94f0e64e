// Files from strangers: circular and endlessly nested values, names that are Object.prototype's
// own, and op types that are not kernels — each a typed error or a correct result, never a crash.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { describeValue, WebNNCoreMLError } from "../../src/errors.js";
import { readGraphJson } from "../../src/frontends/webnn-json/index.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { singleFunctionProgram } from "../../src/mil/program.js";
import { executeProgram } from "../../src/runtime/execute.js";
import { runPackage, tensorFromNumbers } from "../../src/run-package.js";

const deep = (): unknown[] => { const root: unknown[] = []; let cur = root; for (let i = 0; i < 100_000; i++) { const n: unknown[] = []; cur.push(n); cur = n; } return root; };
const doc = (o: object) => ({ format: "webnn-graph-json", version: 1, ...o });

describe("hostile graph files", () => {
  it("circular and deeply nested values give typed errors with short messages", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: [2] });
    expect(() => b.pad(x, x as never, [0] as never)).toThrow(WebNNCoreMLError);
    for (const d of [
      doc({ inputs: { s: { dataType: "float32", shape: deep() } }, nodes: [], outputs: { s: "s" } }),
      doc({ inputs: { s: { dataType: "float32", shape: [2] } }, nodes: [{ id: "p", op: "transpose", inputs: ["s"], options: { permutation: deep() } }], outputs: { p: "p" } }),
      doc({ inputs: { s: { dataType: "float32", shape: [2] } }, nodes: [{ id: "p", op: "pad", inputs: ["s", "s"] }], outputs: { p: "p" } }),
    ]) {
      let err: unknown;
      try { readGraphJson(d); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(WebNNCoreMLError);
      expect((err as Error).message.length).toBeLessThan(300);
    }
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeValue(circular)).toBe("an object");
    expect(describeValue(deep())).toBe("an array of 1 items");
  });

  it("inputs and outputs named __proto__ and constructor survive reading, conversion and running", async () => {
    const g = readGraphJson(doc({
      inputs: JSON.parse('{"__proto__": {"dataType": "float32", "shape": [2]}}'),
      nodes: [{ id: "p", op: "relu", inputs: ["__proto__"] }],
      outputs: JSON.parse('{"__proto__": "p", "constructor": "p"}'),
    }));
    expect(g.outputs.map((o) => o.name)).toEqual(["__proto__", "constructor"]);
    const inputs = Object.defineProperty({}, "__proto__", { value: tensorFromNumbers("float32", [2], [-1, 2]), enumerable: true });
    const out = await runPackage(await convertGraph(g), inputs);
    expect(Object.keys(out)).toEqual(["__proto__", "constructor"]);
    expect([...(Object.getOwnPropertyDescriptor(out, "__proto__")!.value.data as Float32Array)]).toEqual([0, 2]);
  });

  it("an operation type named after an Object.prototype member is an unknown operation", () => {
    const t = { dataType: "fp32" as const, shape: [1] };
    const p = singleFunctionProgram({ inputs: [{ name: "x", type: t }], opset: "CoreML7", outputs: ["y"], operations: [{ type: "constructor", name: "y", inputs: { x: ["x"] }, outputs: [{ name: "y", type: t }] }] });
    expect(() => executeProgram(p, { x: { dataType: "fp32", shape: [1], data: new Float32Array(1) } })).toThrow(/unknown operation type "constructor"/);
  });
});
