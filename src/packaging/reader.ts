// The package reader: zip bytes or a file map → manifest, model, weights, validated; then the
// parsed MIL program. The tests, `inspect` and the reference runtime all read packages here.
import { PackageFormatError } from "../graph/errors.js";
import { parseModel, type ParsedModel } from "../serialization/model-reader.js";
import type { Manifest } from "./manifest.js";
import { MANIFEST_FILE, MODEL_FILE, WEIGHT_FILE, fileBytes, type MLPackage } from "./package.js";
import { readZipEntries } from "./zip.js";

export interface PackageContents {
  manifest: Manifest;
  model: Uint8Array;
  weights?: Uint8Array;
}

export interface ReadPackage extends PackageContents {
  parsed: ParsedModel;
}

function fail(message: string, rule = "package"): never {
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
  if (manifest.fileFormatVersion !== "1.0.0") fail(`${MANIFEST_FILE}: fileFormatVersion ${manifest.fileFormatVersion}, expected 1.0.0`);
  const root = manifest.itemInfoEntries?.[manifest.rootModelIdentifier];
  if (!root) fail(`${MANIFEST_FILE}: rootModelIdentifier ${manifest.rootModelIdentifier} has no item entry`);
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
  const contents = packageFromFiles(files);
  return { ...contents, parsed: parseModel(contents.model, contents.weights) };
}

export async function readPackageZip(data: Uint8Array | Blob): Promise<ReadPackage> {
  return readPackageFiles(stripPackageRoot(await readZipEntries(data)));
}

/** Reads an in-memory package (concatenates its parts). */
export function readPackage(pkg: MLPackage): ReadPackage {
  return readPackageFiles(new Map(pkg.files.map((f) => [f.path, fileBytes(f)])));
}
