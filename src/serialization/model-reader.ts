// parseModel: model.mlmodel bytes (+ weight.bin) → the MIL program and model description.
// Used by the package reader, `inspect`, and the reference runtime.
import { PackageFormatError } from "../errors.js";
import type { FunctionBoundary, ImageColorSpace, IOEntry, ModelDataType, ModelMetadata } from "../mil/model.js";
import { constOperation, elementCount, freshNames, milElementSize, type MilConstValue, type MilDataType, type MilFunction, type MilOperation, type MilProgram, type MilTensorType } from "../mil/program.js";
import { ARRAY_DATA_TYPE, CONVERTER_METADATA_PREFIX, IO_METADATA_KEY, MIL_DATA_TYPE_CODES } from "./model-writer.js";
import { CoreML } from "./proto/index.js";
import { isSubByte, packedSize, unpackSubByte } from "../mil/sub-byte.js";
import { acceptsAttribute } from "../mil/op-forms.js";
import { readWeightBlob, type BlobRecord, type WeightBlobSource } from "./weight-blob.js";

type PValue = CoreML.Specification.MILSpec.Value.$Properties;
type PValueType = CoreML.Specification.MILSpec.ValueType.$Properties;

const CODE_TO_MIL = Object.fromEntries(Object.entries(MIL_DATA_TYPE_CODES).map(([k, v]) => [v, k as MilDataType])) as Record<number, MilDataType>;
const ARRAY_TYPES: Record<number, ModelDataType | "float64"> = { ...Object.fromEntries(Object.entries(ARRAY_DATA_TYPE).map(([k, v]) => [v, k as ModelDataType])), 65600: "float64" };

export interface ParsedModel {
  specificationVersion: number;
  program: MilProgram;
  /** Boundary mapping from our metadata, or derived from the model description. */
  inputs: IOEntry[];
  outputs: IOEntry[];
  /** A model input that stands in for a graph without inputs (feed float32 [1] zeros). */
  placeholderInput?: string;
  /** A multifunction model: each function's boundary by name (inputs/outputs above are the default function's). */
  functions?: Map<string, FunctionBoundary>;
  userDefined: Record<string, string>;
  /** Author, license, version, description, input/output descriptions, user-defined pairs (the converter's own keys left out). */
  metadata: ModelMetadata;
  /** The decoded protobuf, for inspection. */
  proto: CoreML.Specification.Model;
  /** Weight blob records by metadata offset. */
  blobs: Map<number, BlobRecord>;
  /** The weight.bin offset of each const whose value is stored there, by const name. */
  blobOffsets: Map<string, number>;
}

function fail(message: string): never {
  throw new PackageFormatError(`model.mlmodel: ${message}`, { rule: "model" });
}

function tensorTypeOf(t: PValueType | null | undefined, where: string): MilTensorType {
  const tt = t?.tensorType;
  if (!tt) fail(`${where}: expected a tensor type`);
  const dataType = CODE_TO_MIL[tt.dataType ?? 0];
  if (!dataType) fail(`${where}: unknown MIL dataType ${tt.dataType}`);
  const dims = (tt.dimensions ?? []).map((d, i) => {
    const size = d.constant?.size;
    if (size === undefined || size === null) fail(`${where}: dimension ${i} is not a constant`);
    return Number(size);
  });
  if (Number(tt.rank ?? 0) !== dims.length) fail(`${where}: rank ${tt.rank} but ${dims.length} dimensions`);
  return { dataType, shape: dims };
}

