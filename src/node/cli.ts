// webnn-coreml command line: convert, inspect, run. Every failure is one line on stderr naming
// the error's kind and rule (a stack trace only with --debug); exit code 1 for a failure, 2 for
// a usage error.
import { readFile, stat, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { checkConversion, convertFunctionsDetailed, mergeMetadata } from "../convert.js";
import { WebNNCoreMLError } from "../errors.js";
import { programFunction } from "../mil/program.js";
import { DEFAULT_TARGET, TARGET_NAMES, targetList, type TargetName } from "../mil/target.js";
import type { ImageColorSpace, IOEntry, ModelMetadata } from "../mil/model.js";
import type { ImageOptions } from "../lowering/lower-graph.js";
import { parseDimensionSizes, parseFunctionSpec } from "../frontends/dimension-text.js";
import { parseCompressMode, type CompressOptions } from "../passes/compress-options.js";
import { milToText } from "../mil/text.js";
import { compressionSummary, describeCompression } from "../mil/compression.js";
import { companionPaths, graphOutputForm, writeGraphFiles } from "./graph-files.js";
import { isOnnxFile, summarizeOnnxFile, loadModelFile, loadModelFileFunctions } from "./onnx-files.js";
import { checkOutputPath } from "./output-path.js";
import { readPackagePath, writePackagePath } from "./package-files.js";
import { progressReporter } from "./progress.js";
import { functionBoundaryOf } from "../serialization/model-reader.js";
import { CLI_VERSION } from "./version.js";

const HELP: Record<string, string> = {
  main: `webnn-coreml ${CLI_VERSION}: WebNN graphs → Core ML ML Program packages (.mlpackage)

usage: webnn-coreml <command> [options]

commands:
  convert   convert an ONNX model or a webnn-graph file (.webnn text or JSON) to a Core ML package
  inspect   print a package's inputs, outputs, MIL program and weights, or an ONNX model's summary
  run       run a package with the MIL reference runtime

options: --help (also after a command), --version, --debug (stack traces), --quiet
Run 'webnn-coreml <command> --help' for a command's options.`,
  convert: `usage: webnn-coreml convert <model.onnx | graph.webnn | graph.webnn.json> -o <OUTPUT> [options]

Reads an ONNX model (with its external data files beside it) or a webnn-graph file — the .webnn
text form or webnn-graph JSON (versions 1 and 2) — with its weights, and writes a Core ML package
(a directory for .mlpackage, a zip for .mlpackage.zip) or the graph as WebNN (.webnn text with
<stem>.safetensors, or .webnn.json with <stem>.weights and <stem>.manifest.json).
Weights are looked for beside the graph: <stem>.safetensors, then <stem>.weights with
<stem>.manifest.json (or manifest.json), then model.safetensors, then model.weights.

options:
  -o, --out PATH          what to write (required): Name.mlpackage, Name.mlpackage.zip, name.webnn
                          or name.webnn.json; an existing package path is replaced only if it holds
                          a package, and no output may be one of the inputs
  --force                 replace an existing graph file, or a package holding files its manifest
                          does not list (they are deleted)
  --rename OLD=NEW        the Core ML name of an input or output (what Xcode's generated class
                          uses); others are the graph's, made identifiers (input.1 → input_1); repeat
  --image-input NAME[:rgb|bgr|gray][:scale=S][:bias=R,G,B]
                          a float32 [1, 3|1, H, W] input as an image (a CVPixelBuffer; Vision's
                          VNCoreMLRequest), preprocessed as x·S + bias (default rgb, 1, 0); repeat
  --image-output NAME[:rgb|bgr|gray]
                          a float32 [1, 3|1, H, W] output as an image; repeat
  --target T              ios15 | ios16 | ios17 (default) | ios18 | ios26
  --precision P           float32 (default) | float16: compute in float16 (the Neural Engine runs only
                          float16; weights take half the bytes; inputs and outputs keep their types)
  --compress MODE         compress conv/matmul weights of 2048+ elements: int8 (per output channel,
                          iOS 16+), int4:B (blocks of B input channels, iOS 18) or palettize:N
                          (a k-means table of 2^N values per weight, N = 1, 2, 4, 6, 8; iOS 16+;
                          palettize:N:G, a table per G output channels, iOS 18)
  --compress-min N        compress only weights of at least N elements (default 2048)
  --function NAME:DIM=V,DIM=V
                          a function of a multifunction package (iOS 18): the model with these
                          named-dimension sizes (over --free-dim); repeat, one per function
  --default-function NAME the function Core ML runs when none is named (default: the first)
  --weights FILE          the weights: a .safetensors file, or a .weights file (with a manifest)
  --manifest FILE         the weights manifest of a .weights file
  --free-dim NAME=N       the size of a named dimension (an ONNX dim_param, or dyn("NAME", max)); repeat
  --input-shape NAME=D,D  an ONNX input's whole shape (e.g. x=1,3,224,224); repeat
  --input-value NAME=V    pin an ONNX input to a value (V or V,V,…): it leaves the model; repeat
  --quantized-activations float|exact
                          a quantized ONNX model's activations: in float, weights kept 8-bit
                          (default), or quantized as the model spells it
  --description TEXT      the model's description (ONNX doc_string by default)
  --author TEXT, --license TEXT, --version TEXT
                          the model's author, license and version string
  --input-description NAME=TEXT, --output-description NAME=TEXT
                          an input's or output's description; repeat
  --metadata KEY=VALUE    a user-defined metadata pair (ONNX metadata_props carry over); repeat
  -q, --quiet             no progress on stderr
  --debug                 print stack traces`,
  inspect: `usage: webnn-coreml inspect <Name.mlpackage | Name.mlpackage.zip | model.onnx>

Prints a package's inputs and outputs (WebNN and Core ML views), the MIL program as text and
the weight blobs; for an ONNX model, its inputs (with their dim_params), outputs, opsets,
operator counts, the operators the converter does not support, and whether it converts: the
checks convert makes (import, lowering, passes) are run, without writing a package, and the
first failure is printed (exit code 1). Free dimensions not given are checked at 1.

ONNX options (as for convert): --target, --free-dim NAME=N, --input-shape NAME=D,D,
--input-value NAME=V, --quantized-activations float|exact.`,
  run: `usage: webnn-coreml run <Name.mlpackage | Name.mlpackage.zip> --inputs in.json [--out out.json]

Runs the package with the MIL reference runtime (Core ML's semantics, in JavaScript).

--inputs is a JSON object with one entry per model input:
  { "x": { "dataType": "float32", "shape": [1, 4], "data": [1, 2, 3, 4] } }
data is a flat list in row-major order, or one number that fills the shape; "NaN",
"Infinity" and "-Infinity" are accepted, and int64/uint64 values may be strings of digits.
Outputs are written in the same form (to --out, or to stdout).

options:
  --inputs FILE           the inputs (required)
  --out FILE              where to write the outputs (default: stdout)
  --function NAME         the function of a multifunction package to run (default: its default)`,
};

class UsageError extends Error {}

type Flags = { quiet: boolean };

function parse(args: string[], options: ParseArgsConfig["options"]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args, allowPositionals: true, options: { ...options, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    throw new UsageError(optionProblem(e as Error & { code?: string }));
  }
}

/** node:util parseArgs' failures in this tool's words (its own text suggests `--` tricks). */
function optionProblem(e: Error & { code?: string }): string {
  const option = /'(-[^']*)'/.exec(e.message)?.[1]?.replace(/ <value>$/, "");
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": return `unknown option ${option ?? e.message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": return `option ${option ?? ""} ${/argument missing/.test(e.message) ? "needs a value" : "takes no value"}`.replace("  ", " ");
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": return `unexpected argument ${/'([^']*)'/.exec(e.message)?.[1] ?? ""}`.trim();
    default: return e.message;
  }
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: "no such file or directory", EACCES: "permission denied", EPERM: "not permitted", EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory", EEXIST: "already exists", ENOSPC: "no space left on the device", EROFS: "read-only file system",
  EMFILE: "too many open files", ENAMETOOLONG: "name too long", ELOOP: "too many symbolic links",
};

