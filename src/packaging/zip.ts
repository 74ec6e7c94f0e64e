// Zip export (STORE, zip64 when needed or asked for) and zip reading.
//
// Writing: the archive is laid out as a list of parts — headers we encode, then each file's own
// parts (the weight file's parts are views of the constants' buffers) — so the zip exists in
// memory without a copy of the weights. Every local header carries its CRC-32 and sizes: no data
// descriptors, a layout every reader accepts. Sequential destinations (parts, Blob, streams) get
// the CRC-32s in a first pass over the data, which is already in memory; random-access ones (one
// Uint8Array, a Node file) get one pass that checksums each slice just before writing it and
// rewrites the local headers at the end. The same package always gives the same bytes (fixed
// timestamps and order), whichever the destination.
//
// Why not a zip library for writing: measured on a 256 MiB package (bench/, README
// "Performance"), @zip.js/zip.js re-chunks the data through its stream pipeline (1.6–2.8 s to
// memory even with precomputed CRCs in passThrough mode) and client-zip computes the CRC byte at
// a time with no way to pass a known one (1.0 s); neither reaches 3× jszip (~1.5 s). STORE entries
// with known CRCs are a small, fully specified format (APPNOTE 4.3, 4.4, 4.5.3), tested against
// zip.js's reader, Info-ZIP's `unzip -t` and our own reader. Reading still uses zip.js.
import { crc32Implementation, type Crc32Function } from "./crc32.js";
import { checkLimit, resolveLimits, type PlatformLimits, type PlatformName } from "../limits.js";
import type { MLPackage, PackageFile } from "./package.js";

/** DOS time 00:00:00 and date 2001-01-01: a fixed timestamp so that output is deterministic. */
const DOS_TIME = 0;
const DOS_DATE = ((2001 - 1980) << 9) | (1 << 5) | 1;
const VERSION_MADE_BY = (3 << 8) | 45; // Unix, APPNOTE 4.5
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const DIR_ATTRIBUTES = ((0o40755 << 16) | 0x10) >>> 0;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

/** Largest slice handed to a writer or checksummed between two checks of the signal. */
const CHUNK = 16 * 1024 * 1024;
/** Yield to the event loop (so that abort() and progress UIs can run) at least this often. */
const YIELD_MS = 50;

export interface ZipOptions {
  /**
   * Progress in bytes: `done` of `total` bytes processed. Zip writing makes two passes over the
   * files' bytes — the CRC-32, then the delivery of the archive — and counts both.
   */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Write zip64 records even when the archive does not need them (for tests and old-reader checks). */
  zip64?: boolean;
  /** CRC-32 implementation; default the installed one (crc32.ts). */
  crc32?: Crc32Function;
  /** Platform limits (default: the current platform's), checked before any work. */
  limits?: PlatformName | Partial<PlatformLimits>;
}

export interface ZipEntryInfo {
  /** Entry name inside the archive. */
  name: string;
  directory: boolean;
  size: number;
  crc32: number;
  /** Offset of the local file header. */
  headerOffset: number;
  /** Offset of the data. */
  dataOffset: number;
  zip64: boolean;
  /** Index of the local header in ZipArchive.parts. */
  headerPart: number;
}

/** A zip archive in memory as a list of parts (headers plus views of the files' own bytes). */
export interface ZipArchive {
  parts: Uint8Array[];
  size: number;
  /** Whether zip64 records were written. */
  zip64: boolean;
  entries: ZipEntryInfo[];
  /** Index in `parts` of the first central directory header (everything from there on is the archive's tail). */
  centralPart: number;
}

/**
 * Something that takes the zip's bytes in order, as zip.js's Writers (Uint8ArrayWriter,
 * BlobWriter, …) do: `init(size)` once if it has one, then `writeUint8Array` per chunk.
 */
export interface ZipChunkWriter {
  init?(size?: number): Promise<void> | void;
  initialized?: boolean;
  writeUint8Array(chunk: Uint8Array): Promise<unknown> | unknown;
}

