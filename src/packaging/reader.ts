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
  /** weight.bin in one buffer, when it fits one (see packaging/limits.ts). */
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

/** Validates a file map whose keys are paths inside the package (any `X.mlpackage/` prefix removed). */
export function packageFromFiles(files: Map<string, Uint8Array>): PackageContents {
  const manifestBytes = files.get(MANIFEST_FILE);
  if (!manifestBytes) fail(`no ${MANIFEST_FILE} in the package`);
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
  const root: unknown = Object.prototype.hasOwnProperty.call(entries, id) ? entries[id] : undefined;
  if (!isObject(root)) fail(`${MANIFEST_FILE}: rootModelIdentifier ${JSON.stringify(id.slice(0, 80))} has no item entry`);
  if (typeof root.path !== "string") fail(`${MANIFEST_FILE}: the root item's path must be a string, got ${describeValue(root.path)}`);
  const modelPath = `Data/${root.path}`;
  const model = files.get(modelPath);
  if (!model) fail(`the root model ${modelPath} named by ${MANIFEST_FILE} is missing`);
  if (modelPath !== MODEL_FILE) fail(`unexpected root model path ${modelPath}`);
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
  const contents = packageFromFiles(files);
  const weights = pkg.files.find((f) => f.path === WEIGHT_FILE);
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