function packageNameFromOutput(out: string): string {
  return basename(out).replace(/\.zip$/i, "").replace(/\.mlpackage$/i, "") || "Model";
}

/** A parser of typed text whose errors become usage errors naming the flag. */
function flag<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message}`);
  }
}

/** `--compress int8`, `int4:B` or `palettize:N[:G]`. */
function parseCompress(v: string | undefined): CompressOptions | undefined {
  return v === undefined ? undefined : flag("--compress", () => parseCompressMode(v));
}

const COLOR_SPACE_FLAGS: Record<string, ImageColorSpace> = { rgb: "RGB", bgr: "BGR", gray: "GRAYSCALE" };

/**
 * `--image-input NAME[:rgb|bgr|gray][:scale=S][:bias=B,B,B]` and `--image-output NAME[:rgb|bgr|gray]`
 * as ImageOptions by name. Options are read from the right, so a name may hold ":" (input:0).
 */
function parseImages(inputs: readonly string[], outputs: readonly string[]): Record<string, ImageOptions> {
  const out: Record<string, ImageOptions> = Object.create(null);
  const read = (v: string, flagName: string, preprocessing: boolean) => {
    const parts = v.split(":");
    const o: { colorSpace?: ImageColorSpace; scale?: number; bias?: number[] } = {};
    while (parts.length > 1) {
      const p = parts[parts.length - 1];
      if (COLOR_SPACE_FLAGS[p]) o.colorSpace = COLOR_SPACE_FLAGS[p];
      else if (preprocessing && p.startsWith("scale=")) o.scale = flag(flagName, () => finite(p.slice(6)));
      else if (preprocessing && p.startsWith("bias=")) o.bias = p.slice(5).split(",").map((b) => flag(flagName, () => finite(b)));
      else break;
      parts.pop();
    }
    out[parts.join(":")] = o;
  };
  for (const v of inputs) read(v, "--image-input", true);
  for (const v of outputs) read(v, "--image-output", false);
  return out;
}

function finite(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new Error(`${JSON.stringify(text)} is not a finite number`);
  return n;
}

/** A feature's Core ML type: an image of its color space and size, or a multi-array. */
function coremlType(e: IOEntry): string {
  return e.image ? `image ${e.image} ${e.coremlShape[3]}×${e.coremlShape[2]}` : `${e.coremlDataType} [${e.coremlShape.join(", ")}]`;
}

/** The package's inputs and outputs by Core ML name, with the graph's name where it differs. */
function describeBoundary(lowered: { inputs: readonly IOEntry[]; outputs: readonly IOEntry[] }): string {
  const name = (e: IOEntry) => `${e.coremlName === e.name ? e.coremlName : `${e.coremlName} (from ${JSON.stringify(e.name)})`}${e.image ? ` (${coremlType(e)})` : ""}`;
  return `inputs: ${lowered.inputs.map(name).join(", ") || "none"}; outputs: ${lowered.outputs.map(name).join(", ")}`;
}

/** `--input-shape NAME=D,D,…` values as a record. */
function parseInputShapes(values: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = Object.create(null);
  for (const v of values) {
    const m = /^([^=]+)=([0-9]+(?:,[0-9]+)*)?$/.exec(v);
    if (!m) throw new UsageError(`--input-shape must be NAME=D,D,… with non-negative integers, got ${JSON.stringify(v)}`);
    out[m[1]] = m[2] ? m[2].split(",").map(Number) : [];
  }
  return out;
}

function parseQuantizedActivations(v: string | undefined): "float" | "exact" | undefined {
  if (v !== undefined && v !== "float" && v !== "exact") throw new UsageError(`--quantized-activations must be float or exact, got ${v}`);
  return v;
}

/** `--input-value NAME=V[,V…]` values as a record. */
function parseInputValues(values: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = Object.create(null);
  for (const v of values) {
    const m = /^([^=]+)=(.+)$/.exec(v);
    const nums = m ? m[2].split(",").map((x) => Number(x.trim())) : [];
    if (!m || nums.some((x) => Number.isNaN(x))) throw new UsageError(`--input-value must be NAME=V or NAME=V,V,… with numbers, got ${JSON.stringify(v)}`);
    out[m[1]] = nums;
  }
  return out;
}

/** NAME=VALUE pairs of a repeated flag, split at the first "=" (or the last). */
function pairs(flag: string, values: readonly string[] | undefined, at: "first" | "last" = "first"): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const v of values ?? []) {
    const i = at === "first" ? v.indexOf("=") : v.lastIndexOf("=");
    if (i <= 0) throw new UsageError(`--${flag} must be NAME=TEXT, got ${JSON.stringify(v)}`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** The package's metadata from the flags, over what the model itself carries (ONNX doc_string, producer, metadata_props). */
function modelMetadata(values: Record<string, unknown>, fromModel: Record<string, string>): ModelMetadata | undefined {
  const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  return mergeMetadata(fromModel, {
    description: str("description"), author: str("author"), license: str("license"), version: str("version"),
    inputDescriptions: pairs("input-description", values["input-description"] as string[] | undefined),
    outputDescriptions: pairs("output-description", values["output-description"] as string[] | undefined),
    userDefined: pairs("metadata", values.metadata as string[] | undefined),
  });
}

async function convert(args: string[], flags: Flags): Promise<void> {
  const { values, positionals } = parse(args, {
    out: { type: "string", short: "o" }, target: { type: "string" }, weights: { type: "string" }, manifest: { type: "string" },
    "free-dim": { type: "string", multiple: true }, "input-shape": { type: "string", multiple: true }, "input-value": { type: "string", multiple: true },
    precision: { type: "string" }, compress: { type: "string" }, "compress-min": { type: "string" }, description: { type: "string" }, author: { type: "string" }, license: { type: "string" }, version: { type: "string" },
    "input-description": { type: "string", multiple: true }, "output-description": { type: "string", multiple: true }, metadata: { type: "string", multiple: true },
    function: { type: "string", multiple: true }, "default-function": { type: "string" }, "quantized-activations": { type: "string" },
    force: { type: "boolean" }, rename: { type: "string", multiple: true },
    "image-input": { type: "string", multiple: true }, "image-output": { type: "string", multiple: true },
  });
  if (values.help) { console.log(HELP.convert); return; }
  const force = values.force === true;
  if (positionals.length !== 1 || typeof values.out !== "string") throw new UsageError("convert needs one graph file and -o <output>");
  const target = values.target as string | undefined;
  if (target !== undefined && !(TARGET_NAMES as string[]).includes(target)) throw new UsageError(`--target must be ${targetList()}, got ${target}`);
  const precision = values.precision as string | undefined;
  if (precision !== undefined && precision !== "float32" && precision !== "float16") throw new UsageError(`--precision must be float32 or float16, got ${precision}`);
  const compress = parseCompress(values.compress as string | undefined);
  if (values["compress-min"] !== undefined) {
    const min = values["compress-min"] as string;
    if (!compress) throw new UsageError("--compress-min needs --compress");
    if (!/^[0-9]{1,12}$/.test(min)) throw new UsageError(`--compress-min must be a whole number, got ${min}`);
    compress.minElements = Number(min);
  }
  const progress = progressReporter(process.stderr, flags.quiet);
  const graphOptions = {
    weights: values.weights as string | undefined, manifest: values.manifest as string | undefined,
    freeDimensions: flag("--free-dim", () => parseDimensionSizes((values["free-dim"] as unknown as string[] | undefined) ?? [])),
    inputShapes: parseInputShapes((values["input-shape"] as unknown as string[] | undefined) ?? []),
    inputValues: parseInputValues((values["input-value"] as unknown as string[] | undefined) ?? []),
    quantizedActivations: parseQuantizedActivations(values["quantized-activations"] as string | undefined),
  };
  const functions = ((values.function as unknown as string[] | undefined) ?? []).map((f) => flag("--function", () => parseFunctionSpec(f)));
  const defaultFunction = values["default-function"] as string | undefined;
  if (defaultFunction !== undefined && !functions.some((f) => f.name === defaultFunction)) throw new UsageError(`--default-function ${defaultFunction} is not one of the --function names`);
  const out = values.out;
  const inputs = [positionals[0], ...companionPaths(positionals[0], graphOptions)];
  if (graphOutputForm(out)) {
    if (functions.length) throw new UsageError("--function writes a package (.mlpackage or .mlpackage.zip), not a graph file");
    const { graph, name, files } = await loadModelFile(positionals[0], graphOptions);
    const written = await writeGraphFiles(graph, out, { name, inputs: files, force });
    console.log(`wrote ${written.join(", ")}: ${graph.nodes.length} operations, ${graph.constants.length} constants`);
    return;
  }
  await checkOutputPath(out, inputs, { force }); // before any work: a refused output costs nothing
  // Ctrl-C or a termination signal cancels: partial files are removed, the old output stays.
  const controller = new AbortController();
  const onSignal = () => controller.abort(new DOMException("interrupted", "AbortError"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // One graph per function, each with its own sizes over the common --free-dim ones.
    const loaded = await loadModelFileFunctions(positionals[0], graphOptions, functions.length ? functions : [{ name: "main" }]);
    const fromModel = loaded[0].model.metadata;
    const { package: pkg, lowered } = await convertFunctionsDetailed(loaded.map((l) => ({ name: l.name, graph: l.model.graph })), {
      defaultFunction,
      // The last "=" splits: a graph name may hold one, a Core ML name (an identifier) cannot.
      coremlNames: pairs("rename", values.rename as unknown as string[] | undefined, "last"),
      images: parseImages((values["image-input"] as unknown as string[] | undefined) ?? [], (values["image-output"] as unknown as string[] | undefined) ?? []),
      metadata: modelMetadata(values, fromModel),
      precision: precision as "float32" | "float16" | undefined,
      compress,
      target: target as TargetName | undefined, name: packageNameFromOutput(out), onProgress: (p) => progress.update(p), signal: controller.signal,
      onWarning: (w) => { progress.done(); console.error(`warning [${w.code}]: ${w.message}`); },
    });
    const kind = await writePackagePath(pkg, out, { inputs, force, signal: controller.signal, onProgress: (done, total) => progress.update({ stage: "write", done, total }) });
    progress.done();
    const s = pkg.stats;
    console.log(`wrote ${out} (${kind}): ${s.operations} operations, ${s.constants} constants (${s.blobConstants} in weight.bin), ${s.blobBytes} blob bytes`);
    console.log(describeBoundary(lowered));
    const compression = compressionSummary(lowered.program);
    if (compression) console.log(describeCompression(compression));
  } finally {
    progress.done();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function inspect(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    target: { type: "string" }, "free-dim": { type: "string", multiple: true }, "input-shape": { type: "string", multiple: true }, "input-value": { type: "string", multiple: true },
    "quantized-activations": { type: "string" },
  });
  if (values.help) { console.log(HELP.inspect); return 0; }
  if (positionals.length !== 1) throw new UsageError("inspect needs one package or ONNX model");
  if (!/\.mlpackage(\.zip)?\/?$/i.test(positionals[0]) && (await isOnnxFile(positionals[0]))) {
    const target = values.target as string | undefined;
    if (target !== undefined && !(TARGET_NAMES as string[]).includes(target)) throw new UsageError(`--target must be ${targetList()}, got ${target}`);
    const summary = await summarizeOnnxFile(positionals[0]);
    console.log(summary.text);
    // The checks `convert` makes (import, lowering, passes), short of writing a package. Free
    // dimensions the user has not sized are checked at 1, and the report says so: a model is not
    // "unconvertible" because its batch size is still open.
    const given = flag("--free-dim", () => parseDimensionSizes((values["free-dim"] as unknown as string[] | undefined) ?? []));
    const inputShapes = parseInputShapes((values["input-shape"] as unknown as string[] | undefined) ?? []);
    const assumed = summary.freeDimensions.filter((n) => !Object.prototype.hasOwnProperty.call(given, n));
    const options = {
      freeDimensions: { ...Object.fromEntries(assumed.map((n) => [n, 1])), ...given },
      inputShapes,
      inputValues: parseInputValues((values["input-value"] as unknown as string[] | undefined) ?? []),
      quantizedActivations: parseQuantizedActivations(values["quantized-activations"] as string | undefined),
    };
    const at = target ?? DEFAULT_TARGET;
    const assumption = assumed.length ? ` with ${assumed.map((n) => `${n}=1`).join(", ")} (other sizes: --free-dim NAME=N)` : "";
    try {
      const { graph } = await loadModelFile(positionals[0], options);
      const lowered = await checkConversion(graph, { target: at as TargetName });
      const ops = [...lowered.program.functions.values()].reduce((n, f) => n + f.operations.length, 0);
      console.log(`converts at ${at}${assumption}: ${graph.nodes.length} WebNN operations, ${ops} MIL operations`);
      return 0;
    } catch (e) {
      if (!(e instanceof WebNNCoreMLError)) throw e;
      console.log(`does not convert at ${at}${assumption}: ${describeFailure(e)}`);
      return 1;
    }
  }
  const pkg = await readPackagePath(positionals[0]);
  const p = pkg.parsed;
  const main = programFunction(p.program);
  console.log(`specificationVersion ${p.specificationVersion}, opset ${main.opset}`);
  const md = p.metadata;
  for (const [k, v] of [["description", md.description], ["author", md.author], ["license", md.license], ["version", md.version]] as const) if (v) console.log(`${k}: ${v}`);
  for (const [k, v] of Object.entries(md.userDefined ?? {})) console.log(`metadata ${k}: ${v}`);
  const note = (d: Readonly<Record<string, string>> | undefined, name: string) => (d && Object.prototype.hasOwnProperty.call(d, name) ? ` — ${d[name]}` : "");
  for (const e of p.inputs) console.log(`input  ${e.name} → ${e.coremlName}: ${e.dataType} [${e.shape.join(", ")}] (Core ML ${coremlType(e)})${note(md.inputDescriptions, e.name)}`);
  for (const e of p.outputs) console.log(`output ${e.name} → ${e.coremlName}: ${e.dataType} [${e.shape.join(", ")}] (Core ML ${coremlType(e)})${note(md.outputDescriptions, e.name)}`);
  console.log("");
  process.stdout.write(milToText(p.program, { blobOffsets: p.blobOffsets }));
  console.log("");
  // weight.bin may be read blob by blob (over 4 GiB): its size is where the last blob ends.
  const weightBytes = pkg.weights?.byteLength ?? Math.max(64, ...[...p.blobs.values()].map((r) => r.dataOffset + r.sizeInBytes));
  console.log(`weights: ${p.blobs.size} blobs, ${p.blobs.size ? weightBytes : 0} bytes`);
  const compression = compressionSummary(p.program);
  if (compression) console.log(describeCompression(compression));
  console.log("offset      dtype   bytes");
  for (const r of [...p.blobs.values()].sort((a, b) => a.offset - b.offset)) {
    console.log(`${String(r.offset).padEnd(11)} ${r.dataType.padEnd(7)} ${r.sizeInBytes}`);
  }
  return 0;
}

/** The inputs file: at most this many bytes (a JSON text of tensors; larger inputs belong in code). */
const MAX_INPUTS_FILE_BYTES = 1 << 30;

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { inputs: { type: "string" }, out: { type: "string" }, function: { type: "string" } });
  if (values.help) { console.log(HELP.run); return; }
  if (positionals.length !== 1 || typeof values.inputs !== "string") throw new UsageError("run needs one package and --inputs in.json");
  const { runPackageContents, tensorsFromJson, tensorsToJson } = await import("../run-package.js");
  const pkg = await readPackagePath(positionals[0]);
  const inputsPath = values.inputs;
  const info = await stat(inputsPath);
  if (info.isDirectory()) throw new CliError(`--inputs ${inputsPath} is a directory, not a JSON file`);
  if (info.isFile() && info.size > MAX_INPUTS_FILE_BYTES) throw new CliError(`--inputs ${inputsPath} has ${info.size} bytes, over the limit of ${MAX_INPUTS_FILE_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(inputsPath, "utf8"));
  } catch (e) {
    throw new CliError(`--inputs ${inputsPath} is not valid JSON (${(e as Error).message})`);
  }
  const fn = values.function as string | undefined;
  const boundary = functionBoundaryOf(pkg.parsed, fn);
  if (!boundary) throw new CliError(`--function: the package has no function "${fn}" (it has ${[...pkg.parsed.program.functions.keys()].join(", ")})`);
  const inputs = tensorsFromJson(json, boundary.inputs);
  const outputs = runPackageContents(pkg, inputs, { function: fn });
  const text = JSON.stringify(tensorsToJson(outputs), null, 2) + "\n";
  if (typeof values.out === "string") await writeFile(values.out, text);
  else process.stdout.write(text);
}

