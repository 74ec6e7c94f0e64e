// Section (b): conversion time for graphs of many small operations:
// N × (16×16 float32 constant, matmul, relu), for N = 2,000 (6,000 operations) and N = 200.
// Wall-clock medians after JIT warm-up, CPU time beside them (the machine may be shared).
import { convertGraph } from "../src/convert.js";
import { MLGraphBuilder } from "../src/graph/builder.js";
import type { MLGraph } from "../src/graph/operand.js";
import { median, now, peakRssMb, report, round, type Result } from "./common.js";

function graph(n: number): MLGraph {
  const b = new MLGraphBuilder();
  let h = b.input("x", { dataType: "float32", shape: [16, 16] });
  for (let i = 0; i < n; i++) {
    const w = new Float32Array(256);
    for (let k = 0; k < 256; k++) w[k] = Math.sin(i * 256 + k);
    h = b.relu(b.matmul(h, b.constant({ dataType: "float32", shape: [16, 16] }, w)));
  }
  return b.buildSync({ y: h });
}

const r: Result = {};
for (const [key, n] of [["ops600", 200], ["ops6000", 2000]] as const) {
  const runs: number[] = [];
  const cpu: number[] = [];
  const builds: number[] = [];
  // Run 0 is reported as first_ms; runs 1–3 warm the JIT up; runs 4–10 are measured.
  for (let i = 0; i < 11; i++) {
    let t = now();
    const g = graph(n);
    builds.push(now() - t);
    t = now();
    const c = process.cpuUsage();
    await convertGraph(g);
    runs.push(now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  r[`${key}.first_ms`] = round(runs[0], 1);
  r[`${key}.convert_ms`] = round(median(runs.slice(4)), 1);
  r[`${key}.convert_min_ms`] = round(Math.min(...runs.slice(4)), 1);
  r[`${key}.convert_cpu_ms`] = round(median(cpu.slice(4)), 1);
  r[`${key}.build_ms`] = round(median(builds.slice(4)), 1);
}
r["ops.growth"] = round((r["ops6000.convert_ms"] as number) / (r["ops600.convert_ms"] as number), 2);
r["ops.peak_rss_mb"] = peakRssMb();
report(r);