/** Where a zip goes: a WritableStream or a chunk writer (e.g. a zip.js Writer). */
export type ZipTarget = WritableStream<Uint8Array> | ZipChunkWriter;

// ------------------------------------------------------------------ pacing, cancellation

/**
 * Counts bytes of zip work: calls onProgress after every slice (≤ 16 MiB), checks the signal
 * after every callback, and yields to the event loop at least every YIELD_MS so that abort()
 * from a timer or a UI event gets a chance to run.
 */
export class Pacer {
  private last = Date.now();
  done = 0;

  constructor(readonly total: number, private readonly options: Pick<ZipOptions, "onProgress" | "signal">) {}

  async advance(bytes: number): Promise<void> {
    this.done += bytes;
    this.options.onProgress?.(this.done, this.total);
    const now = Date.now();
    if (now - this.last >= YIELD_MS) {
      this.last = now;
      await new Promise<void>((r) => setTimeout(r, 0));
    }
    this.options.signal?.throwIfAborted();
  }

  /** The final report (done = total); an abort up to here still cancels. */
  finish(): void {
    this.done = this.total;
    this.options.onProgress?.(this.done, this.total);
    this.options.signal?.throwIfAborted();
  }
}

// ------------------------------------------------------------------ layout

export interface EntryInput {
  name: string;
  parts: readonly Uint8Array[];
  size: number;
  directory: boolean;
}

const encoder = new TextEncoder();

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7e || s.charCodeAt(i) < 0x20) return false;
  return true;
}

function setU64(v: DataView, at: number, n: number): void {
  v.setUint32(at, n % 0x100000000, true);
  v.setUint32(at + 4, Math.floor(n / 0x100000000), true);
}

/** The entries of a package: its directories (sorted), then its files in package order. */
export function packageEntries(pkg: MLPackage): EntryInput[] {
  const root = `${pkg.name}.mlpackage/`;
  const dirs = [root, ...directoriesOf(pkg.files).map((d) => root + d)];
  return [
    ...dirs.map((name) => ({ name, parts: [], size: 0, directory: true })),
    ...pkg.files.map((f) => ({ name: root + f.path, parts: f.parts, size: f.size, directory: false })),
  ];
}

function directoriesOf(files: readonly PackageFile[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/") + "/");
  }
  return [...dirs].sort();
}

/** Bytes of file data in the package (what the CRC pass reads). */
function dataBytes(entries: readonly EntryInput[]): number {
  return entries.reduce((n, e) => n + e.size, 0);
}

/** Archive size for entries, computed without checksumming (for limits and progress totals). */
export function zipSize(entries: readonly EntryInput[], forceZip64 = false): number {
  return layout(entries, entries.map(() => 0), forceZip64).size;
}

