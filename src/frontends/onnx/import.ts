// ONNX → WebNN graph, in memory, through MLGraphBuilder (so every WebNN validation applies).
// The model's symbolic dimensions get sizes first (freeDimensions, inputShapes); inputs may be
// pinned to values (inputValues). Nodes are then imported in order: a node whose inputs are all
// known is evaluated here (fold), others call the builder. Weights (initializers, external data)
// are viewed in place, never copied, unless their type has to change.
import { GraphFormatError, UnsupportedError, WebNNCoreMLError } from "../../errors.js";
import { MLGraphBuilder } from "../../graph/builder.js";
import type { MLGraph, MLOperand } from "../../graph/operand.js";
import { elementCountOf, type MLOperandDataType } from "../../graph/types.js";
import { ImportContext, type Value } from "./context.js";
import { expandNodes, onnxOp } from "./ops/index.js";
import { decodeOnnxModel, forEachGraph, forEachNode, type OnnxGraph, type OnnxModel, type OnnxTensor } from "./proto.js";
import { fromNumbers, hostTensorOf, onnxTypeName, webnnTypeOf, type HostTensor } from "./tensor.js";
import { setOwn } from "../../records.js";
import { sortedNodes } from "./sort.js";
import { floatActivations } from "./quantized.js";

/** Where external tensor data comes from: files by their `location` (bytes or Blobs), or a reader. */
export type OnnxExternalData =
  | ReadonlyMap<string, Uint8Array | ArrayBuffer | Blob>
  | Readonly<Record<string, Uint8Array | ArrayBuffer | Blob>>
  | ((location: string, offset: number, length: number | undefined) => Promise<Uint8Array>);

export type OnnxInputValue = number | readonly number[] | { shape?: readonly number[]; data: ArrayLike<number> };

export interface OnnxImportOptions {
  /** Sizes of symbolic dimensions by dim_param name (as ONNX Runtime's freeDimensionOverrides). */
  freeDimensions?: Readonly<Record<string, number>>;
  /** Whole input shapes by input name (they win over the model's and over freeDimensions). */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Inputs pinned to values: they leave the model, and what they decide folds away. */
  inputValues?: Readonly<Record<string, OnnxInputValue>>;
  externalData?: OnnxExternalData;
  /**
   * Quantized activations (QDQ pairs, DynamicQuantizeLinear before MatMulInteger/ConvInteger):
   * "float" (default) computes them in float, weights kept 8-bit, as Core ML runs quantized
   * models; "exact" keeps every quantize and dequantize as the model spells it.
   */
  quantizedActivations?: "float" | "exact";
}

export interface OnnxImportResult {
  graph: MLGraph;
  /** The graph's name (or the producer's). */
  name?: string;
  /** producer_name/version, doc_string and metadata_props, for the package's metadata. */
  metadata: Record<string, string>;
  opset: number;
}

export type OnnxSource = Uint8Array | ArrayBuffer | { model: Uint8Array | ArrayBuffer; externalData?: OnnxExternalData };

const MIN_OPSET = 7;
/** The newest default-domain opset whose operator forms the importer knows. */
export const MAX_ONNX_OPSET = 23;
/** Inputs of higher rank are refused before anything is built (WebNN and Core ML stop at far less). */
const MAX_RANK = 8;

export async function importOnnx(source: OnnxSource, options: OnnxImportOptions = {}): Promise<MLGraph> {
  return (await importOnnxDetailed(source, options)).graph;
}

export async function importOnnxDetailed(source: OnnxSource, options: OnnxImportOptions = {}): Promise<OnnxImportResult> {
  return buildOnnxGraph(await prepareOnnx(source, options), options);
}

/** An ONNX model decoded, checked and with its external data read: ready to build graphs from. */
export interface PreparedOnnx {
  readonly model: OnnxModel;
  readonly opset: number;
}

/**
 * The part of an import that does not depend on the sizes given: decoding, the opset and
 * operator checks, and reading external data (each tensor once). Build as many graphs as needed
 * from it (a multifunction package: one per set of sizes); they share the weight bytes.
 */
export async function prepareOnnx(source: OnnxSource, options: Pick<OnnxImportOptions, "externalData"> = {}): Promise<PreparedOnnx> {
  const { model: bytes, externalData } = source instanceof Uint8Array || source instanceof ArrayBuffer ? { model: source, externalData: options.externalData } : { ...source, externalData: source.externalData ?? options.externalData };
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) throw new GraphFormatError("the ONNX model must be given as bytes (Uint8Array or ArrayBuffer)", { rule: "source" });
  const model = decodeOnnxModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  const opset = model.opsetImport.get("");
  if (opset === undefined) throw new UnsupportedError("the model imports no version of the default ONNX operator set", { rule: "unsupported" });
  if (opset < MIN_OPSET) throw new UnsupportedError(`opset ${opset} is older than the oldest supported (${MIN_OPSET})`, { rule: "unsupported" });
  if (opset > MAX_ONNX_OPSET) throw new UnsupportedError(`opset ${opset} is newer than the newest supported (${MAX_ONNX_OPSET})`, { rule: "unsupported" });
  checkOperators(model);
  await readExternalData(model.graph, externalData);
  return { model, opset };
}

