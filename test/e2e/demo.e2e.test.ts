// End-to-end test of the BUILT demo (dist-demo/, `npm run build:demo`): served by `vite preview` on
// 127.0.0.1, driven in headless Debian Chromium with playwright-core. Files go in through
// #model-file, the package comes out through the #download link, and Node reads it back with the
// package reader and runs it with the reference runtime.
//
// Throughout: no Content-Security-Policy violation, no console error, no request outside the
// page's origin, and (while converting 100 MB of float16 weights) no main-thread task over 200 ms.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import type { TargetName } from "../../src/mil/target.js";
import { loadGraphFile, writeGraphFiles } from "../../src/node/graph-files.js";
import { readPackageZip } from "../../src/packaging/reader.js";
import { packageToZipBytes } from "../../src/packaging/zip.js";
import { runPackage, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { CHROMIUM_ARGS, chromiumPath } from "../chromium.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DIST = join(ROOT, "dist-demo");
const CSP = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; connect-src 'self' webnn-coreml:";
const EXAMPLE = join(ROOT, "examples/small-cnn.webnn.json");
const EXAMPLE_FILES = ["small-cnn.webnn.json", "small-cnn.weights", "small-cnn.manifest.json"].map((f) => join(ROOT, "examples", f));
const LONG_TASK_LIMIT_MS = 200;

let server: PreviewServer;
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let tmp: string;
const problems: string[] = [];
const outside: string[] = [];

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Runs in the page before its own scripts: records CSP violations and long tasks. */
function pageProbe(): void {
  const w = window as unknown as { __csp: string[]; __longTasks: { start: number; duration: number }[] };
  w.__csp = [];
  w.__longTasks = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    w.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
  });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) w.__longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: "longtask", buffered: true });
}

function watch(p: Page): void {
  const onConsole = (where: string) => (m: { type(): string; text(): string }) => {
    if (m.type() === "error" || m.type() === "warning" || /content.security.policy|refused to/i.test(m.text())) problems.push(`${where} console ${m.type()}: ${m.text()}`);
  };
  p.on("console", onConsole("page"));
  p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  p.on("worker", (w) => w.on("console", onConsole("worker")));
  p.on("crash", () => problems.push("page crashed"));
  p.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
}

async function cspViolations(): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

/** Does `action`, then waits until the page has finished one more attempt, in `state`. */
async function act(action: () => Promise<unknown>, state: "done" | "error" | "cancelled", timeout = 120_000): Promise<void> {
  const before = await page.evaluate(() => Number(document.body.dataset.finished ?? 0));
  await action();
  await page.waitForFunction(([n, s]) => Number(document.body.dataset.finished ?? 0) > (n as number) && document.body.dataset.state === s, [before, state], { timeout });
}

async function downloadZip(expectedName: string): Promise<Uint8Array> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  expect(download.suggestedFilename()).toBe(expectedName);
  const path = await download.path();
  const bytes = new Uint8Array(await readFile(path));
  await download.delete();
  return bytes;
}

/** Drops files on the drop zone, as a user dragging them from a file manager, and waits for the conversion. */
async function dropFiles(paths: readonly string[]): Promise<void> {
  const files = await Promise.all(paths.map(async (p) => ({ name: basename(p), bytes: [...(await readFile(p))] })));
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    return dt;
  }, files);
  await act(() => page.dispatchEvent("#drop-zone", "drop", { dataTransfer }), "done");
}

async function nodeZip(path: string, target: TargetName): Promise<Uint8Array> {
  const { graph, name } = await loadGraphFile(path);
  return packageToZipBytes(await convertGraph(graph, { name, target }));
}

/** The SmallCNN input used for runs. */
function exampleImage() {
  return tensorFromNumbers("float16", [1, 3, 32, 32], Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.cos(i / 7) * 0.5));
}

