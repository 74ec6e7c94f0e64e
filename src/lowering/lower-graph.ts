// lowerGraph: a built WebNN graph → a MIL program plus the model-boundary mapping
// (WebNN names and dtypes ↔ Core ML feature names and dtypes).
import { GraphFormatError, UnsupportedError } from "../errors.js";
import { nodeInputOperands, type MLGraph, type MLOperand } from "../graph/operand.js";
import type { MLOperandDataType } from "../graph/types.js";
import { tensorType, type MilValue } from "../mil/builder.js";
import { isIdentifier, type NameTable } from "../mil/names.js";
import type { ImageColorSpace, IOEntry, MilModel, ModelDataType } from "../mil/model.js";
import { singleFunctionProgram, type MilProgram } from "../mil/program.js";
import { LoweringContext } from "./context.js";
import { LOWERINGS } from "./lowerings.js";
import { planRankReduction } from "./reduce-rank.js";
import type { LoweringFunction } from "./table.js";
import { resolveTarget, type Target, type TargetName } from "../mil/target.js";
import { internalDataType } from "./tensor-data.js";

/** What lowering produces: the program and the model boundary (defined with the MIL program). */
export type LoweredModel = MilModel;
export type { IOEntry, ModelDataType };

export interface LowerOptions {
  target?: TargetName;
  /** Core ML names for inputs and outputs, by WebNN name (valid identifiers; others are sanitized). */
  coremlNames?: Readonly<Record<string, string>>;
  /** Inputs and outputs that are images, by WebNN name (float32 [1, C, H, W]). */
  images?: Readonly<Record<string, ImageOptions>>;
  /** Called after each node is lowered. */
  onNode?: (done: number, total: number) => void;
}

/**
 * An image input or output, as coremltools' ImageType has it: its color space (default RGB) and,
 * for inputs, the preprocessing Core ML's tensor gets before the graph: x · scale + bias[c].
 */
export interface ImageOptions {
  colorSpace?: ImageColorSpace;
  scale?: number;
  /** One value per channel (or one for all). */
  bias?: readonly number[];
}

/**
 * The Core ML type used at the model boundary, from the target's array types: float16 from
 * iOS 16 (earlier targets carry float32 across and cast inside), int8 from iOS 26. Core ML has
 * no uint8/int64/uint32/uint64 model inputs or outputs: those (and int8 before iOS 26) travel as
 * int32, values keeping their two's-complement bit pattern in the low 32 bits (docs/data-types.md).
 */
function boundaryType(t: MLOperandDataType, target: Target): ModelDataType {
  if (t === "float32") return "float32";
  if (t === "float16") return target.ioDataTypes.includes("float16") ? "float16" : "float32";
  if (t === "int8" && target.ioDataTypes.includes("int8")) return "int8";
  return "int32";
}

/** Core ML's largest tensor rank (coremltools: "Core ML only supports tensor rank <= 5"). */
export const MAX_RANK = 5;

const MIL_OF: Record<ModelDataType, "fp32" | "fp16" | "int32" | "int8"> = { float32: "fp32", float16: "fp16", int32: "int32", int8: "int8" };

export function lowerGraph(graph: MLGraph, options: LowerOptions = {}): LoweredModel {
  const steps = lowerGraphSteps(graph, options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * lowerGraph that gives the event loop a turn every `sliceMs` (default 16 ms) of work, so that a
 * worker sees a cancel message during a long lowering; `signal` is checked at each turn.
 */
export async function lowerGraphAsync(graph: MLGraph, options: LowerOptions & { signal?: AbortSignal; sliceMs?: number } = {}): Promise<LoweredModel> {
  const steps = lowerGraphSteps(graph, options);
  const slice = options.sliceMs ?? 16;
  let started = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - started >= slice) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      options.signal?.throwIfAborted();
      started = performance.now();
    }
  }
}

