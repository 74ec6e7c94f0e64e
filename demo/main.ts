/// <reference types="vite/client" />
// The demo page: pick a graph (files, drag and drop, or a built-in example), convert it in the
// worker (webnn-coreml/browser), show the summary and the MIL program, offer the zip.
//
// The main thread does no heavy work: files are read as ArrayBuffers and transferred to the
// worker; builder examples are a few operators; the zip comes back as a Blob.
import exampleGraphUrl from "../examples/small-cnn.webnn.json?url";
import exampleManifestUrl from "../examples/small-cnn.manifest.json?url";
import exampleWeightsUrl from "../examples/small-cnn.weights?url";
import {
  createConverter, type ConversionProgress, type ConversionSummary, type ConvertResult, type ConverterSource, type IOSummary,
} from "../src/browser/index.js";
import { WebNNCoreMLError } from "../src/errors.js";
import { parseCompressMode } from "../src/passes/compress-options.js";
import { parseDimensions, parseFunctions } from "./dimensions.js";
import type { TargetName } from "../src/mil/target.js";
import { askOnnxOptions, cancelOnnxForm, needsForm, type OnnxFormValues } from "./onnx-form.js";
import { BUILDER_EXAMPLES } from "./examples.js";
import { CoreMLBridge } from "../src/bridge/index.js";
import { CONFIG_GLOBAL } from "../src/bridge/protocol.js";
import type { BridgeTensor } from "../src/bridge/protocol.js";

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

const ui = {
  dropZone: $<HTMLDivElement>("drop-zone"),
  fileInput: $<HTMLInputElement>("model-file"),
  target: $<HTMLSelectElement>("target"),
  precision: $<HTMLSelectElement>("precision"),
  compress: $<HTMLSelectElement>("compress"),
  freeDims: $<HTMLInputElement>("free-dims"),
  functions: $<HTMLInputElement>("functions"),
  onnxForm: $<HTMLFormElement>("onnx-form"),
  progress: $<HTMLProgressElement>("progress"),
  stage: $<HTMLSpanElement>("stage"),
  cancel: $<HTMLButtonElement>("cancel"),
  error: $<HTMLDivElement>("error"),
  result: $<HTMLElement>("result"),
  download: $<HTMLAnchorElement>("download"),
  downloadSize: $<HTMLSpanElement>("download-size"),
  summary: $<HTMLDivElement>("summary"),
  mil: $<HTMLPreElement>("mil"),
  device: $<HTMLDivElement>("device"),
  runDevice: $<HTMLButtonElement>("run-coreml"),
  computeUnits: $<HTMLSelectElement>("compute-units"),
  deviceResult: $<HTMLPreElement>("device-result"),
};

type State = "idle" | "converting" | "done" | "error" | "cancelled";

// The worker from source (Vite bundles it); a page using the installed package gets the built one by default.
const converter = createConverter({
  worker: () => new Worker(new URL("../worker/convert-worker.ts", import.meta.url), { type: "module", name: "webnn-coreml-converter" }),
});

/** How to (re)make the current source: files are read again, examples rebuilt, on a new target. */
type SourceFactory = {
  label: string;
  /** The source, and its package name (or a name for a graph document that has none). */
  make: () => Promise<{ source: ConverterSource; name?: string; defaultName?: string; options?: { freeDimensions?: Record<string, number>; inputValues?: Record<string, number[]>; inputShapes?: Record<string, number[]> } }>;
};

let current: { controller: AbortController } | undefined;
let lastSource: SourceFactory | undefined;
let downloadUrl: string | undefined;
let lastResult: ConvertResult | undefined;

let finished = 0;

/** The page's state on <body data-state>, and a count of finished attempts in data-finished. */
function setState(state: State): void {
  document.body.dataset.state = state;
  if (state !== "idle" && state !== "converting") document.body.dataset.finished = String(++finished);
  ui.cancel.disabled = state !== "converting";
}

// ------------------------------------------------------------------------------------ rendering

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string | number, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function table(caption: string, headers: string[], rows: (string | number)[][], options: { numeric?: number[]; id?: string; wide?: boolean } = {}): HTMLTableElement {
  const t = el("table");
  if (options.id) t.id = options.id;
  if (options.wide) t.className = "wide";
  t.append(el("caption", caption));
  if (headers.some((h) => h)) {
    const head = el("tr");
    headers.forEach((h, i) => head.append(el("th", h, options.numeric?.includes(i) ? "num" : undefined)));
    t.createTHead().append(head);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const tr = el("tr");
    r.forEach((v, i) => tr.append(el(i === 0 && !headers[0] ? "th" : "td", v, options.numeric?.includes(i) ? "num" : undefined)));
    body.append(tr);
  }
  return t;
}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;
const ioRows = (list: IOSummary[]) => list.map((e) => [e.name, e.dataType, shapeText(e.shape), `${e.coremlName}: ${e.coremlDataType} ${shapeText(e.coremlShape)}`]);

