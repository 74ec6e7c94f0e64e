// Writes a webnn-graph document (as graphToDocument makes it) in the `.webnn` text form that
// parser.ts reads back to the same document. Operand-valued options are written as bare names
// (`c=bias`), other strings quoted; numbers as JSON writes them.
import { GraphFormatError } from "../../errors.js";
import { isPlainObject } from "../../graph/shape-rules.js";
import { OPERATORS, isOperatorName } from "../../graph/operators.js";
import type { MLGraph } from "../../graph/operand.js";
import { writeSafetensors } from "../safetensors.js";
import { graphToDocument, IDENTIFIER_PATTERN } from "../webnn-json/write.js";
import { TEXT_DATA_TYPES } from "./parser.js";

const TEXT_TYPES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(TEXT_DATA_TYPES).map(([text, t]) => [t, text]));

const fail = (message: string): never => { throw new GraphFormatError(message, { rule: "serialize" }); };

function quote(s: string): string {
  if (/[\n\r]/.test(s)) fail(`the string ${JSON.stringify(s.slice(0, 40))} has a line break, which the text form cannot hold`);
  return `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

function name(s: unknown): string {
  if (typeof s !== "string" || !IDENTIFIER_PATTERN.test(s)) fail(`${JSON.stringify(s)} is not an identifier of the text form`);
  return s as string;
}

function type(desc: unknown): string {
  const d = desc as { dataType: string; shape: unknown[] };
  const t = TEXT_TYPES[d.dataType] ?? fail(`data type ${JSON.stringify(d.dataType)} has no text spelling`);
  const dims = d.shape.map((x) => (isPlainObject(x) ? `dyn(${quote(String(x.name))}, ${Number(x.maxSize)})` : String(x)));
  return `${t}[${dims.join(", ")}]`;
}

function value(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : String(v); // Infinity, -Infinity, NaN
  if (typeof v === "string") return quote(v);
  if (Array.isArray(v)) return `[${v.map(value).join(", ")}]`;
  return fail(`a value of type ${typeof v} cannot be written in the text form`);
}

export function documentToText(doc: Record<string, unknown>): string {
  const lines: string[] = [];
  const header = `webnn_graph ${quote(typeof doc.name === "string" ? doc.name : "graph")} v${doc.version === 1 ? 1 : 2}${doc.quantized ? " @quantized" : ""} {`;
  lines.push(header);
  const inputs = Object.entries((doc.inputs ?? {}) as Record<string, unknown>);
  if (inputs.length) {
    lines.push("  inputs {");
    for (const [n, d] of inputs) lines.push(`    ${name(n)}: ${type(d)};`);
    lines.push("  }");
  }
  const consts = Object.entries((doc.consts ?? {}) as Record<string, { init: Record<string, unknown> }>);
  if (consts.length) {
    lines.push("  consts {");
    for (const [n, c] of consts) {
      const init = c.init;
      let annotation: string;
      if (init.kind === "weights") annotation = `@weights(${quote(String(init.ref))})`;
      else if (init.kind === "scalar") annotation = `@scalar(${typeof init.value === "string" ? init.value : value(init.value)})`;
      else annotation = `@bytes([${(init.bytes as number[]).join(", ")}])`;
      lines.push(`    ${name(n)}: ${type(c)} ${annotation};`);
    }
    lines.push("  }");
  }
  const nodes = (doc.nodes ?? []) as Array<{ id: string; op: string; inputs: string[]; options: Record<string, unknown>; outputs: string[] | null }>;
  if (nodes.length) {
    lines.push("  nodes {");
    for (const n of nodes) {
      const target = n.outputs ? `[${n.outputs.map(name).join(", ")}]` : name(n.id);
      if (n.op === "") { lines.push(`    ${target} = ${name(n.inputs[0])};`); continue; }
      const operandOptions: readonly string[] = isOperatorName(n.op) ? OPERATORS[n.op].operandOptions : [];
      const args = [
        ...n.inputs.map(name),
        ...Object.entries(n.options).map(([k, v]) => `${name(k)}=${operandOptions.includes(k) && typeof v === "string" ? name(v) : value(v)}`),
      ];
      lines.push(`    ${target} = ${name(n.op)}(${args.join(", ")});`);
    }
    lines.push("  }");
  }
  // The text form lists outputs by value name; an output named apart from its value gets an alias.
  const outputMap = (doc.outputs ?? {}) as Record<string, string>;
  const aliases = Object.entries(outputMap).filter(([o, v]) => o !== v);
  if (aliases.length) {
    if (!nodes.length) lines.push("  nodes {");
    else lines.pop();
    for (const [o, v] of aliases) lines.push(`    ${name(o)} = ${name(v)};`);
    lines.push("  }");
  }
  const outputs = Object.keys(outputMap);
  lines.push(`  outputs { ${outputs.map((o) => `${name(o)};`).join(" ")} }`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** A graph as `.webnn` text and its safetensors sidecar (parts: header, then views of the constants' bytes). */
export interface GraphTextFiles {
  text: string;
  /** Absent when the graph has no constant for the sidecar. */
  safetensors?: Uint8Array[];
}

/** Writes a graph in the `.webnn` text form, as rustnn saves one: the text and `<stem>.safetensors`. */
export function writeGraphTextFiles(graph: MLGraph, options: { name?: string } = {}): GraphTextFiles {
  const { document, tensors } = graphToDocument(graph, { identifiers: true, name: options.name });
  const text = documentToText(document);
  return tensors.length ? { text, safetensors: writeSafetensors(tensors) } : { text };
}
