// A small version of the scale benchmark (bench/big.ts, bench/huge.ts), checking correctness
// only: 64 MiB of float16 weights stay zero copy through conversion and zipping, and archives
// (zip64 forced) read back byte for byte, from memory and from a file handle.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { readPackagePath, readPackageZipFile, writePackageZipFile } from "../../src/node/package-files.js";
import { WEIGHT_FILE, findFile, type MLPackage } from "../../src/packaging/package.js";
import { readPackage, readPackageZip } from "../../src/packaging/reader.js";
import { packageToZipBytes, packageToZipParts } from "../../src/packaging/zip.js";
import { programFunction } from "../../src/mil/program.js";

const ROWS = 2048;
const COLS = 4096;
const LAYERS = 4; // 4 × 16 MiB = 64 MiB of float16
const dir = mkdtempSync(join(tmpdir(), "webnn-coreml-scale-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Weights as views at a non-zero offset of a larger buffer, so that "same view" is a strong check. */
function makeWeights(): Uint16Array[] {
  const out: Uint16Array[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const backing = new Uint16Array(ROWS * COLS + 32);
    const w = backing.subarray(16, 16 + ROWS * COLS);
    const words = new Uint32Array(w.buffer, w.byteOffset, w.length / 2);
    for (let i = 0; i < words.length; i += 1024) words[i] = (i * 2654435761 + l) >>> 0; // sparse, distinct per layer
    words[words.length - 1] = 0x3c003c00 + l;
    out.push(w);
  }
  return out;
}

const weights = makeWeights();
let pkg: MLPackage;

async function convert(): Promise<MLPackage> {
  const b = new MLGraphBuilder();
  let h = b.input("x", { dataType: "float16", shape: [1, ROWS] });
  weights.forEach((w, i) => {
    h = b.matmul(h, b.constant({ dataType: "float16", shape: [ROWS, COLS] }, w, `w${i}`));
    if (i < LAYERS - 1) h = b.slice(h, [0, 0], [1, ROWS]);
  });
  return convertGraph(await b.build({ y: b.relu(h) }), { name: "Scale" });
}

const sameView = (p: Uint8Array, w: Uint16Array) => p.buffer === w.buffer && p.byteOffset === w.byteOffset && p.byteLength === w.byteLength;
const equalBytes = (a: Uint8Array, b: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("64 MiB of float16 weights", () => {
  it("converts zero copy: weight.bin's parts are the very views passed to builder.constant", async () => {
    pkg = await convert();
    const wf = findFile(pkg, WEIGHT_FILE)!;
    expect(wf.size).toBeGreaterThan(LAYERS * ROWS * COLS * 2);
    for (const w of weights) expect(wf.parts.filter((p) => sameView(p, w))).toHaveLength(1);
    // No part other than the weights themselves is large: headers and padding only.
    expect(wf.parts.filter((p) => !weights.some((w) => sameView(p, w))).every((p) => p.byteLength <= 64)).toBe(true);
  });

  it("zips to memory as parts that still reference the weights", async () => {
    const zip = await packageToZipParts(pkg);
    for (const w of weights) expect(zip.parts.some((p) => sameView(p, w))).toBe(true);
    expect(zip.zip64).toBe(false);
    expect(zip.size).toBe(zip.parts.reduce((n, p) => n + p.byteLength, 0));
  });

  it("reads an in-memory package back without copying the weights", () => {
    const read = readPackage(pkg);
    const consts = programFunction(read.parsed.program).operations.filter((o) => o.type === "const" && o.value!.bytes!.byteLength === ROWS * COLS * 2);
    expect(consts).toHaveLength(LAYERS);
    consts.forEach((c, i) => expect(sameView(c.value!.bytes!, weights[i])).toBe(true));
  });

  it("zip bytes read back byte for byte", async () => {
    const bytes = await packageToZipBytes(pkg);
    const read = await readPackageZip(bytes);
    expect(read.weights!.byteLength).toBe(findFile(pkg, WEIGHT_FILE)!.size);
    const consts = programFunction(read.parsed.program).operations.filter((o) => o.type === "const" && o.value!.bytes!.byteLength === ROWS * COLS * 2);
    consts.forEach((c, i) => expect(equalBytes(c.value!.bytes!, weights[i])).toBe(true));
  });

  it("streams a zip64 archive (forced) to a file; it reads back from the file handle, blob by blob", async () => {
    const file = join(dir, "Scale.mlpackage.zip");
    await writePackageZipFile(pkg, file, { zip64: true });
    const size = statSync(file).size;
    expect(size).toBe((await packageToZipParts(pkg, { zip64: true })).size);

    // zip64 records: end-of-central-directory fields at their maximum, pointing to the locator and the zip64 record.
    const bytes = await packageToZipBytes(pkg, { zip64: true });
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const eocd = bytes.byteLength - 22;
    expect(v.getUint32(eocd, true)).toBe(0x06054b50);
    expect(v.getUint32(eocd + 16, true)).toBe(0xffffffff);
    expect(v.getUint32(eocd - 20, true)).toBe(0x07064b50);
    const rec = Number(v.getBigUint64(eocd - 20 + 8, true));
    expect(v.getUint32(rec, true)).toBe(0x06064b50);
    expect(Number(v.getBigUint64(rec + 32, true))).toBe(7); // entries: 4 directories + 3 files
    // Every file's local header carries a zip64 extra field with its sizes.
    let files = 0;
    for (let p = 0; p < rec; ) {
      const sig = v.getUint32(p, true);
      if (sig !== 0x04034b50) break;
      const nameLen = v.getUint16(p + 26, true), extraLen = v.getUint16(p + 28, true);
      const name = new TextDecoder().decode(bytes.subarray(p + 30, p + 30 + nameLen));
      let size = v.getUint32(p + 22, true);
      if (!name.endsWith("/")) {
        files++;
        expect(size).toBe(0xffffffff);
        expect(v.getUint16(p + 30 + nameLen, true)).toBe(0x0001);
        size = Number(v.getBigUint64(p + 30 + nameLen + 4, true));
      }
      p += 30 + nameLen + extraLen + size;
    }
    expect(files).toBe(3);
    expect(equalBytes(bytes, new Uint8Array(await (await import("node:fs/promises")).readFile(file)))).toBe(true);

    // Read from the file handle: whole buffers, and (with a small buffer limit) blob by blob.
    const whole = await readPackagePath(file);
    expect(equalBytes(whole.weights!, Buffer.concat(findFile(pkg, WEIGHT_FILE)!.parts))).toBe(true);
    const byBlob = await readPackageZipFile(file, { maxBufferBytes: 1024 * 1024 });
    expect(byBlob.weights).toBeUndefined();
    expect(byBlob.weightSource!.records.size).toBe(LAYERS);
    const consts = programFunction(byBlob.parsed.program).operations.filter((o) => o.type === "const" && o.value!.bytes!.byteLength === ROWS * COLS * 2);
    consts.forEach((c, i) => expect(equalBytes(c.value!.bytes!, weights[i])).toBe(true));

    const unzip = spawnSync("unzip", ["-tqq", file], { encoding: "utf8" });
    if (!unzip.error) expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0); // when Info-ZIP is installed
  });

  it("the reader rejects an archive whose data does not match its CRC-32", async () => {
    const bytes = await packageToZipBytes(pkg);
    const corrupt = bytes.slice();
    const at = corrupt.byteLength - 100_000;
    corrupt[at] ^= 0xff;
    const file = join(dir, "corrupt.zip");
    await (await import("node:fs/promises")).writeFile(file, corrupt);
    await expect(readPackagePath(file)).rejects.toThrow(/CRC-32/);
    await expect(readPackageZipFile(file, { maxBufferBytes: 1024 * 1024 })).rejects.toThrow(/CRC-32/);
  });
});
