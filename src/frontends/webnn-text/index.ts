// Reader of the `.webnn` text form (rustnn's and webnn-graph's default): parsed into the
// webnn-graph JSON document it stands for (parser.ts) and built by the JSON reader's one path
// into MLGraphBuilder, so both forms give the same graph and the same validation. Errors after
// parsing that concern a name defined in the text say on which line. No Node-only imports.
import { WebNNCoreMLError } from "../../errors.js";
import type { MLGraph } from "../../graph/operand.js";
import { decodeUtf8 } from "../json-text.js";
import { buildGraphFromDocument, type GraphJsonSources } from "../webnn-json/build.js";
import { parseGraphJsonDocument, formatError, type GraphJsonDocument } from "../webnn-json/document.js";
import { parseGraphText } from "./parser.js";

/** True when the bytes (or text) look like the `.webnn` text form (after whitespace and comments). */
export function isGraphText(data: string | Uint8Array): boolean {
  const head = typeof data === "string" ? data.slice(0, 4096) : new TextDecoder().decode(data.subarray(0, 4096));
  return /^\uFEFF?(\s|#[^\n]*\n)*webnn_graph\b/.test(head);
}

function textOf(data: string | Uint8Array): string {
  return typeof data === "string" ? data : decodeUtf8(data, "the graph file", (m) => formatError(m, "syntax"));
}

/** Parses `.webnn` text into its checked webnn-graph document, and where each name is defined. */
export function parseGraphTextDocument(data: string | Uint8Array): { document: GraphJsonDocument; lines: Map<string, number> } {
  const { document, lines } = parseGraphText(textOf(data));
  return { document: parseGraphJsonDocument(document), lines };
}

/** Reads `.webnn` text and builds it with MLGraphBuilder. */
export function readGraphText(data: string | Uint8Array, sources?: GraphJsonSources): MLGraph {
  return readGraphTextWithName(data, sources).graph;
}

/** As readGraphText, and also returns the graph's name from its header. */
export function readGraphTextWithName(data: string | Uint8Array, sources?: GraphJsonSources): { graph: MLGraph; name?: string } {
  const { document, lines } = parseGraphTextDocument(data);
  try {
    return { graph: buildGraphFromDocument(document, sources), name: document.name };
  } catch (e) {
    throw withLine(e, lines);
  }
}

/** Adds "(line N)" to an error about a name the text defines. */
export function withLine(e: unknown, lines: ReadonlyMap<string, number>): unknown {
  if (!(e instanceof WebNNCoreMLError) || /\(line \d+\)$/.test(e.message)) return e;
  // The node the message is about, else the operand it names.
  const node = /node "([^"]+)"/.exec(e.message)?.[1];
  const name = node !== undefined && lines.has(node) ? node : e.operand;
  if (name !== undefined && lines.has(name)) e.message = `${e.message} (line ${lines.get(name)})`;
  return e;
}

export { parseGraphText } from "./parser.js";
