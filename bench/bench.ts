// npm run bench [-- --json FILE] [--huge] [--only big,ops,wpt,quality,onnx]
// Runs each section in its own Node process (own heap, own peak RSS), prints a table with the
// targets and whether each holds, and writes every figure as JSON.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GiB, ROOT, type Result } from "./common.js";

const { values } = parseArgs({
  options: { json: { type: "string" }, huge: { type: "boolean", default: false }, only: { type: "string" } },
});
const only = values.only?.split(",");

function section(script: string, args: string[] = []): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(ROOT, "bench", script), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      if (code !== 0 || !line) reject(new Error(`bench/${script} exited with ${code}\n${out}`));
      else resolve(JSON.parse(line.slice("BENCH_RESULT ".length)) as Result);
    });
  });
}

/** The zip64 end-of-central-directory locator just before the end record, and the record it points to. */
function hasZip64Records(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(42);
    readSync(fd, tail, 0, 42, size - 42);
    if (tail.readUInt32LE(20) !== 0x06054b50 || tail.readUInt32LE(0) !== 0x07064b50) return false;
    const rec = Buffer.alloc(4);
    readSync(fd, rec, 0, 4, Number(tail.readBigUInt64LE(8)));
    return rec.readUInt32LE(0) === 0x06064b50;
  } finally {
    closeSync(fd);
  }
}

const results: Result = { "machine.node": process.version, "machine.date": new Date().toISOString() };
const want = (s: string) => !only || only.includes(s);

