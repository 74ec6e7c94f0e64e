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
import { fileBytes } from "../../src/packaging/package.js";
import { allocData } from "../../src/runtime/tensor.js";

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

describe("hostile packages and files", () => {
  it("package metadata is checked, not trusted: a bad mapping is a PackageFormatError", async () => {
    const { CoreML } = await import("../../src/serialization/proto/index.js");
    const { IO_METADATA_KEY } = await import("../../src/serialization/model-writer.js");
    const { readPackageFiles } = await import("../../src/packaging/reader.js");
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: [2] });
    const pkg = await convertGraph(b.buildSync({ y: b.relu(x) }));
    const files = new Map(pkg.files.map((f) => [f.path, (() => { const out = new Uint8Array(f.size); let o = 0; for (const p of f.parts) { out.set(p, o); o += p.byteLength; } return out; })()] as const));
    const modelPath = [...files.keys()].find((p) => p.endsWith("model.mlmodel"))!;
    const original = JSON.parse(CoreML.Specification.Model.decode(files.get(modelPath)!).description!.metadata!.userDefined![IO_METADATA_KEY]);
    const tampered = (io: unknown) => {
      const m = CoreML.Specification.Model.decode(files.get(modelPath)!);
      m.description!.metadata!.userDefined![IO_METADATA_KEY] = JSON.stringify(io);
      return new Map([...files, [modelPath, CoreML.Specification.Model.encode(m).finish()]]);
    };
    for (const [io, re] of [
      [{ inputs: 5, outputs: [] }, /inputs must be an array/],
      [{ ...original, inputs: [{ ...original.inputs[0], coremlName: "constructor" }] }, /is not a function input/],
      [{ ...original, inputs: [{ ...original.inputs[0], shape: [100000, 100000], coremlShape: [100000, 100000] }] }, /over the limit|element counts/],
      [{ ...original, outputs: [{ ...original.outputs[0], dataType: "float64" }] }, /unknown dataType/],
    ] as const) {
      expect(() => readPackageFiles(tampered(io))).toThrow(expect.objectContaining({ kind: "PackageFormatError", message: expect.stringMatching(re) }));
    }
  });

  it("a Manifest.json of the wrong shape is a PackageFormatError (found by the fuzz test)", async () => {
    const { readPackageFiles } = await import("../../src/packaging/reader.js");
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: [2] });
    const pkg = await convertGraph(b.buildSync({ y: b.relu(x) }));
    const files = new Map(pkg.files.map((f) => [f.path, fileBytes(f)] as const));
    const manifest = JSON.parse(new TextDecoder().decode(files.get("Manifest.json")!));
    const id = manifest.rootModelIdentifier;
    for (const [m, re] of [
      [null, /must be a JSON object/],
      [[manifest], /must be a JSON object/],
      [{ ...manifest, rootModelIdentifier: { toString: "x" } }, /rootModelIdentifier must be a string/],
      [{ ...manifest, rootModelIdentifier: "toString" }, /is not one of its items/],
      [{ ...manifest, itemInfoEntries: "x" }, /itemInfoEntries must be an object/],
      [{ ...manifest, itemInfoEntries: { [id]: { ...manifest.itemInfoEntries[id], path: { toString: "x" } } } }, /path must be a string/],
    ] as const) {
      const tampered = new Map([...files, ["Manifest.json", new TextEncoder().encode(JSON.stringify(m))]]);
      expect(() => readPackageFiles(tampered), JSON.stringify(m).slice(0, 60)).toThrow(expect.objectContaining({ kind: "PackageFormatError", message: expect.stringMatching(re) }));
    }
  });

  it("a kernel asked for a tensor past the platform limit fails with a RuntimeError, before allocating", () => {
    // The fuzz test found a package whose conv parameters made the kernel ask for 12e9 floats.
    expect(() => allocData("fp32", 2 ** 33)).toThrow(expect.objectContaining({ kind: "RuntimeError", message: expect.stringMatching(/over the node limit of 4.00 GiB per tensor/) }));
    expect(() => allocData("fp32", Number.NaN)).toThrow(expect.objectContaining({ kind: "RuntimeError" }));
    expect(allocData("fp32", 200000).length).toBe(200000);
  });

  it("a weights path that is a device or a directory is refused, not read without end", async () => {
    const { loadGraphFile } = await import("../../src/node/graph-files.js");
    const example = new URL("../../examples/small-cnn.webnn.json", import.meta.url).pathname;
    await expect(loadGraphFile(example, { weights: "/dev/zero" })).rejects.toMatchObject({ kind: "WeightsError", message: expect.stringMatching(/not a regular file/) });
    await expect(loadGraphFile(example, { manifest: "/tmp" })).rejects.toMatchObject({ kind: "WeightsError", message: expect.stringMatching(/not a regular file/) });
  });
});
