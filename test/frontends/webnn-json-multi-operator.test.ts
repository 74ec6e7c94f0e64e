// Multi-operator graphs through webnn-graph JSON, end to end: reader → convert → zip → read
// back → reference runtime, against the float64 spec reference (test/reference).
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { readGraphJson } from "../../src/frontends/webnn-json/index.js";
import { readPackageZip } from "../../src/packaging/reader.js";
import { packageToZipBytes } from "../../src/packaging/zip.js";
import { runPackageContents, tensorFromNumbers } from "../../src/run-package.js";
import { validateProgram } from "../../src/mil/validate.js";
import * as ref from "../reference/webnn-reference.js";

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const f32bytes = (v: number[]) => Array.from(new Uint8Array(new Float32Array(v).buffer));

describe("multi-operator graphs from webnn-graph JSON", () => {
  it("branches, a shared constant, an input used twice, an output also consumed, outputs that are an input and a constant", async () => {
    const w = seq(2 * 1 * 3 * 3, (i) => ((i * 7) % 11) / 10 - 0.5);          // conv filter [2,1,3,3]
    const shared = seq(2, (i) => 0.25 * (i + 1));                           // bias, used twice
    const weights = new Uint8Array([...[0x57, 0x47, 0x57, 0x54, 1, 0, 0, 0], ...f32bytes(w)]); // WGWT header + data
    const doc = {
      format: "webnn-graph-json", version: 2, name: "Multi",
      inputs: { x: { dataType: "float32", shape: [1, 1, 4, 4] } },
      consts: {
        w: { dataType: "float32", shape: [2, 1, 3, 3], init: { kind: "weights", ref: "w" } },
        b: { dataType: "float32", shape: [1, 2, 1, 1], init: { kind: "inlineBytes", bytes: f32bytes(shared) } },
        k: { dataType: "float32", shape: [1], init: { kind: "scalar", value: 2 } },
      },
      nodes: [
        { id: "conv", op: "conv2d", inputs: ["x", "w"], options: { padding: [1, 1, 1, 1] }, outputs: ["conv"] },
        { id: "biased", op: "add", inputs: ["conv", "b"], options: {}, outputs: ["biased"] },
        { id: "act", op: "relu", inputs: ["biased"], options: {}, outputs: ["act"] },
        { id: "again", op: "mul", inputs: ["act", "b"], options: {}, outputs: ["again"] },
        { id: "sq", op: "mul", inputs: ["x", "x"], options: {}, outputs: ["sq"] },
        { id: "scaled", op: "mul", inputs: ["sq", "k"], options: {}, outputs: ["scaled"] },
      ],
      outputs: { act: "act", again: "again", scaled: "scaled", echo: "x", two: "k" },
    };
    const manifest = { format: "wg-weights-manifest", version: 1, endianness: "little", tensors: { w: { dataType: "float32", shape: [2, 1, 3, 3], byteOffset: 8, byteLength: 72 } } };
    const graph = readGraphJson(JSON.stringify(doc), { weights, manifest });
    const pkg = await convertGraph(graph, { name: "Multi" });
    const read = await readPackageZip(await packageToZipBytes(pkg));
    expect(validateProgram(read.parsed.program, 17)).toEqual([]);
    const xv = seq(16, (i) => (i % 5) - 2);
    const out = runPackageContents(read, { x: tensorFromNumbers("float32", [1, 1, 4, 4], xv) });

    const X = ref.tensor([1, 1, 4, 4], xv);
    const act = ref.relu(ref.add(ref.conv2d(X, ref.tensor([2, 1, 3, 3], w), { padding: [1, 1, 1, 1] }), ref.tensor([1, 2, 1, 1], shared)));
    const again = ref.mul(act, ref.tensor([1, 2, 1, 1], shared));
    const close = (got: ArrayLike<number>, want: number[]) => want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    close(out.act.data as Float32Array, act.data);
    close(out.again.data as Float32Array, again.data);
    close(out.scaled.data as Float32Array, xv.map((v) => v * v * 2));
    expect(Array.from(out.echo.data as Float32Array)).toEqual(xv);
    expect(Array.from(out.two.data as Float32Array)).toEqual([2]);
  });
});