function renderSummary(result: ConvertResult): void {
  const s: ConversionSummary = result.summary;
  ui.summary.replaceChildren(
    table("Model", ["", ""], [
      ["name", s.name],
      ["target", `${s.target} (specification ${s.specificationVersion}, ${s.opset})`],
      ["package", formatBytes(s.packageBytes)],
      ["zip", formatBytes(result.zipBytes)],
      ["converted in", `${Math.round(result.elapsedMs)} ms`],
    ], { id: "summary-model" }),
    table("WebNN operators by type", ["operator", "count"], Object.entries(s.operators), { numeric: [1], id: "summary-operators" }),
    table("Constants", ["", ""], [
      ["graph constants", s.constants.count],
      ["constant bytes", formatBytes(s.constants.bytes)],
      ["MIL constants", s.milConstants],
      ["in weight.bin", s.blobConstants],
      ["blob bytes", `${s.blobBytes} (${formatBytes(s.blobBytes)})`],
      ...(s.compression ? [["compressed weights", `${Object.values(s.compression.weights).reduce((a, b) => a + b, 0)}: ${formatBytes(s.compression.denseBytes)} → ${formatBytes(s.compression.storedBytes)}`]] : []),
    ], { id: "summary-constants" }),
    table("MIL operations by type", ["operation", "count"], Object.entries(s.milOperations), { numeric: [1], id: "summary-mil-operations" }),
    table("Inputs", ["name", "type", "shape", "Core ML"], ioRows(s.inputs), { id: "summary-inputs", wide: true }),
    table("Outputs", ["name", "type", "shape", "Core ML"], ioRows(s.outputs), { id: "summary-outputs", wide: true }),
  );
  ui.mil.textContent = s.milText;
}

function showError(e: unknown): void {
  ui.error.replaceChildren();
  if (e instanceof WebNNCoreMLError) {
    const where = [e.operator && `operator ${e.operator}`, e.operand && `operand "${e.operand}"`].filter(Boolean).join(", ");
    ui.error.append(el("strong", `${e.kind}${where ? ` in ${where}` : ""}`));
    const dl = el("dl");
    for (const [k, v] of [["message", e.message], ["operator", e.operator], ["operand", e.operand], ["rule", e.rule]] as const) {
      if (!v) continue;
      const dt = el("dt", k);
      const dd = el("dd", v);
      dd.dataset.field = k;
      dl.append(dt, dd);
    }
    ui.error.append(dl);
  } else {
    const err = e as { name?: string; message?: string };
    ui.error.append(el("strong", err?.name ?? "Error"), document.createTextNode(`: ${err?.message ?? String(e)}`));
  }
  ui.error.hidden = false;
}

function onProgress(p: ConversionProgress): void {
  ui.progress.value = p.fraction;
  const what = p.stage === "done" ? "done" : p.stage === "zip" ? `zipping ${formatBytes(p.done)} of ${formatBytes(p.total)}` : `${p.stage} ${p.done}/${p.total}`;
  ui.stage.textContent = `${Math.round(p.fraction * 100)}% — ${what}`;
}

// ------------------------------------------------------------------------------------ converting

async function convert(factory: SourceFactory): Promise<void> {
  cancelOnnxForm(ui.onnxForm);
  current?.controller.abort();
  const controller = new AbortController();
  current = { controller };
  lastSource = factory;
  setState("converting");
  ui.error.hidden = true;
  ui.result.hidden = true;
  ui.progress.value = 0;
  ui.stage.textContent = `Reading ${factory.label}…`;
  try {
    const { source, name, defaultName, options: sourceOptions } = await factory.make();
    controller.signal.throwIfAborted();
    const result = await converter.convert(source, {
      target: ui.target.value as TargetName,
      precision: ui.precision.value as "float32" | "float16",
      compress: ui.compress.value ? parseCompressMode(ui.compress.value) : undefined,
      freeDimensions: sourceOptions?.freeDimensions ?? freeDimensions(),
      functions: parseFunctions(ui.functions.value),
      inputValues: sourceOptions?.inputValues,
      inputShapes: sourceOptions?.inputShapes,
      name,
      defaultName,
      output: "blob",
      signal: controller.signal,
      onProgress,
    });
    if (current?.controller !== controller) return;
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(converter.toZipBlob(result));
    ui.download.href = downloadUrl;
    ui.download.download = result.fileName;
    ui.download.textContent = `Download ${result.fileName}`;
    ui.downloadSize.textContent = formatBytes(result.zipBytes);
    renderSummary(result);
    lastResult = result;
    ui.deviceResult.textContent = "";
    ui.result.hidden = false;
    ui.progress.value = 1;
    ui.stage.textContent = `Converted ${factory.label} in ${Math.round(result.elapsedMs)} ms.`;
    setState("done");
  } catch (e) {
    if (current?.controller !== controller) return; // superseded by a newer conversion
    if ((e as { name?: string })?.name === "AbortError") {
      ui.stage.textContent = "Cancelled.";
      ui.progress.value = 0;
      setState("cancelled");
      return;
    }
    ui.stage.textContent = `Could not convert ${factory.label}.`;
    showError(e);
    setState("error");
  }
}

