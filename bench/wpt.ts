// Section (c): build and convert every graph of the shared WPT conformance corpus.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildWptGraph, type WptFile } from "../src/conformance/wpt-case.js";
import { convertGraph } from "../src/convert.js";
import { ROOT, median, now, peakRssMb, report, round, type Result } from "./common.js";

const dir = join(ROOT, "test/fixtures/wpt/conformance");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const cases = files.flatMap((f) => (JSON.parse(readFileSync(join(dir, f), "utf8")) as WptFile).tests);

async function runAll(): Promise<{ build: number; convert: number; cpu: number; failed: number }> {
  let build = 0, convert = 0, failed = 0;
  const c0 = process.cpuUsage();
  for (const c of cases) {
    let t = now();
    let graph;
    try {
      graph = buildWptGraph(c).graph;
    } catch {
      failed++;
      continue;
    } finally {
      build += now() - t;
    }
    t = now();
    try {
      await convertGraph(graph);
    } catch {
      failed++;
    }
    convert += now() - t;
  }
  const d = process.cpuUsage(c0);
  return { build, convert, cpu: (d.user + d.system) / 1000, failed };
}

const r: Result = { "wpt.cases": cases.length };
const runs = [];
for (let i = 0; i < 3; i++) runs.push(await runAll());
r["wpt.first_ms"] = round(runs[0].build + runs[0].convert, 0);
r["wpt.convert_ms"] = round(median(runs.map((x) => x.build + x.convert)), 0);
r["wpt.cpu_ms"] = round(median(runs.map((x) => x.cpu)), 0);
r["wpt.convert_only_ms"] = round(median(runs.map((x) => x.convert)), 0);
r["wpt.failed"] = runs[0].failed;
r["wpt.peak_rss_mb"] = peakRssMb();
report(r);
