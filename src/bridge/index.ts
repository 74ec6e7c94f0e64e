// webnn-coreml/bridge: run converted packages with Core ML through a WKWebView host
// (docs/bridge-protocol.md). Browser code; the Swift host is in bridge/apple/, a Node stand-in
// in src/node/bridge-host.ts.
export {
  CoreMLBridge, CoreMLBridgeModel,
  type CoreMLBridgeOptions, type BridgeGlobalConfig, type LoadOptions, type PackageSource,
} from "./client.js";
export {
  BridgeError, PROTOCOL_NAME, PROTOCOL_VERSION, DEFAULT_BASE_URL, DEFAULT_MESSAGE_HANDLER, CONFIG_GLOBAL,
  COMPUTE_UNITS, DEFAULT_LIMITS, ERROR_STATUS, encodeTensorMessage, decodeTensorMessage, isSafePackagePath,
  type BridgeErrorCode, type HostErrorCode, type ClientErrorCode, type BridgeInfo, type BridgeLimits,
  type BridgeTensor, type ComputeUnits, type TensorDescription, type WireDataType, type LoadResponse,
  type ControlMessage, type ControlReply,
} from "./protocol.js";
