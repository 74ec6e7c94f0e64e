// Model metadata where Xcode and coremltools read it: ModelDescription.metadata and each
// feature's shortDescription, written by convertGraph and read back by the package reader.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { readPackage } from "../../src/packaging/reader.js";

function graph() {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [2] });
  return b.buildSync({ "y.out": b.relu(x) });
}

describe("model metadata", () => {
  it("round-trips author, license, version, description, feature descriptions and user-defined pairs", async () => {
    const metadata = {
      description: "A relu", author: "Ada", license: "MIT", version: "1.2.3",
      inputDescriptions: { x: "any two numbers" }, outputDescriptions: { "y.out": "their positive parts" },
      userDefined: { "com.example.source": "tests", "org.example.size": "small" },
    };
    const read = readPackage(await convertGraph(graph(), { metadata }));
    const got = read.parsed.metadata;
    expect([got.description, got.author, got.license, got.version]).toEqual(["A relu", "Ada", "MIT", "1.2.3"]);
    expect({ ...got.inputDescriptions }).toEqual(metadata.inputDescriptions);
    expect({ ...got.outputDescriptions }).toEqual(metadata.outputDescriptions);
    expect(Object.entries(got.userDefined!)).toEqual([["com.example.source", "tests"], ["org.example.size", "small"]]);
    const md = read.parsed.proto.description!.metadata!;
    expect([md.author, md.license, md.versionString, md.shortDescription]).toEqual(["Ada", "MIT", "1.2.3", "A relu"]);
    expect(read.parsed.proto.description!.input![0].shortDescription).toBe("any two numbers");
    // The converter's own keys stay, and are not the user's.
    expect(Object.keys(md.userDefined!).filter((k) => k.startsWith("com.github.webnn-coreml."))).toEqual(["com.github.webnn-coreml.io", "com.github.webnn-coreml.version"]);
    await expect(convertGraph(graph(), { metadata: { userDefined: { "com.github.webnn-coreml.io": "x" } } })).rejects.toThrow(/reserved for the converter/);
    await expect(convertGraph(graph(), { metadata: { userDefined: JSON.parse('{"__proto__": "x"}') } })).rejects.toThrow(/"__proto__" cannot be stored/);
  });

  it("a package without metadata reads as empty metadata; description alone still works", async () => {
    const plain = readPackage(await convertGraph(graph())).parsed.metadata;
    expect([plain.description, plain.author, plain.license, plain.version]).toEqual([undefined, undefined, undefined, undefined]);
    expect([Object.keys(plain.inputDescriptions!), Object.keys(plain.outputDescriptions!), Object.keys(plain.userDefined!)]).toEqual([[], [], []]);
    expect(readPackage(await convertGraph(graph(), { description: "short" })).parsed.metadata.description).toBe("short");
  });
});
