// Compares coremltools' expansion of every constexpr (weight decompression) operation with the
// reference runtime's: the digests written by `check-with-coremltools.py --digests FILE` against
// the same digests of our kernels' results. Any difference means the two read a compressed
// weight differently (bit packing, table layout, axes). Exit status 1 on any mismatch.
//   npx tsx scripts/compare-constexpr.ts digests.json
import { readFileSync } from "node:fs";
import { readPackagePath } from "../src/node/package-files.js";
import { evaluateOperation, iosVersionOfOpset } from "../src/runtime/execute.js";
import { numericView, tensorFromConst } from "../src/runtime/tensor.js";

type Digest = [number[], number, number];
const all = JSON.parse(readFileSync(process.argv[2], "utf8")) as Record<string, Record<string, Digest>>;
let ops = 0;
const bad: string[] = [];
const close = (a: number, b: number, scale: number) => Math.abs(a - b) <= 1e-9 * Math.max(scale, 1e-30);
for (const [path, expected] of Object.entries(all)) {
  const pkg = await readPackagePath(path);
  for (const [fname, fn] of pkg.parsed.program.functions) {
    const consts = new Map(fn.operations.filter((o) => o.type === "const").map((o) => [o.outputs[0].name, o]));
    for (const op of fn.operations) {
      if (!op.type.startsWith("constexpr_")) continue;
      const key = `${fname}/${op.outputs[0].name}`;
      const want = expected[key];
      if (!want) { bad.push(`${path}: ${key} has no coremltools digest`); continue; }
      const t = evaluateOperation(op, (n) => { const c = consts.get(n)?.value; return c && tensorFromConst(c); }, { iosVersion: iosVersionOfOpset(fn.opset) })[0];
      const v = numericView(t);
      let sum = 0, weighted = 0, scale = 0;
      for (let i = 0; i < v.length; i++) { sum += v[i]; weighted += v[i] * (1 + (i % 7919) / 7919); scale += Math.abs(v[i]) * 2; }
      ops++;
      if (t.shape.join() !== want[0].join() || !close(sum, want[1], scale) || !close(weighted, want[2], scale)) {
        bad.push(`${path}: ${key} ${op.type}: ours [${t.shape}] ${sum} ${weighted}, coremltools [${want[0]}] ${want[1]} ${want[2]}`);
      }
    }
  }
}
for (const b of bad) console.log(`MISMATCH ${b}`);
console.log(`constexpr expansions compared with coremltools: ${ops} in ${Object.keys(all).length} packages, ${bad.length} mismatched`);
process.exitCode = bad.length || ops === 0 ? 1 : 0;
