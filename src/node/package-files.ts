// Node file-system delivery: write a package as a directory or a zip file, read one back.
import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { Writable } from "node:stream";
import type { MLPackage } from "../packaging/package.js";
import { readPackageFiles, readPackageZip, type ReadPackage } from "../packaging/reader.js";
import { writePackageZip, type ZipOptions } from "../packaging/zip.js";

/** Writes `pkg` into directory `dir` (normally `Name.mlpackage`), part by part. */
export async function writePackageDirectory(pkg: MLPackage, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const f of pkg.files) {
    const path = join(dir, ...f.path.split("/"));
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, "w");
    try {
      for (const p of f.parts) {
        let off = 0;
        while (off < p.byteLength) {
          const { bytesWritten } = await fh.write(p, off, Math.min(p.byteLength - off, 1 << 30));
          off += bytesWritten;
        }
      }
    } finally {
      await fh.close();
    }
  }
}

/** Streams the package as a zip file to `path`. A partial file is removed on failure. */
export async function writePackageZipFile(pkg: MLPackage, path: string, options: ZipOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  try {
    await writePackageZip(pkg, Writable.toWeb(out) as WritableStream<Uint8Array>, options);
  } catch (e) {
    out.destroy();
    await rm(path, { force: true });
    throw e;
  }
}

/** Writes a directory when `path` ends in `.mlpackage`, a zip when it ends in `.zip`. */
export async function writePackagePath(pkg: MLPackage, path: string, options: ZipOptions = {}): Promise<"directory" | "zip"> {
  if (path.toLowerCase().endsWith(".zip")) {
    await writePackageZipFile(pkg, path, options);
    return "zip";
  }
  await writePackageDirectory(pkg, path);
  return "directory";
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out;
}

/** Reads a package from a `.mlpackage` directory or a zip file. */
export async function readPackagePath(path: string): Promise<ReadPackage> {
  const s = await stat(path);
  if (s.isDirectory()) {
    const files = new Map<string, Uint8Array>();
    for (const f of await listFiles(path)) {
      files.set(relative(path, f).split(sep).join("/"), new Uint8Array(await readFile(f)));
    }
    return readPackageFiles(files);
  }
  return readPackageZip(new Uint8Array(await readFile(path)));
}
