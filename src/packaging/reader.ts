// The package reader: zip bytes or a file map → manifest, model, weights, validated; then the
// parsed MIL program. The tests, `inspect` and the reference runtime all read packages here.
import { describeValue, PackageFormatError, type ErrorRule } from "../errors.js";
import { parseModel, type ParsedModel } from "../serialization/model-reader.js";
import { readWeightBlobIndex, type WeightBlobSource } from "../serialization/weight-blob.js";
import type { Manifest } from "./manifest.js";
import { MANIFEST_FILE, MODEL_FILE, WEIGHT_FILE, fileBytes, type MLPackage } from "./package.js";
import { readZipEntries } from "./zip-reader.js";

export interface PackageContents {
  manifest: Manifest;
  model: Uint8Array;
  /** weight.bin in one buffer, when it fits one (see limits.ts). */
  weights?: Uint8Array;
  /** weight.bin blob by blob, when it is read without one buffer (readPackagePath of a large zip in Node). */
  weightSource?: WeightBlobSource;
}

export interface ReadPackage extends PackageContents {
  parsed: ParsedModel;
}

function fail(message: string, rule: ErrorRule = "package"): never {
  throw new PackageFormatError(message, { rule });
}

/** A manifest item path: relative, segments neither empty nor `.`/`..`, no backslashes or NULs. */
export function isSafeItemPath(path: string): boolean {
  return path.length > 0 && path.length <= 1024 && !path.startsWith("/") && !/[\\\0]/.test(path)
    && path.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

/** A file, or a folder (a key ending in "/", as zips list folders, or a prefix of files). */
function isPresent(files: ReadonlyMap<string, Uint8Array>, path: string): boolean {
  if (files.has(path) || files.has(`${path}/`)) return true;
  for (const k of files.keys()) if (k.startsWith(`${path}/`)) return true;
  return false;
}

export interface CheckedManifest {
  manifest: Manifest;
  /** Each item's path inside the package (`Data/…`), checked to stay inside Data/. */
  itemPaths: string[];
}

/**
 * Reads Manifest.json as Apple's libmodelpackage does: every item a path relative to Data/
 * that stays inside it, and the root identifier one of the items (its model our one root path).
 * Whether the items exist is for the caller, which knows the package's files.
 */
export function checkManifest(manifestBytes: Uint8Array): CheckedManifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Manifest;
  } catch {
    fail(`${MANIFEST_FILE} is not valid JSON`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(manifest)) fail(`${MANIFEST_FILE} must be a JSON object`);
  if (manifest.fileFormatVersion !== "1.0.0") fail(`${MANIFEST_FILE}: fileFormatVersion ${describeValue(manifest.fileFormatVersion)}, expected "1.0.0"`);
  const id: unknown = manifest.rootModelIdentifier;
  if (typeof id !== "string") fail(`${MANIFEST_FILE}: rootModelIdentifier must be a string, got ${describeValue(id)}`);
  const entries: unknown = manifest.itemInfoEntries;
  if (!isObject(entries)) fail(`${MANIFEST_FILE}: itemInfoEntries must be an object, got ${describeValue(entries)}`);
  const itemPaths: string[] = [];
  for (const [itemId, item] of Object.entries(entries)) {
    const what = `${MANIFEST_FILE}: item ${JSON.stringify(itemId.slice(0, 80))}`;
    if (!isObject(item)) fail(`${what} must be an object, got ${describeValue(item)}`);
    const path: unknown = item.path;
    if (typeof path !== "string") fail(`${what}: path must be a string, got ${describeValue(path)}`);
    if (!isSafeItemPath(path)) fail(`${what}: path ${JSON.stringify(path.slice(0, 200))} is not a relative path inside Data/`, "path-traversal");
    itemPaths.push(`Data/${path}`);
  }
  const root: unknown = Object.prototype.hasOwnProperty.call(entries, id) ? entries[id] : undefined;
  if (!isObject(root)) fail(`${MANIFEST_FILE}: rootModelIdentifier ${JSON.stringify(id.slice(0, 80))} is not one of its items`);
  if (`Data/${root.path as string}` !== MODEL_FILE) fail(`unexpected root model path Data/${root.path as string}`);
  return { manifest, itemPaths };
}