function constValue(v: PValue | null | undefined, where: string, weights: Uint8Array | WeightBlobSource | undefined, blobs: Map<number, BlobRecord>): MilConstValue {
  if (!v) fail(`${where}: const without a val attribute`);
  const type = tensorTypeOf(v.type, where);
  const n = elementCount(type.shape);
  if (v.blobFileValue) {
    const offset = Number(v.blobFileValue.offset ?? 0);
    if (!weights) fail(`${where}: refers to ${v.blobFileValue.fileName} but the package has no weight file`);
    const rec = blobs.get(offset);
    if (!rec) fail(`${where}: no blob metadata at offset ${offset} of weight.bin`);
    if (rec.dataType !== type.dataType) fail(`${where}: blob at ${offset} holds ${rec.dataType}, the const is ${type.dataType}`);
    const dt = type.dataType;
    const subByte = isSubByte(dt);
    const size = subByte ? packedSize(dt, n) : n * milElementSize(dt);
    if (rec.sizeInBytes !== size) fail(`${where}: blob at ${offset} has ${rec.sizeInBytes} bytes, the const needs ${size}`);
    const data = weights instanceof Uint8Array ? weights.subarray(rec.dataOffset, rec.dataOffset + size) : weights.data(rec);
    return { type, bytes: subByte ? unpackSubByte(dt, data, n) : data };
  }
  const t = v.immediateValue?.tensor;
  if (!t) fail(`${where}: const value is neither an immediate tensor nor a blob reference`);
  if (type.dataType === "string") {
    return { type: { dataType: "string", shape: type.shape }, strings: [...(t.strings?.values ?? [])] };
  }
  let bytes: Uint8Array;
  if (t.floats) bytes = new Uint8Array(Float32Array.from(t.floats.values ?? []).buffer);
  else if (t.ints) bytes = new Uint8Array(Int32Array.from(t.ints.values ?? []).buffer);
  else if (t.bools) bytes = Uint8Array.from(t.bools.values ?? [], (b) => (b ? 1 : 0));
  else if (t.longInts) bytes = new Uint8Array(BigInt64Array.from((t.longInts.values ?? []).map((x) => BigInt(x))).buffer);
  else if (t.doubles) bytes = new Uint8Array(Float64Array.from(t.doubles.values ?? []).buffer);
  else if (t.bytes) bytes = t.bytes.values ?? new Uint8Array(0);
  else fail(`${where}: empty immediate tensor`);
  const dt = type.dataType;
  if (isSubByte(dt)) {
    if (bytes.byteLength !== packedSize(dt, n)) fail(`${where}: immediate ${dt} value has ${bytes.byteLength} bytes, needs ${packedSize(dt, n)}`);
    return { type, bytes: unpackSubByte(dt, bytes, n) };
  }
  const size = n * milElementSize(type.dataType);
  if (bytes.byteLength !== size) fail(`${where}: immediate value has ${bytes.byteLength} bytes, ${type.dataType}[${type.shape.join(",")}] needs ${size}`);
  return { type, bytes };
}

/**
 * One function of the program: its inputs, the block for its opset, and its operations. A value
 * written in place (an attribute of a constexpr op, or inline in an argument: coremltools' forms,
 * mil/op-forms.ts) becomes a const op before its operation, so the program reads as if bound by name.
 */
function readFunction(fname: string, f: CoreML.Specification.MILSpec.IFunction, weights: Uint8Array | WeightBlobSource | undefined, blobs: Map<number, BlobRecord>, blobOffsets: Map<string, number>): MilFunction {
  const opset = f.opset ?? "";
  const block = f.blockSpecializations?.[opset];
  if (!block) fail(`function ${fname} has no block for its opset "${opset}"`);
  const specs = block.operations ?? [];
  const taken: string[] = (f.inputs ?? []).map((i) => i.name ?? "");
  for (const op of specs) {
    const n = op.attributes?.name?.immediateValue?.tensor?.strings?.values?.[0];
    if (n) taken.push(n);
    for (const o of op.outputs ?? []) taken.push(o.name ?? "");
  }
  let fresh: ((base: string) => string) | undefined;
  const operations: MilOperation[] = [];
  specs.forEach((op, i) => {
    const nameAttr = op.attributes?.name?.immediateValue?.tensor?.strings?.values?.[0];
    const name = nameAttr ?? op.outputs?.[0]?.name ?? `op${i}`;
    const type = op.type ?? "";
    const where = `operation ${i} (${type} "${name}")`;
    const outputs = (op.outputs ?? []).map((o) => ({ name: o.name ?? "", type: tensorTypeOf(o.type, where) }));
    const noteBlob = (constName: string, v: PValue | null | undefined) => { if (v?.blobFileValue) blobOffsets.set(constName, Number(v.blobFileValue.offset ?? 0)); };
    const inPlace = (param: string, v: PValue, at: string): string => {
      fresh ??= freshNames(taken);
      const c = constOperation(fresh(`${name}_${param}`), constValue(v, at, weights, blobs));
      noteBlob(c.name, v);
      operations.push(c);
      return c.name;
    };
    const inputs: Record<string, string[]> = {};
    for (const [key, arg] of Object.entries(op.inputs ?? {})) {
      inputs[key] = (arg.arguments ?? []).map((b) => {
        if (b.name) return b.name;
        if (b.value) return inPlace(key, b.value, `${where}, inline value of ${key}`);
        fail(`${where}: input ${key} binds neither a name nor a value`);
      });
    }
    for (const [key, v] of Object.entries(op.attributes ?? {})) {
      if (!acceptsAttribute(type, key)) fail(`${where}: attribute ${key} is not read on a ${type} operation (only constexpr operations take parameters as attributes)`);
      if (key === "name" || type === "const") continue;
      if (Object.prototype.hasOwnProperty.call(inputs, key)) fail(`${where}: ${key} is bound both as an input and as an attribute`);
      inputs[key] = [inPlace(key, v, `${where}, attribute ${key}`)];
    }
    const result: MilOperation = { type, name, inputs, outputs };
    if (type === "const") {
      result.value = constValue(op.attributes?.val, where, weights, blobs);
      noteBlob(name, op.attributes?.val);
    }
    operations.push(result);
  });
  return {
    inputs: (f.inputs ?? []).map((i) => ({ name: i.name ?? "", type: tensorTypeOf(i.type, `function input ${i.name}`) })),
    opset,
    operations,
    outputs: [...(block.outputs ?? [])],
  };
}

