// The packed package in fresh projects: the installed CLI, a Node ESM script, TypeScript
// consumers (bundler and node16 resolution, Node-only and DOM), a Vite app in dev and in a
// production build, and a plain page with an import map — each browser page converting a graph
// in the shipped worker under a strict CSP, with no console error and no CSP violation.
import { execFileSync, type ExecFileSyncOptions } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeBrowser, CSP, openPage, packAndInstall, readmeSamples, ROOT } from "./fixture.js";
import { onnxModel, T, tensor } from "../onnx/onnx-writer.js";

/** README's browser sample is what every browser page runs. */
const PAGE_SCRIPT = readmeSamples("browser")[0];

let app: string;
let tarball: string;
// A user's shell: without this repository's npm settings (its .npmrc reaches child processes as
// npm_config_* variables, which npm run in another project would warn about).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_onnxruntime/i.test(k)));
const run = (cmd: string, args: string[], opts: ExecFileSyncOptions = {}) =>
  execFileSync(cmd, args, { cwd: app, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env, ...opts }) as unknown as string;

beforeAll(async () => {
  ({ dir: app, tarball } = await packAndInstall());
});
afterAll(async () => { await closeBrowser(); });

/** Opens the page, waits for README's sample to finish and checks it; `may404` is a URL allowed to fail once (tried before a fallback). */
async function expectPageConverts(url: string, may404?: RegExp): Promise<void> {
  const { page, problems } = await openPage(url);
  try {
    await page.waitForSelector("#download", { timeout: 60_000 }).catch(() => undefined);
    // The URL allowed to fail shows as its 404 response, a failed request and one console message.
    const allowed = may404 ? problems.filter((p) => /^(HTTP 404|request failed): /.test(p) && may404.test(p.replace(/^[^:]+: /, "").split(" ")[0])) : [];
    const rest = problems.filter((p) => !allowed.includes(p));
    if (allowed.length) {
      const i = rest.findIndex((p) => /Failed to load resource/.test(p));
      if (i >= 0) rest.splice(i, 1);
    }
    expect(rest).toEqual([]);
    expect(await page.textContent("#download")).toMatch(/^Model\.mlpackage\.zip: \d+ lines of MIL$/);
    // The page's CSP (connect-src 'self') does not let it fetch its own blob: URL; the link is checked.
    const link = await page.evaluate(() => { const a = document.getElementById("download") as HTMLAnchorElement; return { href: a.href, download: a.download }; });
    expect(link.href).toMatch(/^blob:/);
    expect(link.download).toBe("Model.mlpackage.zip");
  } finally {
    await page.context().close();
  }
}

