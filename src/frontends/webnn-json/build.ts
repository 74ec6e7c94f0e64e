// Builds a webnn-graph JSON document with MLGraphBuilder: every name defined once, every
// reference to a defined name, nodes in dependency order, each node's call made through the
// signature table (graph/apply-operator.ts), so the builder's WebNN validation applies.
import { makeError, UnsupportedError, WebNNCoreMLError, type ErrorDetails } from "../../errors.js";
import { applyOperator, referencedOperandNames, resolveOperandArguments } from "../../graph/apply-operator.js";
import { MLGraphBuilder } from "../../graph/builder.js";
import type { MLGraph, MLOperand } from "../../graph/operand.js";
import { OPERATORS, type OperatorName } from "../../graph/operators.js";
import { isPlainObject } from "../../graph/shape-rules.js";
import { byteLengthOf, shapeToString, type MLOperandDescriptor } from "../../graph/types.js";
import { describeJson } from "../json-text.js";
import { formatError, type GraphJsonConst, type GraphJsonDocument, type GraphJsonNode } from "./document.js";
import { adaptConverterForms, constantNode, isConstantNode, nodeOperator, splitNodeArguments } from "./operators.js";
import { resolveFreeDimensions } from "./dimensions.js";
import { lookupWeightTensor } from "./tensor-lookup.js";
import { weightTensorBytes, type WeightTensors } from "../safetensors.js";
import { checkWeightsHeader, constDescriptor, parseWeightsManifest, scalarBytes, weightBytes, weightsError, type WeightsManifest } from "./weights.js";
import { setOwn } from "../../records.js";

export interface GraphJsonSources {
  /** The whole .weights file (with or without the WGWT header). Constants become views into it. */
  weights?: Uint8Array;
  /** The weights manifest: parsed JSON, or a JSON string (or its UTF-8 bytes). */
  manifest?: unknown;
  /** Named tensors (a safetensors file: readSafetensors / readSafetensorsBlob), in place of weights + manifest. */
  tensors?: WeightTensors;
  /** Sizes for the graph's named dimensions (`dyn("batch", 8)` / `{name, maxSize}`), each at most its declared maximum. */
  freeDimensions?: Readonly<Record<string, number>>;
}

/** True when some constant of the document refers to the weights file. */
export function graphJsonNeedsWeights(doc: GraphJsonDocument): boolean {
  return doc.consts.some((c) => c.init.kind === "weights");
}

/** A node as the builder will call it: its operator and arguments with operands still named. */
interface PlannedNode {
  op: OperatorName;
  args: Record<string, unknown>;
  options: Record<string, unknown>;
  multi: boolean;
}

