// Values of rank above Core ML's 5 that only pass through a reshape → transpose → reshape chain
// (Swin's window partition and reverse: `view` to 6-D, `permute`, `view` back) are lowered at a
// smaller rank: axes that stay next to each other through the permutation are merged (and size-1
// axes dropped), which keeps every element where the chain puts it. Elementwise operations on
// such values (with operands of the same shape, or scalars) keep every element in place at any
// shape, so they take their input's merged shape; between two reshapes they run at the leading
// axes merged. Decided before lowering, so the lowerings of reshape and transpose only read the
// planned shapes and permutation, and elementwise ones follow their inputs' MIL shapes.
import { nodeInputOperands, type GraphNode, type MLGraph, type MLOperand } from "../graph/operand.js";

export interface RankPlan {
  /** Operands lowered at another (smaller) shape than their WebNN one, by operand id. */
  readonly shapes: ReadonlyMap<number, readonly number[]>;
  /** Transposes lowered with another permutation, by node id. */
  readonly permutations: ReadonlyMap<number, readonly number[]>;
}

/**
 * The smallest-rank equivalent of transposing `shape` by `perm`: the merged input shape, the
 * permutation over it and the merged output shape.
 */
export function mergeTransposeAxes(shape: readonly number[], perm: readonly number[]): { input: number[]; perm: number[]; output: number[] } {
  const kept = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  const rank = new Map(kept.map((a, k) => [a, k]));
  // Output order over the kept axes, cut into runs of input axes that stay consecutive.
  const groups: number[][] = [];
  for (const a of perm) {
    if (shape[a] === 1) continue;
    const last = groups[groups.length - 1];
    if (last && rank.get(a) === rank.get(last[last.length - 1])! + 1) last.push(a);
    else groups.push([a]);
  }
  const size = (g: number[]) => g.reduce((n, a) => n * shape[a], 1);
  const byInput = [...groups].sort((x, y) => x[0] - y[0]);
  return {
    input: byInput.map(size),
    perm: groups.map((g) => byInput.indexOf(g)),
    output: groups.map(size),
  };
}

/**
 * Operations that compute each element from the elements at the same place alone (whose
 * lowerings follow their inputs' MIL shapes): at rank above 5 they run at any merged shape.
 */
const ELEMENTWISE = new Set(["relu", "sigmoid", "tanh", "exp", "abs", "neg", "identity", "clamp", "add", "sub", "mul", "div", "max", "min"]);

/** Plans the chains whose values have rank above `maxRank` and reduce to at most it. */
export function planRankReduction(graph: MLGraph, maxRank: number): RankPlan {
  const shapes = new Map<number, readonly number[]>();
  const permutations = new Map<number, readonly number[]>();
  if (!graph.nodes.some((n) => n.outputs.some((o) => o.shape.length > maxRank))) return { shapes, permutations };
  const readers = new Map<number, GraphNode[]>();
  for (const n of graph.nodes) for (const o of nodeInputOperands(n)) (readers.get(o.id) ?? readers.set(o.id, []).get(o.id)!).push(n);
  const outputs = new Set(graph.outputs.map((o) => o.operand.id));
  const onlyRead = (o: MLOperand, ok: (n: GraphNode) => boolean) => !outputs.has(o.id) && (readers.get(o.id) ?? []).length > 0 && readers.get(o.id)!.every(ok);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  // An elementwise node over high-rank values of one shape (other operands scalars), whose
  // result in turn only reaches reshapes through such nodes.
  const flows = new Map<number, boolean>();
  const elementwiseLink = (n: GraphNode): boolean => {
    if (!ELEMENTWISE.has(n.op) || n.outputs[0].shape.length <= maxRank) return false;
    if (!flows.has(n.id)) {
      flows.set(n.id, false);
      const out = n.outputs[0];
      flows.set(n.id, nodeInputOperands(n).every((o) => o.shape.length === 0 || same(o.shape, out.shape)) && onlyRead(out, chainReader));
    }
    return flows.get(n.id)!;
  };
  const chainReader = (n: GraphNode): boolean => n.op === "reshape" || elementwiseLink(n);
  for (const t of graph.nodes) {
    if (t.op !== "transpose" || t.outputs[0].shape.length <= maxRank) continue;
    const input = t.inputs.input;
    const output = t.outputs[0];
    if (input.producer?.op !== "reshape" || !onlyRead(input, (n) => n === t) || !onlyRead(output, chainReader)) continue;
    const merged = mergeTransposeAxes(input.shape, t.attributes.permutation);
    if (merged.input.length > maxRank || merged.input.length === 0) continue;
    shapes.set(input.id, merged.input);
    shapes.set(output.id, merged.output);
    permutations.set(t.id, merged.perm);
  }
  for (const n of graph.nodes) {
    const out = n.outputs[0];
    if (!out || out.shape.length <= maxRank || shapes.has(out.id)) continue;
    if (n.op === "reshape" && onlyRead(out, (r) => r.op === "reshape" || elementwiseLink(r))) {
      // Between reshapes any shape holds the elements in order: the leading axes merged.
      const lead = out.shape.length - maxRank + 1;
      shapes.set(out.id, [out.shape.slice(0, lead).reduce((a, d) => a * d, 1), ...out.shape.slice(lead)]);
    } else if (elementwiseLink(n)) {
      const planned = nodeInputOperands(n).filter((o) => o.shape.length > maxRank).map((o) => shapes.get(o.id));
      if (planned.length && planned.every((p) => p && same(p, planned[0]!))) shapes.set(out.id, planned[0]!);
    }
  }
  return { shapes, permutations };
}
