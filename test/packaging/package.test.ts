import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { PackageFormatError } from "../../src/errors.js";
import { readPackagePath, writePackagePath } from "../../src/node/package-files.js";
import { MODEL_FILE, WEIGHT_FILE, fileBytes, findFile } from "../../src/packaging/package.js";
import { readPackage, readPackageZip } from "../../src/packaging/reader.js";
import { packageToZipBytes } from "../../src/packaging/zip.js";
import { programFunction } from "../../src/mil/program.js";

function smallGraph(seed = 1) {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [1, 2, 4, 4] });
  const w = b.constant({ dataType: "float32", shape: [3, 2, 3, 3] }, new Float32Array(54).map((_, i) => Math.sin(i + seed)));
  const bias = b.constant({ dataType: "float32", shape: [3] }, new Float32Array([0.5, -1, 2]));
  const y = b.relu(b.conv2d(x, w, { bias, padding: [1, 1, 1, 1] }));
  const h = b.constant({ dataType: "float16", shape: [12] }, new Uint16Array(12).fill(0x3c00));
  const z = b.mul(b.reshape(b.input("v", { dataType: "float16", shape: [3, 4] }), [12]), h);
  return b.buildSync({ y, z });
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("Manifest.json", () => {
  it("is written as coremltools writes it, with content-derived UUIDs", async () => {
    const pkg = await convertGraph(smallGraph(), { name: "Small" });
    const text = new TextDecoder().decode(fileBytes(findFile(pkg, "Manifest.json")!));
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('\n    "fileFormatVersion": "1.0.0",\n');
    const m = JSON.parse(text);
    expect(Object.keys(m)).toEqual(["fileFormatVersion", "itemInfoEntries", "rootModelIdentifier"]);
    const ids = Object.keys(m.itemInfoEntries);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids).toEqual([...ids].sort());
    expect(m.itemInfoEntries[m.rootModelIdentifier]).toEqual({
      author: "com.apple.CoreML", description: "CoreML Model Specification", name: "model.mlmodel", path: "com.apple.CoreML/model.mlmodel",
    });
    const weights = ids.find((i) => i !== m.rootModelIdentifier)!;
    expect(m.itemInfoEntries[weights]).toEqual({
      author: "com.apple.CoreML", description: "CoreML Model Weights", name: "weights", path: "com.apple.CoreML/weights",
    });
    // key order inside entries matches the golden manifests
    const golden = readFileSync(join(__dirname, "../fixtures/golden/f32_conv_ios17.mlpackage/Manifest.json"), "utf8");
    // Same entries, same key order and formatting; entry order follows the identifiers (sorted).
    const entries = (t: string) => t.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "ID")
      .split(/\n        "ID": /).slice(1).map((e) => e.replace(/,?\n    \},?\n[\s\S]*$/, "").replace(/,$/, "")).sort();
    expect(entries(text)).toEqual(entries(golden));
    expect(text.split("\n").map((l) => l.match(/^ */)![0].length)).toEqual(golden.split("\n").map((l) => l.match(/^ */)![0].length));
  });

  it("a graph without blob constants has no weight file and no weights entry", async () => {
    const b = new MLGraphBuilder();
    const pkg = await convertGraph(b.buildSync({ y: b.relu(b.input("x", { dataType: "float32", shape: [4] })) }));
    expect(findFile(pkg, WEIGHT_FILE)).toBeUndefined();
    expect(Object.keys(pkg.manifest.itemInfoEntries)).toHaveLength(1);
  });
});

describe("determinism", () => {
  it("converting the same graph twice gives identical files and identical zips", async () => {
    const a = await convertGraph(smallGraph(), { name: "M" });
    const b = await convertGraph(smallGraph(), { name: "M" });
    expect(a.files.map((f) => f.path)).toEqual(b.files.map((f) => f.path));
    for (let i = 0; i < a.files.length; i++) expect(sameBytes(fileBytes(a.files[i]), fileBytes(b.files[i]))).toBe(true);
    expect(sameBytes(await packageToZipBytes(a), await packageToZipBytes(b))).toBe(true);
  });

  it("different weights give different bytes and a different model identifier", async () => {
    const a = await convertGraph(smallGraph(1));
    const b = await convertGraph(smallGraph(2));
    expect(sameBytes(fileBytes(findFile(a, WEIGHT_FILE)!), fileBytes(findFile(b, WEIGHT_FILE)!))).toBe(false);
    expect(a.manifest.rootModelIdentifier).not.toBe(b.manifest.rootModelIdentifier);
  });
});

