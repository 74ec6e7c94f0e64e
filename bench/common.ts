// Shared helpers for `npm run bench`: timing, memory, and the sections' JSON protocol (each
// section runs in its own Node process, so that its peak RSS is its own, and prints one line
// `BENCH_RESULT {json}` that bench/bench.ts collects).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export type Result = Record<string, number | string | boolean>;

export function now(): number {
  return performance.now();
}

export async function time<T>(f: () => Promise<T> | T): Promise<[number, T]> {
  const t = now();
  const r = await f();
  return [now() - t, r];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function report(result: Result): void {
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
