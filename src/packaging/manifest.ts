// Manifest.json, as coremltools writes it: 4-space indented JSON with a trailing newline,
// a root model entry and a weights directory entry. Identifiers are UUID-formatted and derived
// from the package content, so the same graph gives the same bytes.
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

export const MODEL_PATH = "com.apple.CoreML/model.mlmodel";
export const WEIGHTS_PATH = "com.apple.CoreML/weights";

export interface ManifestItem {
  author: string;
  description: string;
  name: string;
  path: string;
}

export interface Manifest {
  fileFormatVersion: string;
  itemInfoEntries: Record<string, ManifestItem>;
  rootModelIdentifier: string;
}

/** Formats 16 bytes of a digest as a UUID (version 8, "custom", RFC 9562; variant 10). */
export function uuidFromDigest(digest: Uint8Array): string {
  const b = Uint8Array.from(digest.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** SHA-256 (pure JS: crypto.subtle is missing outside secure contexts, e.g. http pages on a LAN). */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return nobleSha256(data);
}

/**
 * Builds the manifest. The model entry's identifier derives from the model bytes, the weight
 * file size and a fingerprint of the weights (`weightsKey`); the weights entry's from the model
 * identifier.
 */
export async function createManifest(modelBytes: Uint8Array, weightBytes: number | undefined, weightsKey = ""): Promise<Manifest> {
  const seed = new TextEncoder().encode(`webnn-coreml:weights=${weightBytes ?? "none"}:${weightsKey}:`);
  const all = new Uint8Array(seed.byteLength + modelBytes.byteLength);
  all.set(seed, 0);
  all.set(modelBytes, seed.byteLength);
  const modelId = uuidFromDigest(await sha256(all));
  const entries: [string, ManifestItem][] = [[modelId, {
    author: "com.apple.CoreML", description: "CoreML Model Specification", name: "model.mlmodel", path: MODEL_PATH,
  }]];
  if (weightBytes !== undefined) {
    const weightsId = uuidFromDigest(await sha256(new TextEncoder().encode(`webnn-coreml:weights-of:${modelId}`)));
    entries.push([weightsId, { author: "com.apple.CoreML", description: "CoreML Model Weights", name: "weights", path: WEIGHTS_PATH }]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : 1));
  return { fileFormatVersion: "1.0.0", itemInfoEntries: Object.fromEntries(entries), rootModelIdentifier: modelId };
}

export function manifestToBytes(m: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(m, null, 4) + "\n");
}
