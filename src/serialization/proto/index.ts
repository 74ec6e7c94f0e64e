// The generated Core ML protobuf classes, with 64-bit integers read as plain numbers
// (offsets and sizes stay far below 2^53) rather than Long objects.
import { protobufRuntime } from "../../protobuf.js";

protobufRuntime();

export { CoreML } from "./coreml.js";