// ------------------------------------------------------------------------------------ sources

interface GraphFiles { graph: File; weights?: File; manifest?: File; safetensors?: File; onnx?: File; others: File[] }

/** Sorts dropped or picked files into the graph (.webnn or JSON) and its weights (by name). */
function classifyFiles(files: readonly File[]): GraphFiles {
  let graph: File | undefined;
  let weights: File | undefined;
  let manifest: File | undefined;
  let safetensors: File | undefined;
  let onnx: File | undefined;
  const others: File[] = [];
  const rank = (n: string) => (n.endsWith(".webnn") ? 2 : n.endsWith(".webnn.json") ? 1 : 0);
  for (const f of files) {
    const n = f.name.toLowerCase();
    if (n.endsWith(".onnx") && !onnx) { onnx = f; continue; }
    others.push(f);
    if (n.endsWith(".manifest.json") || n === "manifest.json") manifest ??= f;
    else if (n.endsWith(".safetensors")) safetensors ??= f;
    else if (n.endsWith(".weights") || n.endsWith(".bin")) weights ??= f;
    else if (n.endsWith(".json") || n.endsWith(".webnn")) {
      if (!graph || rank(n) > rank(graph.name.toLowerCase())) graph = f;
    }
  }
  if (onnx) return { graph: onnx, onnx, others };
  if (!graph) throw new Error(`no graph among ${files.map((f) => f.name).join(", ") || "the files"} (expected an .onnx, .webnn or .webnn.json file)`);
  return { graph, weights, manifest, safetensors, others };
}

function stemOf(file: File): string {
  return file.name.replace(/\.webnn\.json$/i, "").replace(/\.webnn$/i, "").replace(/\.json$/i, "");
}

function freeDimensions(): Record<string, number> | undefined {
  return parseDimensions(ui.freeDims.value);
}

function fileSource(files: readonly File[]): void {
  let picked: GraphFiles;
  try {
    picked = classifyFiles(files);
  } catch (e) {
    ui.result.hidden = true;
    ui.stage.textContent = "Could not use these files.";
    showError(e);
    setState("error");
    return;
  }
  if (picked.onnx) { void onnxSource(picked.onnx, picked.others); return; }
  const { graph, weights, manifest, safetensors } = picked;
  void convert({
    label: [graph, safetensors ?? weights, safetensors ? undefined : manifest].filter(Boolean).map((f) => f!.name).join(" + "),
    make: async () => {
      // Read as ArrayBuffers (off the main thread); they are transferred to the worker, not copied.
      // A safetensors File goes as is: the worker reads it one tensor at a time.
      const [json, w, m] = await Promise.all([graph.arrayBuffer(), safetensors ? undefined : weights?.arrayBuffer(), safetensors ? undefined : manifest?.arrayBuffer()]);
      return { source: { kind: "graph-json", json, weights: w, manifest: m, safetensors }, defaultName: stemOf(graph) };
    },
  });
}

/** An ONNX model (and its external data files, by name): asks for what the model needs, then converts. */
async function onnxSource(model: File, others: readonly File[], previous?: OnnxFormValues): Promise<void> {
  let values = previous;
  if (!values) {
    let summary;
    try {
      summary = await converter.describeOnnx(model);
    } catch (e) {
      ui.stage.textContent = `Could not read ${model.name}.`;
      showError(e);
      setState("error");
      return;
    }
    values = { freeDimensions: {}, inputValues: {} };
    if (needsForm(summary)) {
      ui.stage.textContent = `${model.name} needs a few values.`;
      const given = await askOnnxOptions(ui.onnxForm, summary);
      if (!given) return;
      values = given;
    }
  }
  const chosen = values;
  void convert({
    label: [model, ...others].map((f) => f.name).join(" + "),
    make: async () => ({
      // External data files go as Files: the worker reads each tensor's range on its own.
      source: { kind: "onnx", model: await model.arrayBuffer(), externalData: Object.fromEntries(others.map((f) => [f.name, f])) },
      defaultName: model.name.replace(/\.onnx$/i, ""),
      options: chosen,
    }),
  });
}

