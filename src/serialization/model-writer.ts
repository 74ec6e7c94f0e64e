// serializeModel: a lowered model (MIL program + boundary mapping) → model.mlmodel protobuf
// bytes and the weight blob. Large constants go to weight.bin; the rest are immediate values.
import type { IOEntry, LoweredModel, ModelDataType } from "../lowering/lower-graph.js";
import { elementCount, type MilConstValue, type MilDataType, type MilOperation, type MilTensorType } from "../mil/program.js";
import { CoreML } from "./proto/index.js";
import { isBlobEligible, WeightBlobWriter } from "./weight-blob.js";

const Spec = CoreML.Specification;
const MIL = CoreML.Specification.MILSpec;

export const WEIGHT_FILE_REFERENCE = "@model_path/weights/weight.bin";
/** Model metadata key holding the WebNN ↔ Core ML boundary mapping (JSON). */
export const IO_METADATA_KEY = "com.github.webnn-coreml.io";
export const VERSION_METADATA_KEY = "com.github.webnn-coreml.version";
export const CONVERTER_VERSION = "0.1.0";

export const MIL_DATA_TYPE_CODES: Record<MilDataType, number> = {
  bool: 1, string: 2, fp16: 10, fp32: 11, fp64: 12, int8: 21, int16: 22, int32: 23, int64: 24, int4: 25,
  uint8: 31, uint16: 32, uint32: 33, uint64: 34, uint4: 35,
};

const ARRAY_DATA_TYPE: Record<ModelDataType, number> = { float32: 65568, float16: 65552, int32: 131104 };

export interface SerializedModel {
  /** model.mlmodel bytes. */
  model: Uint8Array;
  weights: WeightBlobWriter;
  stats: { operations: number; constants: number; blobConstants: number; blobBytes: number };
}

export interface SerializeOptions {
  /** Extra model metadata (userDefined). */
  metadata?: Record<string, string>;
  shortDescription?: string;
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

function stringValue(s: string): CoreML.Specification.MILSpec.Value.$Properties {
  return {
    type: { tensorType: { dataType: MIL_DATA_TYPE_CODES.string } },
    immediateValue: { tensor: { strings: { values: [s] } } },
  };
}

/** An immediate tensor value. */
export function immediateTensor(v: MilConstValue): CoreML.Specification.MILSpec.TensorValue.$Properties {
  if (v.strings) return { strings: { values: [...v.strings] } };
  const b = v.bytes;
  const n = elementCount(v.type.shape);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (v.type.dataType) {
    case "fp32": return { floats: { values: Array.from({ length: n }, (_, i) => dv.getFloat32(i * 4, true)) } };
    case "int32": return { ints: { values: Array.from({ length: n }, (_, i) => dv.getInt32(i * 4, true)) } };
    case "int64": return { longInts: { values: Array.from({ length: n }, (_, i) => Number(dv.getBigInt64(i * 8, true))) } };
    case "fp64": return { doubles: { values: Array.from({ length: n }, (_, i) => dv.getFloat64(i * 8, true)) } };
    case "bool": return { bools: { values: Array.from(b, (x) => x !== 0) } };
    default: return { bytes: { values: b } };
  }
}

function featureDescription(e: IOEntry): CoreML.Specification.FeatureDescription.$Properties {
  return {
    name: e.coremlName,
    type: { multiArrayType: { shape: e.coremlShape, dataType: ARRAY_DATA_TYPE[e.coremlDataType] } },
  };
}

function sortedRecord<T>(entries: [string, T][]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

export function serializeModel(lowered: LoweredModel, options: SerializeOptions = {}): SerializedModel {
  const { program, target } = lowered;
  const weights = new WeightBlobWriter();
  let constants = 0;
  let blobConstants = 0;
  const ops = program.main.operations;
  const operations: CoreML.Specification.MILSpec.Operation.$Properties[] = [];
  ops.forEach((op: MilOperation, i) => {
    const attributes: [string, CoreML.Specification.MILSpec.Value.$Properties][] = [["name", stringValue(op.name)]];
    if (op.type === "const") {
      const v = op.value!;
      constants++;
      const type = milTensorType(v.type);
      if (v.bytes && isBlobEligible(v.type.dataType, elementCount(v.type.shape), target.ios)) {
        blobConstants++;
        const offset = weights.add(v.type.dataType, v.bytes);
        attributes.push(["val", { type, blobFileValue: { fileName: WEIGHT_FILE_REFERENCE, offset } }]);
      } else {
        attributes.push(["val", { type, immediateValue: { tensor: immediateTensor(v) } }]);
      }
    }
    const inputs = sortedRecord(Object.entries(op.inputs).map(([k, names]) => [k, { arguments: names.map((name) => ({ name })) }]));
    operations.push({
      type: op.type,
      inputs,
      outputs: op.outputs.map((o) => ({ name: o.name, type: milTensorType(o.type) })),
      attributes: sortedRecord(attributes),
    });
    if (options.onProgress && (i % 256 === 255 || i === ops.length - 1)) options.onProgress(i + 1, ops.length);
  });

  const io = {
    inputs: lowered.inputs,
    outputs: lowered.outputs,
  };
  const userDefined = sortedRecord<string>([
    [IO_METADATA_KEY, JSON.stringify(io)],
    [VERSION_METADATA_KEY, CONVERTER_VERSION],
    ...Object.entries(options.metadata ?? {}),
  ]);
  const fn = program.main;
  const model: CoreML.Specification.Model.$Properties = {
    specificationVersion: target.specificationVersion,
    description: {
      input: lowered.inputs.map(featureDescription),
      output: lowered.outputs.map(featureDescription),
      metadata: { shortDescription: options.shortDescription ?? "", userDefined },
    },
    mlProgram: {
      version: 1,
      functions: {
        main: {
          inputs: fn.inputs.map((i) => ({ name: i.name, type: milTensorType(i.type) })),
          opset: fn.opset,
          blockSpecializations: { [fn.opset]: { outputs: [...fn.outputs], operations } },
        },
      },
    },
  };
  const bytes = Spec.Model.encode(model).finish();
  return {
    model: bytes,
    weights,
    stats: { operations: ops.length - constants, constants, blobConstants, blobBytes: weights.byteLength },
  };
}

export { MIL };
