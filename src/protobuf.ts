// protobufjs's runtime, configured once for every reader and writer of the project: 64-bit
// integers as plain numbers (offsets, sizes and dims stay far below 2^53), never Long objects.
// A function, not a module side effect: the package declares its modules free of those.
import $protobuf from "protobufjs/minimal.js";

let configured = false;

export function protobufRuntime(): typeof $protobuf {
  if (!configured) {
    $protobuf.util.Long = null as unknown as typeof $protobuf.util.Long;
    $protobuf.configure();
    configured = true;
  }
  return $protobuf;
}