if (want("big")) { process.stderr.write("bench: (a) 256 MiB float16 model…\n"); Object.assign(results, await section("big.ts")); }
if (want("ops")) { process.stderr.write("bench: (b) 600 and 6,000 operations…\n"); Object.assign(results, await section("ops.ts")); }
if (want("wpt")) { process.stderr.write("bench: (c) WPT corpus…\n"); Object.assign(results, await section("wpt.ts")); }
if (want("quality")) { process.stderr.write("bench: (g) op counts against coremltools on the architecture corpus…\n"); Object.assign(results, await section("quality.ts")); }
if (want("onnx")) {
  const dir = mkdtempSync(join(tmpdir(), "webnn-coreml-onnx-"));
  try {
    process.stderr.write("bench: (e) 256 MiB float16 ONNX models (inline and external data)…\n");
    await section("onnx.ts", ["gen", dir]);
    for (const kind of ["inline", "external"]) {
      Object.assign(results, await section("onnx.ts", ["read", dir, kind]));
      Object.assign(results, await section("onnx.ts", ["measure", dir, kind]));
    }
    Object.assign(results, await section("onnx.ts", ["ppocr"]));
    process.stderr.write("bench: (f) weight compression of the 256 MiB model…\n");
    Object.assign(results, await section("onnx.ts", ["compress", dir]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.huge) {
  const dir = mkdtempSync(join(tmpdir(), "webnn-coreml-huge-"));
  const file = join(dir, "Huge.mlpackage.zip");
  try {
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    if (free < 6 * GiB) throw new Error(`--huge needs 6 GiB free in ${dir}, found ${(free / GiB).toFixed(1)} GiB`);
    process.stderr.write("bench: (d) 4.5 GiB float16 weights streamed to a zip64 file…\n");
    Object.assign(results, await section("huge.ts", [file]));
    process.stderr.write("bench: (d) unzip -t…\n");
    const t = performance.now();
    const unzip = spawnSync("unzip", ["-tqq", file], { encoding: "utf8" });
    results["huge.unzip_t_ok"] = unzip.status === 0;
    results["huge.unzip_t_ms"] = Math.round(performance.now() - t);
    if (unzip.error) results["huge.unzip_t_error"] = String(unzip.error.message);
    else if (unzip.status !== 0) results["huge.unzip_t_error"] = (unzip.stdout + unzip.stderr).slice(0, 500);
    results["huge.zip64_records"] = hasZip64Records(file);
    process.stderr.write("bench: (d) package reader…\n");
    Object.assign(results, await section("verify-zip.ts", [file]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ targets and table

const n = (k: string) => results[k] as number;
const has = (...ks: string[]) => ks.every((k) => typeof results[k] === "number" || typeof results[k] === "boolean");
const targets: { name: string; holds: boolean; detail: string }[] = [];
if (has("compress.palettize4_ms", "compress.int8_ms")) {
  const sizes = ["none", "int8", "int4", "palettize4", "palettize6"].map((m) => `${m} ${n(`compress.${m}.blob_mb`)} MiB`).join(", ");
  targets.push({ name: "(f) palettize:4 of 134 M weights ≤ 60 s", holds: n("compress.palettize4_ms") <= 60000, detail: `${n("compress.palettize4_ms")} ms; int8 ${n("compress.int8_ms")} ms, int4 ${n("compress.int4_ms")} ms, palettize:6 ${n("compress.palettize6_ms")} ms, none ${n("compress.none_ms")} ms; weight.bin: ${sizes}` });
}
if (has("big.package_ms", "big.memcpy_ms")) {
  const limit = 1.5 * n("big.memcpy_ms");
  targets.push({ name: "(a) package ≤ 1.5 × warm memcpy", holds: n("big.package_ms") <= limit, detail: `${n("big.package_ms")} ms vs ${limit.toFixed(1)} ms (${(n("big.package_ms") / n("big.memcpy_ms")).toFixed(2)} × memcpy)` });
}
if (has("big.zip_mem_ms", "big.jszip_ms")) {
  const x = n("big.jszip_ms") / n("big.zip_mem_ms");
  targets.push({ name: "(a) zip to memory ≥ 3 × jszip throughput", holds: x >= 3, detail: `${x.toFixed(1)} × (parts); ${(n("big.jszip_ms") / n("big.zip_blob_ms")).toFixed(1)} × as Blob; ${(n("big.jszip_ms") / n("big.zip_bytes_ms")).toFixed(1)} × as one Uint8Array` });
}
if (has("ops6000.convert_ms", "ops600.convert_ms")) {
  targets.push({ name: "(b) 6,000 operations ≤ 0.2 s", holds: n("ops6000.convert_ms") <= 200, detail: `${n("ops6000.convert_ms")} ms (first run ${n("ops6000.first_ms")} ms)` });
  targets.push({ name: "(b) growth 600 → 6,000 ≤ 12 ×", holds: n("ops.growth") <= 12, detail: `${n("ops.growth")} ×` });
}
for (const target of ["ios17", "ios18"]) {
  if (!has(`quality.${target}.worst_ratio`)) continue;
  const models = n(`quality.${target}.models`), within = n(`quality.${target}.at_most_1`);
  targets.push({ name: `(g) ${target}: ops ≤ coremltools' on every model`, holds: within === models, detail: `${within} of ${models} models; median ${n(`quality.${target}.median_ratio`)}, worst ${n(`quality.${target}.worst_ratio`)} (ours / coremltools'); passes ${n("quality.passes_ms")} ms, ${n("quality.passes_without_fusions_ms")} ms without the fusions` });
}
if (has("wpt.convert_ms")) targets.push({ name: "(c) WPT corpus ≤ 5 s", holds: n("wpt.convert_ms") <= 5000, detail: `${n("wpt.convert_ms")} ms for ${n("wpt.cases")} graphs` });
for (const kind of ["inline", "external"]) {
  if (!has(`onnx.${kind}.import_ms`)) continue;
  const total = n(`onnx.${kind}.import_ms`) + n(`onnx.${kind}.convert_ms`);
  const limit = 2 * n(`onnx.${kind}.read_ms`);
  targets.push({ name: `(e) ONNX ${kind}: import + convert ≤ 2 × read`, holds: total <= limit, detail: `${total.toFixed(1)} ms vs ${limit.toFixed(1)} ms (read ${n(`onnx.${kind}.read_ms`)} ms)` });
}
for (const kind of ["inline", "external"]) {
  if (!has(`onnx.${kind}.peak_rss_mb`, `onnx.${kind}.file_mb`)) continue;
  const limit = n(`onnx.${kind}.file_mb`) + 256;
  targets.push({ name: `(e) ONNX ${kind}: peak RSS ≤ file + 256 MiB`, holds: n(`onnx.${kind}.peak_rss_mb`) <= limit, detail: `${n(`onnx.${kind}.peak_rss_mb`)} MiB vs ${limit} MiB${kind === "external" && has("onnx.ppocr_det_640_ms") ? `; PP-OCRv4 det 640×640 converts in ${n("onnx.ppocr_det_640_ms")} ms` : ""}` });
}
if (has("huge.peak_rss_mb", "huge.weights_mb")) {
  const limit = n("huge.weights_mb") + 256;
  targets.push({ name: "(d) peak RSS ≤ weights + 256 MiB", holds: n("huge.peak_rss_mb") <= limit, detail: `${n("huge.peak_rss_mb")} MiB vs ${limit} MiB` });
  const valid = results["huge.unzip_t_ok"] === true && results["huge.readback_ok"] === true;
  targets.push({ name: "(d) archive valid (unzip -t, reader)", holds: valid, detail: `unzip -t ${results["huge.unzip_t_ok"] ? "ok" : "FAILED"}, reader ${results["huge.readback_ok"] ? "ok" : "FAILED"}, zip64 ${results["huge.zip64_records"] ? "yes" : "no"}` });
}

const width = Math.max(...Object.keys(results).map((k) => k.length));
console.log("\n" + "figure".padEnd(width) + "  value");
console.log("-".repeat(width) + "  " + "-".repeat(24));
for (const [k, v] of Object.entries(results)) if (!k.startsWith("machine.")) console.log(k.padEnd(width) + "  " + String(v));
const targetWidth = Math.max(43, ...targets.map((t) => t.name.length + 1));
console.log("\n" + "target".padEnd(targetWidth) + "holds  measured");
for (const t of targets) console.log(t.name.padEnd(targetWidth) + (t.holds ? "yes    " : "NO     ") + t.detail);
results.targets = JSON.stringify(targets.map((t) => ({ name: t.name, holds: t.holds, detail: t.detail })));
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ ...results, targets }, null, 2) + "\n");
  console.log(`\nwrote ${values.json}`);
}