/** A failure the CLI itself reports (a file that is not what it should be). */
class CliError extends Error {}

/** One line for any failure: kind, rule and message of typed errors; the message of others. */
function describeFailure(e: unknown): string {
  if (e instanceof WebNNCoreMLError) return `${e.kind}${e.rule ? ` [${e.rule}]` : ""}: ${e.message}`;
  if (e instanceof CliError) return `error: ${e.message}`;
  if (e instanceof DOMException && e.name === "AbortError") return `error: ${e.message}`;
  const { code, path, syscall } = e as { code?: unknown; path?: unknown; syscall?: unknown };
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    const verb = syscall === "open" || syscall === "read" || syscall === "stat" || syscall === "lstat" || syscall === "scandir" ? "cannot read" : "cannot write";
    return typeof path === "string" ? `error: ${verb} ${path}: ${FILE_PROBLEMS[code] ?? code}` : `error: ${(e as Error).message}`;
  }
  return `error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const quiet = argv.includes("--quiet") || argv.includes("-q");
  const args = argv.filter((a) => a !== "--debug" && a !== "--quiet" && a !== "-q");
  const [command, ...rest] = args;
  try {
    if (command === "--version" || command === "-v" || command === "version") { console.log(CLI_VERSION); return 0; }
    if (command === undefined) {
      // No command is a usage error (the scripts calling us should hear of it): help on stderr.
      console.error(HELP.main);
      return 2;
    }
    if (command === "--help" || command === "-h" || command === "help") {
      console.log(rest[0] && HELP[rest[0]] ? HELP[rest[0]] : HELP.main);
      return 0;
    }
    if (command === "convert") await convert(rest, { quiet });
    else if (command === "inspect") return await inspect(rest);
    else if (command === "run") await run(rest);
    else throw new UsageError(`unknown command "${command}"`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`usage error: ${e.message}\nRun 'webnn-coreml ${command && HELP[command] ? `${command} ` : ""}--help' for usage.`);
      return 2;
    }
    console.error(describeFailure(e));
    if (debug && e instanceof Error && e.stack) console.error(e.stack);
    return e instanceof DOMException && e.name === "AbortError" ? 130 : 1;
  }
}
