// The end of a zip's central directory, read from the archive's last bytes before any reader
// walks the directory: a zip from a stranger may declare 100,000 entries in a few megabytes, and
// each entry a reader lists costs memory. Every reader (in memory, Blob, Node file handle, the
// bridge host's stored-zip check) reads the end here and holds it to the same bound.
import { PackageFormatError } from "../errors.js";
import { PACKAGE_READ_LIMITS, zipEntryLimit } from "../limits.js";

export interface ZipEnd {
  /** Entries the central directory declares. */
  entries: number;
  /** Its size and offset in bytes. */
  directoryBytes: number;
  directoryOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;

/** How many bytes at the end of an archive hold its end records: EOCD, a comment of ≤ 65,535 bytes, the zip64 locator and record. */
export const ZIP_TAIL_BYTES = 22 + 0xffff + 20 + 56;

function refuse(message: string): never {
  throw new PackageFormatError(message, { rule: "zip" });
}

/**
 * The end records of an archive of `archiveBytes` from its last bytes (`tail`, at most
 * ZIP_TAIL_BYTES; it starts at `archiveBytes - tail.byteLength`), zip64 included.
 */
export function readZipEnd(tail: Uint8Array, archiveBytes: number): ZipEnd {
  const v = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const base = archiveBytes - tail.byteLength;
  const u16 = (at: number) => v.getUint16(at, true);
  const u32 = (at: number) => v.getUint32(at, true);
  const u64 = (at: number) => {
    const n = u32(at) + u32(at + 4) * 0x100000000;
    if (!Number.isSafeInteger(n)) refuse("a zip64 field of the end record is too large");
    return n;
  };
  if (tail.byteLength < 22) refuse("not a zip archive: too short");
  let eocd = -1;
  for (let i = tail.byteLength - 22; i >= 0; i--) {
    if (u32(i) === EOCD && i + 22 + u16(i + 20) === tail.byteLength) { eocd = i; break; }
  }
  if (eocd < 0) refuse("not a zip archive: no end of central directory record");
  let entries = u16(eocd + 10);
  let directoryBytes = u32(eocd + 12);
  let directoryOffset = u32(eocd + 16);
  if (entries === 0xffff || directoryBytes === 0xffffffff || directoryOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== ZIP64_LOCATOR) refuse("zip64 end record locator missing");
    const rec = u64(loc + 8) - base;
    if (rec < 0 || rec + 56 > loc || u32(rec) !== ZIP64_EOCD) refuse("zip64 end of central directory record missing");
    entries = u64(rec + 32);
    directoryBytes = u64(rec + 40);
    directoryOffset = u64(rec + 48);
  }
  if (directoryOffset + directoryBytes > archiveBytes) refuse("the central directory runs past the end of the archive");
  return { entries, directoryBytes, directoryOffset };
}

/**
 * Refuses a directory larger than a package has any use for, before it is read: more than
 * `maxEntries` entries, or more than PACKAGE_READ_LIMITS.maxDirectoryBytesPerEntry per entry.
 */
export function checkZipEnd(end: ZipEnd, maxEntries = zipEntryLimit()): ZipEnd {
  if (end.entries > maxEntries) {
    refuse(`the zip declares ${end.entries} entries; a package has a handful, and at most ${maxEntries} are read (maxZipEntries)`);
  }
  const maxBytes = Math.max(1, end.entries) * PACKAGE_READ_LIMITS.maxDirectoryBytesPerEntry;
  if (end.directoryBytes > maxBytes) {
    refuse(`the zip's central directory is ${end.directoryBytes} bytes for ${end.entries} entries, over ${PACKAGE_READ_LIMITS.maxDirectoryBytesPerEntry} bytes an entry`);
  }
  return end;
}

/** Reads and checks the end of an archive through `read(offset, length)`. */
export async function checkZipArchiveEnd(archiveBytes: number, read: (offset: number, length: number) => Promise<Uint8Array> | Uint8Array, maxEntries?: number): Promise<ZipEnd> {
  const n = Math.min(archiveBytes, ZIP_TAIL_BYTES);
  return checkZipEnd(readZipEnd(await read(archiveBytes - n, n), archiveBytes), maxEntries);
}
