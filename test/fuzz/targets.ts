// What the fuzz test feeds and where: mutated graph documents (as objects and as bytes), weights
// and manifests, package zips and the files inside packages, and run inputs, through the
// reader, convertGraph, readPackage/readPackageZip and runPackage. A case passes when every step
// either succeeds or throws a WebNNCoreMLError that does not hide another exception.
import { convertFunctions, convertGraph } from "../../src/convert.js";
import { WebNNCoreMLError } from "../../src/errors.js";
import { readSafetensors, readSafetensorsBlob, writeSafetensors, type WeightTensors } from "../../src/frontends/safetensors.js";
import { readGraphJson } from "../../src/frontends/webnn-json/index.js";
import { readGraphText } from "../../src/frontends/webnn-text/index.js";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { ONNX_SEEDS, writeSpec } from "./onnx-corpus.js";
import { documentToText } from "../../src/frontends/webnn-text/writer.js";
import type { MLOperandDataType } from "../../src/graph/types.js";
import { elementCount } from "../../src/mil/program.js";
import type { MLPackage } from "../../src/packaging/package.js";
import { fileBytes, MANIFEST_FILE, MODEL_FILE } from "../../src/packaging/package.js";
import { CoreML } from "../../src/serialization/proto/index.js";
import { mutateMessage } from "./mutate-message.js";
import { readPackage, readPackageZip, type ReadPackage } from "../../src/packaging/reader.js";
import { packageEntries, packageToZipBytes } from "../../src/packaging/zip.js";
import { zipBytes } from "../hardening/zip-bytes.js";
import { zipEntryLimit } from "../../src/limits.js";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { runPackageContents, tensorFromNumbers, tensorsFromJson, tensorsToJson, type WebNNTensor } from "../../src/run-package.js";
import type { TargetName } from "../../src/mil/target.js";
import { seedGraphs, type SeedGraph } from "./corpus.js";
import { JsonMutator, mutateBytes, mutateNumbersInText, type Json } from "./mutate.js";
import type { Rng } from "./random.js";

export const FUZZ_TARGETS = ["graph-object", "graph-bytes", "graph-text", "weights", "safetensors", "onnx", "package-zip", "package-file", "inputs"] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];
export type Outcome = "ok" | "typed";

/** Packages run by the fuzz test hold at most this many elements in all their values together. */
const MAX_RUN_ELEMENTS = 1 << 22;
/** …and at most this many operations (an LSTM over thousands of steps is a long run, not a hang). */
const MAX_RUN_OPERATIONS = 4000;
const TARGETS: readonly TargetName[] = ["ios15", "ios16", "ios17", "ios18"];

interface SeedPackage {
  seed: SeedGraph;
  pkg: MLPackage;
  zip: Uint8Array;
  read: ReadPackage;
  inputs: Json;
}

export interface FuzzContext {
  seeds: SeedGraph[];
  packages: SeedPackage[];
  /** Zips every reader must refuse, mutated or not. */
  hostileZips: Array<{ name: string; zip: Uint8Array }>;
  /** The example's weights as a safetensors file, and read. */
  sidecarBytes: Uint8Array;
  sidecar: WeightTensors;
}

const texts = new WeakMap<SeedGraph, string>();
/** A seed's document in the `.webnn` text form. */
function textOf(seed: SeedGraph): string {
  let t = texts.get(seed);
  if (t === undefined) { t = documentToText(seed.doc as Record<string, unknown>); texts.set(seed, t); }
  return t;
}

