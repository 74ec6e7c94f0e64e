// webnn-coreml/node: the Node-only parts — graph files, package files and zips on disk, the CLI.

export {
  loadGraphFile, graphFileStem, companionPaths, companionCandidates, readSafetensorsFile, writeGraphFiles, graphOutputForm,
  type GraphFileOptions, type WeightsLocation,
} from "./graph-files.js";
export {
  writePackageDirectory, writePackageZipFile, writePackageZipToNodeStream, writePackagePath,
  readPackagePath, readPackageZipFile, listZipFile, type WriteOptions,
} from "./package-files.js";
export { main as runCli } from "./cli.js";
export { loadOnnxFile, loadModelFile, loadModelFileFunctions, describeOnnxFile, isOnnxFile, type LoadedModel } from "./onnx-files.js";
// The bridge protocol's stand-in host (src/node/bridge-host.ts) is for this repository's tests and is not part of the package.
