// Values of rank above Core ML's 5 that only pass through a reshape → transpose → reshape chain
// (Swin's window partition and reverse: `view` to 6-D, `permute`, `view` back) are lowered at a
// smaller rank: axes that stay next to each other through the permutation are merged (and size-1
// axes dropped), which keeps every element where the chain puts it. Decided before lowering, so
// the lowerings of reshape and transpose only read the planned shapes and permutation.
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

/** Plans the chains whose transposes have rank above `maxRank` and reduce to at most it. */
export function planRankReduction(graph: MLGraph, maxRank: number): RankPlan {
  const shapes = new Map<number, readonly number[]>();
  const permutations = new Map<number, readonly number[]>();
  if (!graph.nodes.some((n) => n.op === "transpose" && n.outputs[0].shape.length > maxRank)) return { shapes, permutations };
  const readers = new Map<number, GraphNode[]>();
  for (const n of graph.nodes) for (const o of nodeInputOperands(n)) (readers.get(o.id) ?? readers.set(o.id, []).get(o.id)!).push(n);
  const outputs = new Set(graph.outputs.map((o) => o.operand.id));
  const onlyRead = (o: MLOperand, ok: (n: GraphNode) => boolean) => !outputs.has(o.id) && (readers.get(o.id) ?? []).length > 0 && readers.get(o.id)!.every(ok);
  for (const t of graph.nodes) {
    if (t.op !== "transpose" || t.outputs[0].shape.length <= maxRank) continue;
    const input = t.inputs.input;
    const output = t.outputs[0];
    if (input.producer?.op !== "reshape" || !onlyRead(input, (n) => n === t) || !onlyRead(output, (n) => n.op === "reshape")) continue;
    const merged = mergeTransposeAxes(input.shape, t.attributes.permutation);
    if (merged.input.length > maxRank || merged.input.length === 0) continue;
    shapes.set(input.id, merged.input);
    shapes.set(output.id, merged.output);
    permutations.set(t.id, merged.perm);
  }
  return { shapes, permutations };
}
