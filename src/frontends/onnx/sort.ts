// ONNX graphs in topological order. The format asks for it, but files written by float16
// converters (onnxconverter-common's keep_io_types) append their Cast nodes at the end, and ONNX
// Runtime sorts before running; so do we. A node also depends on the outer values its subgraphs
// (If/Loop/Scan bodies) read. The order is stable: a sorted graph keeps its order exactly.
import { GraphFormatError } from "../../errors.js";
import type { OnnxGraph, OnnxNode } from "./proto.js";

const sorted = new WeakMap<OnnxGraph, OnnxNode[]>();

/** Names a subgraph reads that it does not define itself (its nested subgraphs included). */
function outerNames(graph: OnnxGraph, out: Set<string>): Set<string> {
  const defined = new Set<string>([...graph.inputs.map((v) => v.name), ...graph.initializers.map((t) => t.name)]);
  for (const n of graph.nodes) for (const o of n.outputs) if (o) defined.add(o);
  for (const n of graph.nodes) {
    for (const i of n.inputs) if (i && !defined.has(i)) out.add(i);
    for (const g of subgraphsOf(n)) for (const name of outerNames(g, new Set())) if (!defined.has(name)) out.add(name);
  }
  return out;
}

function subgraphsOf(node: OnnxNode): OnnxGraph[] {
  return node.attributes.flatMap((a) => [...(a.g ? [a.g] : []), ...a.graphs]);
}

/**
 * The graph's nodes in an order where each runs after the nodes computing its inputs (stable:
 * among ready nodes, the earliest in the file first). A cycle is a GraphFormatError naming its nodes.
 */
export function sortedNodes(graph: OnnxGraph): OnnxNode[] {
  const cached = sorted.get(graph);
  if (cached) return cached;
  const nodes = graph.nodes;
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => { for (const o of n.outputs) if (o && !producer.has(o)) producer.set(o, i); });
  // Each node's producers (in this graph), and the nodes waiting on each.
  const needs = nodes.map((n, i) => {
    const names = new Set(n.inputs.filter(Boolean));
    for (const g of subgraphsOf(n)) outerNames(g, names);
    return [...new Set([...names].map((x) => producer.get(x)).filter((p): p is number => p !== undefined && p !== i))];
  });
  if (needs.every((ps, i) => ps.every((p) => p < i))) { sorted.set(graph, nodes); return nodes; }
  const waiting = nodes.map(() => [] as number[]);
  const missing = needs.map((ps) => ps.length);
  needs.forEach((ps, i) => { for (const p of ps) waiting[p].push(i); });
  // Ready nodes by file position: a binary heap of indices.
  const heap: number[] = [];
  const push = (v: number) => { heap.push(v); for (let c = heap.length - 1; c > 0;) { const p = (c - 1) >> 1; if (heap[p] <= heap[c]) break; [heap[p], heap[c]] = [heap[c], heap[p]]; c = p; } };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let p = 0; ;) {
        const l = 2 * p + 1, r = l + 1;
        let m = p;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === p) break;
        [heap[p], heap[m]] = [heap[m], heap[p]];
        p = m;
      }
    }
    return top;
  };
  missing.forEach((k, i) => { if (k === 0) push(i); });
  const order: OnnxNode[] = [];
  while (heap.length) {
    const i = pop();
    order.push(nodes[i]);
    for (const w of waiting[i]) if (--missing[w] === 0) push(w);
  }
  if (order.length < nodes.length) throw new GraphFormatError(`the graph has a cycle: ${describeCycle(nodes, needs, missing)}`, { rule: "cycle" });
  sorted.set(graph, order);
  return order;
}

/** One cycle among the nodes left unsorted, as "A → B → A" (each node by name or first output). */
function describeCycle(nodes: OnnxNode[], needs: number[][], missing: number[]): string {
  const label = (i: number) => `${nodes[i].opType} "${nodes[i].name || nodes[i].outputs[0] || i}"`;
  let at = missing.findIndex((k) => k > 0);
  const seen = new Map<number, number>();
  const path: number[] = [];
  while (!seen.has(at)) {
    seen.set(at, path.length);
    path.push(at);
    at = needs[at].find((p) => missing[p] > 0)!;
  }
  const cycle = path.slice(seen.get(at)!).reverse();
  return [...cycle, cycle[0]].map(label).join(" → ");
}
