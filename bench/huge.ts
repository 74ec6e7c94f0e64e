// Section (d): 4.5 GiB of float16 weights (36 × 8192×8192) converted and streamed to a zip64
// file. Prints the file path; bench.ts checks it (unzip -t, the package reader) and deletes it.
import { stat } from "node:fs/promises";
import { convertGraph } from "../src/convert.js";
import { MLGraphBuilder } from "../src/graph/builder.js";
import { writePackageZipFile } from "../src/node/package-files.js";
import { packageSize } from "../src/packaging/package.js";
import { now, peakRssMb, report, round, type Result } from "./common.js";
import { HUGE_DIM, HUGE_LAYERS, hugePattern } from "./huge-pattern.js";

const file = process.argv[2];
if (!file) throw new Error("usage: huge.ts OUTPUT.zip");

const r: Result = {};
let t = now();
const weights: Uint16Array[] = [];
for (let l = 0; l < HUGE_LAYERS; l++) {
  const w = new Uint16Array(HUGE_DIM * HUGE_DIM);
  new Uint32Array(w.buffer).fill(hugePattern(l));
  weights.push(w);
}
const weightBytes = weights.reduce((n, w) => n + w.byteLength, 0);
r["huge.weight_bytes"] = weightBytes;
r["huge.fill_ms"] = round(now() - t, 0);
r["huge.rss_after_weights_mb"] = Math.round(process.memoryUsage().rss / 1024 / 1024);

t = now();
const b = new MLGraphBuilder();
let h = b.input("x", { dataType: "float16", shape: [1, HUGE_DIM] });
weights.forEach((w, i) => { h = b.matmul(h, b.constant({ dataType: "float16", shape: [HUGE_DIM, HUGE_DIM] }, w, `w${i}`)); });
const pkg = await convertGraph(await b.build({ y: b.relu(h) }), { name: "Huge" });
r["huge.package_ms"] = round(now() - t, 1);
r["huge.package_bytes"] = packageSize(pkg);

t = now();
let lastProgress = 0;
await writePackageZipFile(pkg, file, { onProgress: (done, total) => { lastProgress = done / total; } });
r["huge.zip_file_ms"] = round(now() - t, 0);
r["huge.progress_end"] = lastProgress;
r["huge.bytes"] = (await stat(file)).size;
r["huge.peak_rss_mb"] = peakRssMb();
r["huge.weights_mb"] = Math.round(weightBytes / 1024 / 1024);
report(r);
