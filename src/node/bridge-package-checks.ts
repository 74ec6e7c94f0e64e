// The package checks of the bridge hosts' uploads (src/node/bridge-host.ts, and the Swift host's
// twin): a "files" upload's list, and a stored zip's directory, read without trusting the page.
import { BridgeError, isSafePackagePath, type BridgeLimits, type HostErrorCode, type UploadFileEntry } from "../bridge/protocol.js";
import { PackageFormatError } from "../errors.js";
import { crc32Implementation } from "../packaging/crc32.js";
import { MANIFEST_FILE } from "../packaging/package.js";
import { checkZipEnd, readZipEnd, ZIP_TAIL_BYTES, type ZipEnd } from "../packaging/zip-directory.js";
import { zipEntryLimit } from "../limits.js";

const fail = (code: HostErrorCode, message: string): never => { throw new BridgeError(code, message); };

/** Validates a "files" upload's list: safe unique paths, sizes adding up, a Manifest.json, at most maxFiles. */
export function checkFileList(list: unknown[], size: number, maxFiles: number): UploadFileEntry[] {
  if (list.length === 0) fail("invalid-package", "the package has no files");
  if (list.length > maxFiles) fail("invalid-package", `the package has ${list.length} files, over the limit of ${maxFiles}`);
  const files: UploadFileEntry[] = [];
  let total = 0;
  for (const raw of list) {
    const f = raw as Partial<UploadFileEntry>;
    if (!f || typeof f.path !== "string" || typeof f.size !== "number" || !Number.isSafeInteger(f.size) || f.size < 0) fail("bad-request", "each file needs a path and a size");
    if (!isSafePackagePath(f.path as string)) fail("unsafe-path", `unsafe file path ${JSON.stringify(f.path)}`);
    files.push({ path: f.path as string, size: f.size as number });
    total += f.size as number;
  }
  if (total !== size) fail("bad-request", `the files add up to ${total} bytes, the upload declares ${size}`);
  const paths = new Set(files.map((f) => f.path));
  if (paths.size !== files.length) fail("invalid-package", "a file path appears twice");
  for (const p of paths) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) if (paths.has(parts.slice(0, i).join("/"))) fail("invalid-package", `${parts.slice(0, i).join("/")} is both a file and a folder`);
  }
  if (!paths.has(MANIFEST_FILE)) fail("invalid-package", `the package has no ${MANIFEST_FILE}`);
  return files;
}

export interface StoreZipEntry {
  name: string;
  directory: boolean;
  size: number;
  dataOffset: number;
}

/**
 * Checks a zip as the Swift host's reader does before extracting it: end records (zip64 too),
 * every entry STORE (method 0), unencrypted, sizes equal, data inside the archive before the
 * central directory, local and central names equal, names safe, one `X.mlpackage/` root (or
 * none) holding everything, at most maxFiles files, CRC-32 of every file right.
 */
export function checkStoreZip(zip: Uint8Array, limits: Pick<BridgeLimits, "maxFiles" | "maxPackageBytes">): StoreZipEntry[] {
  const bad = (why: string): never => fail("invalid-package", `not a package zip: ${why}`);
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at: number) => v.getUint16(at, true);
  const u32 = (at: number) => v.getUint32(at, true);
  const u64 = (at: number) => {
    const n = u32(at) + u32(at + 4) * 0x100000000;
    if (!Number.isSafeInteger(n)) bad("a zip64 field is too large");
    return n;
  };
  let end: ZipEnd;
  try {
    end = checkZipEnd(readZipEnd(zip.subarray(Math.max(0, zip.byteLength - ZIP_TAIL_BYTES)), zip.byteLength), zipEntryLimit(limits.maxFiles));
  } catch (e) {
    return bad(e instanceof PackageFormatError ? e.message.replace(/^not a zip archive: /, "") : String(e));
  }
  const { entries: count, directoryBytes: cdSize, directoryOffset: cdOffset } = end;
  const entries: StoreZipEntry[] = [];
  const names = new Set<string>();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || u32(p) !== 0x02014b50) bad(`central directory entry ${i} is damaged`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let csize = u32(p + 20);
    let usize = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let local = u32(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cdOffset + cdSize) bad(`central directory entry ${i} runs past the directory`);
    let name: string;
    try { name = decoder.decode(zip.subarray(p + 46, p + 46 + nameLen)); } catch { return bad(`entry ${i} name is not UTF-8`); }
    // zip64 extra field: the 32-bit fields set to 0xFFFFFFFF, in order usize, csize, offset.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = u16(x);
      const len = u16(x + 2);
      if (id === 0x0001) {
        let y = x + 4;
        const need = (n: number) => { if (y + 8 > x + 4 + len) bad(`entry ${name}: zip64 extra field too short`); const r = u64(y); y += 8; return r || n; };
        if (usize === 0xffffffff) usize = need(usize);
        if (csize === 0xffffffff) csize = need(csize);
        if (local === 0xffffffff) local = need(local);
      }
      x += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) bad(`entry ${name} is encrypted`);
    if (method !== 0) fail("invalid-package", `entry ${name} is compressed (method ${method}); only STORE archives are read`);
    if (csize !== usize) bad(`entry ${name}: stored size ${csize} differs from size ${usize}`);
    const directory = name.endsWith("/");
    if (!isSafePackagePath(name, directory)) fail("unsafe-path", `zip entry ${JSON.stringify(name)} has an unsafe path`);
    if (names.has(name)) bad(`entry ${name} appears twice`);
    names.add(name);
    if (local + 30 > cdOffset || u32(local) !== 0x04034b50) bad(`entry ${name}: no local header at ${local}`);
    const lname = u16(local + 26);
    const lextra = u16(local + 28);
    const localName = zip.subarray(local + 30, local + 30 + lname);
    const centralName = new TextEncoder().encode(name);
    if (localName.byteLength !== centralName.byteLength || localName.some((b, k) => b !== centralName[k])) bad(`entry ${name}: local and central names differ`);
    const dataOffset = local + 30 + lname + lextra;
    if (dataOffset + usize > cdOffset) bad(`entry ${name}: data runs into the central directory`);
    if (directory) {
      if (usize !== 0) bad(`directory entry ${name} has data`);
    } else if ((crc32Implementation()(zip.subarray(dataOffset, dataOffset + usize), 0) >>> 0) !== crc) {
      bad(`entry ${name}: CRC-32 mismatch`);
    }
    entries.push({ name, directory, size: usize, dataOffset });
  }
  const files = entries.filter((e) => !e.directory);
  if (files.length > limits.maxFiles) fail("invalid-package", `the package has ${files.length} files, over the limit of ${limits.maxFiles}`);
  if (files.reduce((n, e) => n + e.size, 0) > limits.maxPackageBytes) fail("package-too-large", "the package's files are over the size limit");
  const manifest = files.find((e) => e.name === MANIFEST_FILE || e.name.endsWith(`/${MANIFEST_FILE}`));
  if (!manifest) fail("invalid-package", `the zip has no ${MANIFEST_FILE}`);
  const root = manifest!.name.slice(0, -MANIFEST_FILE.length);
  if (root !== "" && (root.indexOf("/") !== root.length - 1)) fail("invalid-package", `${MANIFEST_FILE} must be at the top of the package folder, found ${manifest!.name}`);
  for (const e of entries) {
    if (e.name !== root && !e.name.startsWith(root)) fail("unsafe-path", `zip entry ${e.name} lies outside the package folder ${root}`);
  }
  return entries;
}
