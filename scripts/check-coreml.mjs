// npm run check:coreml — Apple's own readers on this project's packages: converts the examples,
// emits the package of every conformance case and of the real ONNX models of the tests, and loads all of them with coremltools
// (scripts/check-with-coremltools.py), then compares coremltools' expansion of every compressed weight
// with the reference runtime's (scripts/compare-constexpr.ts). Needs Python 3 with coremltools (.ci/run installs
// coremltools==9.0 from PyPI); without them it says so and skips.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const probe = spawnSync("python3", ["-c", "import coremltools, coremltools.libmodelpackage; print(coremltools.__version__)"], { encoding: "utf8" });
if (probe.status !== 0) {
  console.log("check:coreml SKIPPED: Python 3 with coremltools is not installed here (pip install coremltools==9.0)");
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "webnn-coreml-check-"));
try {
  const tsx = join(root, "node_modules/.bin/tsx");
  for (const f of readdirSync(join(root, "examples")).filter((n) => n.endsWith(".webnn.json"))) {
    execFileSync(tsx, [join(root, "src/node/bin.ts"), "convert", join(root, "examples", f), "-o", join(dir, "examples", f.replace(/\.webnn\.json$/, ".mlpackage")), "--quiet"], { stdio: "inherit" });
  }
  for (const target of ["ios15", "ios18"]) {
    execFileSync(tsx, [join(root, "src/node/conformance-cli.ts"), "--quiet", "--target", target, "--emit-packages", join(dir, target)], { stdio: ["ignore", "ignore", "inherit"] });
  }
  // The float32 cases again, computed in float16 (precision "float16").
  execFileSync(tsx, [join(root, "src/node/conformance-cli.ts"), "--quiet", "--target", "ios16", "--precision", "float16", "--emit-packages", join(dir, "ios16-fp16")], { stdio: ["ignore", "ignore", "inherit"] });
  execFileSync(tsx, [join(root, "scripts/emit-real-onnx.ts"), join(dir, "onnx")], { stdio: "inherit" });
  const digests = join(dir, "constexpr-digests.json");
  const r = spawnSync("python3", [join(root, "scripts/check-with-coremltools.py"), "--digests", digests, dir], { stdio: "inherit" });
  // Every compressed weight as coremltools expands it, against the reference runtime's expansion.
  const c = r.status === 0 ? spawnSync(tsx, [join(root, "scripts/compare-constexpr.ts"), digests], { stdio: "inherit" }) : { status: 1 };
  process.exitCode = r.status === 0 && c.status === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