export async function prepareFuzz(): Promise<FuzzContext> {
  const seeds = seedGraphs();
  const packages: SeedPackage[] = [];
  for (const seed of seeds) {
    const pkg = await convertGraph(readGraphJson(seed.doc as object, { weights: seed.weights, manifest: seed.manifest }), { target: "ios17", name: seed.name });
    const read = readPackage(pkg);
    const inputs = tensorsToJson(inputsFor(read, () => 0.5)) as unknown as Json;
    packages.push({ seed, pkg, zip: await packageToZipBytes(pkg), read, inputs });
  }
  const example = seeds.find((s) => s.weights)!;
  // The example again in the deployment forms: palettized (both constexpr_lut_to_dense forms),
  // float16 + int8, and a multifunction package — their readers see hostile bytes too.
  const exampleGraph = () => readGraphJson(example.doc as object, { weights: example.weights, manifest: example.manifest });
  const variants: Array<[string, () => ReturnType<typeof convertGraph>]> = [
    ["palettize4-ios18", () => convertGraph(exampleGraph(), { target: "ios18", compress: { mode: "palettize", bits: 4, groupSize: 4, minElements: 100 } })],
    ["palettize2-ios16", () => convertGraph(exampleGraph(), { target: "ios16", compress: { mode: "palettize", bits: 2, minElements: 100 } })],
    ["fp16-int8-ios17", () => convertGraph(exampleGraph(), { target: "ios17", precision: "float16", compress: { mode: "int8", minElements: 100 } })],
    ["functions-ios18", () => convertFunctions([{ name: "a", graph: exampleGraph() }, { name: "b", graph: exampleGraph() }], { target: "ios18", defaultFunction: "b" })],
  ];
  for (const [variant, make] of variants) {
    const pkg = await make();
    const read = readPackage(pkg);
    packages.push({ seed: { ...example, name: `${example.name}+${variant}` }, pkg, zip: await packageToZipBytes(pkg), read, inputs: tensorsToJson(inputsFor(read, () => 0.5)) as unknown as Json });
  }
  // Packages coremltools wrote (test/fixtures/coremltools): their forms meet hostile bytes too.
  for (const name of readdirSync(COREMLTOOLS_FIXTURES).filter((n) => n.endsWith(".mlpackage")).sort()) {
    const pkg = packageOfDirectory(join(COREMLTOOLS_FIXTURES, name));
    const read = readPackage(pkg);
    packages.push({ seed: { ...example, name: `coremltools ${name}` }, pkg, zip: await packageToZipBytes(pkg), read, inputs: tensorsToJson(inputsFor(read, () => 0.5)) as unknown as Json });
  }
  const m = example.manifest as { tensors: Record<string, { dataType: MLOperandDataType; shape: number[]; byteOffset: number; byteLength: number }> };
  const parts = writeSafetensors(Object.entries(m.tensors).map(([k, e]) => [k, { dataType: e.dataType, shape: e.shape, bytes: example.weights!.subarray(e.byteOffset, e.byteOffset + e.byteLength) }] as const));
  const sidecarBytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { sidecarBytes.set(p, at); at += p.byteLength; }
  return { seeds, packages, hostileZips: await hostileZips(packages[0].pkg), sidecarBytes, sidecar: readSafetensors(sidecarBytes) };
}

const COREMLTOOLS_FIXTURES = fileURLToPath(new URL("../fixtures/coremltools/", import.meta.url));

/** A package folder on disk as an in-memory package (every file, as found). */
function packageOfDirectory(dir: string): MLPackage {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(join(dir, f)).isFile()).sort()
    .map((f) => { const bytes = new Uint8Array(readFileSync(join(dir, f))); return { path: f.split(sep).join("/"), parts: [bytes], size: bytes.byteLength }; });
  const manifest = JSON.parse(new TextDecoder().decode(files.find((f) => f.path === MANIFEST_FILE)!.parts[0]));
  return { name: basename(dir, ".mlpackage"), manifest, files, stats: { operations: 0, constants: 0, blobBytes: 0 } as unknown as MLPackage["stats"] };
}

/**
 * Zips the package readers must refuse (docs/bridge-protocol.md, issue "bounded package
 * reading"): entries past the entry limit, Manifest.json items outside the package.
 */
