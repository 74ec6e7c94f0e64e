// The .mlpackage as an in-memory file tree. Each file is a list of parts (zero copy: the weight
// file references the constants' own bytes); `fileBytes` concatenates only when asked.
import type { SerializedModel } from "../serialization/model-writer.js";
import { checkLimit, resolveLimits } from "../limits.js";
import { createManifest, manifestToBytes, type Manifest } from "./manifest.js";

export const MANIFEST_FILE = "Manifest.json";
export const MODEL_FILE = "Data/com.apple.CoreML/model.mlmodel";
export const WEIGHT_FILE = "Data/com.apple.CoreML/weights/weight.bin";

export interface PackageFile {
  /** Path inside the package directory, '/'-separated. */
  path: string;
  parts: Uint8Array[];
  size: number;
}

export interface PackageStats {
  operations: number;
  constants: number;
  blobConstants: number;
  blobBytes: number;
}

export interface MLPackage {
  /** Package name without extension: files go under `<name>.mlpackage/`. */
  name: string;
  manifest: Manifest;
  files: PackageFile[];
  stats: PackageStats;
}

function file(path: string, parts: Uint8Array[]): PackageFile {
  return { path, parts, size: parts.reduce((n, p) => n + p.byteLength, 0) };
}

export async function createPackage(name: string, serialized: SerializedModel): Promise<MLPackage> {
  const hasWeights = serialized.weights.count > 0;
  const manifest = await createManifest(serialized.model, hasWeights ? serialized.weights.byteLength : undefined, serialized.weights.contentKey());
  const files = [file(MANIFEST_FILE, [manifestToBytes(manifest)]), file(MODEL_FILE, [serialized.model])];
  if (hasWeights) files.push(file(WEIGHT_FILE, serialized.weights.parts()));
  return { name, manifest, files, stats: serialized.stats };
}

export function findFile(pkg: MLPackage, path: string): PackageFile | undefined {
  return pkg.files.find((f) => f.path === path);
}

/**
 * One file's bytes in one buffer (copies unless the file is a single part). Only for callers
 * that ask for it: conversion, zipping and file writing all work from the parts. A file larger
 * than the platform's largest buffer fails with a PlatformLimitError before allocating.
 */
export function fileBytes(f: PackageFile): Uint8Array {
  if (f.parts.length === 1) return f.parts[0];
  checkLimit(resolveLimits(), "maxBufferBytes", f.size, f.path);
  const out = new Uint8Array(f.size);
  let pos = 0;
  for (const p of f.parts) { out.set(p, pos); pos += p.byteLength; }
  return out;
}

export function packageSize(pkg: MLPackage): number {
  return pkg.files.reduce((n, f) => n + f.size, 0);
}
