// Reading files in Node, the ways the tools need: a regular file of bounded size whole, and a
// range of a file in reads of at most 1 GiB (Node aborts the process on a single read of 2 GiB or
// more).
import { readFile, stat, type FileHandle } from "node:fs/promises";
import type { GraphFormatError, PackageFormatError, WeightsError } from "../errors.js";

export type FileErrorClass = typeof WeightsError | typeof GraphFormatError | typeof PackageFormatError;

/** The largest single read. */
const READ_PIECE = 1 << 30;

/** A regular file's size, or undefined when there is none (a device, FIFO or directory is refused). */
export async function regularFileSize(path: string, what: string, error: FileErrorClass): Promise<number | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new error(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, { rule: "read" });
  }
  if (!info.isFile()) throw new error(`${what} ${path} is not a regular file`, { rule: "read" });
  return info.size;
}

/** Reads a regular file of at most `maxBytes` (`why` explains the limit); undefined when there is no such file. */
export async function readRegularFile(path: string, maxBytes: number, what: string, error: FileErrorClass, why = ""): Promise<Uint8Array | undefined> {
  const size = await regularFileSize(path, what, error);
  if (size === undefined) return undefined;
  if (size > maxBytes) throw new error(`${what} ${path} has ${size} bytes, over the limit of ${maxBytes}${why}`, { rule: "read" });
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new error(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, { rule: "read" });
  }
}

/** Fills `target` from `position` of the file; `short(got)` reports a file that ends first. */
export async function readFully(fh: FileHandle, target: Uint8Array, position: number, short: (got: number) => never): Promise<void> {
  let got = 0;
  while (got < target.byteLength) {
    const { bytesRead } = await fh.read(target, got, Math.min(target.byteLength - got, READ_PIECE), position + got);
    if (bytesRead === 0) short(got);
    got += bytesRead;
  }
}
