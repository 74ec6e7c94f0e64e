// What a page or `inspect` needs to know about an ONNX model before converting it: its inputs
// with their symbolic dimensions, the inputs that decide control flow (If conditions, which must
// be pinned), opsets, operator counts and the operators the importer does not support.
import { onnxOp } from "./ops/index.js";
import { decodeOnnxModel, forEachNode, type OnnxGraph } from "./proto.js";
import { onnxTypeName } from "./tensor.js";

export interface OnnxValueSummary {
  name: string;
  /** ONNX element type, lower case ("float", "int64", …). */
  elementType: string;
  /** Sizes, dim_param names, or null for an unnamed unknown dimension; undefined when even the rank is unknown. */
  dims?: (number | string | null)[];
}

export interface OnnxModelSummary {
  irVersion: number;
  producer: string;
  opsets: Record<string, number>;
  inputs: OnnxValueSummary[];
  outputs: OnnxValueSummary[];
  /** dim_param names of the inputs, in order of appearance. */
  freeDimensions: string[];
  /** Inputs an If condition depends on: convert with their values given (inputValues). */
  controlInputs: string[];
  initializers: number;
  operators: Record<string, number>;
  unsupported: string[];
}

export function describeOnnx(bytes: Uint8Array): OnnxModelSummary {
  const m = decodeOnnxModel(bytes);
  const inits = new Set(m.graph.initializers.map((t) => t.name));
  const value = (v: { name: string; elemType: number; shape?: { value?: number; param?: string }[] }): OnnxValueSummary => ({
    name: v.name, elementType: onnxTypeName(v.elemType).toLowerCase(),
    dims: v.shape?.map((d) => d.param ?? (d.value !== undefined ? d.value : null)),
  });
  const inputs = m.graph.inputs.filter((i) => !inits.has(i.name)).map(value);
  const operators: Record<string, number> = {};
  const unsupported = new Set<string>();
  forEachNode(m.graph, (n) => {
    const k = n.domain ? `${n.domain}:${n.opType}` : n.opType;
    operators[k] = (operators[k] ?? 0) + 1;
    if (!onnxOp(n.opType, n.domain)) unsupported.add(k);
  });
  return {
    irVersion: m.irVersion,
    producer: [m.producerName, m.producerVersion].filter(Boolean).join(" "),
    opsets: Object.fromEntries([...m.opsetImport].map(([d, v]) => [d || "ai.onnx", v])),
    inputs,
    outputs: m.graph.outputs.map(value),
    freeDimensions: [...new Set(inputs.flatMap((i) => (i.dims ?? []).filter((d): d is string => typeof d === "string")))],
    controlInputs: controlInputs(m.graph, new Set(inputs.map((i) => i.name))),
    initializers: m.graph.initializers.length,
    operators,
    unsupported: [...unsupported].sort(),
  };
}

/** Graph inputs that any If condition is computed from (walking producers backwards). */
function controlInputs(graph: OnnxGraph, inputs: ReadonlySet<string>): string[] {
  const producer = new Map<string, string[]>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n.inputs);
  const found = new Set<string>();
  const seen = new Set<string>();
  const walk = (name: string) => {
    if (!name || seen.has(name)) return;
    seen.add(name);
    if (inputs.has(name)) found.add(name);
    for (const i of producer.get(name) ?? []) walk(i);
  };
  for (const n of graph.nodes) if (n.opType === "If") walk(n.inputs[0]);
  return [...inputs].filter((i) => found.has(i));
}