/** A webnn-graph JSON with over 100 MB of float16 weights: four matmuls (and relus) on [1, 2048]. */
async function writeLargeGraph(dir: string): Promise<{ json: string; weights: string; manifest: string; bytes: number }> {
  const layers: [number, number][] = [[2048, 4096], [4096, 4096], [4096, 4096], [4096, 2048]];
  const tensors: Record<string, { dataType: string; shape: number[]; byteOffset: number; byteLength: number; layout: string }> = {};
  let offset = 8; // after the "WGWT" header
  for (const [i, [k, n]] of layers.entries()) {
    tensors[`w${i}`] = { dataType: "float16", shape: [k, n], byteOffset: offset, byteLength: k * n * 2, layout: "row-major" };
    offset += k * n * 2;
  }
  const file = new Uint8Array(offset);
  file.set([0x57, 0x47, 0x57, 0x54, 1, 0, 0, 0]);
  // Distinct pseudo-random halves of either sign, |v| < 1/16 (xorshift32, two halves per step).
  const words = new Uint32Array(file.buffer, 8, (offset - 8) / 4);
  let r = 0x2545f491;
  for (let i = 0; i < words.length; i++) { r ^= r << 13; r ^= r >>> 17; r ^= r << 5; words[i] = r & 0xabffabff; }
  const nodes: unknown[] = [];
  let prev = "x";
  for (let i = 0; i < layers.length; i++) {
    nodes.push({ id: `mm${i}`, op: "matmul", inputs: [prev, `w${i}`], options: {}, outputs: null });
    prev = `mm${i}`;
    if (i < layers.length - 1) {
      nodes.push({ id: `relu${i}`, op: "relu", inputs: [prev], options: {}, outputs: null });
      prev = `relu${i}`;
    }
  }
  const doc = {
    format: "webnn-graph-json", version: 2, name: "Large100MB", quantized: false,
    inputs: { x: { dataType: "float16", shape: [1, 2048] } },
    consts: Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { dataType: t.dataType, shape: t.shape, init: { kind: "weights", ref: name } }])),
    nodes,
    outputs: { y: prev },
  };
  const paths = { json: join(dir, "large.webnn.json"), weights: join(dir, "large.weights"), manifest: join(dir, "large.manifest.json") };
  await writeFile(paths.json, JSON.stringify(doc));
  await writeFile(paths.weights, file);
  await writeFile(paths.manifest, JSON.stringify({ format: "wg-weights-manifest", version: 1, endianness: "little", tensors }));
  return { ...paths, bytes: offset - 8 };
}

let large: Promise<Awaited<ReturnType<typeof writeLargeGraph>>> | undefined;
/** The 100 MB graph's files, written once. */
function largeGraph() {
  large ??= writeLargeGraph(tmp);
  return large;
}

