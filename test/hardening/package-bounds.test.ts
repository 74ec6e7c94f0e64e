// Package readers bounded as a stranger's files require: a zip's entry count and directory size
// checked from its last bytes before any reader lists an entry; Manifest.json held to Apple's
// rules (item paths inside Data/, present, the root one of the items) in the zip and directory
// readers alike, never opening a path outside the package; and parallel bridge loads that queue.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreMLBridge } from "../../src/bridge/client.js";
import { BridgeError } from "../../src/bridge/protocol.js";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { PACKAGE_READ_LIMITS, zipEntryLimit } from "../../src/limits.js";
import { checkStoreZip, startBridgeHost, type BridgeHost } from "../../src/node/bridge-host.js";
import { main } from "../../src/node/cli.js";
import { readPackagePath, writePackageDirectory } from "../../src/node/package-files.js";
import { fileBytes, MANIFEST_FILE, type MLPackage } from "../../src/packaging/package.js";
import { readPackageFiles, readPackageZip } from "../../src/packaging/reader.js";
import { ZIP_TAIL_BYTES } from "../../src/packaging/zip-directory.js";
import { packageEntries, packageToZipBytes, type EntryInput } from "../../src/packaging/zip.js";
import { zipBytes } from "./zip-bytes.js";
import { runPackage } from "../../src/run-package.js";

async function smallPackage(name = "P"): Promise<MLPackage> {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [4] });
  return convertGraph(b.buildSync({ y: b.add(x, b.constant({ dataType: "float32", shape: [4] }, Float32Array.of(1, 2, 3, 4))) }), { name });
}


const junk = (root: string, n: number): EntryInput[] => Array.from({ length: n }, (_, i) => ({ name: `${root}Data/junk/${i}`, parts: [], size: 0, directory: false }));

/** A Blob that counts the bytes any reader takes from it. */
function countingBlob(bytes: Uint8Array): { blob: Blob; read: () => number } {
  let read = 0;
  const wrap = (b: Blob): Blob => {
    const slice = b.slice.bind(b);
    b.slice = (start?: number, end?: number, type?: string) => { const s = slice(start, end, type); read += s.size; return s; };
    for (const m of ["arrayBuffer", "stream", "text", "bytes"] as const) {
      const f = (b as unknown as Record<string, () => unknown>)[m]?.bind(b);
      if (f) (b as unknown as Record<string, () => unknown>)[m] = () => { read += b.size; return f(); };
    }
    return b;
  };
  return { blob: wrap(new Blob([bytes as Uint8Array<ArrayBuffer>])), read: () => read };
}

