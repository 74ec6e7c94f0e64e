// Reading zips (packages as .mlpackage.zip): zip.js's reader, without its Web Workers. Kept apart
// from the writer so that code that only writes (the converter worker) does not load zip.js.
// Zips come from strangers: entries are checked before any byte is read (`zipEntryPolicy`):
// duplicates and encrypted entries are refused, declared sizes must fit the archive, compressed
// entries are inflated only up to a bound, and entries a package does not use are skipped.
import { BlobReader, Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from "@zip.js/zip.js/lib/zip-native.js";
import { PackageFormatError } from "../errors.js";
import { MANIFEST_FILE, MODEL_FILE, WEIGHT_FILE } from "./package.js";

export interface ZipEntryInfo {
  name: string;
  directory: boolean;
  encrypted: boolean;
  size: number;
  compressedSize: number;
  compressionMethod: number;
}

/** A compressed entry inflates to at most this many times its compressed size (zip bombs go far past it). */
export const MAX_INFLATE_RATIO = 200;
/** … and to at most this many bytes. */
export const MAX_INFLATED_BYTES = 512 * 1024 * 1024;

const PACKAGE_FILES = [MANIFEST_FILE, MODEL_FILE, WEIGHT_FILE];

function refuse(message: string): never {
  throw new PackageFormatError(message, { rule: "zip" });
}

/**
 * The entries to read from an archive of `archiveBytes`: the package's own files (any
 * `<root>/` prefix), after checking every entry. Others (a README beside the package, macOS
 * resource forks) are skipped unread.
 */
export function zipEntryPolicy<E extends ZipEntryInfo>(entries: readonly E[], archiveBytes: number): E[] {
  const seen = new Set<string>();
  const keep: E[] = [];
  for (const e of entries) {
    if (seen.has(e.name)) refuse(`zip entry ${e.name} appears twice`);
    seen.add(e.name);
    if (e.directory) continue;
    if (e.encrypted) refuse(`zip entry ${e.name} is encrypted`);
    if (!Number.isSafeInteger(e.size) || !Number.isSafeInteger(e.compressedSize) || e.size < 0 || e.compressedSize < 0) refuse(`zip entry ${e.name} declares an invalid size`);
    if (e.compressedSize > archiveBytes) refuse(`zip entry ${e.name} declares ${e.compressedSize} bytes, more than the ${archiveBytes}-byte archive holds`);
    if (e.compressionMethod === 0 && e.size !== e.compressedSize) refuse(`zip entry ${e.name} is stored but declares ${e.size} bytes of data in ${e.compressedSize}`);
    if (!PACKAGE_FILES.some((f) => e.name === f || e.name.endsWith(`/${f}`))) continue;
    if (e.compressionMethod !== 0) {
      if (e.compressionMethod !== 8) refuse(`zip entry ${e.name} uses compression method ${e.compressionMethod} (only stored and deflated entries are read)`);
      if (e.size > MAX_INFLATED_BYTES || e.size > Math.max(1024, e.compressedSize * MAX_INFLATE_RATIO)) {
        refuse(`zip entry ${e.name} would inflate ${e.compressedSize} bytes to ${e.size}, past the limit`);
      }
    }
    keep.push(e);
  }
  return keep;
}

/** Reads the package files of a zip in memory; paths as stored. */
export async function readZipEntries(data: Uint8Array | Blob): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  try {
    const source = data instanceof Uint8Array ? new Uint8ArrayReader(data) : new BlobReader(data);
    const reader = new ZipReader(source, { useWebWorkers: false });
    const entries = await reader.getEntries();
    const archiveBytes = data instanceof Uint8Array ? data.byteLength : data.size;
    const infos = entries.map((e) => ({ entry: e, name: e.filename, directory: e.directory, encrypted: e.encrypted, size: e.uncompressedSize, compressedSize: e.compressedSize, compressionMethod: e.compressionMethod }));
    for (const e of zipEntryPolicy(infos, archiveBytes)) {
      const entry = e.entry;
      if (entry.directory) continue;
      const bytes = await entry.getData(new Uint8ArrayWriter());
      if (bytes.byteLength !== e.size) refuse(`zip entry ${e.name} holds ${bytes.byteLength} bytes, not the ${e.size} it declares`);
      out.set(e.name, bytes);
    }
    await reader.close();
  } catch (e) {
    if (e instanceof PackageFormatError) throw e;
    throw new PackageFormatError(`not a readable zip archive (${(e as Error).message})`, { rule: "zip" });
  }
  return out;
}
