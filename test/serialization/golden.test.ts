// Byte-level checks against the packages Apple's coremltools wrote (test/fixtures/golden).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Float16Array } from "@petamoriken/float16";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { convertGraph } from "../../src/convert.js";
import { fileBytes, findFile, WEIGHT_FILE } from "../../src/packaging/package.js";
import { CoreML } from "../../src/serialization/proto/index.js";
import { parseModel } from "../../src/serialization/model-reader.js";
import { readWeightBlob } from "../../src/serialization/weight-blob.js";
import { programFunction } from "../../src/mil/program.js";

const GOLDEN = join(__dirname, "../fixtures/golden");
const goldenFile = (pkg: string, path: string) => new Uint8Array(readFileSync(join(GOLDEN, `${pkg}.mlpackage`, path)));

describe("golden packages written by coremltools", () => {
  for (const pkg of ["f16_add_leaky_relu_ios16", "f32_conv_ios17", "int32_blob_gather_ios18"]) {
    it(`${pkg}: our protobuf schema decodes and re-encodes model.mlmodel byte for byte`, () => {
      const bytes = goldenFile(pkg, "Data/com.apple.CoreML/model.mlmodel");
      const decoded = CoreML.Specification.Model.decode(bytes);
      expect(decoded.$unknowns ?? []).toEqual([]);
      const again = CoreML.Specification.Model.encode(decoded).finish();
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    });

    it(`${pkg}: our reader parses the program and the weight blob`, () => {
      const model = goldenFile(pkg, "Data/com.apple.CoreML/model.mlmodel");
      const weights = goldenFile(pkg, "Data/com.apple.CoreML/weights/weight.bin");
      const parsed = parseModel(model, weights);
      expect(programFunction(parsed.program).operations.length).toBeGreaterThan(1);
      const blobs = readWeightBlob(weights);
      expect([...blobs.keys()]).toEqual([64]);
      expect(blobs.get(64)!.dataOffset).toBe(128);
    });
  }

  it("f16_add_leaky_relu_ios16: the same float16 constant gives the same weight.bin bytes", async () => {
    const golden = goldenFile("f16_add_leaky_relu_ios16", "Data/com.apple.CoreML/weights/weight.bin");
    const parsed = parseModel(goldenFile("f16_add_leaky_relu_ios16", "Data/com.apple.CoreML/model.mlmodel"), golden);
    const c = programFunction(parsed.program).operations.find((o) => o.type === "const" && o.value?.type.shape.length === 1)!;
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float16", shape: [24] });
    const y = b.constant({ dataType: "float16", shape: [24] }, c.value!.bytes!.slice());
    const graph = b.buildSync({ out: b.leakyRelu(b.add(x, y), { alpha: 0.01 }) });
    const pkg = await convertGraph(graph, { target: "ios16" });
    const ours = fileBytes(findFile(pkg, WEIGHT_FILE)!);
    expect(Buffer.from(ours).equals(Buffer.from(golden))).toBe(true);
    // and the constant is the golden's float16 data
    expect(Array.from(new Float16Array(c.value!.bytes!.slice().buffer)).length).toBe(24);
  });
});
