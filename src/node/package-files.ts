// Node file-system delivery: write a package as a directory, a zip file or a zip on a Node
// stream; read one back (zips are read from a file handle, entry by entry, zip64 included, so
// an archive above 4 GiB is never one buffer).
import { openSync, readSync, closeSync } from "node:fs";
import { lstat, mkdir, open, readFile, rm, stat, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Writable } from "node:stream";
import zlib from "node:zlib";
import { Reader, Uint8ArrayWriter, ZipReader } from "@zip.js/zip.js/lib/zip-native.js";
import { PackageFormatError } from "../errors.js";
import { crc32Implementation, setCrc32, type Crc32Function } from "../packaging/crc32.js";
import { resolveLimits } from "../limits.js";
import { readFully } from "./file-read.js";
import { MANIFEST_FILE, MODEL_FILE, WEIGHT_FILE, type MLPackage } from "../packaging/package.js";
import { checkManifest, packageFromFiles, readPackageContents, readPackageFiles, type ReadPackage } from "../packaging/reader.js";
import { checkZipArchiveEnd } from "../packaging/zip-directory.js";
import { zipEntryPolicy, type ZipEntryInfo } from "../packaging/zip-reader.js";
import { archiveChunks, packageEntries, Pacer, preparePackageZip, writeZipRandomAccess, type ZipOptions } from "../packaging/zip.js";
import { readWeightBlobIndex, type BlobRecord, type WeightBlobSource } from "../serialization/weight-blob.js";
import { checkOutputPath, writeThroughTemporary, type OutputKind } from "./output-path.js";

/** Node's native CRC-32 (zlib.crc32, Node ≥ 20.15 / 22.2), when this Node has it. */
export const nodeCrc32: Crc32Function | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === "function" ? (data, crc) => zlib.crc32(data, crc) : undefined;

// Importing the Node file API installs the native CRC-32 for every zip written in this process.
if (nodeCrc32) setCrc32(nodeCrc32);

const IO_CHUNK = 16 * 1024 * 1024;

export interface WriteOptions {
  signal?: AbortSignal;
  /** Bytes written so far, of the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Slice size for zip files: small enough that a slice is still in cache when written after its CRC. */
const FILE_CHUNK = 4 * 1024 * 1024;

async function writeAllAt(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < data.byteLength) {
    const { bytesWritten } = await fh.write(data, off, data.byteLength - off, position + off);
    off += bytesWritten;
  }
}

async function writeAll(fh: FileHandle, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.byteLength) {
    const { bytesWritten } = await fh.write(data, off, data.byteLength - off);
    off += bytesWritten;
  }
}

/**
 * Writes `pkg` into directory `dir` (normally `Name.mlpackage`), part by part (the weights are
 * written from the constants' own buffers). On failure or cancellation the directory is removed.
 */
export async function writePackageDirectory(pkg: MLPackage, dir: string, options: WriteOptions = {}): Promise<void> {
  options.signal?.throwIfAborted();
  await rm(dir, { recursive: true, force: true });
  const pacer = new Pacer(pkg.files.reduce((n, f) => n + f.size, 0), options);
  try {
    for (const f of pkg.files) {
      const path = join(dir, ...f.path.split("/"));
      await mkdir(dirname(path), { recursive: true });
      const fh = await open(path, "w");
      try {
        for (const chunk of archiveChunks(f.parts, IO_CHUNK)) {
          await writeAll(fh, chunk);
          await pacer.advance(chunk.byteLength);
        }
      } finally {
        await fh.close();
      }
    }
    pacer.finish();
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Streams the package as a zip file to `path` (zip64 when needed) in one pass: each 4 MiB slice
 * is checksummed while the previous one is being written, and local headers get their CRC-32
 * at the end (positional writes). A partial file is removed on failure or cancellation.
 */
export async function writePackageZipFile(pkg: MLPackage, path: string, options: ZipOptions = {}): Promise<void> {
  options.signal?.throwIfAborted();
  await mkdir(dirname(path), { recursive: true });
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, "w");
    const handle = fh;
    await writeZipRandomAccess(packageEntries(pkg), { write: (data, position) => writeAllAt(handle, data, position) }, options, FILE_CHUNK);
    await fh.close();
    fh = undefined;
  } catch (e) {
    await fh?.close().catch(() => {});
    await rm(path, { force: true });
    throw e;
  }
}