/** Builds the document with MLGraphBuilder. */
export function buildGraphFromDocument(doc: GraphJsonDocument, sources: GraphJsonSources = {}): MLGraph {
  if (!isPlainObject(sources)) sources = {};
  const weights = sources.weights;
  if (weights !== undefined && !(weights instanceof Uint8Array)) {
    weightsError(`the weights file must be given as a Uint8Array, got ${describeJson(weights)}`, "weights-type");
  }

  // ---- names: inputs, constants, node results
  const defined = new Map<string, string>(); // name → what defines it (for messages)
  const define = (name: string, what: string, details: ErrorDetails) => {
    const prev = defined.get(name);
    if (prev !== undefined) formatError(`the name "${name}" is defined twice: by ${prev} and by ${what}`, "duplicate-name", details);
    defined.set(name, what);
  };
  for (const [name] of doc.inputs) define(name, `input "${name}"`, { operator: "input", operand: name });
  for (const c of doc.consts) define(c.name, `constant "${c.name}"`, { operator: "constant", operand: c.name });

  const plans: (PlannedNode | undefined)[] = [];
  const producer = new Map<string, number>(); // value name → node index
  for (const node of doc.nodes) {
    let plan: PlannedNode | undefined;
    if (!isConstantNode(node)) {
      const op = nodeOperator(node);
      if (!op) {
        throw new UnsupportedError(`node "${node.id}" uses unknown operator "${node.op}", which is not a WebNN MLGraphBuilder method`, { operator: node.op, operand: node.id, rule: "unknown-operator" });
      }
      plan = { op, ...splitNodeArguments(node, op), multi: OPERATORS[op].returns === "sequence" };
    }
    plans.push(plan);
    // A single-result node is named by its id (and by its one "outputs" name, if given); a
    // multi-result node (split, lstm, …) by its "outputs" names only, as webnn-graph's emitters do.
    const results = new Set<string>(plan?.multi ? node.outputs ?? [] : [node.id, ...(node.outputs ?? [])]);
    for (const name of results) {
      define(name, `node "${node.id}"`, { operator: node.op, operand: node.id });
      producer.set(name, node.index);
    }
  }

  // ---- references: every name must exist
  const deps: number[][] = doc.nodes.map(() => []);
  for (const [k, node] of doc.nodes.entries()) {
    const plan = plans[k];
    if (!plan) continue;
    for (const { name, via } of referencedOperandNames(plan.op, plan.args, plan.options)) {
      if (!defined.has(name)) {
        const multi = doc.nodes.find((n) => n.id === name && n.outputs && plans[n.index]?.multi);
        const hint = multi ? ` (node "${name}" has several results; refer to one of ${multi.outputs!.map((o) => `"${o}"`).join(", ")})` : "";
        formatError(`node "${node.id}" (${via}) refers to "${name}", which is not an input, constant or node result${hint}`, "dangling-operand", { operator: node.op, operand: name });
      }
      const p = producer.get(name);
      if (p !== undefined) deps[k].push(p);
    }
  }
  for (const [oname, ref] of doc.outputs) {
    if (!defined.has(ref)) formatError(`output "${oname}" refers to "${ref}", which is not an input, constant or node result`, "dangling-operand", { operator: "build", operand: ref });
  }

  // ---- dependency order
  const order = topologicalOrder(doc.nodes, deps);

  // ---- build
  const builder = new MLGraphBuilder();
  const values = new Map<string, MLOperand>();
  for (const [name, desc] of resolveFreeDimensions(doc.inputs, sources.freeDimensions)) values.set(name, builder.input(name, desc as MLOperandDescriptor));

  let manifest: WeightsManifest | undefined;
  let dataStart = 0;
  const tensors = sources.tensors instanceof Map ? sources.tensors : undefined;
  if (graphJsonNeedsWeights(doc) && !tensors) {
    if (sources.manifest !== undefined && sources.manifest !== null) manifest = parseWeightsManifest(sources.manifest);
    if (weights) dataStart = checkWeightsHeader(weights);
  }
  for (const c of doc.consts) {
    const desc = constDescriptor(c);
    let bytes: Uint8Array;
    if (c.init.kind === "weights" && tensors) {
      const what = c.init.ref === c.name ? `constant "${c.name}"` : `constant "${c.name}" (weights key "${c.init.ref}")`;
      bytes = weightTensorBytes(lookupWeightTensor(tensors, c.init.ref, what), desc.dataType, desc.shape, what);
    } else if (c.init.kind === "weights") bytes = weightBytes(c as GraphJsonConst & { init: { kind: "weights" } }, desc, manifest, weights, dataStart);
    else if (c.init.kind === "scalar") bytes = scalarBytes(c.name, desc, c.init.value);
    else {
      bytes = c.init.bytes;
      const expected = byteLengthOf(desc);
      if (bytes.byteLength !== expected) {
        weightsError(`constant "${c.name}" has ${bytes.byteLength} inline bytes, but ${desc.dataType} ${shapeToString(desc.shape)} needs ${expected}`, "byte-length", { operator: "constant", operand: c.name });
      }
    }
    values.set(c.name, builder.constant(desc, bytes, c.name));
  }

  const get = (name: string) => values.get(name)!; // every name was checked to exist and ordered before use
  for (const k of order) {
    const node = doc.nodes[k];
    const plan = plans[k];
    if (!plan) {
      values.set(node.id, constantNode(builder, node));
      continue;
    }
    const results = withNodeName(node, () => {
      const call = adaptConverterForms(node, resolveOperandArguments(plan.op, plan.args, plan.options, get));
      return applyOperator(builder, call);
    });
    if (plan.multi) {
      if (node.outputs) {
        if (node.outputs.length !== results.length) {
          formatError(`node "${node.id}" names ${node.outputs.length} outputs, but ${node.op} produced ${results.length}`, "output-count", { operator: node.op, operand: node.id });
        }
        node.outputs.forEach((name, i) => values.set(name, results[i]));
      }
    } else {
      values.set(node.id, results[0]);
      if (node.outputs) {
        if (node.outputs.length !== 1) formatError(`node "${node.id}" names ${node.outputs.length} outputs, but ${node.op} has one result`, "output-count", { operator: node.op, operand: node.id });
        values.set(node.outputs[0], results[0]);
      }
    }
  }

  // ---- outputs (an input or constant cannot be a WebNN output: it goes through identity)
  const outputs: Record<string, MLOperand> = {};
  for (const [oname, ref] of doc.outputs) {
    const v = values.get(ref);
    if (!v) formatError(`output "${oname}" refers to "${ref}", which has no value`, "dangling-operand", { operator: "build", operand: ref });
    // An own property even for a name like "__proto__" (names come from the file).
    setOwn(outputs, oname, v.kind === "output" ? v : builder.identity(v, { label: oname }));
  }
  return builder.buildSync(outputs);
}