async function hostileZips(pkg: MLPackage): Promise<Array<{ name: string; zip: Uint8Array }>> {
  const root = `${pkg.name}.mlpackage/`;
  const junk = Array.from({ length: zipEntryLimit() + 1 }, (_, i) => ({ name: `${root}Data/junk/${i}`, parts: [], size: 0, directory: false }));
  const manifest = pkg.manifest as unknown as { rootModelIdentifier: string; itemInfoEntries: Record<string, { path: string }> };
  const outside = (id: string, path: string): MLPackage => {
    const m = { ...manifest, itemInfoEntries: { ...manifest.itemInfoEntries, [id]: { ...manifest.itemInfoEntries[id], path } } };
    const bytes = new TextEncoder().encode(JSON.stringify(m));
    return { ...pkg, files: pkg.files.map((f) => (f.path === MANIFEST_FILE ? { path: f.path, parts: [bytes], size: bytes.byteLength } : f)) };
  };
  return [
    { name: "entries past the limit", zip: await zipBytes([...packageEntries(pkg), ...junk]) },
    { name: "root model outside the package", zip: await packageToZipBytes(outside(manifest.rootModelIdentifier, "../../../etc/passwd")) },
  ];
}


/**
 * A failure the product should not let out: not a WebNNCoreMLError, or one that wraps another
 * exception (a kernel's TypeError dressed as a RuntimeError is still a bug).
 */
export function isBug(e: unknown): boolean {
  if (!(e instanceof WebNNCoreMLError)) return true;
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error && !(cause instanceof WebNNCoreMLError);
}

/** Runs one case; returns how it ended, or throws the unexpected exception. */
export async function runCase(ctx: FuzzContext, target: FuzzTarget, rng: Rng, log: string[]): Promise<Outcome> {
  try {
    await CASES[target](ctx, rng, log);
    return "ok";
  } catch (e) {
    if (isBug(e)) throw e;
    log.push(`→ ${(e as Error).name}: ${(e as Error).message.slice(0, 160)}`);
    return "typed";
  }
}