function layout(entries: readonly EntryInput[], crcs: readonly number[], forceZip64: boolean): ZipArchive {
  const parts: Uint8Array[] = [];
  const infos: ZipEntryInfo[] = [];
  const central: Uint8Array[] = [];
  let pos = 0;
  entries.forEach((e, i) => {
    const name = encoder.encode(e.name);
    const flags = isAscii(e.name) ? 0 : 0x800;
    const sizes64 = !e.directory && (forceZip64 || e.size >= U32_MAX);
    const offset64 = forceZip64 || pos >= U32_MAX;
    const zip64 = sizes64 || offset64;
    const version = zip64 ? 45 : 20;
    const crc = crcs[i] >>> 0;

    // Local file header (APPNOTE 4.3.7) + zip64 extra with both sizes (4.5.3).
    const localExtra = sizes64 ? 20 : 0;
    const local = new Uint8Array(30 + name.length + localExtra);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, version, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, 0, true); // STORE
    lv.setUint16(10, DOS_TIME, true);
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, sizes64 ? U32_MAX : e.size, true);
    lv.setUint32(22, sizes64 ? U32_MAX : e.size, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, localExtra, true);
    local.set(name, 30);
    if (sizes64) {
      const x = 30 + name.length;
      lv.setUint16(x, 0x0001, true);
      lv.setUint16(x + 2, 16, true);
      setU64(lv, x + 4, e.size);
      setU64(lv, x + 12, e.size);
    }
    const headerOffset = pos;
    const headerPart = parts.length;
    parts.push(local);
    pos += local.length;
    infos.push({ name: e.name, directory: e.directory, size: e.size, crc32: crc, headerOffset, dataOffset: pos, zip64, headerPart });
    for (const p of e.parts) if (p.byteLength) parts.push(p);
    pos += e.size;

    // Central directory header (4.3.12); the zip64 extra holds the fields set to 0xFFFFFFFF, in order.
    const centralExtra = (sizes64 ? 16 : 0) + (offset64 ? 8 : 0);
    const cx = centralExtra ? 4 + centralExtra : 0;
    const c = new Uint8Array(46 + name.length + cx);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, VERSION_MADE_BY, true);
    cv.setUint16(6, version, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(12, DOS_TIME, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, sizes64 ? U32_MAX : e.size, true);
    cv.setUint32(24, sizes64 ? U32_MAX : e.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, cx, true);
    cv.setUint16(32, 0, true); // comment
    cv.setUint16(34, 0, true); // disk
    cv.setUint16(36, 0, true); // internal attributes
    cv.setUint32(38, e.directory ? DIR_ATTRIBUTES : FILE_ATTRIBUTES, true);
    cv.setUint32(42, offset64 ? U32_MAX : headerOffset, true);
    c.set(name, 46);
    if (cx) {
      let x = 46 + name.length;
      cv.setUint16(x, 0x0001, true);
      cv.setUint16(x + 2, centralExtra, true);
      x += 4;
      if (sizes64) { setU64(cv, x, e.size); setU64(cv, x + 8, e.size); x += 16; }
      if (offset64) setU64(cv, x, headerOffset);
    }
    central.push(c);
  });

  const cdOffset = pos;
  const centralPart = parts.length;
  for (const c of central) { parts.push(c); pos += c.length; }
  const cdSize = pos - cdOffset;
  const zip64 = forceZip64 || entries.length >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX || infos.some((x) => x.zip64);
  if (zip64) {
    // Zip64 end of central directory record (4.3.14) and locator (4.3.15).
    const rec = new Uint8Array(56 + 20);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, 0x06064b50, true);
    setU64(rv, 4, 44);
    rv.setUint16(12, VERSION_MADE_BY, true);
    rv.setUint16(14, 45, true);
    rv.setUint32(16, 0, true);
    rv.setUint32(20, 0, true);
    setU64(rv, 24, entries.length);
    setU64(rv, 32, entries.length);
    setU64(rv, 40, cdSize);
    setU64(rv, 48, cdOffset);
    rv.setUint32(56, 0x07064b50, true);
    rv.setUint32(60, 0, true);
    setU64(rv, 64, pos);
    rv.setUint32(72, 1, true);
    parts.push(rec);
    pos += rec.length;
  }
  // End of central directory record (4.3.16); with zip64, its fields point readers to the zip64 record.
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, zip64 ? U16_MAX : entries.length, true);
  ev.setUint16(10, zip64 ? U16_MAX : entries.length, true);
  ev.setUint32(12, zip64 ? U32_MAX : cdSize, true);
  ev.setUint32(16, zip64 ? U32_MAX : cdOffset, true);
  parts.push(end);
  pos += end.length;
  return { parts, size: pos, zip64, entries: infos, centralPart };
}

