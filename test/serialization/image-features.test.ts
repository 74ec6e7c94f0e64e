// Image inputs and outputs, as coremltools' ImageType writes them: the feature an ImageFeatureType
// of the tensor's width, height and color space; the program's input still the float32 tensor,
// preprocessed x · scale + bias[c] by mul and add ops; read back with the color space; runs as
// the graph on the preprocessed tensor. Bad requests are typed errors naming the feature.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { programFunction } from "../../src/mil/program.js";
import { fileBytes, findFile, MODEL_FILE } from "../../src/packaging/package.js";
import { readPackage } from "../../src/packaging/reader.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { CoreML } from "../../src/serialization/proto/index.js";

function graph(channels: number) {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [1, channels, 4, 5] });
  return b.buildSync({ y: b.relu(x) });
}
const values = (n: number) => Array.from({ length: n }, (_, i) => (i % 17) * 15);

describe("image features", () => {
  it("an RGB input with scale and bias: ImageFeatureType, mul and add before the graph, the same numbers as preprocessing by hand", async () => {
    const pkg = await convertGraph(graph(3), { images: { x: { scale: 1 / 255, bias: [-0.5, -0.25, 0] } }, coremlNames: { x: "image" } });
    const model = CoreML.Specification.Model.decode(fileBytes(findFile(pkg, MODEL_FILE)!));
    const input = model.description!.input![0];
    expect(input.name).toBe("image");
    expect(input.type!.imageType).toMatchObject({ width: 5, height: 4, colorSpace: 20 });
    expect(input.type!.multiArrayType).toBeFalsy();
    const read = readPackage(pkg);
    expect(read.parsed.inputs[0]).toMatchObject({ name: "x", coremlName: "image", image: "RGB", coremlShape: [1, 3, 4, 5] });
    const ops = programFunction(read.parsed.program).operations.map((o) => o.type).filter((t) => t !== "const");
    expect(ops).toEqual(["mul", "add", "relu"]);
    const x = values(60);
    const y = tensorValues((await runPackage(read, { x: tensorFromNumbers("float32", [1, 3, 4, 5], x) })).y);
    const bias = [-0.5, -0.25, 0];
    y.forEach((v, i) => expect(v).toBeCloseTo(Math.max(0, x[i] / 255 + bias[Math.floor(i / 20)]), 6));
  });

  it("BGR and grayscale inputs and an image output; neutral preprocessing adds no op", async () => {
    const bgr = readPackage(await convertGraph(graph(3), { images: { x: { colorSpace: "BGR", scale: 1, bias: [0] } } }));
    expect(bgr.parsed.inputs[0].image).toBe("BGR");
    expect(programFunction(bgr.parsed.program).operations.map((o) => o.type).filter((t) => t !== "const")).toEqual(["relu"]);
    const gray = readPackage(await convertGraph(graph(1), { images: { x: { colorSpace: "GRAYSCALE", bias: [0.5] }, y: { colorSpace: "GRAYSCALE" } } }));
    expect(gray.parsed.inputs[0].image).toBe("GRAYSCALE");
    expect(gray.parsed.outputs[0]).toMatchObject({ image: "GRAYSCALE", coremlShape: [1, 1, 4, 5] });
  });

  it("refuses what cannot be an image, naming it", async () => {
    const bad = (o: Parameters<typeof convertGraph>[1], channels = 3) => convertGraph(graph(channels), o);
    await expect(bad({ images: { z: {} } })).rejects.toThrow(/image "z": not an input or output/);
    await expect(bad({ images: { x: { colorSpace: "GRAYSCALE" } } })).rejects.toThrow(/image "x": an image of GRAYSCALE is \[1, 1, height, width\], the graph's is \[1, 3, 4, 5\]/);
    await expect(bad({ images: { y: { scale: 2 } } })).rejects.toThrow(/an output image has no preprocessing/);
    await expect(bad({ images: { x: { bias: [1, 2] } } })).rejects.toThrow(/bias must be 1 or 3 finite numbers/);
    const b = new MLGraphBuilder();
    const h = b.input("x", { dataType: "float16", shape: [1, 3, 2, 2] });
    await expect(convertGraph(b.buildSync({ y: b.relu(h) }), { images: { x: {} } })).rejects.toThrow(/an image is float32, the graph's is float16/);
  });
});
