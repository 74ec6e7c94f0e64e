// The zip writer (STORE, zip64), its outputs (parts, bytes, Blob, streams, files), progress,
// cancellation and platform limits.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import zlib from "node:zlib";
import { Uint8ArrayWriter } from "@zip.js/zip.js";
import { afterAll, describe, expect, it } from "vitest";
import { convertGraph, convertGraphToZip, type ConvertProgress } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { UnsupportedError } from "../../src/errors.js";
import { nodeCrc32, writePackageDirectory, writePackageZipFile, writePackageZipToNodeStream } from "../../src/node/package-files.js";
import { crc32Js } from "../../src/packaging/crc32.js";
import { PLATFORM_LIMITS, PlatformLimitError } from "../../src/limits.js";
import { MANIFEST_FILE, WEIGHT_FILE, fileBytes, findFile } from "../../src/packaging/package.js";
import { readPackageZip } from "../../src/packaging/reader.js";
import { packageToZipBlob, packageToZipBytes, packageToZipParts, packageToZipStream, writePackageZip } from "../../src/packaging/zip.js";
import { readZipEntries } from "../../src/packaging/zip-reader.js";

const dir = mkdtempSync(join(tmpdir(), "webnn-coreml-zip-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function graph(weightElements = 4096, layers = 3) {
  const b = new MLGraphBuilder();
  let h = b.input("x", { dataType: "float32", shape: [1, 64] });
  for (let l = 0; l < layers; l++) {
    const w = new Float32Array(weightElements).map((_, i) => Math.cos(i + l));
    h = b.relu(b.matmul(h, b.constant({ dataType: "float32", shape: [64, weightElements / 64] }, w, `w${l}`)));
    h = b.slice(h, [0, 0], [1, 64]);
  }
  return b.buildSync({ y: b.identity(h) });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("CRC-32", () => {
  it("the JavaScript slicing-by-16 CRC equals zlib's at every alignment and length", () => {
    const data = new Uint8Array(70_000).map((_, i) => (i * 2654435761) >>> 23);
    for (const [off, len] of [[0, 0], [0, 1], [1, 15], [3, 16], [2, 17], [5, 1000], [0, 70_000], [7, 65_000]]) {
      const part = data.subarray(off, off + len);
      expect(crc32Js(part, 0)).toBe(zlib.crc32(part));
    }
    // Running CRCs compose over parts.
    expect(crc32Js(data.subarray(999), crc32Js(data.subarray(0, 999), 0))).toBe(zlib.crc32(data));
    if (nodeCrc32) expect(nodeCrc32(data, 0)).toBe(crc32Js(data, 0));
  });
});

describe("zip outputs", () => {
  it("parts, bytes, Blob, ReadableStream, WritableStream, zip.js Writer, Node stream and file all give the same bytes", async () => {
    const pkg = await convertGraph(graph(), { name: "Same" });
    const bytes = await packageToZipBytes(pkg);
    const parts = await packageToZipParts(pkg);
    expect(Buffer.concat(parts.parts).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(await (await packageToZipBlob(pkg)).arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(await collect(packageToZipStream(pkg))).equals(Buffer.from(bytes))).toBe(true);

    const chunks: Uint8Array[] = [];
    await writePackageZip(pkg, new WritableStream<Uint8Array>({ write(c) { chunks.push(c.slice()); } }));
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);

    const w = new Uint8ArrayWriter();
    await writePackageZip(pkg, w);
    expect(Buffer.from(await w.getData()).equals(Buffer.from(bytes))).toBe(true);

    const nodeChunks: Buffer[] = [];
    await writePackageZipToNodeStream(pkg, new Writable({ write(c, _e, cb) { nodeChunks.push(Buffer.from(c)); cb(); } }));
    expect(Buffer.concat(nodeChunks).equals(Buffer.from(bytes))).toBe(true);

    const file = join(dir, "Same.mlpackage.zip");
    await writePackageZipFile(pkg, file);
    expect((await import("node:fs")).readFileSync(file).equals(Buffer.from(bytes))).toBe(true);
  });

  it("is deterministic, reads back with zip.js, and forced zip64 reads back too", async () => {
    const a = await packageToZipBytes(await convertGraph(graph(), { name: "D" }));
    const b = await packageToZipBytes(await convertGraph(graph(), { name: "D" }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const pkg = await convertGraph(graph(), { name: "D" });
    for (const zip64 of [false, true]) {
      const z = await packageToZipBytes(pkg, { zip64 });
      const entries = await readZipEntries(z);
      expect([...entries.keys()].filter((k) => !k.endsWith("/"))).toEqual(["D.mlpackage/Manifest.json", "D.mlpackage/Data/com.apple.CoreML/model.mlmodel", "D.mlpackage/Data/com.apple.CoreML/weights/weight.bin"]);
      expect(Buffer.from(entries.get(`D.mlpackage/${WEIGHT_FILE}`)!).equals(Buffer.from(fileBytes(findFile(pkg, WEIGHT_FILE)!)))).toBe(true);
      const read = await readPackageZip(new Blob([z as BlobPart]));
      expect(read.parsed.outputs.map((o) => o.name)).toEqual(["y"]);
      const path = join(dir, `d${zip64 ? 64 : 32}.zip`);
      writeFileSync(path, z);
      const unzip = spawnSync("unzip", ["-tqq", path], { encoding: "utf8" });
      if (!unzip.error) expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
    }
    expect((await packageToZipBytes(pkg, { zip64: true })).byteLength).toBeGreaterThan(a.byteLength);
  });
});

describe("progress and cancellation", () => {
  it("reports every stage, operations then bytes, and ends at the total", async () => {
    const seen: ConvertProgress[] = [];
    const blob = await convertGraphToZip(graph(), { name: "P", onProgress: (p) => seen.push(p) });
    const stages = [...new Set(seen.map((p) => p.stage))];
    expect(stages).toEqual(["lower", "serialize", "package", "zip"]);
    const zip = seen.filter((p) => p.stage === "zip");
    for (let i = 1; i < zip.length; i++) expect(zip[i].done).toBeGreaterThanOrEqual(zip[i - 1].done);
    const last = zip[zip.length - 1];
    expect(last.done).toBe(last.total);
    expect(last.bytes).toBe(last.done);
    expect(blob.size).toBeGreaterThan(3 * 4096 * 4);
    expect(seen.find((p) => p.stage === "lower")!.operations).toBe(1);
  });

  it("an abort during lowering, serialization or zip writing rejects with the signal's reason", async () => {
    for (const stage of ["lower", "serialize", "zip"] as const) {
      const ac = new AbortController();
      const reason = new Error(`stop in ${stage}`);
      const p = convertGraphToZip(graph(), { onProgress: (x) => { if (x.stage === stage) ac.abort(reason); }, signal: ac.signal });
      await expect(p).rejects.toBe(reason);
    }
    const ac = new AbortController();
    ac.abort();
    await expect(convertGraph(graph(), { signal: ac.signal })).rejects.toThrow();
  });

  it("a cancelled zip file or directory write leaves no partial output", async () => {
    const pkg = await convertGraph(graph(1 << 20, 4), { name: "Cancel" }); // 16 MiB of weights
    const file = join(dir, "Cancel.mlpackage.zip");
    const ac = new AbortController();
    const p = writePackageZipFile(pkg, file, { signal: ac.signal, onProgress: (done, total) => { if (done > total / 2) ac.abort(); } });
    await expect(p).rejects.toThrow();
    expect(existsSync(file)).toBe(false);

    const target = join(dir, "Cancel.mlpackage");
    const ac2 = new AbortController();
    await expect(writePackageDirectory(pkg, target, { signal: ac2.signal, onProgress: () => ac2.abort() })).rejects.toThrow();
    expect(existsSync(target)).toBe(false);

    // A WritableStream target is aborted with the reason.
    let aborted: unknown;
    const ac3 = new AbortController();
    const reason = new Error("stop");
    const sink = new WritableStream<Uint8Array>({ write() { ac3.abort(reason); }, abort(r) { aborted = r; } });
    await expect(writePackageZip(pkg, sink, { signal: ac3.signal })).rejects.toBe(reason);
    expect(aborted).toBe(reason);
  });

  it("keeps no reference to the package after a cancelled write (checked with a real GC)", () => {
    const script = `
      import { convertGraph } from "./src/convert.js";
      import { MLGraphBuilder } from "./src/graph/builder.js";
      import { writePackageZipFile } from "./src/node/package-files.js";
      import { packageToZipBytes } from "./src/packaging/zip.js";
      import { tmpdir } from "node:os";
      import { join } from "node:path";
      const refs = [];
      async function run(write) {
        const w = new Float32Array(1 << 22); // 16 MiB
        refs.push(new WeakRef(w.buffer));
        const b = new MLGraphBuilder();
        const x = b.input("x", { dataType: "float32", shape: [1, 1024] });
        const pkg = await convertGraph(b.buildSync({ y: b.matmul(x, b.constant({ dataType: "float32", shape: [1024, 4096] }, w)) }));
        const ac = new AbortController();
        try { await write(pkg, { signal: ac.signal, onProgress: (d, t) => { if (d > 0) ac.abort(); } }); } catch {}
      }
      await run((pkg, o) => writePackageZipFile(pkg, join(tmpdir(), "gc-" + process.pid + ".zip"), o));
      await run((pkg, o) => packageToZipBytes(pkg, o));
      await new Promise((r) => setTimeout(r, 100));
      globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); globalThis.gc();
      console.log(JSON.stringify(refs.map((r) => r.deref() === undefined)));
    `;
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], { cwd: join(__dirname, "../.."), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toEqual([true, true]);
  });
});

describe("platform limits", () => {
  it("a tensor over the limit fails before any work with a typed error", async () => {
    const seen: ConvertProgress[] = [];
    const err = await convertGraph(graph(), { limits: { maxTensorBytes: 8192 }, onProgress: (p) => seen.push(p) }).catch((e) => e);
    expect(err).toBeInstanceOf(PlatformLimitError);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(err.rule).toBe("platform-limit");
    expect(err.limit).toBe("maxTensorBytes");
    expect(err.operand).toBe("w0");
    expect(err.message).toMatch(/constant "w0" of float32 \[64, 64\] is 16384 bytes, over the node limit of 8192 bytes/);
    expect(seen).toEqual([]);
  });

  it("browser limits: 2 GiB per tensor and per buffer; a zip over the buffer limit fails before allocating", async () => {
    expect(PLATFORM_LIMITS.browser.maxTensorBytes).toBe(2 ** 31);
    const pkg = await convertGraph(graph(), { limits: "browser" });
    const err = await packageToZipBytes(pkg, { limits: { maxBufferBytes: 1000 } }).catch((e) => e);
    expect(err).toBeInstanceOf(PlatformLimitError);
    expect(err.limit).toBe("maxBufferBytes");
    // Blobs and streams are built from parts and have no such limit.
    expect((await packageToZipBlob(pkg, { limits: { maxBufferBytes: 1000 } })).size).toBeGreaterThan(1000);
  });

  it("the manifest names every file the zip holds", async () => {
    const pkg = await convertGraph(graph(), { name: "M" });
    const entries = await readZipEntries(await packageToZipBytes(pkg));
    expect(entries.has(`M.mlpackage/${MANIFEST_FILE}`)).toBe(true);
  });
});
