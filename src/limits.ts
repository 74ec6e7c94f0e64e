// Platform limits, in one place. A model over a limit fails before any work is done, with a
// PlatformLimitError (an UnsupportedError with rule "platform-limit", so it keeps its kind when
// it crosses a worker boundary as JSON).
import { UnsupportedError, type ErrorDetails } from "./errors.js";

export type PlatformName = "browser" | "node";

export interface PlatformLimits {
  platform: PlatformName;
  /** Largest single constant tensor, in bytes (it must fit one ArrayBuffer). */
  maxTensorBytes: number;
  /** Largest single buffer this platform allocates: bounds packageToZipBytes and fileBytes. */
  maxBufferBytes: number;
  /** Largest model.mlmodel (protobuf messages are limited to 2 GiB). */
  maxModelBytes: number;
}

const GiB = 1024 * 1024 * 1024;

export const PLATFORM_LIMITS: Readonly<Record<PlatformName, Readonly<PlatformLimits>>> = Object.freeze({
  // Browsers cap an ArrayBuffer at 2 GiB (Safari, older Chrome and Firefox; 32-bit devices less).
  // Larger packages still work as Blobs and streams, which are built from parts.
  browser: Object.freeze({ platform: "browser", maxTensorBytes: 2 * GiB, maxBufferBytes: 2 * GiB, maxModelBytes: 2 * GiB - 1 }),
  // Node 20: typed arrays up to 2^32 elements (buffer.constants.MAX_LENGTH = 4 GiB).
  node: Object.freeze({ platform: "node", maxTensorBytes: 4 * GiB, maxBufferBytes: 4 * GiB, maxModelBytes: 2 * GiB - 1 }),
});

/**
 * What a package reader accepts from a stranger's zip (every reader: in memory, Blob, Node file,
 * the worker, the bridge host), checked before anything is allocated for it.
 */
export const PACKAGE_READ_LIMITS = Object.freeze({
  /** Files a package may hold (webnn-coreml and coremltools write 3); the bridge host's default `maxFiles`. */
  maxFiles: 64,
  /** Central-directory bytes per entry: the 46-byte record, a name of ≤ 1,024 bytes, extra fields and comment. */
  maxDirectoryBytesPerEntry: 4096,
  /** A compressed entry inflates to at most this many times its compressed size (zip bombs go far past it)… */
  maxInflateRatio: 200,
  /** … and to at most this many bytes. */
  maxInflatedBytes: 512 * 1024 * 1024,
});

/** Entries a zip of a package of at most `maxFiles` files may have: its files, their folders, and room for a stray README or resource forks. */
export function zipEntryLimit(maxFiles: number = PACKAGE_READ_LIMITS.maxFiles): number {
  return maxFiles * 4 + 16;
}

/** "node" under Node (or Deno/Bun with Node compatibility), else "browser" (pages and workers). */
export function currentPlatform(): PlatformName {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return p?.versions?.node ? "node" : "browser";
}

/** Limits for a platform name, a partial override of the current platform's, or the current ones. */
export function resolveLimits(limits?: PlatformName | Partial<PlatformLimits>): PlatformLimits {
  if (typeof limits === "string") return { ...PLATFORM_LIMITS[limits] };
  const base = PLATFORM_LIMITS[limits?.platform ?? currentPlatform()];
  return { ...base, ...limits };
}

export class PlatformLimitError extends UnsupportedError {
  readonly limit: keyof PlatformLimits;
  readonly actual: number;
  readonly maximum: number;

  constructor(message: string, limit: keyof PlatformLimits, actual: number, maximum: number, details: ErrorDetails = {}) {
    super(message, { ...details, rule: "platform-limit" });
    this.limit = limit;
    this.actual = actual;
    this.maximum = maximum;
  }
}

export function formatBytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(2)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${n} bytes`;
}

/** Throws a PlatformLimitError when `actual` exceeds the limit. */
export function checkLimit(limits: PlatformLimits, limit: "maxTensorBytes" | "maxBufferBytes" | "maxModelBytes", actual: number, what: string, details: ErrorDetails = {}): void {
  const maximum = limits[limit];
  if (actual > maximum) {
    throw new PlatformLimitError(
      `${what} is ${formatBytes(actual)}, over the ${limits.platform} limit of ${formatBytes(maximum)} (${limit})`,
      limit, actual, maximum, details,
    );
  }
}