/** Streams the package as a zip to a Node Writable (backpressure respected); the stream is destroyed on failure. */
export async function writePackageZipToNodeStream(pkg: MLPackage, stream: Writable, options: ZipOptions = {}): Promise<void> {
  try {
    const { archive, pacer } = await preparePackageZip(pkg, options);
    for (const chunk of archiveChunks(archive.parts, IO_CHUNK)) {
      if (stream.destroyed) throw stream.errored ?? new Error("the output stream was destroyed");
      if (!stream.write(chunk)) await waitDrain(stream);
      await pacer.advance(chunk.byteLength);
    }
    pacer.finish();
    await new Promise<void>((resolve, reject) => {
      stream.once("error", reject);
      stream.end(() => { stream.off("error", reject); resolve(); });
    });
  } catch (e) {
    stream.destroy(e as Error);
    throw e;
  }
}

function waitDrain(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => { stream.off("drain", onDrain); stream.off("error", done); stream.off("close", onClose); err ? reject(err) : resolve(); };
    const onDrain = () => done();
    const onClose = () => done(stream.errored ?? new Error("the output stream closed"));
    stream.on("drain", onDrain);
    stream.on("error", done);
    stream.on("close", onClose);
  });
}

/**
 * Writes a package directory when `path` ends in `.mlpackage`, a zip when it ends in
 * `.mlpackage.zip` (anything else is refused). An existing path is replaced only when it holds a
 * package, never when it is one of `inputs`; the package goes to a temporary sibling first and is
 * renamed into place, so a failure or a cancel leaves the old output untouched.
 */
export async function writePackagePath(pkg: MLPackage, path: string, options: ZipOptions & { inputs?: readonly string[]; force?: boolean } = {}): Promise<OutputKind> {
  const kind = await checkOutputPath(path, options.inputs, { force: options.force });
  await writeThroughTemporary(path, kind, (tmp) => (kind === "zip" ? writePackageZipFile(pkg, tmp, options) : writePackageDirectory(pkg, tmp, options)));
  return kind;
}

/**
 * The files of a `.mlpackage` directory that the reader uses, found through its manifest (never
 * by walking the folder): Manifest.json, then each item, which must be a file or a folder inside
 * the package, never a link; of them only the model and weight.bin are read.
 */
async function readPackageDirectoryFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  // Each segment is looked at without following links, so no link leads out of the package.
  const kind = async (rel: string): Promise<"file" | "folder" | undefined> => {
    const segments = rel.split("/");
    for (let i = 1; i <= segments.length; i++) {
      const st = await lstat(join(dir, ...segments.slice(0, i))).catch(() => undefined);
      if (!st) return undefined;
      if (st.isSymbolicLink()) throw new PackageFormatError(`${segments.slice(0, i).join("/")} in ${dir} is a symbolic link; a package's items are its own files`, { rule: "path-traversal" });
      if (i === segments.length) return st.isFile() ? "file" : st.isDirectory() ? "folder" : undefined;
      if (!st.isDirectory()) return undefined;
    }
    return undefined;
  };
  const read = async (rel: string) => files.set(rel, new Uint8Array(await readFile(join(dir, ...rel.split("/")))));
  if ((await kind(MANIFEST_FILE)) !== "file") throw new PackageFormatError(`no ${MANIFEST_FILE} in ${dir}`, { rule: "package" });
  await read(MANIFEST_FILE);
  for (const item of checkManifest(files.get(MANIFEST_FILE)!).itemPaths) {
    const k = await kind(item);
    if (k === "folder") files.set(`${item}/`, new Uint8Array(0));
    for (const used of [MODEL_FILE, WEIGHT_FILE]) {
      if (used === item ? k === "file" : k === "folder" && used.startsWith(`${item}/`) && (await kind(used)) === "file") await read(used);
    }
  }
  return files;
}

/** Reads a package from a `.mlpackage` directory or a zip file (read from a file handle, see readPackageZipFile). */
export async function readPackagePath(path: string): Promise<ReadPackage> {
  const s = await stat(path);
  if (s.isDirectory()) return readPackageFiles(await readPackageDirectoryFiles(path));
  return readPackageZipFile(path);
}

// ------------------------------------------------------------------ zip files from a file handle

