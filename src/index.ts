// webnn-coreml: WebNN graphs → Core ML ML Program packages. Runs in browsers, workers and Node.
export { MLGraphBuilder } from "./graph/builder.js";
export { MLOperand, type MLGraph, type GraphNode, type NamedOperand } from "./graph/operand.js";
export type { MLOperandDataType, MLOperandDescriptor } from "./graph/types.js";
export type * from "./graph/options.js";
export { OPERATORS, OPERATOR_NAMES, type OperatorName, type OperatorSignature } from "./graph/operators.js";
export {
  WebNNCoreMLError, GraphValidationError, UnsupportedError, GraphFormatError, WeightsError, PackageFormatError,
  RuntimeError, ERROR_RULES, errorFromJSON, type ErrorKind, type ErrorDetails, type ErrorRule,
} from "./errors.js";
export { readGraphJson, readGraphJsonWithName, type GraphJsonSources } from "./frontends/webnn-json/index.js";
export { readGraphText, readGraphTextWithName, isGraphText } from "./frontends/webnn-text/index.js";
export { writeGraphTextFiles, type GraphTextFiles } from "./frontends/webnn-text/writer.js";
export { writeGraphJsonFiles, type GraphJsonFiles } from "./frontends/webnn-json/write.js";
export { readSafetensors, readSafetensorsBlob, writeSafetensors, type WeightTensor, type WeightTensors } from "./frontends/safetensors.js";
export {
  importOnnx, importOnnxDetailed,
  type OnnxImportOptions, type OnnxImportResult, type OnnxSource, type OnnxExternalData, type OnnxInputValue,
} from "./frontends/onnx/import.js";
export { describeOnnx, type OnnxModelSummary, type OnnxValueSummary } from "./frontends/onnx/describe.js";
export { SUPPORTED_ONNX_OPERATORS } from "./frontends/onnx/ops/index.js";
export { lowerGraph, supportedOperators, resolveTarget, TARGETS, DEFAULT_TARGET, type TargetName, type IOEntry } from "./lowering/index.js";
export { serializeModel } from "./serialization/model-writer.js";
export { parseModel, type ParsedModel } from "./serialization/model-reader.js";
export { createPackage, fileBytes, findFile, packageSize, type MLPackage, type PackageFile } from "./packaging/package.js";
export {
  packageToZipBytes, packageToZipBlob, packageToZipParts, packageToZipStream, writePackageZip,
  type ZipArchive, type ZipChunkWriter, type ZipOptions, type ZipTarget,
} from "./packaging/zip.js";
export { readZipEntries } from "./packaging/zip-reader.js";
export { crc32, crc32Js, setCrc32, type Crc32Function } from "./packaging/crc32.js";
export { PLATFORM_LIMITS, PlatformLimitError, currentPlatform, resolveLimits, type PlatformLimits, type PlatformName } from "./limits.js";
export { readPackage, readPackageZip, readPackageFiles, stripPackageRoot, type ReadPackage } from "./packaging/reader.js";
export { milToText } from "./mil/text.js";
export {
  convertGraph, convertGraphDetailed, convertGraphToZip, convertFunctions, convertFunctionsDetailed, checkGraphLimits, mergeMetadata,
  type ConvertFunctionsOptions, type ModelFunction, type ConvertOptions, type ConvertProgress, type ConvertWarning, type ConvertResult, type ConvertStage, type ConvertToZipOptions,
} from "./convert.js";
export { serializeGraph, deserializeGraph, serializedGraphTransferables, type SerializedGraph } from "./graph/serialize.js";
export type { ImageColorSpace, ModelMetadata } from "./mil/model.js";
export type { ImageOptions } from "./lowering/lower-graph.js";
export { parseCompressMode, type CompressOptions, type PaletteBits } from "./passes/compress-options.js";
export { summarizeConversion, type ConversionSummary, type IOSummary } from "./summary.js";
