// npm run check:coreml — Apple's own tools on this project's packages, and this project on Apple's:
//  1. converts the examples, emits the package of every conformance case at every target (and in
//     float16 at iOS 16) and of the real ONNX models of the tests in every deployment form;
//  2. has coremltools write packages of its own (scripts/make-coremltools-packages.py: compressed
//     by its optimizers, multifunction, float16 I/O);
//  3. loads all of them with coremltools and exports each again with coremltools' exporter: every
//     parameter must be bound as coremltools binds it (scripts/check-with-coremltools.py --forms);
//  4. compares coremltools' expansion of every compressed weight with the reference runtime's,
//     exactly (scripts/compare-constexpr.ts);
//  5. reads, inspects and runs coremltools' packages with the CLI and runPackage
//     (scripts/check-coremltools-packages.ts).
// Needs Python 3 with coremltools (.ci/run installs coremltools==9.0 from PyPI); without them it
// says so and skips.
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
  for (const target of ["ios15", "ios16", "ios17", "ios18", "ios26"]) {
    execFileSync(tsx, [join(root, "src/node/conformance-cli.ts"), "--quiet", "--target", target, "--emit-packages", join(dir, target)], { stdio: ["ignore", "ignore", "inherit"] });
  }
  // The float32 cases again, computed in float16 (precision "float16").
  execFileSync(tsx, [join(root, "src/node/conformance-cli.ts"), "--quiet", "--target", "ios16", "--precision", "float16", "--emit-packages", join(dir, "ios16-fp16")], { stdio: ["ignore", "ignore", "inherit"] });
  execFileSync(tsx, [join(root, "scripts/emit-real-onnx.ts"), join(dir, "onnx")], { stdio: "inherit" });
  const theirs = join(dir, "coremltools");
  execFileSync("python3", [join(root, "scripts/make-coremltools-packages.py"), theirs], { stdio: ["ignore", "inherit", "inherit"] });
  const digests = join(dir, "constexpr-digests.json");
  const steps = [
    ["python3", join(root, "scripts/check-with-coremltools.py"), "--forms", "--digests", digests, dir],
    // Every compressed weight as coremltools expands it, against the reference runtime's expansion.
    [tsx, join(root, "scripts/compare-constexpr.ts"), digests],
    [tsx, join(root, "scripts/check-coremltools-packages.ts"), theirs],
  ];
  let failed = false;
  for (const [cmd, ...args] of steps) {
    if (spawnSync(cmd, args, { stdio: "inherit" }).status !== 0) { failed = true; break; }
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