async function fetchBuffer(url: string): Promise<ArrayBuffer> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`could not load ${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

function exampleSource(id: string): SourceFactory | undefined {
  if (id === "small-cnn") {
    return {
      label: "the SmallCNN example",
      make: async () => {
        const [json, weights, manifest] = await Promise.all([fetchBuffer(exampleGraphUrl), fetchBuffer(exampleWeightsUrl), fetchBuffer(exampleManifestUrl)]);
        return { source: { kind: "graph-json", json, weights, manifest } };
      },
    };
  }
  const ex = BUILDER_EXAMPLES.find((e) => e.id === id);
  if (!ex) return undefined;
  return { label: `the ${ex.name} example`, make: async () => ({ source: ex.build(), name: ex.name }) };
}

// ------------------------------------------------------------------------------------ wiring

ui.fileInput.addEventListener("change", () => {
  const files = [...(ui.fileInput.files ?? [])];
  if (files.length) fileSource(files);
  ui.fileInput.value = "";
});

for (const type of ["dragenter", "dragover"] as const) {
  ui.dropZone.addEventListener(type, (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    ui.dropZone.classList.add("dragging");
  });
}
ui.dropZone.addEventListener("dragleave", () => ui.dropZone.classList.remove("dragging"));
ui.dropZone.addEventListener("drop", (e) => {
  e.preventDefault();
  ui.dropZone.classList.remove("dragging");
  const files = [...(e.dataTransfer?.files ?? [])];
  if (files.length) fileSource(files);
});
// Files dropped outside the zone must not navigate away from the page.
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => e.preventDefault());

for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-example]")) {
  button.addEventListener("click", () => {
    const factory = exampleSource(button.dataset.example!);
    if (factory) void convert(factory);
  });
}

for (const control of [ui.target, ui.precision, ui.compress, ui.freeDims, ui.functions]) {
  control.addEventListener("change", () => {
    if (lastSource && document.body.dataset.state !== "converting") void convert(lastSource);
  });
}

ui.cancel.addEventListener("click", () => current?.controller.abort());

ui.download.addEventListener("click", (e) => {
  if (!downloadUrl) e.preventDefault();
});

setState("idle");

// ------------------------------------------------------------------------------------ Core ML bridge

/**
 * Inside an app whose WKWebView installed the webnn-coreml bridge (it injects the bridge's global
 * before the page loads), the page can run the converted package with real Core ML. In a plain
 * browser nothing is probed: no request leaves the page.
 */
async function setUpBridge(): Promise<void> {
  if (!(CONFIG_GLOBAL in window)) return;
  if (!(await CoreMLBridge.isAvailable())) return;
  const bridge = new CoreMLBridge();
  ui.device.hidden = false;
  ui.runDevice.addEventListener("click", async () => {
    if (!lastResult) return;
    ui.runDevice.disabled = true;
    ui.deviceResult.textContent = "Loading into Core ML…";
    try {
      const model = await bridge.load(converter.toZipBlob(lastResult), { computeUnits: ui.computeUnits.value as "all" });
      try {
        const inputs: Record<string, BridgeTensor> = {};
        for (const i of lastResult.summary.inputs) inputs[i.name] = zeros(i);
        const started = performance.now();
        const outputs = await model.predict(inputs);
        const lines = Object.entries(outputs).map(([name, t]) => `${name}: ${t.dataType} [${t.shape.join(", ")}] ${preview(t)}`);
        ui.deviceResult.textContent = `Predicted on zeros in ${Math.round(performance.now() - started)} ms\n${lines.join("\n")}`;
      } finally {
        await model.unload();
      }
    } catch (e) {
      ui.deviceResult.textContent = `Core ML: ${(e as Error).message}`;
    } finally {
      ui.runDevice.disabled = false;
    }
  });
}

function zeros(i: IOSummary): BridgeTensor {
  const n = i.shape.reduce((a, b) => a * b, 1);
  const arrays: Record<string, () => BridgeTensor["data"]> = {
    float32: () => new Float32Array(n), float16: () => new Uint16Array(n), int32: () => new Int32Array(n), uint32: () => new Uint32Array(n),
    int8: () => new Int8Array(n), uint8: () => new Uint8Array(n), int64: () => new BigInt64Array(n), uint64: () => new BigUint64Array(n),
  };
  return { dataType: i.dataType as BridgeTensor["dataType"], shape: i.shape, data: arrays[i.dataType]() };
}

function preview(t: BridgeTensor): string {
  const values = Array.from(t.data.subarray(0, 6) as ArrayLike<number | bigint>, (v) => String(v));
  return `[${values.join(", ")}${t.data.length > 6 ? ", …" : ""}]${t.dataType === "float16" ? " (half bits)" : ""}`;
}

void setUpBridge();

// ?example=small-cnn (or another built-in example) converts it as soon as the page opens.
{
  const requested = new URLSearchParams(location.search).get("example");
  const factory = requested ? exampleSource(requested) : undefined;
  if (factory) void convert(factory);
}
