// Builds, with esbuild, what tsc does not:
// - dist/vendor/protobufjs-minimal.js: protobufjs's runtime as an ES module without long.js; the
//   generated Core ML protobuf code in dist/ imports it instead of "protobufjs/minimal.js", so no
//   bundler (nor Vite's dev server) pulls in long.js, which compiles WebAssembly as it loads;
// - dist/worker/convert-worker.js: the converter's Web Worker, one self-contained ES module;
// - dist/esm/{index,browser,runtime,bridge}.js (+ shared chunks): the library's entry points as
//   ES modules with every dependency included, for pages that use an import map or a plain
//   static server (bundlers use dist/index.js and friends, which import the dependencies).
// `long` is replaced by an empty stand-in (protobufjs would load long.js, which compiles
// WebAssembly as it loads). A file that could need 'unsafe-eval' or 'wasm-unsafe-eval' under a
// Content-Security-Policy fails the build.
import { build } from "esbuild";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const common = {
  bundle: true, format: "esm", platform: "browser", target: "es2022", minify: true, legalComments: "eof",
  alias: { long: join(root, "src/browser/long-stub.ts") }, logLevel: "warning",
};
await build({ ...common, minify: false, entryPoints: [join(root, "node_modules/protobufjs/minimal.js")], outfile: join(root, "dist/vendor/protobufjs-minimal.js"), platform: "neutral", mainFields: ["main"] });
for (const f of ["coreml.js", "index.js"]) {
  const file = join(root, "dist/serialization/proto", f);
  const code = readFileSync(file, "utf8");
  const rewritten = code.replace(/from "protobufjs\/minimal\.js"/g, 'from "../../vendor/protobufjs-minimal.js"');
  if (rewritten === code) throw new Error(`${file} does not import protobufjs/minimal.js`);
  writeFileSync(file, rewritten);
}
await build({ ...common, entryPoints: [join(root, "worker/convert-worker.ts")], outfile: join(root, "dist/worker/convert-worker.js") });
rmSync(join(root, "dist/esm"), { recursive: true, force: true });
await build({
  ...common,
  entryPoints: {
    index: join(root, "src/index.ts"), browser: join(root, "src/browser/index.ts"),
    runtime: join(root, "src/runtime/index.ts"), bridge: join(root, "src/bridge/index.ts"),
  },
  outdir: join(root, "dist/esm"), splitting: true, chunkNames: "chunk-[hash]",
});

const banned = [/\bWebAssembly\b/, /\bnew Function\s*\(/, /(^|[^.\w$])eval\s*\(/];
const files = [join(root, "dist/vendor/protobufjs-minimal.js"), join(root, "dist/worker/convert-worker.js"), ...readdirSync(join(root, "dist/esm")).map((f) => join(root, "dist/esm", f))];
for (const file of files) {
  const code = readFileSync(file, "utf8");
  for (const re of banned) {
    const m = code.match(re);
    if (!m) continue;
    const at = code.indexOf(m[0]);
    throw new Error(`${file} contains ${JSON.stringify(m[0])} near …${code.slice(Math.max(0, at - 80), at + 80)}…: it would break under a strict CSP`);
  }
}
console.log(`browser builds: ${files.length} files (${files.map((f) => `${f.slice(root.length + 1)} ${(readFileSync(f).length / 1024).toFixed(0)} kB`).join(", ")})`);
