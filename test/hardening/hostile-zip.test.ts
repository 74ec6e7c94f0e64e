// Zips from strangers, read in memory and from a file: sizes that lie, duplicate and encrypted
// entries, zip bombs, and entries a package does not use — typed errors or a clean read, never a
// native abort, an unbounded allocation or an untyped RangeError.
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { readPackageZipFile } from "../../src/node/package-files.js";
import { readPackageZip } from "../../src/packaging/reader.js";
import { packageEntries, packageToZipBytes, writeZipRandomAccess } from "../../src/packaging/zip.js";

async function smallPackage() {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [4] });
  return convertGraph(b.buildSync({ y: b.relu(b.add(x, b.constant({ dataType: "float32", shape: [4] }, new Float32Array([1, 2, 3, 4])))) }), { name: "Z" });
}

/** Central-directory records of a zip: [offset, name]. */
function centralRecords(zip: Uint8Array): [number, string][] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: [number, string][] = [];
  for (let i = 0; i + 46 < zip.byteLength; i++) {
    if (v.getUint32(i, true) !== 0x02014b50) continue;
    const n = v.getUint16(i + 28, true);
    out.push([i, new TextDecoder().decode(zip.subarray(i + 46, i + 46 + n))]);
  }
  return out;
}

async function expectRefused(zip: Uint8Array, re: RegExp) {
  await expect(readPackageZip(zip)).rejects.toMatchObject({ kind: "PackageFormatError", message: expect.stringMatching(re) });
  const file = join(mkdtempSync(join(tmpdir(), "zip-")), "Z.mlpackage.zip");
  writeFileSync(file, zip);
  await expect(readPackageZipFile(file)).rejects.toMatchObject({ kind: "PackageFormatError", message: expect.stringMatching(re) });
}

describe("hostile zips", () => {
  it("declared sizes over what the archive holds (2 GiB and 0xFFFFFFF0) are refused before any allocation", async () => {
    const zip = await packageToZipBytes(await smallPackage());
    for (const size of [0xfffffff0, 0x80000000]) {
      const bad = zip.slice();
      const v = new DataView(bad.buffer);
      const [off] = centralRecords(bad).find(([, n]) => n.endsWith("model.mlmodel"))!;
      v.setUint32(off + 20, size, true); // compressed size
      v.setUint32(off + 24, size, true); // uncompressed size
      await expectRefused(bad, /declares|not a readable zip|past the end/);
    }
  });

  it("refuses duplicate and encrypted entries", async () => {
    const pkg = await smallPackage();
    const entries = packageEntries(pkg);
    const model = entries.find((e) => e.name.endsWith("model.mlmodel"))!;
    const parts: { data: Uint8Array; position: number }[] = [];
    await writeZipRandomAccess([...entries, model], { write: async (data, position) => { parts.push({ data: data.slice(), position }); } });
    const size = Math.max(...parts.map((p) => p.position + p.data.byteLength));
    const dup = new Uint8Array(size);
    for (const p of parts) dup.set(p.data, p.position);
    await expectRefused(dup, /appears twice|not a readable zip/);

    const enc = (await packageToZipBytes(pkg)).slice();
    const v = new DataView(enc.buffer);
    for (const [off] of centralRecords(enc)) v.setUint16(off + 8, v.getUint16(off + 8, true) | 1, true);
    await expectRefused(enc, /encrypted|not a readable zip/);
  });

  it("refuses a zip bomb and skips entries a package does not use", async () => {
    const bomb = zipSync({ "Z.mlpackage/Manifest.json": new TextEncoder().encode("{}"), "Z.mlpackage/Data/com.apple.CoreML/model.mlmodel": [new Uint8Array(20 * 1024 * 1024), { level: 9 }] });
    await expectRefused(bomb, /inflate|past the limit/);

    // A package zip with an extra entry (as macOS adds): the extra entry is not read.
    const pkg = await smallPackage();
    const extra = [...packageEntries(pkg), { name: "__MACOSX/._Z.mlpackage", parts: [new Uint8Array(16)], size: 16, directory: false }];
    const parts: { data: Uint8Array; position: number }[] = [];
    await writeZipRandomAccess(extra, { write: async (data, position) => { parts.push({ data: data.slice(), position }); } });
    const out = new Uint8Array(Math.max(...parts.map((p) => p.position + p.data.byteLength)));
    for (const p of parts) out.set(p.data, p.position);
    expect((await readPackageZip(out)).parsed.outputs[0].name).toBe("y");
  });
});
