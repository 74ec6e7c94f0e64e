// Compares coremltools' expansion of every constexpr (weight decompression) operation with the
// reference runtime's, exactly: the digests written by `check-with-coremltools.py --digests FILE`
// against the same digests of our kernels' results (scripts/constexpr-digests.ts). Any
// difference means the two read a compressed weight differently. Exit status 1 on any mismatch.
//   npx tsx scripts/compare-constexpr.ts digests.json
import { readFileSync } from "node:fs";
import { readPackagePath } from "../src/node/package-files.js";
import { constexprDigests, type Digest } from "./constexpr-digests.js";

const all = JSON.parse(readFileSync(process.argv[2], "utf8")) as Record<string, Record<string, Digest>>;
let ops = 0;
const bad: string[] = [];
for (const [path, expected] of Object.entries(all)) {
  const ours = constexprDigests((await readPackagePath(path)).parsed.program);
  for (const key of new Set([...ours.keys(), ...Object.keys(expected)])) {
    const a = ours.get(key), b = expected[key];
    ops++;
    if (!a || !b || a[0].join() !== b[0].join() || a[1] !== b[1]) bad.push(`${path}: ${key}: ours ${a ? `[${a[0]}] ${a[1]}` : "missing"}, coremltools ${b ? `[${b[0]}] ${b[1]}` : "missing"}`);
  }
}
for (const b of bad) console.log(`MISMATCH ${b}`);
console.log(`constexpr expansions compared with coremltools: ${ops} in ${Object.keys(all).length} packages, ${bad.length} mismatched`);
process.exitCode = bad.length || ops === 0 ? 1 : 0;
