// Reading zips (packages as .mlpackage.zip): zip.js's reader, without its Web Workers. Kept apart
// from the writer so that code that only writes (the converter worker) does not load zip.js.
import { BlobReader, Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from "@zip.js/zip.js/lib/zip-native.js";
import { PackageFormatError } from "../errors.js";

/** Reads every file entry of a zip; paths as stored. */
export async function readZipEntries(data: Uint8Array | Blob): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  try {
    const source = data instanceof Uint8Array ? new Uint8ArrayReader(data) : new BlobReader(data);
    const reader = new ZipReader(source, { useWebWorkers: false });
    const entries = await reader.getEntries();
    for (const e of entries) {
      if (e.directory || !e.getData) continue;
      out.set(e.filename, await e.getData(new Uint8ArrayWriter()));
    }
    await reader.close();
  } catch (e) {
    if (e instanceof PackageFormatError) throw e;
    throw new PackageFormatError(`not a readable zip archive (${(e as Error).message})`, { rule: "zip" });
  }
  return out;
}
