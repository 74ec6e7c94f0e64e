// serializeModel: a lowered model (MIL program + boundary mapping) → model.mlmodel protobuf
// bytes and the weight blob. Large constants go to weight.bin; the rest are immediate values.
import { GraphFormatError } from "../errors.js";
import type { FunctionBoundary, ImageColorSpace, IOEntry, MilModel as LoweredModel, ModelDataType, ModelMetadata } from "../mil/model.js";
import { elementCount, type MilConstValue, type MilDataType, type MilOperation, type MilTensorType } from "../mil/program.js";
import { CoreML } from "./proto/index.js";
import { isSubByte, packSubByte } from "../mil/sub-byte.js";
import { isBlobEligible, WeightBlobWriter } from "./weight-blob.js";
import { formRule, parameterBinding, type ParamBinding } from "../mil/op-forms.js";
import type { Target } from "../mil/target.js";

const Spec = CoreML.Specification;
const MIL = CoreML.Specification.MILSpec;

export const WEIGHT_FILE_REFERENCE = "@model_path/weights/weight.bin";
/** Model metadata key holding the WebNN ↔ Core ML boundary mapping (JSON). */
/** Metadata keys the converter writes for itself. */
export const CONVERTER_METADATA_PREFIX = "com.github.webnn-coreml.";
export const IO_METADATA_KEY = "com.github.webnn-coreml.io";
export const VERSION_METADATA_KEY = "com.github.webnn-coreml.version";
export const CONVERTER_VERSION = "0.1.0";

export const MIL_DATA_TYPE_CODES: Record<MilDataType, number> = {
  bool: 1, string: 2, fp16: 10, fp32: 11, fp64: 12, int8: 21, int16: 22, int32: 23, int64: 24, int4: 25,
  uint8: 31, uint16: 32, uint32: 33, uint64: 34, uint4: 35, uint2: 36, uint1: 37, uint6: 38, uint3: 39,
};

export const ARRAY_DATA_TYPE: Record<ModelDataType, number> = { float32: 65568, float16: 65552, int32: 131104, int8: 131080 };

export interface SerializedModel {
  /** model.mlmodel bytes. */
  model: Uint8Array;
  weights: WeightBlobWriter;
  stats: { operations: number; constants: number; blobConstants: number; blobBytes: number };
}

export interface SerializeOptions {
  /** Author, license, version, description, input/output descriptions, user-defined pairs. */
  modelMetadata?: ModelMetadata;
  onProgress?: (done: number, total: number) => void;
}

export function milTensorType(t: MilTensorType): CoreML.Specification.MILSpec.ValueType.$Properties {
  return {
    tensorType: {
      dataType: MIL_DATA_TYPE_CODES[t.dataType],
      rank: t.shape.length,
      dimensions: t.shape.map((d) => ({ constant: { size: d } })),
    },
  };
}

/** Shared by every string scalar (the encoder only reads it). */
const STRING_TYPE: CoreML.Specification.MILSpec.ValueType.$Properties = Object.freeze({ tensorType: Object.freeze({ dataType: MIL_DATA_TYPE_CODES.string }) });

