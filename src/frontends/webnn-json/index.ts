// Reader for webnn-graph JSON documents ("format": "webnn-graph-json", versions 1 and 2), the
// canonical JSON form of the webnn-graph project, with weights from a "wg-weights-manifest" and
// a ".weights" file: parsing (document.ts), weights and constant bytes (weights.ts), the
// webnn-graph dialect of operator calls (operators.ts) and building (build.ts). No Node-only
// imports: this runs in Web Workers too.
import type { MLGraph } from "../../graph/operand.js";
import { buildGraphFromDocument, type GraphJsonSources } from "./build.js";
import { parseGraphJsonDocument } from "./document.js";

/** Reads a webnn-graph JSON document and builds it with MLGraphBuilder. */
export function readGraphJson(json: string | Uint8Array | object, sources?: GraphJsonSources): MLGraph {
  return readGraphJsonWithName(json, sources).graph;
}

/** As readGraphJson, and also returns the graph's name from the document, if it has one. */
export function readGraphJsonWithName(json: string | Uint8Array | object, sources?: GraphJsonSources): { graph: MLGraph; name?: string } {
  const doc = parseGraphJsonDocument(json);
  return { graph: buildGraphFromDocument(doc, sources), name: doc.name };
}

export { buildGraphFromDocument, graphJsonNeedsWeights, type GraphJsonSources } from "./build.js";
export {
  GRAPH_JSON_FORMAT, parseGraphJsonDocument,
  type ConstInitJson, type GraphJsonConst, type GraphJsonDocument, type GraphJsonNode,
} from "./document.js";
export {
  hasWeightsHeader, parseWeightsManifest, WEIGHTS_FILE_VERSION, WEIGHTS_HEADER_SIZE, WEIGHTS_MAGIC, WEIGHTS_MANIFEST_FORMAT,
  type WeightsManifest, type WeightsManifestEntry,
} from "./weights.js";
export { decodeBase64 } from "../json-text.js";
