// Zip export (STORE, zip64 when needed) and zip reading, with @zip.js/zip.js.
// Entries are written from the package's parts as a stream: nothing is concatenated.
import { BlobWriter, Uint8ArrayReader, Uint8ArrayWriter, ZipReader, ZipWriter, type Writer } from "@zip.js/zip.js";
import { PackageFormatError } from "../graph/errors.js";
import type { MLPackage, PackageFile } from "./package.js";

/** A fixed timestamp so that the same package zips to the same bytes. */
const ZIP_DATE = new Date(Date.UTC(2001, 0, 1, 0, 0, 0));

const WRITER_OPTIONS = {
  level: 0,
  useWebWorkers: false,
  useCompressionStream: false,
  extendedTimestamp: false,
  lastModDate: ZIP_DATE,
  keepOrder: true,
} as const;

function partsStream(parts: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  // Parts above 64 MiB are handed over in slices (views, not copies) to bound chunk sizes.
  const CHUNK = 64 * 1024 * 1024;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      while (i < parts.length && parts[i].byteLength === 0) i++;
      if (i >= parts.length) { controller.close(); return; }
      const p = parts[i];
      const end = Math.min(p.byteLength, offset + CHUNK);
      controller.enqueue(p.subarray(offset, end));
      offset = end;
      if (offset >= p.byteLength) { i++; offset = 0; }
    },
  }, { highWaterMark: 1 });
}

/** Where a zip goes: a zip.js writer or a WritableStream. */
export type ZipTarget = Writer<unknown> | BlobWriter | Uint8ArrayWriter | WritableStream;

export interface ZipOptions {
  /** Called with bytes of file data written so far and the total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Writes the package as `<name>.mlpackage/...` entries to any zip.js Writer. */
export async function writePackageZip(pkg: MLPackage, writer: ZipTarget, options: ZipOptions = {}): Promise<void> {
  const total = pkg.files.reduce((n, f) => n + f.size, 0);
  const zip = new ZipWriter(writer as Writer<unknown>, { ...WRITER_OPTIONS, zip64: total >= 0xffffffff - 1024 * 1024, signal: options.signal });
  const root = `${pkg.name}.mlpackage/`;
  let before = 0;
  for (const dir of directoriesOf(pkg.files)) {
    await zip.add(root + dir, undefined, { directory: true });
  }
  for (const f of pkg.files) {
    const base = before;
    await zip.add(root + f.path, partsStream(f.parts), {
      zip64: f.size >= 0xffffffff - 1024 * 1024 || undefined,
      onprogress: options.onProgress ? async (progress: number) => { options.onProgress!(base + progress, total); } : undefined,
    });
    before += f.size;
  }
  await zip.close();
}

function directoriesOf(files: readonly PackageFile[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/") + "/");
  }
  return [...dirs].sort();
}

export async function packageToZipBytes(pkg: MLPackage, options: ZipOptions = {}): Promise<Uint8Array> {
  const w = new Uint8ArrayWriter();
  await writePackageZip(pkg, w, options);
  return w.getData();
}

export async function packageToZipBlob(pkg: MLPackage, options: ZipOptions = {}): Promise<Blob> {
  const w = new BlobWriter("application/zip");
  await writePackageZip(pkg, w, options);
  return w.getData();
}

/** Reads every file entry of a zip; paths as stored. */
export async function readZipEntries(data: Uint8Array | Blob): Promise<Map<string, Uint8Array>> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
  let reader: ZipReader<unknown>;
  const out = new Map<string, Uint8Array>();
  try {
    reader = new ZipReader(new Uint8ArrayReader(bytes), { useWebWorkers: false });
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