describe("≥ 10 element rule, per target", () => {
  for (const [target, int32InBlob] of [["ios15", false], ["ios16", false], ["ios17", false], ["ios18", true]] as const) {
    it(`${target}: float constants of ≥ 10 elements in weight.bin; int32 ones ${int32InBlob ? "too" : "immediate"}`, async () => {
      const b = new MLGraphBuilder();
      const x = b.input("x", { dataType: "float32", shape: [10] });
      const nine = b.constant({ dataType: "float32", shape: [9] }, new Float32Array(9).fill(2));
      const ten = b.constant({ dataType: "float32", shape: [10] }, new Float32Array(10).fill(3));
      const i = b.input("i", { dataType: "int32", shape: [12] });
      const ic = b.constant({ dataType: "int32", shape: [12] }, new Int32Array(12).fill(7));
      const pkg = await convertGraph(b.buildSync({ a: b.add(x, ten), c: b.add(b.slice(x, [0], [9]), nine), d: b.add(i, ic) }), { target });
      const read = readPackage(pkg);
      const vals = read.parsed.proto.mlProgram!.functions!.main.blockSpecializations![programFunction(read.parsed.program).opset].operations!
        .filter((o) => o.type === "const").map((o) => o.attributes!.val!);
      const isBlob = (n: number, dt: number) => vals.filter((v) => v.type?.tensorType?.dataType === dt && v.type?.tensorType?.dimensions?.[0]?.constant?.size === n).map((v) => !!v.blobFileValue);
      expect(isBlob(10, 11)).toEqual([true]);
      expect(isBlob(9, 11)).toEqual([false]);
      expect(isBlob(12, 23)).toEqual([int32InBlob]);
    });
  }
});

describe("zip and directory round trips", () => {
  it("zip → reader gives back the same files", async () => {
    const pkg = await convertGraph(smallGraph(), { name: "Round" });
    const zip = await packageToZipBytes(pkg);
    const read = await readPackageZip(zip);
    expect(sameBytes(read.model, fileBytes(findFile(pkg, MODEL_FILE)!))).toBe(true);
    expect(sameBytes(read.weights!, fileBytes(findFile(pkg, WEIGHT_FILE)!))).toBe(true);
    expect(read.parsed.inputs.map((e) => e.name)).toEqual(["x", "v"]);
  });

  it("writes Name.mlpackage directories and .zip files in Node and reads both back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "webnn-coreml-"));
    const pkg = await convertGraph(smallGraph(), { name: "Disk" });
    expect(await writePackagePath(pkg, join(dir, "Disk.mlpackage"))).toBe("directory");
    expect(await writePackagePath(pkg, join(dir, "Disk.mlpackage.zip"))).toBe("zip");
    const listing = readdirSync(join(dir, "Disk.mlpackage"), { recursive: true }).map(String).sort();
    expect(listing).toContain(join("Data", "com.apple.CoreML", "weights", "weight.bin"));
    expect(statSync(join(dir, "Disk.mlpackage", "Data", "com.apple.CoreML", "weights", "weight.bin")).size).toBe(findFile(pkg, WEIGHT_FILE)!.size);
    const fromDir = await readPackagePath(join(dir, "Disk.mlpackage"));
    const fromZip = await readPackagePath(join(dir, "Disk.mlpackage.zip"));
    expect(sameBytes(fromDir.model, fromZip.model)).toBe(true);
  });

  it("rejects archives that are not packages", async () => {
    await expect(readPackageZip(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(PackageFormatError);
  });
});
