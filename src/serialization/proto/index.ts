// The generated Core ML protobuf classes, with 64-bit integers read as plain numbers
// (offsets and sizes stay far below 2^53) rather than Long objects.
import $protobuf from "protobufjs/minimal.js";

$protobuf.util.Long = null as unknown as typeof $protobuf.util.Long;
$protobuf.configure();

export { CoreML } from "./coreml.js";