function stringValue(s: string): CoreML.Specification.MILSpec.Value.$Properties {
  return {
    type: STRING_TYPE,
    immediateValue: { tensor: { strings: { values: [s] } } },
  };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * `n` elements of `size` bytes as a typed array: a view when the bytes are aligned (and the
 * platform little-endian, as the bytes are), else a copy read through a DataView. protobufjs
 * encodes packed repeated fields from any indexable array, with the same bytes as from number[].
 */
function elements<T extends Float32Array | Int32Array | Float64Array>(
  b: Uint8Array, n: number, size: number, Ctor: { new (buffer: ArrayBufferLike, offset: number, length: number): T; new (length: number): T },
  read: (dv: DataView, at: number) => number,
): T {
  if (LITTLE_ENDIAN && b.byteOffset % size === 0) return new Ctor(b.buffer, b.byteOffset, n);
  const out = new Ctor(n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < n; i++) out[i] = read(dv, i * size);
  return out;
}

/** An immediate tensor value. */
export function immediateTensor(v: MilConstValue): CoreML.Specification.MILSpec.TensorValue.$Properties {
  if (v.strings) return { strings: { values: [...v.strings] } };
  const b = v.bytes;
  const n = elementCount(v.type.shape);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (v.type.dataType) {
    case "fp32": return { floats: { values: elements(b, n, 4, Float32Array, (d, at) => d.getFloat32(at, true)) as unknown as number[] } };
    case "int32": return { ints: { values: elements(b, n, 4, Int32Array, (d, at) => d.getInt32(at, true)) as unknown as number[] } };
    case "int64": return { longInts: { values: Array.from({ length: n }, (_, i) => Number(dv.getBigInt64(i * 8, true))) } };
    case "fp64": return { doubles: { values: elements(b, n, 8, Float64Array, (d, at) => d.getFloat64(at, true)) as unknown as number[] } };
    case "bool": return { bools: { values: Array.from(b, (x) => x !== 0) } };
    default: return { bytes: { values: isSubByte(v.type.dataType) ? packSubByte(v.type.dataType, b, n).bytes : b } };
  }
}

/** Core ML's ImageFeatureType.ColorSpace codes. */
export const COLOR_SPACE_CODES: Record<ImageColorSpace, number> = { GRAYSCALE: 10, RGB: 20, BGR: 30 };

function featureDescription(e: IOEntry, description?: string): CoreML.Specification.FeatureDescription.$Properties {
  return {
    name: e.coremlName,
    ...(description ? { shortDescription: description } : {}),
    type: e.image
      ? { imageType: { width: e.coremlShape[3], height: e.coremlShape[2], colorSpace: COLOR_SPACE_CODES[e.image] } }
      : { multiArrayType: { shape: e.coremlShape, dataType: ARRAY_DATA_TYPE[e.coremlDataType] } },
  };
}

const own = (o: Readonly<Record<string, string>> | undefined, k: string): string | undefined => (o && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

/** An object's keys in code-unit order (most are already sorted: then no sort). */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}

function sortedRecord<T>(entries: [string, T][]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

type PValue = CoreML.Specification.MILSpec.Value.$Properties;
type POperation = CoreML.Specification.MILSpec.Operation.$Properties;

interface WriteCounts { constants: number; blobConstants: number }

/** A constant as a protobuf value: in weight.bin when coremltools would put it there (and `blob` allows), else immediate. */
function constantValue(v: MilConstValue, target: Target, weights: WeightBlobWriter, counts: WriteCounts, blob = true): PValue {
  counts.constants++;
  const type = milTensorType(v.type);
  const n = elementCount(v.type.shape);
  if (blob && v.bytes && isBlobEligible(v.type.dataType, n, target)) {
    counts.blobConstants++;
    const dt = v.type.dataType;
    const packed = isSubByte(dt) ? packSubByte(dt, v.bytes, n) : undefined;
    const offset = packed ? weights.add(dt, packed.bytes, packed.paddingBits) : weights.add(dt, v.bytes);
    return { type, blobFileValue: { fileName: WEIGHT_FILE_REFERENCE, offset } };
  }
  return { type, immediateValue: { tensor: immediateTensor(v) } };
}

/**
 * The operations of a function as coremltools' exporter writes them (mil/op-forms.ts): a const
 * bound as an attribute or inline value is written there, and its const op only when some
 * operation binds it by name, it has no reader, or the function returns it.
 */
function writeOperations(ops: readonly MilOperation[], outputs: readonly string[], target: Target, weights: WeightBlobWriter, counts: WriteCounts, onOp: () => void): POperation[] {
  const consts = new Map<string, MilOperation>();
  for (const op of ops) if (op.type === "const") consts.set(op.outputs[0].name, op);
  const bindings = ops.map((op) => {
    const forms: Record<string, ParamBinding> = {};
    for (const k of Object.keys(op.inputs)) forms[k] = op.type === "const" ? "name" : parameterBinding(op.type, k, target.ios, op.inputs[k].some((a) => consts.has(a)) ? "const" : undefined);
    return forms;
  });
  const keep = new Set<string>(outputs);
  const used = new Set<string>();
  ops.forEach((op, i) => {
    for (const [k, args] of Object.entries(op.inputs)) for (const a of args) { used.add(a); if (bindings[i][k] === "name") keep.add(a); }
  });
  const written: POperation[] = [];
  ops.forEach((op, i) => {
    onOp();
    // In sorted key order: a const's are ("name" < "val"); parameters written as attributes are sorted below.
    let attributes: Record<string, PValue> = { name: stringValue(op.name) };
    let sortAttributes = false;
    if (op.type === "const") {
      const out = op.outputs[0].name;
      if (used.has(out) && !keep.has(out)) return;
      attributes.val = constantValue(op.value!, target, weights, counts);
    }
    const inputs: Record<string, CoreML.Specification.MILSpec.Argument.$Properties> = {};
    for (const k of sortedKeys(op.inputs)) {
      const form = bindings[i][k];
      if (form === "name") { inputs[k] = { arguments: op.inputs[k].map((name) => ({ name })) }; continue; }
      const blob = formRule(op.type, k, target.ios)?.blob ?? true;
      const values = op.inputs[k].map((a) => constantValue(consts.get(a)!.value!, target, weights, counts, blob));
      if (form === "attribute") { attributes[k] = values[0]; sortAttributes = true; }
      else inputs[k] = { arguments: values.map((value) => ({ value })) };
    }
    if (sortAttributes) attributes = sortedRecord(Object.entries(attributes));
    written.push({ type: op.type, inputs, outputs: op.outputs.map((o) => ({ name: o.name, type: milTensorType(o.type) })), attributes });
  });
  return written;
}

export function serializeModel(lowered: LoweredModel, options: SerializeOptions = {}): SerializedModel {
  const { program, target } = lowered;
  const weights = new WeightBlobWriter();
  const counts: WriteCounts = { constants: 0, blobConstants: 0 };
  let constOps = 0;
  const total = [...program.functions.values()].reduce((n, f) => n + f.operations.length, 0);
  let done = 0;
  const onOp = () => { done++; if (options.onProgress && (done % 256 === 0 || done === total)) options.onProgress(done, total); };
  const functions: Record<string, CoreML.Specification.MILSpec.Function.$Properties> = {};
  for (const name of sortedKeys(Object.fromEntries(program.functions))) {
    const fn = program.functions.get(name)!;
    constOps += fn.operations.reduce((n, op) => n + (op.type === "const" ? 1 : 0), 0);
    const operations = writeOperations(fn.operations, fn.outputs, target, weights, counts, onOp);
    functions[name] = {
      inputs: fn.inputs.map((i) => ({ name: i.name, type: milTensorType(i.type) })),
      opset: fn.opset,
      blockSpecializations: { [fn.opset]: { outputs: [...fn.outputs], operations } },
    };
  }

  // The boundary of each function, as the reader needs it (the default function's at the top).
  const boundary = (b: FunctionBoundary) => ({ inputs: b.inputs, outputs: b.outputs, ...(b.placeholderInput ? { placeholderInput: b.placeholderInput } : {}) });
  const multi = lowered.functions ? [...lowered.functions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : undefined;
  const io = { ...boundary(lowered), ...(multi ? { functions: Object.fromEntries(multi.map(([n, b]) => [n, boundary(b)])) } : {}) };
  const placeholder = (b: FunctionBoundary): IOEntry[] => b.placeholderInput
    ? [{ name: b.placeholderInput, coremlName: b.placeholderInput, dataType: "float32", shape: [1], coremlDataType: "float32", coremlShape: [1] }]
    : [];
  const meta = options.modelMetadata ?? {};
  for (const k of Object.keys(meta.userDefined ?? {})) {
    if (k.startsWith(CONVERTER_METADATA_PREFIX)) throw new GraphFormatError(`metadata key "${k}" is reserved for the converter`, { rule: "model" });
    // protobuf map readers (coremltools' too, in JavaScript) treat it as an object's prototype.
    if (k === "__proto__") throw new GraphFormatError(`metadata key "__proto__" cannot be stored`, { rule: "model" });
  }
  const userDefined = sortedRecord<string>([
    ...Object.entries(meta.userDefined ?? {}),
    [IO_METADATA_KEY, JSON.stringify(io)],
    [VERSION_METADATA_KEY, CONVERTER_VERSION],
  ]);
  const inputFeatures = (b: FunctionBoundary) => [...b.inputs, ...placeholder(b)].map((e) => featureDescription(e, own(meta.inputDescriptions, e.name)));
  const outputFeatures = (b: FunctionBoundary) => b.outputs.map((e) => featureDescription(e, own(meta.outputDescriptions, e.name)));
  const model: CoreML.Specification.Model.$Properties = {
    specificationVersion: target.specificationVersion,
    description: {
      // Several functions: each described on its own, and nothing at the model level.
      ...(multi ? {
        functions: multi.map(([name, b]) => ({ name, input: inputFeatures(b), output: outputFeatures(b) })),
        defaultFunctionName: program.defaultFunction,
      } : { input: inputFeatures(lowered), output: outputFeatures(lowered) }),
      metadata: {
        shortDescription: meta.description ?? "",
        ...(meta.version ? { versionString: meta.version } : {}),
        ...(meta.author ? { author: meta.author } : {}),
        ...(meta.license ? { license: meta.license } : {}),
        userDefined,
      },
    },
    mlProgram: {
      version: 1,
      functions,
    },
  };
  const bytes = Spec.Model.encode(model).finish();
  return {
    model: bytes,
    weights,
    stats: { operations: total - constOps, constants: counts.constants, blobConstants: counts.blobConstants, blobBytes: weights.byteLength },
  };
}

export { MIL };
