// The static protobuf code must be what `npm run proto` generates from protos/*.proto.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "../..");

describe("generated protobuf code", () => {
  it("is up to date with protos/", () => {
    const out = mkdtempSync(join(tmpdir(), "proto-"));
    execFileSync("node", [join(ROOT, "scripts/gen-proto.mjs"), "--out", out], { stdio: "pipe" });
    for (const f of ["coreml.js", "coreml.d.ts"]) {
      const fresh = readFileSync(join(out, f), "utf8");
      const committed = readFileSync(join(ROOT, "src/serialization/proto", f), "utf8");
      expect(committed === fresh, `src/serialization/proto/${f} is stale: run npm run proto`).toBe(true);
    }
  }, 60_000);

  it("contains no eval or new Function (CSP without unsafe-eval)", () => {
    const js = readFileSync(join(ROOT, "src/serialization/proto/coreml.js"), "utf8");
    expect(js).not.toMatch(/\beval\s*\(/);
    expect(js).not.toMatch(/new Function\s*\(\s*["'`]/);
  });
});