describe("a zip with many entries", () => {
  let many: Uint8Array;
  let dir: string;
  beforeAll(async () => {
    const pkg = await smallPackage();
    many = await zipBytes([...packageEntries(pkg), ...junk("P.mlpackage/", 100_000)]);
    dir = mkdtempSync(join(tmpdir(), "webnn-coreml-bounds-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is refused from its end record, before any entry is listed, by every reader", async () => {
    const limit = zipEntryLimit();
    expect(limit).toBe(PACKAGE_READ_LIMITS.maxFiles * 4 + 16);
    const why = new RegExp(`declares 1000\\d\\d entries; a package has a handful, and at most ${limit} are read \\(maxZipEntries\\)`);
    // In memory, as a Blob: the reader takes only the archive's last bytes.
    const { blob, read } = countingBlob(many);
    await expect(readPackageZip(blob)).rejects.toMatchObject({ kind: "PackageFormatError", rule: "zip", message: expect.stringMatching(why) });
    expect(read()).toBeLessThanOrEqual(ZIP_TAIL_BYTES);
    expect(many.byteLength).toBeGreaterThan(10 * ZIP_TAIL_BYTES * 10);
    await expect(readPackageZip(many)).rejects.toMatchObject({ message: expect.stringMatching(why) });
    // From a file (inspect, run, readPackagePath).
    const file = join(dir, "Many.mlpackage.zip");
    writeFileSync(file, many);
    await expect(readPackagePath(file)).rejects.toMatchObject({ kind: "PackageFormatError", message: expect.stringMatching(why) });
    const printed: string[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => { printed.push(a.join(" ")); };
    try {
      expect(await main(["inspect", file])).not.toBe(0);
    } finally {
      console.error = error;
    }
    expect(printed.join("\n")).toMatch(why);
    // The bridge host's stored-zip check, with the same formula over its maxFiles.
    expect(() => checkStoreZip(many, { maxFiles: PACKAGE_READ_LIMITS.maxFiles, maxPackageBytes: 2 ** 30 })).toThrow(why);
  });

  it("a package with a few stray entries is still read", async () => {
    const pkg = await smallPackage();
    const zip = await zipBytes([...packageEntries(pkg), ...junk("P.mlpackage/", 20)]);
    const out = await runPackage(zip, { x: { dataType: "float32", shape: [4], data: Float32Array.of(1, 1, 1, 1) } });
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, 3, 4, 5]);
  });

  it("a central directory far larger than its entries need is refused", async () => {
    const pkg = await smallPackage();
    const zip = await zipBytes(packageEntries(pkg));
    // Declare the directory 10 MB long from offset 0 (within the archive once padded).
    const padded = new Uint8Array(zip.byteLength + 10_000_000);
    padded.set(zip.subarray(0, zip.byteLength - 22));
    padded.set(zip.subarray(zip.byteLength - 22), padded.byteLength - 22);
    const v = new DataView(padded.buffer);
    v.setUint32(padded.byteLength - 22 + 12, 10_000_000, true);
    v.setUint32(padded.byteLength - 22 + 16, 0, true);
    await expect(readPackageZip(padded)).rejects.toMatchObject({ message: expect.stringMatching(/central directory is 10000000 bytes for \d+ entries/) });
  });
});

describe("Manifest.json held to Apple's rules", () => {
  let pkg: MLPackage;
  let manifest: { rootModelIdentifier: string; itemInfoEntries: Record<string, { path: string }> };
  let dir: string;
  beforeAll(async () => {
    pkg = await smallPackage();
    manifest = JSON.parse(new TextDecoder().decode(fileBytes(pkg.files.find((f) => f.path === MANIFEST_FILE)!)));
    dir = mkdtempSync(join(tmpdir(), "webnn-coreml-manifest-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const withManifest = (m: unknown): MLPackage => {
    const bytes = new TextEncoder().encode(JSON.stringify(m));
    return { ...pkg, files: pkg.files.map((f) => (f.path === MANIFEST_FILE ? { path: f.path, parts: [bytes], size: bytes.byteLength } : f)) };
  };
  const root = () => manifest.rootModelIdentifier;
  const weightsId = () => Object.keys(manifest.itemInfoEntries).find((k) => k !== root())!;
  const item = (id: string, path: string) => ({ ...manifest, itemInfoEntries: { ...manifest.itemInfoEntries, [id]: { ...manifest.itemInfoEntries[id], path } } });

  const cases: Array<[string, unknown, RegExp]> = [
    ["the root model outside the package", null, /path "..\/..\/..\/etc\/passwd" is not a relative path inside Data\//],
    ["the weights outside the package", null, /path "\/etc" is not a relative path inside Data\//],
    ["an item that does not exist", null, /item Data\/com.apple.CoreML\/nothing does not exist in the package/],
    ["a root identifier that is no item", null, /rootModelIdentifier "other" is not one of its items/],
  ];
  const manifests = () => [
    item(root(), "../../../etc/passwd"),
    item(weightsId(), "/etc"),
    item(weightsId(), "com.apple.CoreML/nothing"),
    { ...manifest, rootModelIdentifier: "other" },
  ];

  it("is refused by the zip and the directory readers alike", async () => {
    const ms = manifests();
    for (let i = 0; i < cases.length; i++) {
      const [label, , re] = cases[i];
      const bad = withManifest(ms[i]);
      await expect(readPackageZip(await packageToZipBytes(bad)), label).rejects.toMatchObject({ kind: "PackageFormatError", message: expect.stringMatching(re) });
      const d = join(dir, `case${i}.mlpackage`);
      await writePackageDirectory(bad, d);
      await expect(readPackagePath(d), label).rejects.toMatchObject({ kind: "PackageFormatError", message: expect.stringMatching(re) });
      expect(() => readPackageFiles(new Map(bad.files.map((f) => [f.path, fileBytes(f)]))), label).toThrow(re);
    }
  });

  it("the directory reader never follows a link out of the package", async () => {
    const d = join(dir, "linked.mlpackage");
    await writePackageDirectory(pkg, d);
    const outside = join(dir, "outside");
    cpSync(join(d, "Data"), outside, { recursive: true });
    rmSync(join(d, "Data"), { recursive: true });
    symlinkSync(outside, join(d, "Data"));
    await expect(readPackagePath(d)).rejects.toMatchObject({ kind: "PackageFormatError", rule: "path-traversal", message: expect.stringMatching(/Data in .* is a symbolic link/) });
  });

  it("an empty weights folder (coremltools, a model without weights) is present", async () => {
    const d = join(dir, "NoWeights.mlpackage");
    const b = new MLGraphBuilder();
    const none = await convertGraph(b.buildSync({ y: b.relu(b.input("x", { dataType: "float32", shape: [2] })) }), { name: "NoWeights" });
    // Our package lists no weights item; list one as coremltools does, with the folder empty.
    const m = JSON.parse(new TextDecoder().decode(fileBytes(none.files[0])));
    m.itemInfoEntries["00000000-0000-4000-8000-000000000000"] = { author: "com.apple.CoreML", description: "CoreML Model Weights", name: "weights", path: "com.apple.CoreML/weights" };
    const bytes = new TextEncoder().encode(JSON.stringify(m));
    const listed: MLPackage = { ...none, files: [{ path: MANIFEST_FILE, parts: [bytes], size: bytes.byteLength }, ...none.files.slice(1)] };
    await writePackageDirectory(listed, d);
    await expect(readPackagePath(d)).rejects.toThrow(/weights does not exist/);
    mkdirSync(join(d, "Data", "com.apple.CoreML", "weights"));
    expect((await readPackagePath(d)).parsed.outputs.map((o) => o.name)).toEqual(["y"]);
    // And zipped with its folder entry.
    const zip = await zipBytes([...packageEntries(listed), { name: "NoWeights.mlpackage/Data/com.apple.CoreML/weights/", parts: [], size: 0, directory: true }]);
    expect((await readPackageZip(zip)).parsed.outputs.map((o) => o.name)).toEqual(["y"]);
  });
});

describe("parallel bridge loads", () => {
  let host: BridgeHost;
  beforeAll(async () => { host = await startBridgeHost({ limits: { maxModels: 20, maxUploads: 2 } }); });
  afterAll(async () => { await host.close(); });

  it("20 at once all load, queued to the host's maxUploads; the 21st fails naming maxModels", async () => {
    const zip = await packageToZipBytes(await smallPackage());
    const bridge = new CoreMLBridge({ baseUrl: host.url, messageHandler: null, fetch: (url, init) => fetch(url, { ...init, headers: { origin: host.origin } }) });
    const models = await Promise.all(Array.from({ length: 20 }, () => bridge.load(zip)));
    expect(new Set(models.map((m) => m.id)).size).toBe(20);
    const out = await models[7].predict({ x: { dataType: "float32", shape: [4], data: Float32Array.of(0, 0, 0, 0) } });
    expect(Array.from(out.y.data as Float32Array)).toEqual([1, 2, 3, 4]);
    const e = await bridge.load(zip).then(() => undefined, (x) => x);
    expect(e).toBeInstanceOf(BridgeError);
    expect(e).toMatchObject({ code: "too-many-models", message: expect.stringMatching(/maxModels 20/) });
    await Promise.all(models.map((m) => m.unload()));
    // A package whose manifest points outside it, through the host.
    const pkg = await smallPackage();
    const m = JSON.parse(new TextDecoder().decode(fileBytes(pkg.files[0])));
    m.itemInfoEntries[m.rootModelIdentifier].path = "../../../etc/passwd";
    const bytes = new TextEncoder().encode(JSON.stringify(m));
    const outside = await packageToZipBytes({ ...pkg, files: [{ path: MANIFEST_FILE, parts: [bytes], size: bytes.byteLength }, ...pkg.files.slice(1)] });
    await expect(bridge.load(outside)).rejects.toMatchObject({ code: "unsafe-path", message: expect.stringMatching(/not a relative path inside Data\//) });
    expect(await host.state()).toEqual({ uploads: 0, models: 0, tempEntries: [] });
  });
});
