// Reading zips (packages as .mlpackage.zip): zip.js's reader, without its Web Workers. Kept apart
// from the writer so that code that only writes (the converter worker) does not load zip.js.
// Zips come from strangers: the directory's size is bounded before it is read (zip-directory.ts),
// and entries are checked before any byte is read (`zipEntryPolicy`):
// duplicates and encrypted entries are refused, declared sizes must fit the archive, compressed
// entries are inflated only up to a bound, and entries a package does not use are skipped.
import { BlobReader, Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from "@zip.js/zip.js/lib/zip-native.js";
import { PackageFormatError } from "../errors.js";
import { PACKAGE_READ_LIMITS } from "../limits.js";
import { MANIFEST_FILE, MODEL_FILE, WEIGHT_FILE } from "./package.js";
import { checkZipArchiveEnd } from "./zip-directory.js";

export interface ZipEntryInfo {
  name: string;
  directory: boolean;
  encrypted: boolean;
  size: number;
  compressedSize: number;
  compressionMethod: number;
}

const { maxInflateRatio: MAX_INFLATE_RATIO, maxInflatedBytes: MAX_INFLATED_BYTES } = PACKAGE_READ_LIMITS;

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

/** Reads the package files of a zip in memory, paths as stored; folders under the package root as keys ending in "/" (empty). */
export async function readZipEntries(data: Uint8Array | Blob): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const archiveBytes = data instanceof Uint8Array ? data.byteLength : data.size;
  await checkZipArchiveEnd(archiveBytes, async (at, n) => (data instanceof Uint8Array ? data.subarray(at, at + n) : new Uint8Array(await data.slice(at, at + n).arrayBuffer())));
  try {
    const source = data instanceof Uint8Array ? new Uint8ArrayReader(data) : new BlobReader(data);
    const reader = new ZipReader(source, { useWebWorkers: false });
    const entries = await reader.getEntries();
    const infos = entries.map((e) => ({ entry: e, name: e.filename, directory: e.directory, encrypted: e.encrypted, size: e.uncompressedSize, compressedSize: e.compressedSize, compressionMethod: e.compressionMethod }));
    const kept = zipEntryPolicy(infos, archiveBytes);
    // Folders under the package's root, so that a manifest item that is an empty folder (the
    // weights of a model without any) is present; folders elsewhere (__MACOSX/) are not the package's.
    const root = kept.find((e) => e.name.endsWith(MANIFEST_FILE))?.name.slice(0, -MANIFEST_FILE.length);
    if (root !== undefined) for (const e of infos) if (e.directory && e.name.startsWith(`${root}Data/`)) out.set(e.name, new Uint8Array(0));
    for (const e of kept) {
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