/** The image inputs and outputs checked and marked; the inputs' preprocessing by WebNN name. */
function checkImages(inputs: IOEntry[], outputs: IOEntry[], images: Readonly<Record<string, ImageOptions>>): Map<string, ImageOptions> {
  const pre = new Map<string, ImageOptions>();
  for (const [name, o] of Object.entries(images)) {
    const e = inputs.find((x) => x.name === name) ?? outputs.find((x) => x.name === name);
    const bad = (m: string, rule: "input-name" | "argument-value" | "data-type" | "shape" = "argument-value"): never => {
      throw new GraphFormatError(`image ${JSON.stringify(name)}: ${m}`, { operand: name, rule });
    };
    if (!e) bad(`not an input or output of the graph`, "input-name");
    const colorSpace = o.colorSpace ?? "RGB";
    const channels = colorSpace === "GRAYSCALE" ? 1 : 3;
    if (!["RGB", "BGR", "GRAYSCALE"].includes(colorSpace)) bad(`color space must be RGB, BGR or GRAYSCALE, got ${String(colorSpace)}`);
    if (e!.dataType !== "float32") bad(`an image is float32, the graph's is ${e!.dataType}`, "data-type");
    const [n, c, h, w] = e!.shape;
    if (e!.shape.length !== 4 || n !== 1 || c !== channels || !(h >= 1 && w >= 1)) bad(`an image of ${colorSpace} is [1, ${channels}, height, width], the graph's is [${e!.shape.join(", ")}]`, "shape");
    const output = !inputs.includes(e!);
    if (output && (o.scale !== undefined || o.bias !== undefined)) bad("an output image has no preprocessing (scale, bias)");
    if (o.scale !== undefined && !Number.isFinite(o.scale)) bad(`scale must be a finite number, got ${o.scale}`);
    if (o.bias !== undefined && (!(o.bias.length === 1 || o.bias.length === channels) || !o.bias.every(Number.isFinite))) bad(`bias must be 1 or ${channels} finite numbers, got [${o.bias.join(", ")}]`);
    e!.image = colorSpace;
    if (!output) pre.set(name, o);
  }
  return pre;
}

/** x · scale + bias[c], as coremltools inserts them after an image input (each left out when neutral). */
function preprocessImage(ctx: LoweringContext, x: MilValue, o: ImageOptions): MilValue {
  const channels = x.type.shape[1];
  let v = x;
  if (o.scale !== undefined && o.scale !== 1) v = ctx.binary("mul", v, ctx.scalar("fp32", o.scale, "scale"));
  const bias = o.bias?.length === 1 ? new Array<number>(channels).fill(o.bias[0]) : o.bias;
  if (bias && bias.some((b) => b !== 0)) v = ctx.binary("add", v, ctx.constant("fp32", [1, channels, 1, 1], bias, "bias"));
  return v;
}

/** The names a user chose for inputs and outputs, claimed first: each a valid identifier, once. */
function claimRenames(all: ReadonlyArray<{ name: string }>, renames: Readonly<Record<string, string>>, names: NameTable, out: Map<number, string>): void {
  for (const [from, to] of Object.entries(renames)) {
    const i = all.findIndex((io) => io.name === from);
    if (i < 0) throw new GraphFormatError(`coremlNames names "${from}", which is not an input or output of the graph (${all.map((io) => `"${io.name}"`).join(", ")})`, { operand: from, rule: "input-name" });
    if (typeof to !== "string" || !isIdentifier(to)) throw new GraphFormatError(`coremlNames["${from}"] must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(to)}`, { operand: from, rule: "input-name" });
    if (names.has(to)) throw new GraphFormatError(`coremlNames gives "${to}" to more than one input or output`, { operand: from, rule: "input-name" });
    out.set(i, names.claim(to));
  }
}