const CASES: Record<FuzzTarget, (ctx: FuzzContext, rng: Rng, log: string[]) => Promise<void>> = {
  async "graph-object"(ctx, rng, log) {
    const seed = rng.pick(ctx.seeds);
    log.push(`seed ${seed.name}`);
    const doc = new JsonMutator(rng, seed.doc);
    const mutated = doc.mutate(seed.doc, 2);
    log.push(...doc.log);
    await convertAndRun(readGraphJson(mutated as object, { weights: seed.weights, manifest: seed.manifest }), rng, log);
  },

  async "graph-bytes"(ctx, rng, log) {
    const seed = rng.pick(ctx.seeds);
    log.push(`seed ${seed.name} as text`);
    const text = JSON.stringify(seed.doc);
    const bytes = rng.chance(0.6)
      ? new TextEncoder().encode(mutateNumbersInText(rng, text, log))
      : mutateBytes(rng, new TextEncoder().encode(text), log, 2);
    await convertAndRun(readGraphJson(bytes, { weights: seed.weights, manifest: seed.manifest }), rng, log);
  },

  async "graph-text"(ctx, rng, log) {
    const seed = rng.pick(ctx.seeds);
    log.push(`seed ${seed.name} as .webnn text`);
    const text = textOf(seed);
    let mutated: string | Uint8Array;
    const how = rng.int(3);
    if (how === 0) mutated = mutateNumbersInText(rng, text, log);
    else if (how === 1) mutated = mutateBytes(rng, new TextEncoder().encode(text), log, 2);
    else {
      // Whole tokens: a word, a bracket or a separator replaced, dropped or repeated.
      const tokens = text.split(/(\s+|[{}()[\],;:=])/).filter((t) => t !== "");
      const i = rng.int(tokens.length);
      const repl = rng.pick(["", tokens[rng.int(tokens.length)], "dyn(\"n\", 2)", "@bytes([1])", "[", "]", "{", "}", ";", "=", "::", "\"", "#", "-Infinity", "1e999", "__proto__"]);
      log.push(`token ${i} ${JSON.stringify(tokens[i])} → ${JSON.stringify(repl)}`);
      tokens[i] = repl;
      mutated = tokens.join("");
    }
    const tensors = seed.weights ? ctx.sidecar : undefined;
    // A size for "n" only where the text names it (a size for a dimension no input has is refused).
    const names = typeof mutated === "string" ? mutated : new TextDecoder().decode(mutated);
    await convertAndRun(readGraphText(mutated, { tensors, freeDimensions: names.includes("dyn(\"n\"") ? { n: 1 } : undefined }), rng, log);
  },

  async safetensors(ctx, rng, log) {
    const seed = ctx.seeds.find((s) => s.weights)!;
    log.push("the example's safetensors sidecar");
    const bytes = mutateBytes(rng, ctx.sidecarBytes, log, 3);
    const tensors = rng.chance(0.5) ? readSafetensors(bytes) : await readSafetensorsBlob(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    await convertAndRun(readGraphText(textOf(seed), { tensors }), rng, log);
  },

  async onnx(_ctx, rng, log) {
    const k = rng.int(ONNX_SEEDS.length);
    const seed = ONNX_SEEDS[k];
    log.push(`ONNX seed ${k}`);
    let bytes: Uint8Array | undefined;
    if (rng.chance(0.7)) {
      const m = new JsonMutator(rng, seed);
      const spec = m.mutate(seed, 2);
      log.push(...m.log);
      bytes = writeSpec(spec);
      if (!bytes) { log.push("(the mutated spec cannot be written)"); return; }
    } else {
      bytes = mutateBytes(rng, writeSpec(seed)!, log, 3);
    }
    const graph = await importOnnx(bytes, { freeDimensions: { N: rng.between(0, 3) } });
    await convertAndRun(graph, rng, log);
  },

  async weights(ctx, rng, log) {
    const seed = ctx.seeds.find((s) => s.weights)!;
    let manifest: unknown = seed.manifest;
    let weights = seed.weights!;
    const which = rng.int(4);
    if (which !== 1) {
      const m = new JsonMutator(rng, seed.manifest!);
      manifest = m.mutate(seed.manifest!);
      log.push(...m.log.map((l) => `manifest: ${l}`));
    }
    if (which !== 0) weights = mutateBytes(rng, weights, log);
    if (which === 3) manifest = JSON.stringify(manifest);
    await convertAndRun(readGraphJson(seed.doc as object, { weights, manifest }), rng, log);
  },

  async "package-zip"(ctx, rng, log) {
    if (rng.chance(0.15)) {
      const h = rng.pick(ctx.hostileZips);
      log.push(`hostile zip: ${h.name}`);
      run(await readPackageZip(rng.chance(0.5) ? h.zip : mutateBytes(rng, h.zip, log)), rng, log);
      return;
    }
    const p = rng.pick(ctx.packages);
    log.push(`zip of ${p.seed.name}`);
    run(await readPackageZip(mutateBytes(rng, p.zip, log)), rng, log);
  },

  async "package-file"(ctx, rng, log) {
    const p = rng.pick(ctx.packages);
    const file = rng.pick(p.pkg.files);
    log.push(`${p.seed.name}: ${file.path}`);
    let bytes = fileBytes(file);
    if (file.path.endsWith(".json") && rng.chance(0.7)) {
      const json = JSON.parse(new TextDecoder().decode(bytes)) as Json;
      const m = new JsonMutator(rng, json);
      bytes = new TextEncoder().encode(JSON.stringify(m.mutate(json)));
      log.push(...m.log);
    } else if (file.path === MODEL_FILE && rng.chance(0.8)) {
      const model = CoreML.Specification.Model.decode(bytes);
      mutateMessage(rng, model as unknown as Record<string, unknown>, log);
      try {
        bytes = CoreML.Specification.Model.encode(model).finish();
      } catch {
        log.push("(the mutated message does not encode; the original bytes are used)");
      }
    } else {
      bytes = mutateBytes(rng, bytes, log, 3);
    }
    const pkg: MLPackage = { ...p.pkg, files: p.pkg.files.map((f) => (f === file ? { path: f.path, parts: [bytes], size: bytes.byteLength } : f)) };
    const read = rng.chance(0.5) ? readPackage(pkg) : await readPackageZip(await packageToZipBytes(pkg));
    run(read, rng, log);
  },

  async inputs(ctx, rng, log) {
    const p = rng.pick(ctx.packages);
    log.push(`inputs of ${p.seed.name}`);
    const m = new JsonMutator(rng, p.inputs);
    const json = m.mutate(p.inputs);
    log.push(...m.log);
    runPackageContents(p.read, tensorsFromJson(json, p.read.parsed.inputs));
  },
};

/**
 * Conversions the fuzz test makes stay small: a graph whose lowering would unroll into more than
 * this many operations (recurrent networks unroll one step at a time) is a big model, not a hang.
 */
const MAX_CONVERT_COST = 20000;

async function convertAndRun(graph: Parameters<typeof convertGraph>[0], rng: Rng, log: string[]): Promise<void> {
  const cost = graph.nodes.reduce((n, node) => n + (node.op === "lstm" || node.op === "gru" ? 60 * Number((node.attributes as { steps?: number }).steps ?? 1) : 1), 0);
  if (cost > MAX_CONVERT_COST) { log.push(`not converted: about ${cost} operations`); return; }
  const target = rng.pick(TARGETS);
  // Now and then in a deployment form: float16 compute, compressed weights (small ones too).
  const precision = rng.chance(0.2) ? "float16" as const : undefined;
  const compress = target !== "ios15" && rng.chance(0.2)
    ? rng.pick([{ mode: "int8" as const }, { mode: "palettize" as const, bits: rng.pick([1, 2, 4, 6, 8] as const) }, ...(target === "ios18" ? [{ mode: "int4" as const, blockSize: 2 }] : [])])
    : undefined;
  log.push(`convert for ${target}${precision ? ", float16" : ""}${compress ? `, ${JSON.stringify(compress)}` : ""}`);
  const pkg = await convertGraph(graph, { target, precision, compress: compress && { ...compress, minElements: 16 } });
  run(readPackage(pkg), rng, log);
}

/** Runs a package on small random inputs, when its values are small enough to hold. */
function run(read: ReadPackage, rng: Rng, log: string[]): void {
  let total = 0;
  for (const fn of read.parsed.program.functions.values()) {
    for (const op of fn.operations) for (const o of op.outputs) total += elementCount(o.type.shape);
    for (const i of fn.inputs) total += elementCount(i.type.shape);
  }
  const operations = [...read.parsed.program.functions.values()].reduce((n, f) => n + f.operations.length, 0);
  if (!(total <= MAX_RUN_ELEMENTS) || operations > MAX_RUN_OPERATIONS) { log.push(`not run: ${total} elements, ${operations} operations`); return; }
  runPackageContents(read, inputsFor(read, () => rng.between(-6, 6) / 2));
}

function inputsFor(read: ReadPackage, value: () => number): Record<string, WebNNTensor> {
  const out: Record<string, WebNNTensor> = Object.create(null);
  for (const e of read.parsed.inputs) {
    const n = elementCount(e.shape);
    const values = Array.from({ length: n }, value).map((v) => (e.dataType.startsWith("float") ? v : Math.round(Math.abs(v))));
    out[e.name] = tensorFromNumbers(e.dataType as MLOperandDataType, [...e.shape], n === 0 ? [0] : values);
  }
  return out;
}