/** A zip.js Reader over a Node file handle: zip.js reads the central directory (zip64 too) in pieces. */
class FileHandleReader extends Reader<FileHandle> {
  constructor(private readonly fh: FileHandle, size: number) {
    super(fh);
    this.size = size;
  }

  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const b = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.fh.read(b, got, length - got, index + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? b : b.subarray(0, got);
  }
}

export interface ZipFileEntry extends ZipEntryInfo {
  crc32: number;
  /** Offset of the local file header. */
  headerOffset: number;
}

export interface ReadZipFileOptions {
  /** Largest buffer to read a file into (default: the platform's maxBufferBytes). Larger weight files are read blob by blob. */
  maxBufferBytes?: number;
  /** Verify CRC-32s (default true). */
  checkCrc32?: boolean;
}

function readExact(fh: FileHandle, target: Uint8Array, position: number): Promise<void> {
  return readFully(fh, target, position, (got) => { throw new PackageFormatError(`unexpected end of zip file at ${position + got}`, { rule: "zip" }); });
}

/** Lists a zip file's entries from its central directory (zip64 aware), without reading file data. */
export async function listZipFile(fh: FileHandle): Promise<ZipFileEntry[]> {
  const { size } = await fh.stat();
  await checkZipArchiveEnd(size, async (at, n) => { const b = new Uint8Array(n); await readExact(fh, b, at); return b; });
  try {
    const reader = new ZipReader(new FileHandleReader(fh, size), { useWebWorkers: false });
    const entries = await reader.getEntries();
    await reader.close();
    return entries.map((e) => ({
      name: e.filename,
      directory: e.directory,
      encrypted: e.encrypted,
      size: e.uncompressedSize,
      compressedSize: e.compressedSize,
      compressionMethod: e.compressionMethod,
      crc32: (e.signature ?? 0) >>> 0,
      headerOffset: e.offset,
    }));
  } catch (e) {
    if (e instanceof PackageFormatError) throw e;
    throw new PackageFormatError(`not a readable zip archive (${(e as Error).message})`, { rule: "zip" });
  }
}

/**
 * Offset of a stored entry's data: after its local header, whose name and extra field lengths
 * are read; the data must end within the archive's `archiveBytes`.
 */
async function dataOffset(fh: FileHandle, e: ZipFileEntry, archiveBytes: number): Promise<number> {
  const h = new Uint8Array(30);
  await readExact(fh, h, e.headerOffset);
  const v = new DataView(h.buffer);
  if (v.getUint32(0, true) !== 0x04034b50) throw new PackageFormatError(`zip entry ${e.name}: no local file header at ${e.headerOffset}`, { rule: "zip" });
  const start = e.headerOffset + 30 + v.getUint16(26, true) + v.getUint16(28, true);
  if (start + e.size > archiveBytes) throw new PackageFormatError(`zip entry ${e.name} declares ${e.size} bytes past the end of the ${archiveBytes}-byte archive`, { rule: "zip" });
  return start;
}

function crcMismatch(e: ZipFileEntry, crc: number): never {
  throw new PackageFormatError(`zip entry ${e.name}: CRC-32 ${crc.toString(16)} does not match the archive's ${e.crc32.toString(16)}`, { rule: "zip-crc" });
}

/** One entry's bytes in one buffer (STORE read in place; deflated entries through zip.js). */
async function readEntry(fh: FileHandle, e: ZipFileEntry, check: boolean, archiveBytes: number): Promise<Uint8Array> {
  if (e.compressionMethod !== 0) {
    const reader = new ZipReader(new FileHandleReader(fh, archiveBytes), { useWebWorkers: false });
    const entry = (await reader.getEntries()).find((x) => x.filename === e.name);
    if (!entry || entry.directory) throw new PackageFormatError(`zip entry ${e.name} vanished`, { rule: "zip" });
    return entry.getData(new Uint8ArrayWriter());
  }
  const start = await dataOffset(fh, e, archiveBytes); // checked before anything is allocated
  const out = new Uint8Array(e.size);
  await readExact(fh, out, start);
  if (check) {
    const crc = crc32Implementation()(out, 0) >>> 0;
    if (crc !== e.crc32) crcMismatch(e, crc);
  }
  return out;
}

/**
 * weight.bin read blob by blob: headers are read to index the blobs, each blob's data goes into
 * its own buffer, and the CRC-32 runs over every byte in file order.
 */
