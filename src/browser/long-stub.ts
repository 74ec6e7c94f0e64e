// An empty stand-in for the "long" package in browser bundles. protobufjs loads "long" when it is
// installed (in a try/catch), and long.js compiles a small WebAssembly module as it loads, which a
// strict Content-Security-Policy (no 'wasm-unsafe-eval') reports as a violation. webnn-coreml reads
// 64-bit protobuf fields as plain numbers (src/serialization/proto/index.ts sets util.Long = null),
// so it never needs long.js: alias `long` to this module, as demo/vite.config.ts does.
const Long = null;
export default Long;