const WEBNN_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8"];
const BOUNDARY_TYPES = Object.keys(ARRAY_DATA_TYPE);
const MAX_IO_ELEMENTS = 2 ** 32;

/**
 * The model-boundary mapping stored in the metadata, checked: packages come from strangers,
 * and the runtime allocates and converts tensors from what this says.
 */
function checkIOMetadata(io: unknown, fn: MilFunction, what = ""): FunctionBoundary {
  const bad = (m: string): never => fail(`metadata ${IO_METADATA_KEY}${what}: ${m}`);
  if (typeof io !== "object" || io === null || Array.isArray(io)) bad("must be an object {inputs, outputs}");
  const o = io as Record<string, unknown>;
  const shapeOf = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || v.length > 5 || !v.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) bad(`${what} must be an array of at most 5 non-negative integers`);
    const n = elementCount(v as number[]);
    if (n > MAX_IO_ELEMENTS) bad(`${what} [${(v as number[]).join(", ")}] has ${n} elements, over the limit of ${MAX_IO_ELEMENTS}`);
    return [...(v as number[])];
  };
  const entries = (key: "inputs" | "outputs", names: readonly string[]): IOEntry[] => {
    const list = o[key];
    if (!Array.isArray(list)) bad(`${key} must be an array`);
    return (list as unknown[]).map((e, i) => {
      const where = `${key}[${i}]`;
      if (typeof e !== "object" || e === null) bad(`${where} must be an object`);
      const r = e as Record<string, unknown>;
      if (typeof r.name !== "string" || typeof r.coremlName !== "string") bad(`${where} needs string name and coremlName`);
      if (!names.includes(r.coremlName as string)) bad(`${where}: coremlName "${r.coremlName}" is not a ${key === "inputs" ? "function input" : "function output"}`);
      if (typeof r.dataType !== "string" || !WEBNN_TYPES.includes(r.dataType)) bad(`${where}: unknown dataType`);
      if (typeof r.coremlDataType !== "string" || !BOUNDARY_TYPES.includes(r.coremlDataType)) bad(`${where}: unknown coremlDataType`);
      const shape = shapeOf(r.shape, `${where}.shape`);
      const coremlShape = shapeOf(r.coremlShape, `${where}.coremlShape`);
      if (elementCount(shape) !== elementCount(coremlShape)) bad(`${where}: shape and coremlShape hold different element counts`);
      return { name: r.name as string, coremlName: r.coremlName as string, dataType: r.dataType as IOEntry["dataType"], shape, coremlDataType: r.coremlDataType as ModelDataType, coremlShape };
    });
  };
  const inputs = entries("inputs", fn.inputs.map((i) => i.name));
  const outputs = entries("outputs", fn.outputs);
  let placeholderInput: string | undefined;
  if (o.placeholderInput !== undefined) {
    if (typeof o.placeholderInput !== "string" || !fn.inputs.some((i) => i.name === o.placeholderInput)) bad("placeholderInput is not a function input");
    placeholderInput = o.placeholderInput as string;
  }
  return { inputs, outputs, placeholderInput };
}