/** A graph of a prepared model with the given sizes and pinned inputs. */
export function buildOnnxGraph(prepared: PreparedOnnx, options: OnnxImportOptions = {}): OnnxImportResult {
  const { model: decoded, opset } = prepared;
  const model = options.quantizedActivations === "exact" ? decoded : { ...decoded, graph: floatActivations(decoded.graph) };
  if (options.quantizedActivations !== undefined && options.quantizedActivations !== "float" && options.quantizedActivations !== "exact") {
    throw new GraphFormatError(`quantizedActivations must be "float" or "exact", got ${JSON.stringify(options.quantizedActivations)}`, { rule: "option-value" });
  }
  const initializerNames = new Set(model.graph.initializers.map((t) => t.name));
  const inputs = resolveInputs(model.graph, initializerNames, options);
  const builder = new MLGraphBuilder();
  const values = new Map<string, Value>();
  for (const i of inputs) {
    if (i.pinned) values.set(i.name, { kind: "tensor", tensor: i.pinned });
    else values.set(i.name, { kind: "operand", operand: builder.input(i.name, { dataType: i.dataType, shape: i.shape }) });
  }
  const ctx: ImportContext = new ImportContext(builder, opset, values, (g) => runGraph(g, ctx));
  const outputs = runGraph(model.graph, ctx);
  const named: Record<string, MLOperand> = {};
  model.graph.outputs.forEach((o, k) => {
    const v = outputs[k];
    let operand = v.kind === "tensor" ? ctx.toOperand(v.tensor, o.name) : v.operand;
    if (operand.kind !== "output" || Object.values(named).includes(operand)) operand = builder.identity(operand, { label: o.name });
    setOwn(named, o.name, operand);
  });
  if (Object.keys(named).length === 0) throw new GraphFormatError("the model has no outputs", { rule: "outputs" });
  // Exporters' stock graph names ("main_graph", "torch_jit", …) say nothing: the caller names the model then.
  const generic = /^(main_graph|torch[-_]jit.*|graph|tf2onnx|paddle.*|p2o.*|model)?$/i.test(model.graph.name);
  return { graph: builder.buildSync(named), name: generic ? undefined : model.graph.name, metadata: metadataOf(model), opset };
}

function metadataOf(model: OnnxModel): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (model.producerName) out["onnx.producer"] = [model.producerName, model.producerVersion].filter(Boolean).join(" ");
  if (model.docString) out["onnx.doc_string"] = model.docString;
  for (const [k, v] of model.metadataProps) out[k] = v;
  return out;
}

/** Every node's operator must be known before any work: one error lists the others. */
function checkOperators(model: OnnxModel): void {
  const missing = new Map<string, { count: number; first: string }>();
  forEachNode(model.graph, (n) => {
    const key = n.domain ? `${n.domain}:${n.opType}` : n.opType;
    if (!onnxOp(n.opType, n.domain)) {
      const e = missing.get(key);
      if (e) e.count++;
      else missing.set(key, { count: 1, first: n.name || n.outputs[0] || "?" });
    }
  });
  if (missing.size) {
    const list = [...missing].map(([k, e]) => `${k} (${e.count} node${e.count > 1 ? "s" : ""}, first "${e.first}")`).join(", ");
    throw new UnsupportedError(`the model uses operators the importer does not support: ${list}`, { rule: "unknown-operator", operator: [...missing.keys()][0] });
  }
}

interface ResolvedInput { name: string; dataType: MLOperandDataType; shape: number[]; pinned?: HostTensor }

