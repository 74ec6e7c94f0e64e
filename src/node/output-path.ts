// Where a converted package may be written: a path ending in .mlpackage (a directory) or
// .mlpackage.zip, that is not one of the conversion's inputs, and that is either free or holds a
// package this tool wrote (a package directory, or a zip whose entries all lie in one
// `<Name>.mlpackage/`). The package is written to a temporary sibling and renamed into place, so
// an interrupted run leaves the old output as it was and no partial files.
import { randomBytes } from "node:crypto";
import { lstat, open, readdir, readFile, realpath, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { PackageFormatError } from "../errors.js";
import { checkManifest } from "../packaging/reader.js";

export type OutputKind = "directory" | "zip";

function refuse(message: string): never {
  throw new PackageFormatError(message, { rule: "output-path" });
}

/** The kind of package a path names, by its extension; anything else is refused. */
export function outputKind(path: string): OutputKind {
  const name = basename(path).toLowerCase();
  if (name.endsWith(".mlpackage.zip") && name.length > ".mlpackage.zip".length) return "zip";
  if (name.endsWith(".mlpackage") && name.length > ".mlpackage".length) return "directory";
  return refuse(`output ${path} must end in .mlpackage (a package directory) or .mlpackage.zip (a zip) (or .webnn / .webnn.json to write the graph)`);
}

async function real(path: string): Promise<string> {
  try { return await realpath(path); } catch { return resolve(path); }
}

/** Every file below `dir`, as paths relative to it ("/"-separated); links count as files. */
async function filesBelow(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesBelow(dir, rel)));
    else out.push(rel);
  }
  return out;
}

/**
 * The files of `dir` that are not a package's own — Manifest.json and the files of the items it
 * lists under Data/ — or undefined when `dir` is no package directory at all.
 */
async function foreignFiles(dir: string): Promise<string[] | undefined> {
  const names = await readdir(dir);
  if (!names.includes("Manifest.json") || !names.every((n) => n === "Manifest.json" || n === "Data")) return undefined;
  let items: string[];
  try {
    ({ itemPaths: items } = checkManifest(new Uint8Array(await readFile(join(dir, "Manifest.json")))));
  } catch {
    return undefined; // not a manifest the package reader accepts: not a package of ours
  }
  const own = (f: string) => f === "Manifest.json" || items.some((item) => f === item || f.startsWith(`${item}/`));
  return (await filesBelow(dir)).filter((f) => !own(f));
}

/** Hidden siblings `.NAME.partial-PID-…` / `.NAME.old-PID-…` that a killed run of this tool left. */
async function sweepStaleSiblings(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try { names = await readdir(dir); } catch { return; }
  for (const n of names) {
    const m = /^\.(?:partial|old)-(\d+)-[0-9a-f]{8}$/.exec(n.slice(prefix.length - 1));
    if (!n.startsWith(prefix) || !m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    await rm(join(dir, n), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as { code?: string }).code === "EPERM"; }
}

/** True when `file` is a zip whose central directory names only entries under one `<Name>.mlpackage/`. */
async function isPackageZip(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const head = new Uint8Array(4);
    await fh.read(head, 0, 4, 0);
    if (!(head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5))) return false;
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 65_557);
    const tail = new Uint8Array(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    // The end-of-central-directory record, then the entry names of the central directory.
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 5 && tail[i + 3] === 6) { eocd = i; break; }
    if (eocd < 0) return false;
    const dv = new DataView(tail.buffer);
    const cdSize = dv.getUint32(eocd + 12, true);
    let cdOffset = dv.getUint32(eocd + 16, true);
    if (cdOffset === 0xffffffff || cdSize > 64 * 1024 * 1024) {
      cdOffset = size - tailLen + eocd - cdSize; // zip64: the central directory sits before the zip64 records; checked below
    }
    const cd = new Uint8Array(Math.min(cdSize, 64 * 1024 * 1024));
    await fh.read(cd, 0, cd.byteLength, cdOffset);
    const cv = new DataView(cd.buffer);
    const roots = new Set<string>();
    for (let p = 0; p + 46 <= cd.byteLength;) {
      if (cv.getUint32(p, true) !== 0x02014b50) return roots.size === 1;
      const n = cv.getUint16(p + 28, true), m = cv.getUint16(p + 30, true), k = cv.getUint16(p + 32, true);
      const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + n));
      const root = name.split("/")[0];
      if (!root.toLowerCase().endsWith(".mlpackage") || !name.includes("/")) return false;
      roots.add(root);
      p += 46 + n + m + k;
    }
    return roots.size === 1;
  } finally {
    await fh.close();
  }
}