describe("the packed tarball", () => {
  it("holds what users need and nothing of the repository's tests", () => {
    const files = run("tar", ["-tzf", tarball]).split("\n").filter(Boolean);
    for (const f of ["package/dist/index.js", "package/dist/index.d.ts", "package/dist/node/bin.js", "package/dist/worker/convert-worker.js",
      "package/dist/esm/index.js", "package/dist/esm/browser.js", "package/dist/runtime-api.js", "package/LICENSE", "package/README.md",
      "package/examples/small-cnn.webnn.json"]) expect(files).toContain(f);
    expect(files.filter((f) => /bridge-host|bridge-package-checks|conformance|\/test\/|\/src\/|\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
  });
});

describe("the installed CLI", () => {
  it("runs: --help, --version, convert, inspect and run of the example", () => {
    expect(run("npx", ["webnn-coreml", "--help"])).toMatch(/commands:/);
    expect(run("npx", ["webnn-coreml", "--version"]).trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
    const example = join(app, "node_modules/webnn-coreml/examples/small-cnn.webnn.json");
    expect(run("npx", ["webnn-coreml", "convert", example, "-o", "out/Small.mlpackage.zip"])).toMatch(/^wrote out\/Small\.mlpackage\.zip \(zip\)/);
    expect(run("npx", ["webnn-coreml", "inspect", "out/Small.mlpackage.zip"])).toMatch(/main\[CoreML7\]/);
    writeFileSync(join(app, "in.json"), JSON.stringify({ image: { dataType: "float16", shape: [1, 3, 32, 32], data: [0.5] } }));
    const out = JSON.parse(run("npx", ["webnn-coreml", "run", "out/Small.mlpackage.zip", "--inputs", "in.json"]));
    expect(out.probabilities.shape).toEqual([1, 10]);
    let failure: { status?: number; stderr?: string } = {};
    try { run("npx", ["webnn-coreml", "convert", "missing.json", "-o", "x.mlpackage"]); } catch (e) { failure = e as typeof failure; }
    expect(failure.status).toBe(1);
    expect(String(failure.stderr).trim().split("\n")).toHaveLength(1);
  });
});

describe("README's samples", () => {
  it("the install sample is what the package test did: npm pack, then npm install of the tarball it wrote", () => {
    const lines = readmeSamples("install")[0].trim().split("\n").map((l) => l.replace(/#.*$/, "").trim());
    expect(lines[0]).toBe("npm ci && npm pack");
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    expect(lines[1]).toBe(`npm install /path/to/webnn-coreml-${version}.tgz`);
    expect(tarball.endsWith(`webnn-coreml-${version}.tgz`)).toBe(true);
    expect(JSON.parse(readFileSync(join(app, "node_modules/webnn-coreml/package.json"), "utf8")).name).toBe("webnn-coreml");
  });

  it("the command-line sample runs as written, on the built-in example named model.webnn.json", () => {
    const dir = join(app, "readme-cli");
    mkdirSync(dir, { recursive: true });
    for (const ext of ["webnn.json", "weights", "manifest.json"]) {
      writeFileSync(join(dir, `model.${ext}`), readFileSync(join(app, `node_modules/webnn-coreml/examples/small-cnn.${ext}`)));
    }
    writeFileSync(join(dir, "inputs.json"), JSON.stringify({ image: { dataType: "float16", shape: [1, 3, 32, 32], data: [0.5] } }));
    writeFileSync(join(dir, "inputs8.json"), JSON.stringify({ x: { dataType: "float32", shape: [8, 4], data: [1] } }));
    // An ONNX model with a free dimension "batch", as the sample's ONNX lines expect.
    writeFileSync(join(dir, "model.onnx"), onnxModel({ nodes: [{ op: "MatMul", inputs: ["x", "w"], outputs: ["y"] }], inputs: [["x", T.FLOAT, ["batch", 4]]], outputs: [["y", T.FLOAT]], initializers: [tensor("w", T.FLOAT, [4, 2], new Float32Array(8).fill(0.5))] }, 13));
    for (const line of readmeSamples("shell")[0].split("\n")) {
      const command = line.replace(/#.*$/, "").trim();
      if (!command) continue;
      const [cmd, ...args] = command.split(/\s+/);
      run(cmd, args, { cwd: dir });
    }
    expect(JSON.parse(readFileSync(join(dir, "outputs.json"), "utf8")).probabilities.shape).toEqual([1, 10]);
    expect(JSON.parse(readFileSync(join(dir, "outputs8.json"), "utf8")).y).toEqual({ dataType: "float32", shape: [8, 2], data: new Array(16).fill(2) });
  });

  it("the Node sample runs as written and prints what its comment says", () => {
    const dir = join(app, "readme-node");
    mkdirSync(dir, { recursive: true });
    const sample = readmeSamples("node")[0];
    writeFileSync(join(dir, "sample.mjs"), sample);
    const printed = run("node", ["sample.mjs"], { cwd: dir }).trim();
    expect(printed).toBe(/\/\/ (.+)$/.exec(sample.trim().split("\n").pop()!)![1].trim());
    expect(readFileSync(join(dir, "Model.mlpackage.zip")).subarray(0, 2).toString("latin1")).toBe("PK");
  });
});

describe("Node and TypeScript consumers", () => {
  it("a Node ESM script converts and runs a graph", () => {
    writeFileSync(join(app, "main.mjs"), `
import { MLGraphBuilder, convertGraph, packageToZipBytes } from "webnn-coreml";
import { runPackage, tensorFromNumbers, tensorValues } from "webnn-coreml/runtime";
const b = new MLGraphBuilder();
const x = b.input("x", { dataType: "float32", shape: [2] });
const graph = await b.build({ y: b.mul(x, b.constant({ dataType: "float32", shape: [2] }, new Float32Array([2, 3]))) });
const zip = await packageToZipBytes(await convertGraph(graph, { name: "Scale" }));
const out = await runPackage(zip, { x: tensorFromNumbers("float32", [2], [1, 1]) });
console.log(JSON.stringify(tensorValues(out.y)));
`);
    expect(run("node", ["main.mjs"]).trim()).toBe("[2,3]");
  });

  for (const [name, compilerOptions, lib] of [
    ["bundler resolution, Node only", { module: "esnext", moduleResolution: "bundler" }, ["es2022"]],
    ["node16 resolution, Node only", { module: "node16", moduleResolution: "node16" }, ["es2022"]],
    ["bundler resolution, DOM", { module: "esnext", moduleResolution: "bundler" }, ["es2022", "dom"]],
  ] as const) {
    it(`type-checks with skipLibCheck false (${name}); a misspelled option is a type error`, () => {
      const dom = (lib as readonly string[]).includes("dom");
      const dir = join(app, `ts-${name.replace(/\W+/g, "-")}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
        compilerOptions: { ...compilerOptions, target: "es2022", lib, types: ["node"], strict: true, noEmit: true, skipLibCheck: false },
        include: ["consumer.ts"],
      }));
      writeFileSync(join(dir, "consumer.ts"), `
import { MLGraphBuilder, convertGraph, type MLConv2dOptions, type ConvertOptions } from "webnn-coreml";
import { runPackage, type WebNNTensor } from "webnn-coreml/runtime";
import { loadGraphFile } from "webnn-coreml/node";
${dom ? 'import { createConverter } from "webnn-coreml/browser";\nexport const c = createConverter;' : ""}
const b = new MLGraphBuilder();
const x = b.input("x", { dataType: "float32", shape: [1, 1, 4, 4] });
const w = b.constant({ dataType: "float32", shape: [1, 1, 3, 3] }, new Float32Array(9));
const options: MLConv2dOptions = { padding: [1, 1, 1, 1] };
const y = b.conv2d(x, w, options);
// @ts-expect-error — a misspelled option name
b.conv2d(x, w, { paddding: [1, 1, 1, 1] });
const o: ConvertOptions = { target: "ios17" };
export const done: Promise<unknown> = b.build({ y }).then((g) => convertGraph(g, o));
export const r: typeof runPackage = runPackage;
export type T = WebNNTensor;
export const l: typeof loadGraphFile = loadGraphFile;
`);
      run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", dir]);
    });
  }
});

describe("browser consumers", () => {
  function writeVitePage(dir: string) {
    mkdirSync(join(dir, "public"), { recursive: true });
    writeFileSync(join(dir, "public/favicon.ico"), new Uint8Array(0)); // the browser asks for one
    writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module" src="./main.js"></script>`);
    writeFileSync(join(dir, "main.js"), PAGE_SCRIPT);
    // A page that only builds graphs: what it ships is measured.
    writeFileSync(join(dir, "builder.html"), `<!doctype html><meta charset="utf-8"><title>builder</title><script type="module" src="./builder.js"></script>`);
    writeFileSync(join(dir, "builder.js"), `import { MLGraphBuilder } from "webnn-coreml";\nconst b = new MLGraphBuilder();\nconst x = b.input("x", { dataType: "float32", shape: [2] });\nb.build({ y: b.relu(x) }).then((g) => { document.title = "built " + g.nodes.length; });\n`);
  }

  it("a Vite app in dev mode converts in the shipped worker", async () => {
    const dir = join(app, "vite-dev");
    writeVitePage(dir);
    const { createServer: viteServer } = await import(join(app, "node_modules/vite/dist/node/index.js"));
    const server = await viteServer({ root: dir, configFile: false, logLevel: "silent", server: { host: "127.0.0.1", port: 0, headers: { "Content-Security-Policy": CSP } }, worker: { format: "es" } });
    await server.listen();
    try {
      await expectPageConverts(server.resolvedUrls.local[0]);
    } finally {
      await server.close();
    }
  });

  it("a Vite production build converts in the shipped worker; page and worker sizes are within budget", async () => {
    const dir = join(app, "vite-build");
    writeVitePage(dir);
    const vite = await import(join(app, "node_modules/vite/dist/node/index.js"));
    const outDir = join(dir, "dist");
    await vite.build({ root: dir, configFile: false, logLevel: "silent", worker: { format: "es" },
      build: { outDir, emptyOutDir: true, rollupOptions: { input: { index: join(dir, "index.html"), builder: join(dir, "builder.html") } } } });
    const server = await vite.preview({ root: dir, configFile: false, logLevel: "silent", build: { outDir }, preview: { host: "127.0.0.1", port: 0, headers: { "Content-Security-Policy": CSP } } });
    try {
      await expectPageConverts(server.resolvedUrls.local[0]);
    } finally {
      await new Promise<void>((resolve) => { server.httpServer.close(() => resolve()); (server.httpServer as { closeAllConnections?: () => void }).closeAllConnections?.(); });
    }
    // Sizes: the scripts each page loads (gzip), and the worker.
    const assets = join(outDir, "assets");
    const gz = (f: string) => gzipSync(readFileSync(join(assets, f)), { level: 9 }).byteLength;
    const html = (p: string) => readFileSync(join(outDir, p), "utf8");
    const scriptsOf = (page: string) => [...html(page).matchAll(/(?:src|href)="\.?\/?assets\/([^"]+\.js)"/g)].map((m) => m[1]);
    const builderKb = scriptsOf("builder.html").reduce((n, f) => n + gz(f), 0) / 1024;
    const pageKb = scriptsOf("index.html").reduce((n, f) => n + gz(f), 0) / 1024;
    const workerFile = readdirSync(assets).find((f) => /convert-worker.*\.js$/.test(f))!;
    const workerKb = gz(workerFile) / 1024;
    console.log(`consumer sizes (gzip): builder-only page ${builderKb.toFixed(1)} kB, converter page ${pageKb.toFixed(1)} kB, worker ${workerKb.toFixed(1)} kB`);
    writeFileSync(join(ROOT, "test/consumer/.sizes.json"), JSON.stringify({ builderKb, pageKb, workerKb }));
    expect(builderKb).toBeLessThanOrEqual(50);
    // The worker holds every reader (JSON, text, safetensors, ONNX with its operator tables,
    // com.microsoft and quantized forms), the converter with its fusion passes, and the reference
    // runtime's kernels that fold constants: 141 kB measured, 150 kB the budget.
    expect(workerKb).toBeLessThanOrEqual(150);
  });

  /** Serves `app` as static files under a CSP (and 204 for the favicon the browser asks for). */
  async function staticServer(csp: string): Promise<{ url: string; close: () => Promise<void> }> {
    const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".json": "application/json" };
    const server: Server = createServer((req, res) => {
      const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      if (pathname === "/favicon.ico") { res.writeHead(204).end(); return; }
      const path = normalize(join(app, pathname));
      if (!path.startsWith(app) || !existsSync(path) || !statSync(path).isFile()) { res.writeHead(404).end(); return; }
      res.writeHead(200, { "Content-Type": types[extname(path)] ?? "application/octet-stream", "Content-Security-Policy": csp });
      res.end(readFileSync(path));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
  }

  it("an esbuild bundle (which does not follow new URL) converts in the shipped worker, started from a Blob", async () => {
    const dir = join(app, "esbuild-app");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "main.js"), PAGE_SCRIPT);
    writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>esbuild</title><script type="module" src="/esbuild-app/out/main.js"></script>`);
    const { build } = await import(join(ROOT, "node_modules/esbuild/lib/main.js"));
    await build({ entryPoints: [join(dir, "main.js")], bundle: true, format: "esm", outdir: join(dir, "out"), splitting: true, absWorkingDir: dir, logLevel: "error" });
    const server = await staticServer(CSP);
    try {
      // The worker's URL beside the bundle does not exist (one 404); its copy from a Blob runs.
      await expectPageConverts(`${server.url}/esbuild-app/index.html`, /\/worker\/convert-worker\.js$/);
    } finally {
      await server.close();
    }
  });

  it("a plain page with an import map, served as static files, converts in the shipped worker", async () => {
    const dir = join(app, "plain");
    mkdirSync(dir, { recursive: true });
    // README's import map, as written there.
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(readmeSamples("importmap")[0])![1];
    const hash = createHash("sha256").update(importMap).digest("base64");
    writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>plain</title><script type="importmap">${importMap}</script><script type="module" src="/plain/main.js"></script>`);
    writeFileSync(join(dir, "main.js"), PAGE_SCRIPT);
    const csp = CSP.replace("script-src 'self'", `script-src 'self' 'sha256-${hash}'`);
    const server = await staticServer(csp);
    try {
      await expectPageConverts(`${server.url}/plain/index.html`);
    } finally {
      await server.close();
    }
  });
});