function resolveInputs(graph: OnnxGraph, initializers: ReadonlySet<string>, options: OnnxImportOptions): ResolvedInput[] {
  const free = options.freeDimensions ?? {};
  const shapes = options.inputShapes ?? {};
  const pinnedValues = options.inputValues ?? {};
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  const unresolved = new Map<string, string[]>();
  const unnamed: string[] = [];
  const out: ResolvedInput[] = [];
  for (const v of graph.inputs) {
    if (initializers.has(v.name)) continue;
    const dataType = webnnTypeOf(v.elemType);
    if (!dataType || dataType === "int4" || dataType === "uint4") {
      throw new UnsupportedError(`input "${v.name}" has element type ${onnxTypeName(v.elemType)}, which the importer cannot use`, { operand: v.name, rule: "data-type" });
    }
    let shape: number[] | undefined;
    if (v.shape && v.shape.length > MAX_RANK) throw new UnsupportedError(`input "${v.name}" has rank ${v.shape.length}; Core ML tensors have at most 5 dimensions`, { operand: v.name, rule: "rank" });
    if (own(shapes, v.name)) {
      shape = [...shapes[v.name]];
      if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new GraphFormatError(`inputShapes["${v.name}"] must be a list of non-negative integers`, { operand: v.name, rule: "shape" });
    } else if (v.shape) {
      shape = v.shape.map((d, i) => {
        if (d.value !== undefined && d.param === undefined) return d.value;
        if (d.param !== undefined && d.param !== "") {
          if (own(free, d.param)) return free[d.param];
          const list = unresolved.get(d.param);
          if (!list) unresolved.set(d.param, [v.name]);
          else if (list[list.length - 1] !== v.name) list.push(v.name);
          return -1;
        }
        unnamed.push(`input "${v.name}" dimension ${i}`);
        return -1;
      });
    } else if (!own(pinnedValues, v.name)) {
      unnamed.push(`input "${v.name}" (no shape at all)`);
    }
    let pinned: HostTensor | undefined;
    if (own(pinnedValues, v.name)) pinned = pinnedTensor(v.name, dataType, shape, pinnedValues[v.name]);
    // A zero-size input (an empty past cache at the first prompt) holds no values: it leaves the
    // model as an empty tensor, as a pinned input does (Core ML has no zero-size inputs).
    else if (shape?.includes(0)) pinned = fromNumbers(dataType, shape, []);
    out.push({ name: v.name, dataType, shape: shape ?? [], pinned });
  }
  if (unresolved.size || unnamed.length) {
    const parts = [...[...unresolved].map(([p, ins]) => `"${p}" (input${ins.length > 1 ? "s" : ""} ${[...new Set(ins)].map((i) => `"${i}"`).join(", ")})`), ...unnamed];
    throw new GraphFormatError(
      `the model has dimensions without a size: ${parts.join(", ")}. Give them with freeDimensions (CLI: --free-dim NAME=N) or inputShapes (CLI: --input-shape NAME=D,D,…)`,
      { rule: "free-dimension", operand: out[0]?.name },
    );
  }
  for (const name of Object.keys(pinnedValues)) {
    if (!graph.inputs.some((v) => v.name === name)) throw new GraphFormatError(`inputValues names "${name}", which is not an input of the model`, { operand: name, rule: "input-name" });
  }
  for (const name of Object.keys(shapes)) {
    if (!graph.inputs.some((v) => v.name === name && !initializers.has(name))) {
      throw new GraphFormatError(`inputShapes names "${name}", which is not an input of the model (its inputs: ${out.map((i) => `"${i.name}"`).join(", ") || "none"})`, { operand: name, rule: "input-name" });
    }
  }
  // A size for a dimension the model does not name would be silently ignored: refuse it.
  const named = new Set(graph.inputs.filter((v) => !initializers.has(v.name)).flatMap((v) => (v.shape ?? []).map((d) => d.param).filter((p): p is string => !!p)));
  for (const name of Object.keys(free)) {
    if (!named.has(name)) throw new GraphFormatError(`freeDimensions names "${name}", which no input dimension of the model is named (its named dimensions: ${[...named].map((n) => `"${n}"`).join(", ") || "none"})`, { rule: "free-dimension" });
  }
  return out;
}

function pinnedTensor(name: string, dataType: MLOperandDataType, shape: number[] | undefined, v: OnnxInputValue): HostTensor {
  const data = typeof v === "number" ? [v] : Array.isArray(v) ? (v as number[]) : Array.from((v as { data: ArrayLike<number> }).data);
  const obj = typeof v === "object" && !Array.isArray(v) ? (v as { shape?: readonly number[] }) : undefined;
  const given = obj?.shape ? [...obj.shape] : undefined;
  const s = given ?? (shape && !shape.includes(-1) ? shape : data.length === 1 ? [] : [data.length]);
  const n = elementCountOf(s);
  if (data.length !== n && data.length !== 1) throw new GraphFormatError(`inputValues["${name}"] has ${data.length} values for shape [${s.join(", ")}]`, { operand: name, rule: "shape" });
  return fromNumbers(dataType, s, data.length === n ? data : new Array(n).fill(data[0]));
}

/**
 * Reads every external tensor's bytes (one read each), checking locations and ranges, into its
 * `rawData` — initializers and Constant nodes' tensors alike then read as inline ones.
 */