/** CRC-32 of each entry over its parts, in slices, with progress and cancellation. */
async function checksums(entries: readonly EntryInput[], crc32: Crc32Function, pacer: Pacer, signal?: AbortSignal): Promise<number[]> {
  signal?.throwIfAborted();
  const out: number[] = [];
  for (const e of entries) {
    let crc = 0;
    for (const p of e.parts) {
      for (let off = 0; off < p.byteLength; off += CHUNK) {
        const end = Math.min(p.byteLength, off + CHUNK);
        crc = crc32(off === 0 && end === p.byteLength ? p : p.subarray(off, end), crc);
        await pacer.advance(end - off);
      }
    }
    out.push(crc >>> 0);
  }
  return out;
}

async function buildArchive(entries: EntryInput[], options: ZipOptions, extraWork: (size: number) => number): Promise<{ archive: ZipArchive; pacer: Pacer }> {
  options.signal?.throwIfAborted();
  const data = dataBytes(entries);
  const size = zipSize(entries, options.zip64);
  const pacer = new Pacer(data + extraWork(size), options);
  const crcs = await checksums(entries, options.crc32 ?? crc32Implementation(), pacer, options.signal);
  const archive = layout(entries, crcs, options.zip64 ?? false);
  return { archive, pacer };
}

/**
 * Checksums the package and lays out its archive; the returned pacer counts the checksum pass and
 * has the delivery of the archive's bytes still to count (for writers outside this module).
 */
export async function preparePackageZip(pkg: MLPackage, options: ZipOptions = {}): Promise<{ archive: ZipArchive; pacer: Pacer }> {
  return buildArchive(packageEntries(pkg), options, (size) => size);
}

/** Slices of the archive's parts, none above CHUNK bytes (views, not copies). */
export function* archiveChunks(parts: readonly Uint8Array[], chunk = CHUNK): Generator<Uint8Array> {
  for (const p of parts) {
    if (p.byteLength <= chunk) yield p;
    else for (let off = 0; off < p.byteLength; off += chunk) yield p.subarray(off, Math.min(p.byteLength, off + chunk));
  }
}

// ------------------------------------------------------------------ public writers

/** The package as a zip archive in memory: a list of parts, the weights not copied. */
export async function packageToZipParts(pkg: MLPackage, options: ZipOptions = {}): Promise<ZipArchive> {
  const { archive, pacer } = await buildArchive(packageEntries(pkg), options, () => 0);
  pacer.finish();
  return archive;
}

/**
 * Writes the package as `<name>.mlpackage/...` entries to a WritableStream (backpressure
 * respected; the stream is aborted on failure or cancellation) or to a zip.js Writer.
 */
export async function writePackageZip(pkg: MLPackage, target: ZipTarget, options: ZipOptions = {}): Promise<void> {
  const { archive, pacer } = await buildArchive(packageEntries(pkg), options, (size) => size);
  if (isWritableStream(target)) await writeToStream(archive, target, pacer, options.signal);
  else await writeToWriter(archive, target, pacer);
}

function isWritableStream(t: ZipTarget): t is WritableStream<Uint8Array> {
  return typeof WritableStream !== "undefined" && t instanceof WritableStream;
}

async function writeToStream(archive: ZipArchive, stream: WritableStream<Uint8Array>, pacer: Pacer, signal?: AbortSignal): Promise<void> {
  const writer = stream.getWriter();
  try {
    for (const chunk of archiveChunks(archive.parts)) {
      await writer.ready;
      // Errors surface through `ready` and `close`; the write promise itself is not awaited so that
      // the sink may hold one chunk while the next is prepared.
      writer.write(chunk).catch(() => {});
      await pacer.advance(chunk.byteLength);
    }
    pacer.finish();
    await writer.close();
  } catch (e) {
    await writer.abort(signal?.aborted ? signal.reason : e).catch(() => {});
    throw e;
  } finally {
    writer.releaseLock();
  }
}