function topologicalOrder(nodes: readonly GraphJsonNode[], deps: number[][]): number[] {
  const n = nodes.length;
  const indegree = new Array<number>(n).fill(0);
  const users: number[][] = nodes.map(() => []);
  for (let k = 0; k < n; k++) {
    for (const d of new Set(deps[k])) {
      indegree[k]++;
      users[d].push(k);
    }
  }
  // Ready nodes come out lowest document index first, so a document already in order keeps it.
  const order: number[] = [];
  const ready = new MinHeap();
  for (let k = 0; k < n; k++) if (indegree[k] === 0) ready.push(k);
  while (ready.size) {
    const k = ready.pop();
    order.push(k);
    for (const u of users[k]) if (--indegree[u] === 0) ready.push(u);
  }
  if (order.length === n) return order;
  // Find a cycle: from any unordered node, follow unordered dependencies until a node repeats.
  const done = new Set(order);
  let k = 0;
  while (done.has(k)) k++;
  const path: number[] = [];
  const seenAt = new Map<number, number>();
  while (!seenAt.has(k)) {
    seenAt.set(k, path.length);
    path.push(k);
    k = deps[k].find((d) => !done.has(d))!;
  }
  const cycle = path.slice(seenAt.get(k)!).map((i) => nodes[i].id);
  const first = nodes[k];
  formatError(`node "${first.id}" is part of a dependency cycle: ${[...cycle, cycle[0]].map((id) => `"${id}"`).join(" → ")}`, "cycle", { operator: first.op, operand: first.id });
}

class MinHeap {
  private readonly a: number[] = [];
  get size(): number { return this.a.length; }
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= a.length) break;
        if (c + 1 < a.length && a[c + 1] < a[c]) c++;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Runs fn; a typed error that names no operand is thrown again (same class and rule) naming the node. */
function withNodeName<T>(node: GraphJsonNode, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WebNNCoreMLError && e.operand === undefined) {
      const prefix = e.operator ? `operator ${e.operator}: ` : "";
      const message = prefix && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      throw makeError(e.kind, message, { operator: e.operator ?? node.op, operand: node.id, rule: e.rule });
    }
    throw e;
  }
}


