// Builds the converter's Web Worker into one self-contained ES module, dist/worker/convert-worker.js:
// every dependency bundled, `long` replaced by an empty stand-in (protobufjs would load long.js,
// which compiles WebAssembly as it loads), minified. Refuses a bundle that could need
// 'unsafe-eval' or 'wasm-unsafe-eval' under a Content-Security-Policy.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "dist/worker/convert-worker.js");
await build({
  entryPoints: [join(root, "worker/convert-worker.ts")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  alias: { long: join(root, "src/browser/long-stub.ts") },
  logLevel: "warning",
});
const code = readFileSync(outfile, "utf8");
const banned = [/\bWebAssembly\b/, /\bnew Function\s*\(/, /(^|[^.\w$])eval\s*\(/];
for (const re of banned) {
  const m = code.match(re);
  if (m) {
    const at = code.indexOf(m[0]);
    throw new Error(`dist/worker/convert-worker.js contains ${JSON.stringify(m[0])} near …${code.slice(Math.max(0, at - 80), at + 80)}…: it would break under a strict CSP`);
  }
}
console.log(`dist/worker/convert-worker.js: ${(code.length / 1024).toFixed(0)} kB`);
