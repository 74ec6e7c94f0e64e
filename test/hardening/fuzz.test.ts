// The fuzz test: mutated graph documents, weights, manifests, package zips, files inside
// packages and run inputs (test/fuzz/) through the reader, convertGraph, readPackage and
// runPackage. Every case must end in success or a WebNNCoreMLError; none may throw anything
// else, run past 5 s, or grow the process past 2 GiB. The cases run in a child process, so
// that a case that never returns is stopped and named. WEBNN_COREML_FUZZ_CASES=N runs more
// (default 5000); WEBNN_COREML_FUZZ_SEED=S other ones; a failure prints how to replay it.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FUZZ_TARGETS } from "../fuzz/targets.js";

const CASES = Number(process.env.WEBNN_COREML_FUZZ_CASES ?? 5000);
const SEED = Number(process.env.WEBNN_COREML_FUZZ_SEED ?? 1);
const HANG_MS = 5000;
const STARTUP_MS = 60_000;

interface Report {
  ready?: boolean;
  start?: number;
  target?: string;
  fail?: number;
  done?: number;
  failures?: number;
  outcomes?: Record<string, { ok: number; typed: number }>;
  [key: string]: unknown;
}

function runFuzz(cases: number, seed: number): Promise<{ reports: Report[]; hung?: Report; exitCode: number | null }> {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", "test/fuzz/fuzz-runner.ts", "--cases", String(cases), "--seed", String(seed)], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const reports: Report[] = [];
  let last: Report | undefined;
  let hung: Report | undefined;
  let timer: NodeJS.Timeout;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => { hung = last ?? { start: -1 }; child.kill("SIGKILL"); }, ms);
  };
  arm(STARTUP_MS);
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const r = JSON.parse(line) as Report;
    if (r.start !== undefined) { last = r; arm(HANG_MS); } else reports.push(r);
  });
  return new Promise((done) => child.on("close", (exitCode) => { clearTimeout(timer); done({ reports, hung, exitCode }); }));
}

describe("fuzz", () => {
  it(`${CASES} mutated inputs end in success or a typed error, each within ${HANG_MS / 1000} s`, async () => {
    const { reports, hung, exitCode } = await runFuzz(CASES, SEED);
    const replay = (i: unknown) => `replay: npx tsx test/fuzz/fuzz-runner.ts --seed ${SEED} --case ${i}`;
    expect(hung, hung && `case ${hung.start} (${hung.target}) did not finish within ${HANG_MS} ms; ${replay(hung.start)}`).toBeUndefined();
    const failures = reports.filter((r) => r.fail !== undefined);
    expect(failures.map((f) => `${JSON.stringify(f, null, 1).slice(0, 3000)}\n${replay(f.fail)}`)).toEqual([]);
    const summary = reports.find((r) => r.done !== undefined);
    expect(summary?.done).toBe(CASES);
    expect(exitCode).toBe(0);
    // Each target ran its share and reached past the first check in some cases: a mutator that
    // only ever produced unreadable input would test nothing but the first parser.
    for (const t of FUZZ_TARGETS) {
      const o = summary!.outcomes![t];
      expect(o.ok + o.typed, t).toBeGreaterThanOrEqual(Math.floor(CASES / FUZZ_TARGETS.length));
      expect(o.ok, t).toBeGreaterThan(0);
      expect(o.typed, t).toBeGreaterThan(0);
    }
  }, 30 * 60_000);
});