async function writeToWriter(archive: ZipArchive, w: ZipChunkWriter, pacer: Pacer): Promise<void> {
  if (w.init && !w.initialized) await w.init(archive.size);
  for (const chunk of archiveChunks(archive.parts)) {
    await w.writeUint8Array(chunk);
    await pacer.advance(chunk.byteLength);
  }
  pacer.finish();
}

/** A destination that accepts writes at any position (a file, a buffer). */
export interface RandomAccessSink {
  /** Writes `data` at `position`; the promise settles when `data` may be released. */
  write(data: Uint8Array, position: number): Promise<void> | void;
}

/**
 * One pass for random-access destinations: each slice is checksummed right before it is written
 * (while the previous write is still in flight), local headers are written with a zero CRC and
 * rewritten at the end with the real one, then the central directory follows. Same bytes as the
 * two-pass writers.
 */
export async function writeZipRandomAccess(entries: EntryInput[], sink: RandomAccessSink, options: ZipOptions = {}, chunkSize = CHUNK): Promise<ZipArchive> {
  options.signal?.throwIfAborted();
  const zip64 = options.zip64 ?? false;
  const crc32 = options.crc32 ?? crc32Implementation();
  const draft = layout(entries, entries.map(() => 0), zip64);
  const pacer = new Pacer(draft.size, options);
  const crcs: number[] = [];
  let pending: Promise<void> | void = undefined;
  let pos = 0;
  const put = async (data: Uint8Array) => {
    await pending;
    pending = sink.write(data, pos);
    pos += data.byteLength;
    await pacer.advance(data.byteLength);
  };
  try {
    for (let i = 0; i < entries.length; i++) {
      await put(draft.parts[draft.entries[i].headerPart]);
      let crc = 0;
      for (const chunk of archiveChunks(entries[i].parts, chunkSize)) {
        crc = crc32(chunk, crc);
        await put(chunk);
      }
      crcs.push(crc >>> 0);
    }
    const archive = layout(entries, crcs, zip64);
    for (const p of archive.parts.slice(archive.centralPart)) await put(p);
    await pending;
    for (const e of archive.entries) if (e.crc32 !== 0) await sink.write(archive.parts[e.headerPart], e.headerOffset);
    pacer.finish();
    return archive;
  } catch (e) {
    // Let the write in flight settle before the caller closes or drops the destination.
    await Promise.resolve(pending).catch(() => {});
    throw e;
  }
}

/**
 * The zip in one Uint8Array: one allocation of exactly the archive's size, filled in one pass
 * (each 1 MiB slice is checksummed, then copied while it is still in cache).
 */
export async function packageToZipBytes(pkg: MLPackage, options: ZipOptions = {}): Promise<Uint8Array> {
  options.signal?.throwIfAborted();
  const entries = packageEntries(pkg);
  const size = zipSize(entries, options.zip64);
  checkLimit(resolveLimits(options.limits), "maxBufferBytes", size, `the zip of package ${pkg.name}`);
  let out: Uint8Array | undefined = new Uint8Array(size);
  try {
    await writeZipRandomAccess(entries, { write: (data, position) => { out!.set(data, position); } }, options, 1024 * 1024);
  } catch (e) {
    out = undefined; // release the buffer before the error propagates
    throw e;
  }
  return out;
}

/** The zip as a Blob built from the archive's parts (no copy in JavaScript). */
export async function packageToZipBlob(pkg: MLPackage, options: ZipOptions = {}): Promise<Blob> {
  const archive = await packageToZipParts(pkg, options);
  return new Blob(archive.parts as BlobPart[], { type: "application/zip" });
}

/** The zip as a ReadableStream of views of the parts (checksums are computed first). */
export function packageToZipStream(pkg: MLPackage, options: ZipOptions = {}): ReadableStream<Uint8Array> {
  let chunks: Generator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!chunks) chunks = archiveChunks((await packageToZipParts(pkg, options)).parts);
      options.signal?.throwIfAborted();
      const next = chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      chunks = undefined;
    },
  }, { highWaterMark: 0 });
}