/** The boundary of function `name` of a read model (default: its default function); undefined when it has no such function. */
export function functionBoundaryOf(parsed: ParsedModel, name?: string): FunctionBoundary | undefined {
  return name === undefined || name === parsed.program.defaultFunction ? parsed : parsed.functions?.get(name);
}

const COLOR_SPACES: Record<number, ImageColorSpace> = { 10: "GRAYSCALE", 20: "RGB", 30: "BGR" };

/** An image feature's color space and tensor shape [1, C, height, width]; undefined for others. */
function imageFeature(f: CoreML.Specification.FeatureDescription.$Properties): { colorSpace: ImageColorSpace; shape: number[] } | undefined {
  const t = f.type?.imageType;
  if (!t) return undefined;
  const colorSpace = COLOR_SPACES[t.colorSpace ?? 0];
  const [w, h] = [Number(t.width ?? 0), Number(t.height ?? 0)];
  if (!colorSpace) fail(`image feature ${f.name} has unsupported color space ${t.colorSpace}`);
  if (!(w >= 1 && h >= 1 && w * h <= MAX_IO_ELEMENTS)) fail(`image feature ${f.name} has size ${w}×${h}`);
  return { colorSpace, shape: [1, colorSpace === "GRAYSCALE" ? 1 : 3, h, w] };
}

/** Entries whose feature is an image get its color space; the metadata's shape must be the image's. */
function markImages(entries: IOEntry[], features: CoreML.Specification.IFeatureDescription[] | null | undefined): void {
  for (const f of features ?? []) {
    const image = imageFeature(f);
    const e = image && entries.find((x) => x.coremlName === f.name);
    if (!image || !e) continue;
    if (e.coremlDataType !== "float32" || e.coremlShape.join(",") !== image.shape.join(",")) fail(`image feature ${f.name} is [${image.shape.join(", ")}] float32, but the metadata says [${e.coremlShape.join(", ")}] ${e.coremlDataType}`);
    e.image = image.colorSpace;
  }
}

/** The feature descriptions of the default function: its FunctionDescription, or the model's own. */
function defaultDescription(proto: CoreML.Specification.Model): { input?: CoreML.Specification.IFeatureDescription[] | null; output?: CoreML.Specification.IFeatureDescription[] | null } {
  const d = proto.description;
  const fns = d?.functions ?? [];
  if (fns.length === 0) return d ?? {};
  return fns.find((f) => f.name === d?.defaultFunctionName) ?? fns[0];
}

/** The `functions` of the boundary metadata: one entry per function of the program, each checked against it. */
function readFunctionBoundaries(io: Record<string, unknown>, program: MilProgram): Map<string, FunctionBoundary> | undefined {
  if (io.functions === undefined) {
    if (program.functions.size > 1) fail(`metadata ${IO_METADATA_KEY}: the program has ${program.functions.size} functions but no boundary for each`);
    return undefined;
  }
  const f = io.functions;
  if (typeof f !== "object" || f === null || Array.isArray(f)) fail(`metadata ${IO_METADATA_KEY}: functions must be an object`);
  const names = Object.keys(f);
  if (names.length !== program.functions.size || names.some((n) => !program.functions.has(n))) {
    fail(`metadata ${IO_METADATA_KEY}: functions names ${names.join(", ")}; the program has ${[...program.functions.keys()].join(", ")}`);
  }
  const out = new Map<string, FunctionBoundary>();
  for (const n of [...program.functions.keys()]) out.set(n, checkIOMetadata((f as Record<string, unknown>)[n], program.functions.get(n)!, ` (function ${n})`));
  return out;
}

