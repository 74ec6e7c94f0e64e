// webnn-coreml/node: the Node-only parts — graph files, package files and zips on disk, the CLI,
// and the stand-in host of the WKWebView bridge protocol.
export { loadGraphFile, graphFileStem, companionPaths, type GraphFileOptions } from "./graph-files.js";
export {
  writePackageDirectory, writePackageZipFile, writePackageZipToNodeStream, writePackagePath,
  readPackagePath, readPackageZipFile, listZipFile, type WriteOptions,
} from "./package-files.js";
export { main as runCli } from "./cli.js";
export { startBridgeHost, type BridgeHost, type BridgeHostOptions } from "./bridge-host.js";
