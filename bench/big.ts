// Section (a): a 256 MiB float16 model — 8 × matmul with 4096×4096 float16 weights, plus relu.
// Compares packaging and zipping with one warm memcpy of the same bytes, jszip and fflate.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import JSZip from "jszip";
import { convertGraph } from "../src/convert.js";
import { MLGraphBuilder } from "../src/graph/builder.js";
import { readPackagePath, writePackageZipFile, writePackageZipToNodeStream } from "../src/node/package-files.js";
import { WEIGHT_FILE, fileBytes, type MLPackage } from "../src/packaging/package.js";
import { packageToZipBlob, packageToZipBytes, packageToZipParts } from "../src/packaging/zip.js";
import { MiB, gc, median, now, peakRssMb, report, round, type Result } from "./common.js";

const N = 4096;
const LAYERS = 8;
const REPS = 3;

function makeWeights(): Uint16Array[] {
  const out: Uint16Array[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const w = new Uint16Array(N * N);
    // Small float16 values of both signs; every layer different.
    let s = 0x9e3779b9 ^ (l * 0x85ebca6b);
    for (let i = 0; i < w.length; i++) {
      s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
      w[i] = 0x2000 | (s & 0x83ff);
    }
    out.push(w);
  }
  return out;
}

async function build(weights: Uint16Array[]): Promise<MLPackage> {
  const b = new MLGraphBuilder();
  let h = b.input("x", { dataType: "float16", shape: [1, N] });
  weights.forEach((w, i) => { h = b.matmul(h, b.constant({ dataType: "float16", shape: [N, N] }, w, `w${i}`)); });
  const graph = await b.build({ y: b.relu(h) });
  return convertGraph(graph, { name: "Big" });
}

async function timed(reps: number, f: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    gc();
    const t = now();
    await f();
    out.push(now() - t);
  }
  return out;
}

const dir = await mkdtemp(join(tmpdir(), "webnn-coreml-bench-"));
try {
  const weights = makeWeights();
  const bytes = weights.reduce((n, w) => n + w.byteLength, 0);
  const r: Result = { "big.weight_bytes": bytes };

  // One warm copy of the same bytes into a buffer that is already touched.
  const dest = new Uint8Array(bytes);
  const copy = () => { let pos = 0; for (const w of weights) { dest.set(new Uint8Array(w.buffer), pos); pos += w.byteLength; } };
  copy();
  const memcpy = await timed(5, async () => copy());
  r["big.memcpy_ms"] = round(median(memcpy), 2);

  let pkg!: MLPackage;
  const pack = await timed(REPS + 1, async () => { pkg = await build(weights); });
  r["big.package_first_ms"] = round(pack[0], 2);
  r["big.package_ms"] = round(median(pack.slice(1)), 2);

  // Zero copy: the weight.bin parts are the constants' own buffers.
  const wf = pkg.files.find((f) => f.path === WEIGHT_FILE)!;
  const views = new Set<ArrayBufferLike>(weights.map((w) => w.buffer));
  r["big.zero_copy"] = wf.parts.filter((p) => views.has(p.buffer)).length === LAYERS;

  r["big.zip_mem_ms"] = round(median(await timed(REPS, () => packageToZipParts(pkg))), 1);
  r["big.zip_blob_ms"] = round(median(await timed(REPS, () => packageToZipBlob(pkg))), 1);
  r["big.zip_bytes_ms"] = round(median(await timed(REPS, () => packageToZipBytes(pkg))), 1);
  const file = join(dir, "Big.mlpackage.zip");
  r["big.zip_file_ms"] = round(median(await timed(REPS, async () => { await rm(file, { force: true }); await writePackageZipFile(pkg, file); })), 1);
  r["big.zip_stream_ms"] = round(median(await timed(REPS, async () => {
    const out = createWriteStream(join(dir, "s.zip"));
    await writePackageZipToNodeStream(pkg, out);
  })), 1);
  r["big.zip_bytes"] = (await stat(file)).size;
  r["big.peak_rss_mb"] = peakRssMb();

  // Correctness of what was timed: the file reads back with the same weights.
  const read = await readPackagePath(file);
  const blob = [...read.parsed.blobs.values()];
  r["big.readback_ok"] = blob.length === LAYERS && Buffer.from(read.weights!).equals(Buffer.from(fileBytes(wf)));

  // The same bytes through jszip (STORE) and fflate (level 0), each given whole files.
  const flat = pkg.files.map((f) => ({ name: `Big.mlpackage/${f.path}`, data: fileBytes(f) }));
  r["big.jszip_ms"] = round(median(await timed(REPS, async () => {
    const z = new JSZip();
    for (const f of flat) z.file(f.name, f.data, { binary: true, compression: "STORE", date: new Date(Date.UTC(2001, 0, 1)) });
    await z.generateAsync({ type: "uint8array", compression: "STORE" });
  })), 1);
  r["big.fflate_ms"] = round(median(await timed(REPS, async () => {
    zipSync(Object.fromEntries(flat.map((f) => [f.name, [f.data, { level: 0 }]])) as Parameters<typeof zipSync>[0]);
  })), 1);
  r["big.peak_rss_all_mb"] = peakRssMb();

  const mibps = (ms: number) => round((bytes / MiB) / (ms / 1000), 0);
  r["big.zip_mem_mib_s"] = mibps(r["big.zip_mem_ms"] as number);
  r["big.zip_bytes_mib_s"] = mibps(r["big.zip_bytes_ms"] as number);
  r["big.zip_file_mib_s"] = mibps(r["big.zip_file_ms"] as number);
  r["big.jszip_mib_s"] = mibps(r["big.jszip_ms"] as number);
  r["big.fflate_mib_s"] = mibps(r["big.fflate_ms"] as number);
  report(r);
} finally {
  await rm(dir, { recursive: true, force: true });
}