/** The lowering, one node per step. */
function* lowerGraphSteps(graph: MLGraph, options: LowerOptions): Generator<void, LoweredModel, void> {
  const target = resolveTarget(options.target);
  const ctx = new LoweringContext(target);
  ctx.rankPlan = planRankReduction(graph, MAX_RANK);
  const mil = ctx.mil;

  // Claim user names first so that they stay as given whenever they are valid identifiers.
  // Valid identifiers are claimed before sanitized ones, so that a user's valid name never
  // loses to another name's sanitized form.
  const all = [...graph.inputs, ...graph.outputs];
  const coremlNames = new Map<number, string>();
  claimRenames(all, options.coremlNames ?? {}, mil.names, coremlNames);
  all.forEach((io, i) => { if (!coremlNames.has(i) && isIdentifier(io.name) && !mil.names.has(io.name)) coremlNames.set(i, mil.names.claim(io.name)); });
  all.forEach((io, i) => { if (!coremlNames.has(i)) coremlNames.set(i, mil.names.claim(io.name)); });
  const inputEntries: IOEntry[] = graph.inputs.map(({ name, operand }, i) => ({
    name,
    coremlName: coremlNames.get(i)!,
    dataType: operand.dataType,
    shape: [...operand.shape],
    coremlDataType: boundaryType(operand.dataType, target),
    coremlShape: operand.shape.length === 0 ? [1] : [...operand.shape],
  }));
  const outputEntries: IOEntry[] = graph.outputs.map(({ name, operand }, i) => ({
    name,
    coremlName: coremlNames.get(graph.inputs.length + i)!,
    dataType: operand.dataType,
    shape: [...operand.shape],
    coremlDataType: boundaryType(operand.dataType, target),
    coremlShape: operand.shape.length === 0 ? [1] : [...operand.shape],
  }));
  const images = checkImages(inputEntries, outputEntries, options.images ?? {});
  for (const e of [...inputEntries, ...outputEntries]) {
    if (e.dataType === "int4" || e.dataType === "uint4") {
      throw new UnsupportedError(`${e.dataType} model inputs and outputs are not supported by Core ML; only constants may be ${e.dataType}`, { operand: e.name, rule: "boundary-type" });
    }
  }

  // Inputs: declare with the boundary type and shape, then bring to the internal form.
  graph.inputs.forEach(({ operand }, i) => {
    const e = inputEntries[i];
    let v: MilValue = mil.addInput(e.coremlName, tensorType(MIL_OF[e.coremlDataType], e.coremlShape));
    const image = images.get(e.name);
    if (image) v = preprocessImage(ctx, v, image);
    v = ctx.cast(v, internalDataType(operand.dataType));
    v = ctx.reshape(v, operand.shape);
    ctx.set(operand, v);
  });

  let placeholderInput: string | undefined;
  if (graph.inputs.length === 0) {
    placeholderInput = mil.names.claim("placeholder");
    // Unread: eliminate-dead-code gives every unread input the reader Core ML needs.
    mil.addInput(placeholderInput, tensorType("fp32", [1]));
  }

  const total = graph.nodes.length;
  for (let i = 0; i < total; i++) {
    const node = graph.nodes[i];
    // The table is typed per operator; dispatch on the node's own operator.
    const lower = LOWERINGS[node.op] as LoweringFunction;
    if (!lower) throw new UnsupportedError(`operator ${node.op} has no Core ML lowering`, { operator: node.op, operand: node.label, rule: "unknown-operator" });
    for (const operand of [...nodeInputOperands(node), ...node.outputs]) {
      if (ctx.loweredShape(operand).length > MAX_RANK) {
        throw new UnsupportedError(`operand "${operand.label}" has rank ${operand.shape.length} [${operand.shape.join(", ")}]; Core ML tensors have at most ${MAX_RANK} dimensions, and no merge of its axes lowers it (only a reshape → transpose → reshape chain is lowered at a smaller rank)`, { operator: node.op, operand: operand.label, rule: "rank" });
      }
    }
    ctx.node = node;
    lower(node, ctx);
    for (const out of node.outputs) {
      if (!ctx.has(out)) throw new Error(`internal: lowering of ${node.op} did not set all outputs`);
    }
    options.onNode?.(i + 1, total);
    yield;
  }
  ctx.node = undefined;

  // Outputs: back to the boundary type and shape, named as claimed.
  const inputNames = new Set(inputEntries.map((e) => e.coremlName));
  const renamed = new Map<string, string>();
  const outputNames = new Set<string>();
  graph.outputs.forEach(({ operand }, i) => {
    const e = outputEntries[i];
    let v = ctx.get(operand as MLOperand);
    const earlier = renamed.get(v.name);
    if (earlier) v = { name: earlier, type: v.type };
    v = ctx.cast(v, MIL_OF[e.coremlDataType]);
    v = ctx.reshape(v, e.coremlShape);
    // A function input, a constant, or a value that another output already took gets an identity.
    if (inputNames.has(v.name) || v.constValue || outputNames.has(v.name)) v = ctx.unary("identity", v);
    renamed.set(v.name, e.coremlName);
    outputNames.add(e.coremlName);
    mil.rename(v.name, e.coremlName);
  });

  const program: MilProgram = singleFunctionProgram({ inputs: mil.inputs, opset: target.opset, operations: mil.operations, outputs: outputEntries.map((e) => e.coremlName) });
  return { target, program, inputs: inputEntries, outputs: outputEntries, placeholderInput };
}
