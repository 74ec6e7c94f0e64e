// webnn-coreml/runtime: run a converted package with the MIL reference runtime, a pure-TypeScript
// interpreter of ML Programs with Core ML's semantics (for tests and checks on any machine; on
// Apple devices Core ML itself runs the package, see webnn-coreml/bridge).
//
//   import { runPackage, tensorFromNumbers } from "webnn-coreml/runtime";
//   const out = await runPackage(zipBytes, { x: tensorFromNumbers("float32", [1, 4], [1, 2, 3, 4]) });
export {
  runPackage, runPackageContents, tensorFromNumbers, tensorValues, tensorsFromJson, tensorsToJson,
  type JsonNumber, type JsonTensor, type RunOptions, type WebNNData, type WebNNTensor,
} from "./run-package.js";
export * from "./runtime/index.js";