async function readWeightSource(fh: FileHandle, path: string, e: ZipFileEntry, check: boolean, archiveBytes: number): Promise<WeightBlobSource> {
  if (e.compressionMethod !== 0) throw new PackageFormatError(`zip entry ${e.name} is compressed and too large to read into one buffer`, { rule: "zip" });
  const start = await dataOffset(fh, e, archiveBytes);
  const fd = openSync(path, "r");
  let records: Map<number, BlobRecord>;
  try {
    records = readWeightBlobIndex(e.size, (pos, len) => {
      const b = new Uint8Array(len);
      const n = readSync(fd, b, 0, len, start + pos);
      if (n !== len) throw new PackageFormatError(`weight.bin: short read at ${pos}`, { rule: "weight-blob" });
      return b;
    });
  } finally {
    closeSync(fd);
  }
  const crc32 = crc32Implementation();
  let crc = 0;
  const data = new Map<number, Uint8Array>();
  let pos = 0;
  const scratch = new Uint8Array(64 * 1024);
  const readGap = async (end: number) => {
    while (pos < end) {
      const piece = scratch.subarray(0, Math.min(scratch.byteLength, end - pos));
      await readExact(fh, piece, start + pos);
      if (check) crc = crc32(piece, crc);
      pos += piece.byteLength;
    }
  };
  for (const r of [...records.values()].sort((a, b) => a.dataOffset - b.dataOffset)) {
    await readGap(r.dataOffset);
    const buf = new Uint8Array(r.sizeInBytes);
    for (let off = 0; off < buf.byteLength; off += IO_CHUNK) {
      const piece = buf.subarray(off, Math.min(buf.byteLength, off + IO_CHUNK));
      await readExact(fh, piece, start + pos);
      if (check) crc = crc32(piece, crc);
      pos += piece.byteLength;
    }
    data.set(r.offset, buf);
  }
  await readGap(e.size);
  if (check && crc >>> 0 !== e.crc32) crcMismatch(e, crc >>> 0);
  return { byteLength: e.size, records, data: (r) => data.get(r.offset)! };
}

/**
 * Reads a zipped package from a file without reading the archive into one buffer: the central
 * directory is parsed from the file handle (zip64 included), each small entry read in place, and
 * a weight.bin larger than `maxBufferBytes` read blob by blob (ReadPackage.weightSource).
 */
export async function readPackageZipFile(path: string, options: ReadZipFileOptions = {}): Promise<ReadPackage> {
  const check = options.checkCrc32 ?? true;
  const maxBuffer = options.maxBufferBytes ?? resolveLimits().maxBufferBytes;
  const fh = await open(path, "r");
  try {
    const { size: archiveBytes } = await fh.stat();
    const listed = await listZipFile(fh);
    const entries = zipEntryPolicy(listed, archiveBytes);
    const manifest = entries.find((e) => e.name.endsWith(MANIFEST_FILE));
    const root = manifest ? manifest.name.slice(0, -MANIFEST_FILE.length) : "";
    if (root && !root.endsWith("/")) throw new PackageFormatError(`unexpected manifest path ${manifest!.name}`, { rule: "package" });
    const files = new Map<string, Uint8Array>();
    let weights: ZipFileEntry | undefined;
    for (const e of entries) {
      if (!e.name.startsWith(root)) throw new PackageFormatError(`zip entry ${e.name} lies outside the package directory ${root}`, { rule: "package" });
      const rel = e.name.slice(root.length);
      if (rel.split("/").some((s) => s === ".." || s === ".") || rel.startsWith("/")) throw new PackageFormatError(`zip entry ${e.name} has an unsafe path`, { rule: "path-traversal" });
      if (rel === WEIGHT_FILE && e.size > maxBuffer) { weights = e; files.set(WEIGHT_FILE.slice(0, WEIGHT_FILE.lastIndexOf("/") + 1), new Uint8Array(0)); continue; }
      if (e.size > maxBuffer) throw new PackageFormatError(`zip entry ${e.name} declares ${e.size} bytes, more than one buffer can hold here (${maxBuffer})`, { rule: "zip" });
      files.set(rel, await readEntry(fh, e, check, archiveBytes));
    }
    for (const e of listed) if (e.directory && e.name.startsWith(`${root}Data/`)) files.set(e.name.slice(root.length), new Uint8Array(0));
    const contents = packageFromFiles(files);
    if (weights) contents.weightSource = await readWeightSource(fh, path, weights, check, archiveBytes);
    return readPackageContents(contents);
  } finally {
    await fh.close();
  }
}