beforeAll(async () => {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error("dist-demo/ is missing: build the demo first (npm run build:demo; npm test does)");
  }
  tmp = await mkdtemp(join(tmpdir(), "webnn-coreml-e2e-"));
  const { preview } = await import("vite");
  const port = await freePort();
  server = await preview({
    configFile: join(ROOT, "demo/vite.config.ts"),
    logLevel: "warn",
    preview: { host: "127.0.0.1", port, strictPort: true, open: false },
  });
  origin = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  context = await browser.newContext({ acceptDownloads: true });
  context.on("request", (req) => {
    const url = req.url();
    let reqOrigin: string;
    try { reqOrigin = new URL(url).origin; } catch { reqOrigin = "invalid"; }
    if (reqOrigin !== origin) outside.push(url);
  });
  await context.addInitScript(pageProbe);
  page = await context.newPage();
  watch(page);
  const response = await page.goto(`${origin}/`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()["content-security-policy"]).toBe(CSP);
  await page.waitForSelector('body[data-state="idle"]');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("the built demo", () => {
  it("is static files with the Content-Security-Policy in a meta tag and no inline script", async () => {
    const html = await readFile(join(DIST, "index.html"), "utf8");
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`);
    expect(CSP).not.toContain("unsafe-eval");
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc=/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it("converts the built-in example; the download is the CLI's package and runs", async () => {
    await act(() => page.click("#example-small-cnn"), "done");
    const zip = await downloadZip("SmallCNN.mlpackage.zip");
    expect(Buffer.from(zip).equals(Buffer.from(await nodeZip(EXAMPLE, "ios17")))).toBe(true);
    const read = await readPackageZip(zip);
    const out = await runPackage(read, { image: exampleImage() });
    const probs = tensorValues(out.probabilities);
    expect(probs).toHaveLength(10);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);

    // The summary on the page.
    expect(await page.textContent("#summary-operators")).toContain("conv2d");
    expect(await page.textContent("#summary-inputs")).toMatch(/image\s*float16\s*\[1, 3, 32, 32\]/);
    expect(await page.textContent("#summary-outputs")).toMatch(/probabilities\s*float16\s*\[1, 10\]/);
    expect(await page.textContent("#summary-constants")).toContain("blob bytes");
    expect(await page.textContent("#mil")).toMatch(/^main\[CoreML7\]/);
    expect(await page.getAttribute("#progress", "value")).toBe("1");
  });

  it("converts the example named in ?example= as the page opens", async () => {
    const second = await context.newPage();
    watch(second);
    try {
      await second.goto(`${origin}/?example=small-cnn`);
      await second.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
      expect(await second.getAttribute("#download", "download")).toBe("SmallCNN.mlpackage.zip");
    } finally {
      await second.close();
    }
  });

  it("converts files set on #model-file (graph + weights + manifest) for the chosen target", async () => {
    await page.selectOption("#target", "ios15");
    const t0 = await page.evaluate(() => performance.now());
    await act(() => page.setInputFiles("#model-file", EXAMPLE_FILES), "done");
    const zip = await downloadZip("SmallCNN.mlpackage.zip");
    expect(Buffer.from(zip).equals(Buffer.from(await nodeZip(EXAMPLE, "ios15")))).toBe(true);
    const read = await readPackageZip(zip);
    expect(read.parsed.specificationVersion).toBe(6);
    const out = await runPackage(read, { image: exampleImage() });
    expect(tensorValues(out.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(await page.textContent("#summary-model")).toContain("ios15");
    const long = await page.evaluate((since) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((t) => t.start >= since), t0);
    expect(long.filter((t) => t.duration > LONG_TASK_LIMIT_MS)).toEqual([]);
    // A new target converts the same files again.
    await act(() => page.selectOption("#target", "ios17"), "done");
    expect(await page.textContent("#summary-model")).toContain("ios17");
  });

  it("converts a builder example made on the main thread; the package computes the right values", async () => {
    await act(() => page.click("#example-matmul-softmax"), "done");
    const zip = await downloadZip("MatmulSoftmax.mlpackage.zip");
    const read = await readPackageZip(zip);
    const x = [1, 2, 3, 4, -1, 0.5, 0, 2];
    const out = await runPackage(read, { x: tensorFromNumbers("float32", [2, 4], x) });
    const w = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9, 1.0, -1.1, 1.2];
    const bias = [0.01, 0.02, -0.03];
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) {
      const logits = [0, 1, 2].map((j) => bias[j] + [0, 1, 2, 3].reduce((s, k) => s + x[i * 4 + k] * w[k * 3 + j], 0));
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const sum = e.reduce((a, b) => a + b, 0);
      expected.push(...e.map((v) => v / sum));
    }
    const got = tensorValues(out.probabilities);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(await page.textContent("#summary-operators")).toMatch(/matmul/);
  });

  it("converts files dropped on the drop zone", async () => {
    await dropFiles(EXAMPLE_FILES);
    const zip = await downloadZip("SmallCNN.mlpackage.zip");
    expect(Buffer.from(zip).equals(Buffer.from(await nodeZip(EXAMPLE, "ios17")))).toBe(true);
  });

  it("converts a .webnn text graph with its .safetensors sidecar, picked or dropped: the same package", async () => {
    const graph = await loadGraphFile(EXAMPLE);
    const written = await writeGraphFiles(graph.graph, join(tmp, "small-cnn.webnn"), { name: "SmallCNN" });
    expect(written.map((p) => basename(p))).toEqual(["small-cnn.webnn", "small-cnn.safetensors"]);
    await act(() => page.setInputFiles("#model-file", written), "done");
    expect(Buffer.from(await downloadZip("SmallCNN.mlpackage.zip")).equals(Buffer.from(await nodeZip(EXAMPLE, "ios17")))).toBe(true);
    await dropFiles(written);
    expect(Buffer.from(await downloadZip("SmallCNN.mlpackage.zip")).equals(Buffer.from(await nodeZip(EXAMPLE, "ios17")))).toBe(true);
  });

  it("asks for named dimensions, and converts once they are given", async () => {
    const path = join(tmp, "dyn.webnn");
    await writeFile(path, `webnn_graph "Dyn" v2 {\n  inputs { x: f32[dyn("batch", 4), 3]; }\n  nodes { y = relu(x); }\n  outputs { y; }\n}\n`);
    await act(() => page.setInputFiles("#model-file", [path]), "error");
    expect(await page.textContent("#error")).toMatch(/"batch" \(at most 4; inputs "x"\)/);
    // Enter commits the field (a "change" event), as leaving it does.
    await act(() => page.fill("#free-dims", "batch=2").then(() => page.press("#free-dims", "Enter")), "done");
    const read = await readPackageZip(await downloadZip("Dyn.mlpackage.zip"));
    expect(read.parsed.inputs[0].shape).toEqual([2, 3]);
    await act(() => page.fill("#free-dims", "").then(() => page.press("#free-dims", "Enter")), "error");
    // A multifunction package: one function per size, the first the default (iOS 18).
    await act(() => page.selectOption("#target", "ios18"), "error");
    await act(() => page.fill("#functions", "one: batch=1; four: batch=4").then(() => page.press("#functions", "Enter")), "done");
    const multi = await readPackageZip(await downloadZip("Dyn.mlpackage.zip"));
    expect([...multi.parsed.program.functions.keys()].sort()).toEqual(["four", "one"]);
    expect(multi.parsed.program.defaultFunction).toBe("one");
    expect(multi.parsed.functions!.get("four")!.inputs[0].shape).toEqual([4, 3]);
    await act(() => page.fill("#functions", "").then(() => page.press("#functions", "Enter")), "error");
    await act(() => page.selectOption("#target", "ios17"), "error");
  });

  it("converts an ONNX model with external data; a model with free dimensions and a control input asks for them first", async () => {
    const { onnxModel, T, tensor } = await import("../onnx/onnx-writer.js");
    const w = Float32Array.from({ length: 8 }, (_, i) => i / 4);
    await writeFile(join(tmp, "w.bin"), new Uint8Array(w.buffer));
    const branch = (op: string) => ({ nodes: [{ op, inputs: ["mm"], outputs: ["o"] }], inputs: [], outputs: [["o", T.FLOAT] as [string, number]] });
    const model = (withIf: boolean) => onnxModel({
      nodes: [
        { op: "MatMul", inputs: ["x", "w"], outputs: [withIf ? "mm" : "y"] },
        ...(withIf ? [{ op: "Equal", inputs: ["sr", "k"], outputs: ["c"] }, { op: "If", inputs: ["c"], outputs: ["y"], attrs: { then_branch: { graph: branch("Relu") }, else_branch: { graph: branch("Neg") } } }] : []),
      ],
      inputs: [["x", T.FLOAT, withIf ? ["batch", 4] : [1, 4]], ...(withIf ? [["sr", T.INT64, []] as [string, number, number[]]] : [])],
      outputs: [["y", T.FLOAT]],
      initializers: [{ name: "w", type: T.FLOAT, dims: [4, 2], external: { location: "w.bin" } }, ...(withIf ? [tensor("k", T.INT64, [], BigInt64Array.of(16000n))] : [])],
    }, 13);
    await writeFile(join(tmp, "plain.onnx"), model(false));
    await writeFile(join(tmp, "vad.onnx"), model(true));
    await act(() => page.setInputFiles("#model-file", [join(tmp, "plain.onnx"), join(tmp, "w.bin")]), "done");
    const plain = await readPackageZip(await downloadZip("plain.mlpackage.zip"));
    expect(tensorValues((await runPackage(plain, { x: tensorFromNumbers("float32", [1, 4], [1, 0, 0, 1]) })).y)).toEqual([1.5, 2]); // rows 0 and 3 of w
    // The form: prefilled from the model, converts on submit.
    await page.setInputFiles("#model-file", [join(tmp, "vad.onnx"), join(tmp, "w.bin")]);
    await page.waitForSelector("#onnx-form:not([hidden]) #dim-batch");
    expect(await page.textContent("#onnx-inputs")).toMatch(/x: float \[batch, 4\]/);
    expect(await page.inputValue("#dim-batch")).toBe("1");
    await page.fill("#dim-batch", "2");
    await page.fill("#value-sr", "8000");
    await act(() => page.click("#onnx-convert"), "done");
    expect(await page.isHidden("#onnx-form")).toBe(true);
    const vad = await readPackageZip(await downloadZip("vad.mlpackage.zip"));
    expect(vad.parsed.inputs.map((i) => [i.name, i.shape])).toEqual([["x", [2, 4]]]);
    const y = (await runPackage(vad, { x: tensorFromNumbers("float32", [2, 4], [1, 0, 0, 0, 0, 0, 0, 1]) })).y;
    expect(tensorValues(y)).toEqual([-0, -0.25, -1.5, -1.75]); // Neg: sr = 8000 takes the else branch
  });

  it("an ONNX model whose input has no shape at all (Silero v5's form) asks for it, and converts", async () => {
    const { onnxModel, T } = await import("../onnx/onnx-writer.js");
    await writeFile(join(tmp, "noshape.onnx"), onnxModel({ nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }], inputs: [["x", T.FLOAT, undefined]], outputs: [["y", T.FLOAT]] }, 13));
    await page.setInputFiles("#model-file", [join(tmp, "noshape.onnx")]);
    await page.waitForSelector("#onnx-form:not([hidden]) #shape-x");
    expect(await page.inputValue("#shape-x")).toBe("");
    await page.fill("#shape-x", "1, 512");
    await act(() => page.click("#onnx-convert"), "done");
    const pkg = await readPackageZip(await downloadZip("noshape.mlpackage.zip"));
    expect(pkg.parsed.inputs.map((i) => [i.name, i.shape])).toEqual([["x", [1, 512]]]);
  });

  it("shows errors inline, naming the operator and the operand", async () => {
    const doc = JSON.parse(await readFile(EXAMPLE, "utf8"));
    doc.nodes[0].options.groups = 2;
    const bad = join(tmp, "broken.webnn.json");
    await writeFile(bad, JSON.stringify(doc));
    await act(() => page.setInputFiles("#model-file", [bad, EXAMPLE_FILES[1], EXAMPLE_FILES[2]]), "error");
    expect(await page.isVisible("#error")).toBe(true);
    const text = await page.textContent("#error");
    expect(text).toContain("GraphValidationError");
    expect(await page.textContent('#error dd[data-field="operator"]')).toBe("conv2d");
    expect(await page.textContent('#error dd[data-field="operand"]')).toBe("conv1");
    expect(await page.textContent('#error dd[data-field="rule"]')).toBe("channels");
  });

  it("converts 100 MB of float16 weights without a main-thread task over 200 ms", async () => {
    const large = await largeGraph();
    expect(large.bytes).toBeGreaterThanOrEqual(100_000_000);
    const t0 = await page.evaluate(() => performance.now());
    const started = Date.now();
    await act(() => page.setInputFiles("#model-file", [large.json, large.weights, large.manifest]), "done", 240_000);
    const elapsed = Date.now() - started;
    const tasks = await page.evaluate((since) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((t) => t.start >= since), t0);
    const longest = tasks.reduce((m, t) => Math.max(m, t.duration), 0);
    console.log(`100 MB conversion: ${elapsed} ms in the page; ${tasks.length} long tasks (> 50 ms) on the main thread, longest ${longest.toFixed(0)} ms`);
    expect(tasks.filter((t) => t.duration > LONG_TASK_LIMIT_MS)).toEqual([]);

    const zip = await downloadZip("Large100MB.mlpackage.zip");
    expect(zip.byteLength).toBeGreaterThan(large.bytes);
    expect(Buffer.from(zip).equals(Buffer.from(await nodeZip(large.json, "ios17")))).toBe(true);
    const read = await readPackageZip(zip);
    expect(read.weights!.byteLength).toBeGreaterThan(large.bytes);
    expect(read.parsed.outputs.map((o) => [o.name, o.dataType, o.shape])).toEqual([["y", "float16", [1, 2048]]]);
    const out = await runPackage(read, { x: tensorFromNumbers("float16", [1, 2048], Array.from({ length: 2048 }, (_, i) => Math.sin(i) * 0.5)) });
    const y = tensorValues(out.y);
    expect(y).toHaveLength(2048);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(y.some((v) => v !== 0)).toBe(true);
  }, 300_000);

  it("cancels a running conversion with the Cancel button", async () => {
    const large = await largeGraph();
    await act(async () => {
      await page.setInputFiles("#model-file", [large.json, large.weights, large.manifest]);
      await page.click("#cancel"); // enabled while converting; Playwright waits for that
    }, "cancelled");
    expect(await page.textContent("#stage")).toBe("Cancelled.");
    expect(await page.isHidden("#result")).toBe(true);
    // The page converts again afterwards.
    await act(() => page.click("#example-conv2d-relu"), "done");
    expect(await page.textContent("#summary-operators")).toContain("conv2d");
  });

  it("had no CSP violation, no console error and no request outside its origin", async () => {
    // no WKWebView bridge here: the Core ML section stays hidden and nothing was probed
    expect(await page.locator("#device").isHidden()).toBe(true);
    expect(await cspViolations()).toEqual([]);
    expect(problems).toEqual([]);
    expect(outside).toEqual([]);
    // The probe does see violations: an inline script is refused under this policy (reported once
    // for the header and once for the meta tag).
    await page.evaluate(() => { const s = document.createElement("script"); s.textContent = "void 0"; document.head.append(s); });
    await expect.poll(cspViolations).toContainEqual(expect.stringMatching(/^script-src(-elem)? blocked inline/));
    // And the long-task probe does see long tasks: a 150 ms busy loop in a page task is one.
    const before = await page.evaluate(() => performance.now());
    await page.evaluate(() => new Promise<void>((done) => setTimeout(() => {
      const t = performance.now();
      while (performance.now() - t < 150) { /* busy */ }
      done();
    }, 0)));
    await expect.poll(() => page.evaluate((since) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((t) => t.start >= since).length, before)).toBeGreaterThan(0);
  });
});
