// What the CLI prints, captured per test: console.log and process.stdout.write into `out`,
// console.error into `err` (both cleared before each test).
import { afterEach, beforeEach, vi } from "vitest";

export interface Captured { out: string[]; err: string[] }

export function captureConsole(): Captured {
  const c: Captured = { out: [], err: [] };
  beforeEach(() => {
    c.out.length = 0;
    c.err.length = 0;
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => { c.out.push(a.join(" ")); });
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => { c.err.push(a.join(" ")); });
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => { c.out.push(String(s)); return true; });
  });
  afterEach(() => vi.restoreAllMocks());
  return c;
}
