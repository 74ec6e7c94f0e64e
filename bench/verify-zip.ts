// Reads the --huge archive back with the package reader (from a file handle; weight.bin is above
// one buffer's limit, so blob by blob) and checks every weight byte against the pattern.
import { readPackagePath } from "../src/node/package-files.js";
import { now, peakRssMb, report, round, type Result } from "./common.js";
import { HUGE_DIM, HUGE_LAYERS, hugePattern } from "./huge-pattern.js";
import { programFunction } from "../src/mil/program.js";

const file = process.argv[2];
const r: Result = {};
const t = now();
const read = await readPackagePath(file);
r["huge.readback_ms"] = round(now() - t, 0);
const consts = programFunction(read.parsed.program).operations.filter((o) => o.type === "const" && o.value?.bytes && o.value.bytes.byteLength === HUGE_DIM * HUGE_DIM * 2);
let ok = consts.length === HUGE_LAYERS && !!read.weightSource;
consts.forEach((c, l) => {
  const bytes = c.value!.bytes!;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const want = hugePattern(l);
  for (let i = 0; i < words.length; i++) if (words[i] !== want) { ok = false; break; }
});
r["huge.readback_ok"] = ok;
r["huge.readback_peak_rss_mb"] = peakRssMb();
report(r);
