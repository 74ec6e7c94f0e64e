// Multifunction packages (iOS 18): one function per size of a model's free dimensions, one
// shared weight.bin, each function described in ModelDescription.functions, run by name.
import { describe, expect, it } from "vitest";
import { convertFunctions, convertFunctionsDetailed, convertGraph } from "../../src/convert.js";
import { programFunction } from "../../src/mil/program.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { validateProgram } from "../../src/mil/validate.js";
import { packageToZipBytes } from "../../src/packaging/zip.js";
import { readPackage } from "../../src/packaging/reader.js";
import { fileBytes, findFile, MODEL_FILE } from "../../src/packaging/package.js";
import { CoreML } from "../../src/serialization/proto/index.js";
import { IO_METADATA_KEY } from "../../src/serialization/model-writer.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";

const W = Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i * 0.7) * 0.1);
const B = Float32Array.from({ length: 64 }, (_, i) => i / 64);
/** The same model at batch size n: y = relu(x · W + b). */
function graph(n: number) {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [n, 32] });
  const w = b.constant({ dataType: "float32", shape: [32, 64] }, W);
  const bias = b.constant({ dataType: "float32", shape: [64] }, B);
  return b.buildSync({ y: b.relu(b.add(b.matmul(x, w), bias)) });
}
const input = (n: number) => tensorFromNumbers("float32", [n, 32], Array.from({ length: n * 32 }, (_, i) => Math.cos(i)));

describe("multifunction packages", () => {
  it("describe each function, share weight.bin, and run the function asked for", async () => {
    const pkg = await convertFunctions([{ name: "one", graph: graph(1) }, { name: "eight", graph: graph(8) }], { target: "ios18", defaultFunction: "eight" });
    const read = readPackage(pkg);
    const d = read.parsed.proto.description!;
    expect(read.parsed.specificationVersion).toBe(9);
    expect(d.defaultFunctionName).toBe("eight");
    expect(d.functions!.map((f) => [f.name, f.input![0].type!.multiArrayType!.shape!.map(Number)])).toEqual([["eight", [8, 32]], ["one", [1, 32]]]);
    expect(d.input ?? []).toEqual([]);
    expect([...read.parsed.program.functions.keys()].sort()).toEqual(["eight", "one"]);
    expect(read.parsed.program.defaultFunction).toBe("eight");
    expect(read.parsed.inputs[0].shape).toEqual([8, 32]);
    expect(read.parsed.functions!.get("one")!.inputs[0].shape).toEqual([1, 32]);
    expect(validateProgram(read.parsed.program, 18)).toEqual([]);
    // One copy of the weights: no larger than the largest single-function package's weight.bin.
    const single = await Promise.all([1, 8].map((n) => convertGraph(graph(n), { target: "ios18" })));
    expect(pkg.stats.blobBytes).toBeLessThanOrEqual(Math.max(...single.map((p) => p.stats.blobBytes)));
    for (const [name, n] of [["one", 1], ["eight", 8]] as const) {
      const expected = tensorValues((await runPackage(single[n === 1 ? 0 : 1], { x: input(n) })).y);
      expect(tensorValues((await runPackage(read, { x: input(n) }, { function: name })).y)).toEqual(expected);
    }
    expect(tensorValues((await runPackage(read, { x: input(8) })).y)).toHaveLength(8 * 64); // the default function
    await expect(runPackage(read, { x: input(1) }, { function: "two" })).rejects.toThrow(/no function "two" \(it has "eight", "one"\)/);
    await expect(runPackage(read, { x: input(1) })).rejects.toThrow(/expected shape \[8, 32\]/);
  });

  it("are byte-identical on reruns, and keep compression and float16 per function", async () => {
    const fns = () => [{ name: "a", graph: graph(2) }, { name: "b", graph: graph(4) }];
    const opts = { target: "ios18" as const, precision: "float16" as const, compress: { mode: "palettize" as const, bits: 4 as const, minElements: 100 } };
    const z1 = await packageToZipBytes(await convertFunctions(fns(), opts));
    const z2 = await packageToZipBytes(await convertFunctions(fns(), opts));
    expect(Buffer.from(z1).equals(Buffer.from(z2))).toBe(true);
    const read = readPackage(await convertFunctions(fns(), opts));
    for (const fn of read.parsed.program.functions.values()) expect(fn.operations.filter((o) => o.type === "constexpr_lut_to_dense")).toHaveLength(1);
    // The palettized weight is stored once for both functions.
    expect([...read.parsed.blobs.values()].filter((r) => r.dataType === "uint4")).toHaveLength(1);
    // … and computed once: both functions' constants are the same bytes.
    const { lowered } = await convertFunctionsDetailed(fns(), opts);
    const keysOf = (f: string) => programFunction(lowered.program, f).operations.find((o) => o.value?.type.dataType === "uint4")!.value!.bytes;
    expect(keysOf("a")).toBe(keysOf("b"));
  });

  it("of another converter (no boundary metadata) run by the features each function describes", async () => {
    const pkg = await convertFunctions([{ name: "one", graph: graph(1) }, { name: "eight", graph: graph(8) }], { target: "ios18" });
    const model = CoreML.Specification.Model.decode(fileBytes(findFile(pkg, MODEL_FILE)!));
    delete model.description!.metadata!.userDefined![IO_METADATA_KEY];
    const bytes = CoreML.Specification.Model.encode(model).finish();
    const read = readPackage({ ...pkg, files: pkg.files.map((f) => (f.path === MODEL_FILE ? { path: f.path, parts: [bytes], size: bytes.byteLength } : f)) });
    expect(read.parsed.functions!.get("eight")!.inputs[0].shape).toEqual([8, 32]);
    const y = await runPackage(read, { x: input(8) }, { function: "eight" });
    expect(y.y.shape).toEqual([8, 64]);
  });

  it("refuse targets before iOS 18, repeated or invalid names, and an unknown default", async () => {
    await expect(convertFunctions([{ name: "a", graph: graph(1) }, { name: "b", graph: graph(2) }], { target: "ios17" })).rejects.toThrow(/needs a target of iOS 18/);
    await expect(convertFunctions([{ name: "a", graph: graph(1) }, { name: "a", graph: graph(2) }], { target: "ios18" })).rejects.toThrow(/"a" is given twice/);
    await expect(convertFunctions([{ name: "1x", graph: graph(1) }], { target: "ios18" })).rejects.toThrow(/must be an identifier/);
    await expect(convertFunctions([{ name: "a", graph: graph(1) }], { target: "ios18", defaultFunction: "b" })).rejects.toThrow(/default function "b"/);
  });

  it("one function named main is exactly convertGraph's package", async () => {
    const a = await packageToZipBytes(await convertFunctions([{ name: "main", graph: graph(3) }]));
    const b = await packageToZipBytes(await convertGraph(graph(3)));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
