// The `.webnn` text form: every corner of the grammar, every parse error with its line and
// column, the same graph (byte-identical packages) as the JSON form, and text → graph → text.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { GraphFormatError, WebNNCoreMLError } from "../../src/errors.js";
import { readSafetensors, writeSafetensors } from "../../src/frontends/safetensors.js";
import { readGraphJson } from "../../src/frontends/webnn-json/index.js";
import { graphToDocument } from "../../src/frontends/webnn-json/write.js";
import { isGraphText, parseGraphText, readGraphText, readGraphTextWithName } from "../../src/frontends/webnn-text/index.js";
import { documentToText } from "../../src/frontends/webnn-text/writer.js";
import type { MLGraph } from "../../src/graph/operand.js";
import { fileBytes } from "../../src/packaging/package.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { seedGraphs } from "../fuzz/corpus.js";

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
};

async function packageBytes(graph: MLGraph): Promise<Uint8Array[]> {
  const pkg = await convertGraph(graph, { name: "Model" });
  return pkg.files.map(fileBytes);
}

const f32 = (values: number[]) => `@bytes([${Array.from(new Uint8Array(Float32Array.from(values).buffer)).join(", ")}])`;

describe("the .webnn text form: grammar", () => {
  it("reads every construct of the form", async () => {
    const text = `# a comment before the header
webnn_graph "esc\\"aped \\\\ name" v 2 @quantized {
  outputs { y, parts_1; al; }        # blocks in any order; outputs separated by , or ;
  nodes {
    h = add(x, bias);
    [parts_0, parts_1] = split(h, splits=[1, 2], axis=1);
    y = clamp(parts_0, minValue=-1.5e0, maxValue=2.5E+1);   # negative and exponent numbers
    al = parts_1;                     # an alias
  }
  inputs { x: f32[1, 3]; }
  consts {
    bias: f32[3] ${f32([1, 2, 3])};
    unused.scale: f32[] @scalar(-0.25);
    onnx::W_0: f32[2] @weights("a key . with spaces");
  }
}`;
    expect(isGraphText(text)).toBe(true);
    const { document, lines } = parseGraphText(text);
    expect(document).toMatchObject({ name: 'esc"aped \\ name', version: 2, quantized: true, outputs: { y: "y", parts_1: "parts_1", al: "al" } });
    expect(Object.keys(document.consts as object)).toEqual(["bias", "unused.scale", "onnx__W_0"]);
    expect((document.consts as Record<string, unknown>)["onnx__W_0"]).toEqual({ dataType: "float32", shape: [2], init: { kind: "weights", ref: "a key . with spaces" } });
    expect((document.consts as Record<string, unknown>)["unused.scale"]).toEqual({ dataType: "float32", shape: [], init: { kind: "scalar", value: -0.25 } });
    expect((document.nodes as unknown[])[1]).toEqual({ id: "parts_0", op: "split", inputs: ["h"], options: { splits: [1, 2], axis: 1 }, outputs: ["parts_0", "parts_1"] });
    expect((document.nodes as unknown[])[2]).toMatchObject({ options: { minValue: -1.5, maxValue: 25 } });
    expect((document.nodes as unknown[])[3]).toEqual({ id: "al", op: "", inputs: ["parts_1"], options: {}, outputs: null });
    expect(lines.get("parts_1")).toBe(6);
    const tensors = readSafetensors(concat(writeSafetensors([["a key . with spaces", { dataType: "float32", shape: [2], bytes: new Uint8Array(8) }]])));
    const { graph, name } = readGraphTextWithName(text, { tensors });
    expect(name).toBe('esc"aped \\ name');
    expect(graph.outputs.map((o) => o.name)).toEqual(["y", "parts_1", "al"]);
    const out = await runPackage(await convertGraph(graph), { x: tensorFromNumbers("float32", [1, 3], [10, -10, 0]) });
    expect(tensorValues(out.y)).toEqual([11]); // 10 + 1, under the bound 25
    expect(tensorValues(out.al)).toEqual([-8, 3]);
  });

  it("reads @bytes, empty shapes, strings, booleans, null, Infinity and nested lists as option values", () => {
    const text = `webnn_graph "g" v1 {
  inputs { x: f32[]; i: i32[2, 2]; }
  consts { b: u8[2] @bytes([0, 255]); }
  nodes {
    c = clamp(x, minValue=-Infinity, maxValue=Infinity);
    t = triangular(i, upper=false, diagonal=-1);
    p = pad(i, beginningPadding=[0, 1], endingPadding=[1, 0], mode="constant", value=7);
    s = cast(b, type="float32");
    n = identity(x, label=null);
  }
  outputs { c; t; p; s; n; }
}`;
    const g = readGraphText(text);
    expect(g.nodes.map((n) => n.op)).toEqual(["clamp", "triangular", "pad", "cast", "identity"]);
    expect(g.nodes[0].attributes).toMatchObject({ minValue: -Infinity, maxValue: Infinity });
    expect(g.constants[0].data).toEqual(new Uint8Array([0, 255]));
    expect(g.inputs[0].operand.shape).toEqual([]);
  });

  it("binds dyn() dimensions with freeDimensions, and reports unbound ones together", () => {
    const text = `webnn_graph "g" v1 {
  inputs { a: f32[dyn("batch", 8), 3]; b: f32[dyn("batch", 8), dyn("seq", 128)]; }
  nodes { y = relu(a); z = relu(b); }
  outputs { y; z; }
}`;
    const err = (() => { try { readGraphText(text); } catch (e) { return e as Error; } })();
    expect(err).toBeInstanceOf(GraphFormatError);
    expect(err!.message).toMatch(/"batch" \(at most 8; inputs "a", "b"\), "seq" \(at most 128; inputs "b"\)/);
    expect(err!.message).toMatch(/--free-dim/);
    const g = readGraphText(text, { freeDimensions: { batch: 2, seq: 5 } });
    expect(g.inputs.map((i) => i.operand.shape)).toEqual([[2, 3], [2, 5]]);
    expect(() => readGraphText(text, { freeDimensions: { batch: 9, seq: 1 } })).toThrow(/"batch" is 9, over its maximum 8/);
    // The JSON form of the same dimension.
    const json = { format: "webnn-graph-json", version: 2, inputs: { a: { dataType: "float32", shape: [{ name: "batch", maxSize: 8 }, 3] } }, nodes: [{ id: "y", op: "relu", inputs: ["a"] }], outputs: { y: "y" } };
    expect(readGraphJson(json, { freeDimensions: { batch: 4 } }).inputs[0].operand.shape).toEqual([4, 3]);
    expect(() => readGraphJson(json)).toThrow(/named dimensions without a size: "batch"/);
    expect(() => parseGraphText(`webnn_graph "g" v1 { consts { w: f32[dyn("n", 2)]; } outputs { w; } }`)).toThrow(/line 1, column 38: a constant's shape cannot have dyn\(\) dimensions/);
  });

  const errors: Array<[string, string]> = [
    [`graph "g" v1 {}`, `line 1, column 1: expected "webnn_graph", found "graph"`],
    [`webnn_graph g v1 {}`, `line 1, column 13: expected the graph's name as a string, found "g"`],
    [`webnn_graph "g" 1 {}`, `line 1, column 17: expected the version ("v1" or "v2"), found "1"`],
    [`webnn_graph "g" v1 @fast {}`, `line 1, column 20: expected @quantized or "{", found "fast"`],
    [`webnn_graph "g" v1 {\n  weights { }\n}`, `line 2, column 3: expected a block ("inputs", "consts", "nodes" or "outputs"), found "weights"`],
    [`webnn_graph "g" v1 {\n  inputs { x f32[1]; }\n}`, `line 2, column 14: expected ":", found "f32"`],
    [`webnn_graph "g" v1 {\n  inputs { x: f64[1]; }\n}`, `line 2, column 15: expected a data type (f32, f16, i32, u32, i64, u64, i8, u8, i4, u4), found "f64"`],
    [`webnn_graph "g" v1 {\n  inputs { x: f32[1, -2]; }\n}`, `line 2, column 22: expected a dimension (a non-negative integer or dyn("name", max)), found "-2"`],
    [`webnn_graph "g" v1 {\n  inputs { x: f32[1] }\n}`, `line 2, column 22: expected ";" after the declaration, found "}"`],
    [`webnn_graph "g" v1 {\n  inputs { x: f32[1]; x: f32[2]; }\n}`, `line 2, column 23: input "x" is declared twice (first on line 2)`],
    [`webnn_graph "g" v1 {\n  consts { w: f32[1] @weights(w); }\n}`, `line 2, column 31: expected the weights key as a string, as in @weights("w"), found "w"`],
    [`webnn_graph "g" v1 {\n  consts { w: u8[1] @bytes([256]); }\n}`, `line 2, column 29: 256 is too large for a byte value 0..255 (at most 255)`],
    [`webnn_graph "g" v1 {\n  consts { w: f32[1] @scalar("1"); }\n}`, `line 2, column 30: expected a number in @scalar(…), found the string "1"`],
    [`webnn_graph "g" v1 {\n  nodes { y = relu(x) }\n}`, `line 2, column 23: expected ";" ending the statement, found "}"`],
    [`webnn_graph "g" v1 {\n  nodes { y = reshape(x, [1, 2]); }\n}`, `line 2, column 26: reshape: a positional argument must name an operand; give other values by name (for example axis=1)`],
    [`webnn_graph "g" v1 {\n  nodes { y = softmax(x, axis=1, axis=2); }\n}`, `line 2, column 34: softmax: the option axis is given twice`],
    [`webnn_graph "g" v1 {\n  nodes { y = 3; }\n}`, `line 2, column 15: expected an operation call or a name to alias, found "3"`],
    [`webnn_graph "g" v1 {\n  nodes { [] = split(x, splits=2); }\n}`, `line 2, column 11: expected at least one result name, found "["`],
    [`webnn_graph "g" v1 {\n  outputs { y; }\n}\n}`, `line 4, column 1: expected the end of the file after the graph's closing "}", found "}"`],
    [`webnn_graph "g" v1 {\n  outputs { y; y; }`, `line 2, column 16: output "y" is listed twice`],
    [`webnn_graph "g" v1 {\n  outputs { y; }`, `line 2, column 17: expected a block ("inputs", "consts", "nodes" or "outputs") or "}", found the end of the file`],
    [`webnn_graph "g\nv1 {}`, `line 1, column 13: a string cannot span lines`],
    [`webnn_graph "g" v1 {\n  nodes { y = relu(x, alpha=1x); }\n}`, `line 2, column 29: "1x" is not a number or a name (names start with a letter, _, / or $)`],
    [`webnn_graph "g" v1 {\n  nodes { y = relu(x) ; } ~\n}`, `line 2, column 27: unexpected character "~"`],
    [`webnn_graph "g" v1 {\n  nodes { y = relu(x, v=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]); }\n}`, `line 2, column 58: values are nested too deeply`],
  ];
  it.each(errors)("reports %j at its line and column", (text, message) => {
    let e: unknown;
    try { parseGraphText(text); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(GraphFormatError);
    expect((e as GraphFormatError).rule).toBe("syntax");
    expect((e as Error).message).toBe(message);
  });

  it("names the line of a node an error after parsing is about", () => {
    const text = `webnn_graph "g" v1 {\n  inputs { x: f32[2]; }\n  nodes {\n    y = relu(x);\n    z = matmul(y, nowhere);\n  }\n  outputs { z; }\n}`;
    expect(() => readGraphText(text)).toThrow(/node "z" \(b\) refers to "nowhere".*\(line 5\)$/);
    expect(() => readGraphText(text.replace("relu(x)", "softmax(x, axis=3)").replace("nowhere", "y"))).toThrow(/axis.*\(line 4\)$/);
    expect(() => readGraphText(new Uint8Array([0x77, 0xff, 0xfe]))).toThrow(WebNNCoreMLError);
  });
});

describe("the .webnn text form: the same graph as JSON", () => {
  it("each seed graph gives byte-identical packages from its JSON and its text", async () => {
    for (const seed of seedGraphs()) {
      const doc = seed.doc as Record<string, unknown>;
      const fromJson = readGraphJson(doc, { weights: seed.weights, manifest: seed.manifest });
      // The example's weights as a safetensors sidecar, from its manifest and .weights file.
      let tensors;
      if (seed.weights) {
        const m = seed.manifest as { tensors: Record<string, { dataType: "float16"; shape: number[]; byteOffset: number; byteLength: number }> };
        tensors = readSafetensors(concat(writeSafetensors(Object.entries(m.tensors).map(([k, e]) => [k, { dataType: e.dataType, shape: e.shape, bytes: seed.weights!.subarray(e.byteOffset, e.byteOffset + e.byteLength) }] as const))));
      }
      const text = documentToText(doc);
      const fromText = readGraphText(text, { tensors });
      // An output named apart from its value ("sp": "p") is an alias in text: one identity more.
      const renamed = Object.entries(doc.outputs as Record<string, string>).some(([o, v]) => o !== v);
      if (renamed) {
        expect(fromText.outputs.map((o) => o.name)).toEqual(fromJson.outputs.map((o) => o.name));
        expect(fromText.nodes.length, seed.name).toBe(fromJson.nodes.length + 1);
        continue;
      }
      const [a, b] = [await packageBytes(fromJson), await packageBytes(fromText)];
      expect(b.length, seed.name).toBe(a.length);
      a.forEach((bytes, i) => expect(Buffer.from(b[i]).equals(Buffer.from(bytes)), `${seed.name} file ${i}`).toBe(true));
    }
  });

  it("text → graph → text gives the same text and sidecar", () => {
    for (const seed of seedGraphs()) {
      const g1 = readGraphJson(seed.doc as object, { weights: seed.weights, manifest: seed.manifest });
      const w1 = graphToDocument(g1, { identifiers: true, name: seed.name });
      const t1 = documentToText(w1.document);
      const s1 = concat(writeSafetensors(w1.tensors));
      const g2 = readGraphText(t1, { tensors: readSafetensors(s1) });
      const w2 = graphToDocument(g2, { identifiers: true, name: seed.name });
      expect(documentToText(w2.document), seed.name).toBe(t1);
      expect(Buffer.from(concat(writeSafetensors(w2.tensors))).equals(Buffer.from(s1)), seed.name).toBe(true);
    }
  });

  it("writes names that are not identifiers as identifiers, and outputs named apart from their values through aliases", async () => {
    const { MLGraphBuilder } = await import("../../src/graph/builder.js");
    const b = new MLGraphBuilder();
    const x = b.input("onnx::input.1", { dataType: "float32", shape: [2] });
    const w = b.constant({ dataType: "float32", shape: [2] }, new Uint8Array(Float32Array.from([1, 2]).buffer), "39");
    const y = b.add(x, w, { label: "/model/add" });
    const g = b.buildSync({ "out put": y, again: b.relu(y) });
    const { document, tensors, inputNames, outputNames } = graphToDocument(g, { identifiers: true });
    expect(inputNames.get("onnx::input.1")).toBe("onnx__input.1");
    expect(outputNames.get("out put")).toBe("out_put");
    expect(tensors.map(([k]) => k)).toEqual(["39"]); // sidecar keys keep the graph's own names
    const text = documentToText(document);
    expect(text).toContain("_39: f32[2] @weights(\"39\");");
    const back = readGraphText(text, { tensors: readSafetensors(concat(writeSafetensors(tensors))) });
    expect(back.inputs.map((i) => i.name)).toEqual(["onnx__input.1"]);
    expect(back.outputs.map((o) => o.name)).toEqual(["out_put", "again"]);
  });
});