/**
 * Validates a file map whose keys are paths inside the package (any `X.mlpackage/` prefix
 * removed); folders may appear as keys ending in "/" (empty values). Every manifest item must
 * be present, as a file or a folder.
 */
export function packageFromFiles(files: Map<string, Uint8Array>): PackageContents {
  const manifestBytes = files.get(MANIFEST_FILE);
  if (!manifestBytes) fail(`no ${MANIFEST_FILE} in the package`);
  const { manifest, itemPaths } = checkManifest(manifestBytes);
  for (const path of itemPaths) if (!isPresent(files, path)) fail(`${MANIFEST_FILE}: item ${path} does not exist in the package`);
  const model = files.get(MODEL_FILE);
  if (!model) fail(`the root model ${MODEL_FILE} named by ${MANIFEST_FILE} is missing`);
  return { manifest, model, weights: files.get(WEIGHT_FILE) };
}

/** Strips a leading `Name.mlpackage/` directory from zip entry names. */
export function stripPackageRoot(entries: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const names = [...entries.keys()];
  const m = names.find((n) => n.endsWith(MANIFEST_FILE))?.slice(0, -MANIFEST_FILE.length) ?? "";
  if (m && !m.endsWith("/")) fail(`unexpected manifest path ${m}${MANIFEST_FILE}`);
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of entries) {
    if (!k.startsWith(m)) fail(`zip entry ${k} lies outside the package directory ${m}`);
    const rel = k.slice(m.length);
    if (rel.split("/").some((s) => s === ".." || s === ".") || rel.startsWith("/")) fail(`zip entry ${k} has an unsafe path`, "path-traversal");
    out.set(rel, v);
  }
  return out;
}

export function readPackageFiles(files: Map<string, Uint8Array>): ReadPackage {
  return readPackageContents(packageFromFiles(files));
}

/** Parses validated contents (weights from `weights`, else from `weightSource`). */
export function readPackageContents(contents: PackageContents): ReadPackage {
  return { ...contents, parsed: parseModel(contents.model, contents.weights ?? contents.weightSource) };
}

export async function readPackageZip(data: Uint8Array | Blob): Promise<ReadPackage> {
  return readPackageFiles(stripPackageRoot(await readZipEntries(data)));
}

/**
 * Reads an in-memory package without copying its weights: weight.bin is read through its parts
 * (`weightSource`; constants come back as views of the very bytes the package references).
 */
export function readPackage(pkg: MLPackage): ReadPackage {
  const files = new Map(pkg.files.filter((f) => f.path !== WEIGHT_FILE).map((f) => [f.path, fileBytes(f)]));
  const weights = pkg.files.find((f) => f.path === WEIGHT_FILE);
  if (weights) files.set(WEIGHT_FILE.slice(0, WEIGHT_FILE.lastIndexOf("/") + 1), new Uint8Array(0));
  const contents = packageFromFiles(files);
  if (weights) contents.weightSource = weightSourceFromParts(weights.parts);
  return readPackageContents(contents);
}

/** A weight file kept as parts, read in place: spans within one part are views, others are copied. */
export function weightSourceFromParts(parts: readonly Uint8Array[]): WeightBlobSource {
  const starts: number[] = [];
  let size = 0;
  for (const p of parts) { starts.push(size); size += p.byteLength; }
  const read = (pos: number, len: number): Uint8Array => {
    // Last part starting at or before pos (binary search).
    let lo = 0, hi = parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) lo = mid; else hi = mid - 1;
    }
    while (lo < parts.length - 1 && parts[lo].byteLength === 0) lo++;
    const first = parts[lo];
    const at = pos - starts[lo];
    if (at + len <= first.byteLength) return first.subarray(at, at + len);
    const out = new Uint8Array(len);
    let got = 0;
    for (let i = lo; got < len && i < parts.length; i++) {
      const from = i === lo ? at : 0;
      const piece = parts[i].subarray(from, Math.min(parts[i].byteLength, from + len - got));
      out.set(piece, got);
      got += piece.byteLength;
    }
    if (got < len) throw new PackageFormatError(`weight.bin: read of ${len} bytes at ${pos} runs past the end (${size} bytes)`, { rule: "weight-blob" });
    return out;
  };
  const records = readWeightBlobIndex(size, read);
  return { byteLength: size, records, data: (r) => read(r.dataOffset, r.sizeInBytes) };
}