/** `weights`: weight.bin in one buffer, or as a WeightBlobSource when it is larger than a buffer can be. */
export function parseModel(modelBytes: Uint8Array, weights?: Uint8Array | WeightBlobSource): ParsedModel {
  let proto: CoreML.Specification.Model;
  try {
    proto = CoreML.Specification.Model.decode(modelBytes);
  } catch (e) {
    fail(`not a valid Core ML protobuf (${(e as Error).message})`);
  }
  const blobs = weights instanceof Uint8Array ? readWeightBlob(weights) : weights ? weights.records : new Map<number, BlobRecord>();
  const prog = proto.mlProgram;
  if (!prog) fail("not an ML Program (no mlProgram)");
  const names = Object.keys(prog.functions ?? {});
  if (names.length === 0) fail("ML Program has no functions");
  const functions = new Map<string, MilFunction>();
  const blobOffsets = new Map<string, number>();
  for (const name of names) functions.set(name, readFunction(name, prog.functions![name], weights, blobs, blobOffsets));
  const named = proto.description?.defaultFunctionName;
  if (named && !functions.has(named)) fail(`defaultFunctionName "${named}" is not a function of the program`);
  const program: MilProgram = { functions, defaultFunction: named || (functions.has("main") ? "main" : names[0]) };
  const userDefined: Record<string, string> = { ...(proto.description?.metadata?.userDefined ?? {}) };
  let inputs: IOEntry[];
  let placeholderInput: string | undefined;
  let outputs: IOEntry[];
  let boundaries: Map<string, FunctionBoundary> | undefined;
  const ioJson = userDefined[IO_METADATA_KEY];
  if (ioJson) {
    let io: unknown;
    try {
      io = JSON.parse(ioJson);
    } catch {
      fail(`metadata ${IO_METADATA_KEY} is not valid JSON`);
    }
    ({ inputs, outputs, placeholderInput } = checkIOMetadata(io, program.functions.get(program.defaultFunction)!));
    boundaries = readFunctionBoundaries(io as Record<string, unknown>, program);
    const d = defaultDescription(proto);
    markImages(inputs, d.input);
    markImages(outputs, d.output);
  } else {
    const fromDescription = (f: CoreML.Specification.FeatureDescription.$Properties): IOEntry => {
      const image = imageFeature(f);
      if (image) return { name: f.name ?? "", coremlName: f.name ?? "", dataType: "float32", shape: image.shape, coremlDataType: "float32", coremlShape: image.shape, image: image.colorSpace };
      const t = f.type?.multiArrayType;
      if (!t) fail(`feature ${f.name} is not a multi-array or an image`);
      const dt = ARRAY_TYPES[t.dataType ?? 0];
      if (!dt || dt === "float64") fail(`feature ${f.name} has unsupported array dataType ${t.dataType}`);
      const shape = (t.shape ?? []).map(Number);
      return { name: f.name ?? "", coremlName: f.name ?? "", dataType: dt, shape, coremlDataType: dt, coremlShape: shape };
    };
    const d = defaultDescription(proto);
    inputs = (d.input ?? []).map(fromDescription);
    outputs = (d.output ?? []).map(fromDescription);
    // A multifunction package from another converter: each function's features as they are.
    const described = proto.description?.functions ?? [];
    if (described.length) {
      boundaries = new Map();
      for (const f of described) {
        if (!f.name || !program.functions.has(f.name)) fail(`function description "${f.name}" names no function of the program`);
        boundaries.set(f.name, { inputs: (f.input ?? []).map(fromDescription), outputs: (f.output ?? []).map(fromDescription) });
      }
    }
  }
  const md = proto.description?.metadata;
  const describe = (features: CoreML.Specification.FeatureDescription.$Properties[] | null | undefined, entries: IOEntry[]) => {
    const out: Record<string, string> = Object.create(null);
    for (const f of features ?? []) {
      const e = entries.find((x) => x.coremlName === f.name);
      if (e && f.shortDescription) out[e.name] = f.shortDescription;
    }
    return out;
  };
  const metadata: ModelMetadata = {
    description: md?.shortDescription || undefined,
    author: md?.author || undefined,
    license: md?.license || undefined,
    version: md?.versionString || undefined,
    inputDescriptions: describe(defaultDescription(proto).input, inputs),
    outputDescriptions: describe(defaultDescription(proto).output, outputs),
    userDefined: Object.fromEntries(Object.entries(userDefined).filter(([k]) => !k.startsWith(CONVERTER_METADATA_PREFIX))),
  };
  return { specificationVersion: proto.specificationVersion, program, inputs, outputs, placeholderInput, ...(boundaries ? { functions: boundaries } : {}), userDefined, metadata, proto, blobs, blobOffsets };
}