/**
 * Checks that the package may be written to `path`: its extension, not one of `inputs`, and
 * either nothing there or a package this tool could have written. Returns the kind of output.
 */
export async function checkOutputPath(path: string, inputs: readonly string[] = [], options: { force?: boolean } = {}): Promise<OutputKind> {
  const kind = outputKind(path);
  const target = await real(path);
  for (const input of inputs) {
    if (target === await real(input)) refuse(`output ${path} is one of the conversion's inputs (${input})`);
  }
  let info;
  try { info = await lstat(path); } catch { return kind; }
  if (info.isSymbolicLink()) refuse(`output ${path} is a symbolic link; name the package itself`);
  if (kind === "directory") {
    const foreign = info.isDirectory() ? await foreignFiles(path) : undefined;
    if (!foreign) refuse(`output ${path} exists and is not a package directory (Manifest.json and Data/ only); remove it or choose another name`);
    if (foreign.length && !options.force) {
      refuse(`output ${path} holds files its manifest does not list (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? `, … ${foreign.length} in all` : ""}), which replacing it would delete; move them, choose another name, or pass --force`);
    }
  } else if (!info.isFile() || !(await isPackageZip(path))) {
    refuse(`output ${path} exists and is not a zipped package; remove it or choose another name`);
  }
  return kind;
}

/**
 * Writes the package with `write` to a temporary sibling of `path`, then renames it into place
 * (the old package, if any, is removed only after the new one is complete). On failure or
 * cancellation the temporary files are removed and `path` is left as it was.
 */
export async function writeThroughTemporary(path: string, kind: OutputKind, write: (tmp: string) => Promise<void>): Promise<void> {
  await sweepStaleSiblings(path);
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const dir = dirname(resolve(path));
  const tmp = join(dir, `.${basename(path)}.partial-${tag}`);
  try {
    await write(tmp);
    if (kind === "zip") {
      await rename(tmp, path); // replaces a file atomically
      return;
    }
    const old = join(dir, `.${basename(path)}.old-${tag}`);
    let moved = false;
    try { await rename(path, old); moved = true; } catch (e) { if ((e as { code?: string }).code !== "ENOENT") throw e; }
    try {
      await rename(tmp, path);
    } catch (e) {
      if (moved) await rename(old, path).catch(() => {});
      throw e;
    }
    if (moved) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}


/**
 * Refuses to write `path` when it is one of `inputs`, a directory or a symbolic link, or — unless
 * `force` — an existing file (a graph file may be somebody's own work).
 */
export async function refuseInputOverwrite(path: string, inputs: readonly string[], options: { force?: boolean } = {}): Promise<void> {
  const target = await real(path);
  for (const input of inputs) {
    if (target === await real(input)) refuse(`output ${path} is one of the conversion's inputs (${input})`);
  }
  let info;
  try { info = await lstat(path); } catch { return; }
  if (info.isSymbolicLink()) refuse(`output ${path} is a symbolic link; name the file itself`);
  if (!info.isFile()) refuse(`output ${path} exists and is not a regular file`);
  if (!options.force) refuse(`output ${path} exists; choose another name, or pass --force to replace it`);
}

/** Writes one file through a temporary sibling renamed into place. */
export async function writeFileThroughTemporary(path: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await writeThroughTemporary(path, "zip", write);
}