async function readExternalData(graph: OnnxGraph, source: OnnxExternalData | undefined): Promise<void> {
  const tensors: OnnxTensor[] = [];
  const external = (t: OnnxTensor) => t.dataLocation === 1 || t.externalData !== undefined;
  forEachGraph(graph, (g) => {
    tensors.push(...g.initializers.filter(external));
    for (const n of g.nodes) for (const a of n.attributes) if (a.t && external(a.t)) tensors.push(a.t);
  });
  for (const t of tensors) {
    const e = t.externalData ?? new Map<string, string>();
    const location = e.get("location");
    const bad: (m: string) => never = (m) => { throw new GraphFormatError(`tensor "${t.name}": ${m}`, { operand: t.name, rule: "missing-weights" }); };
    if (!location) return bad("external data without a location");
    if (location.startsWith("/") || location.split(/[\\/]/).some((s) => s === "..") || /^[a-zA-Z]:/.test(location)) bad(`external data location "${location}" is not a relative path inside the model's folder`);
    const num = (k: string) => {
      const s = e.get(k);
      if (s === undefined) return undefined;
      if (!/^[0-9]{1,16}$/.test(s)) bad(`external data ${k} "${s}" is not a non-negative integer`);
      return Number(s);
    };
    const offset = num("offset") ?? 0;
    const length = num("length");
    if (!source) return bad(`its data is in the external file "${location}", which was not given (externalData)`);
    t.rawData = await readRange(source, location, offset, length, bad);
  }
}

async function readRange(source: OnnxExternalData, location: string, offset: number, length: number | undefined, bad: (m: string) => never): Promise<Uint8Array> {
  if (typeof source === "function") return source(location, offset, length);
  const file = source instanceof Map ? source.get(location) : Object.prototype.hasOwnProperty.call(source, location) ? (source as Record<string, Uint8Array | ArrayBuffer | Blob>)[location] : undefined;
  if (file === undefined) return bad(`its data is in the external file "${location}", which was not given`);
  const size = file instanceof Blob ? file.size : file.byteLength;
  const end = length === undefined ? size : offset + length;
  if (end > size || offset > size) bad(`external data [${offset}, ${end}) runs past the end of "${location}" (${size} bytes)`);
  if (file instanceof Blob) return new Uint8Array(await file.slice(offset, end).arrayBuffer());
  const bytes = file instanceof Uint8Array ? file : new Uint8Array(file);
  return bytes.subarray(offset, end);
}

/** Imports a graph's nodes into `ctx` (its initializers first) and returns its outputs' values. */
function runGraph(graph: OnnxGraph, ctx: ImportContext): Value[] {
  const values = ctx.values;
  for (const t of graph.initializers) {
    if (!values.has(t.name) || values.get(t.name)!.kind === "tensor") values.set(t.name, { kind: "tensor", tensor: hostTensorOf(t) });
  }
  const saved = ctx.node;
  const initializers = new Map(graph.initializers.map((t) => [t.name, t]));
  for (const node of expandNodes(sortedNodes(graph), (name) => initializers.get(name))) {
    ctx.enter(node);
    const op = onnxOp(node.opType, node.domain)!;
    let results: (MLOperand | HostTensor)[];
    try {
      const givenInputs = node.inputs.map((_, i) => i).filter((i) => ctx.has(i));
      const foldable = op.fold && (op.foldNeeds === "none" || givenInputs.every((i) => ctx.value(i).kind === "tensor"));
      if (foldable) results = op.fold!(ctx);
      else if (op.lower) results = op.lower(ctx);
      else ctx.fail("needs inputs known when the model is converted, and some are computed from the model's inputs");
    } catch (e) {
      throw withNode(e, node.opType, node.name || node.outputs[0] || "?");
    }
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const r = results[i];
      if (r === undefined) throw new UnsupportedError(`${node.opType} node "${node.name}": output ${i} ("${name}") is not supported`, { operator: node.opType, operand: name, rule: "unsupported" });
      values.set(name, "shape" in r && "data" in r && !("builderId" in r) ? { kind: "tensor", tensor: r as HostTensor } : { kind: "operand", operand: r as MLOperand });
    });
  }
  if (saved) ctx.enter(saved);
  return graph.outputs.map((o) => {
    const v = values.get(o.name);
    if (!v) throw new GraphFormatError(`graph output "${o.name}" is not computed by any node`, { operand: o.name, rule: "dangling-operand" });
    return v;
  });
}

/** Adds the ONNX node to an error raised while importing it. */
function withNode(e: unknown, opType: string, name: string): unknown {
  if (e instanceof WebNNCoreMLError) {
    if (!e.message.includes(`node "${name}"`)) e.message = `${e.message} (ONNX ${opType} node "${name}")`;
    return e;
  }
  return e;
}
