// eliminate-cast-pairs: a value cast to a type that holds all of its values and straight back,
// and a bool cast to a number then compared with 0 (WebNN's logical ops carry bools as numbers,
// so each comparison is cast out and tested back in, reshaped or not) → the value itself, or
// its logical_not for equal(·, 0) (coremltools' cast_optimization). The op becomes an identity, which eliminate-identities removes.
import type { MilDataType } from "../mil/program.js";
import { fusionPass, operation } from "./fusion.js";

/** Types each type widens into without losing a value. */
const WIDENS: Partial<Record<MilDataType, readonly MilDataType[]>> = {
  bool: ["int8", "uint8", "int16", "int32", "fp16", "fp32"],
  int8: ["int16", "int32", "fp16", "fp32"],
  uint8: ["int16", "int32", "fp16", "fp32"],
  int16: ["int32", "fp32"],
  uint16: ["int32", "fp32"],
  fp16: ["fp32"],
};

export const eliminateCastPairs = fusionPass({
  name: "eliminate-cast-pairs",
  roots: ["cast", "not_equal", "equal"],
  match: (op, t) => {
    const { g } = t;
    const out = op.outputs[0];
    let source: string | undefined;
    if (op.type === "cast") {
      const inner = g.producerOf(g.arg(op, "x"), "cast");
      const x = inner && g.arg(inner, "x");
      const mid = inner?.outputs[0].type.dataType;
      if (x !== undefined && mid && g.typeOf(x)?.dataType === out.type.dataType && WIDENS[out.type.dataType]?.includes(mid)) source = x;
    } else {
      const [a, b] = [g.arg(op, "x"), g.arg(op, "y")];
      for (const [c, z] of [[a, b], [b, a]]) {
        // Through reshapes (and identities): the bool reshaped instead.
        let v = c;
        while (g.producerOf(v, "reshape") || g.producerOf(v, "identity")) v = g.arg(g.producer(v)!, "x");
        const cast = g.producerOf(v, "cast");
        const x = cast && g.arg(cast, "x");
        if (x === undefined || g.typeOf(x)?.dataType !== "bool" || !g.isConstant(z, 0, 0)) continue;
        // equal(b as a number, 0): not b.
        if (op.type === "equal") {
          if (!g.hasType(c, out.type, false) || g.producerOf(c, "reshape")) return undefined;
          return [operation("logical_not", { x }, out, op.name)];
        }
        if (g.hasType(c, out.type, false) && !g.producerOf(c, "reshape")) { source = x; break; }
        const shape = t.constant(`${op.name}_shape`, "int32", [out.type.shape.length], out.type.shape);
        return [shape, operation("reshape", { x, shape: shape.outputs[0].name }, out, op.name)];
      }
    }
    if (source === undefined || !g.hasType(source, out.type)) return undefined;
    return [operation("identity", { x: source }, out, op.name)];
  },
});
