// `npm run conformance -- --json FILE` on the WPT file with the "large inputs" cases: the report
// keeps per case what a reader needs (status, worst error, tolerance), never the tensors.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "../..");

describe("conformance CLI", () => {
  it("writes a compact JSON report for files with large cases", () => {
    const out = join(mkdtempSync(join(tmpdir(), "webnn-coreml-conf-")), "report.json");
    const file = join(ROOT, "test/fixtures/wpt/conformance/add.json");
    execFileSync(process.execPath, ["--import", "tsx", "src/node/conformance-cli.ts", "--quiet", "--json", out, file], { cwd: ROOT, stdio: "pipe" });
    const report = JSON.parse(readFileSync(out, "utf8"));
    const wpt = JSON.parse(readFileSync(file, "utf8"));
    expect(report.results.length).toBe(wpt.tests.length);
    expect(report.results.map((r: { name: string }) => r.name)).toContain("add float32 large inputs");
    expect(report.failed).toBe(0);
    for (const r of report.results) expect(Object.keys(r).sort()).toEqual(expect.arrayContaining(["file", "name", "operator", "status"]));
    expect(statSync(out).size).toBeLessThan(50 * 1024);
  });
});
