// matmul operands as exporters leave them around attention: a transpose of the last two axes
// becomes matmul's transpose_x / transpose_y, and scalar scales on both operands (Q·c and K·c,
// splitting 1/√d) become one on x — as coremltools' torch frontend writes attention before
// iOS 18: one mul, matmul(transpose_y = true).
import type { MilOperation } from "../mil/program.js";
import { fusionPass, operation, type FusionTools } from "./fusion.js";

function swapsLastTwo(perm: number[] | undefined): boolean {
  const r = perm?.length ?? 0;
  return r >= 2 && perm!.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 2 ? r - 1 : r - 2)));
}

/** `name` = x · c (c a scalar const) read by `reader` alone: [x, c]. */
function scaledBy(t: FusionTools, name: string, reader: MilOperation): [string, number] | undefined {
  const m = t.g.producerOf(name, "mul");
  const split = m && t.g.onlyFeeds(name, reader) ? t.g.splitConst(m) : undefined;
  const c = split ? t.g.constValues(split[0]) : undefined;
  return c && c.length === 1 ? [split![1], c[0]] : undefined;
}

export const fuseMatmulOperands = fusionPass({
  name: "fuse-matmul-operands",
  roots: ["matmul"],
  match: (op, t) => {
    const { g } = t;
    if (op.type !== "matmul") return undefined;
    let x = g.arg(op, "x")!, y = g.arg(op, "y")!;
    let tx = g.isConstant(g.arg(op, "transpose_x"), 1), ty = g.isConstant(g.arg(op, "transpose_y"), 1);
    let readerX: MilOperation = op, readerY: MilOperation = op;
    let scale = 1, changed = false;
    const sx = scaledBy(t, x, op), sy = scaledBy(t, y, op);
    // Only a scale on each side is worth moving: two muls become one.
    if (sx && sy) {
      readerX = g.producer(x)!; readerY = g.producer(y)!;
      [x, scale] = [sx[0], sx[1] * sy[1]];
      y = sy[0];
      changed = true;
    }
    const unTranspose = (name: string, reader: MilOperation): string | undefined => {
      const tr = g.producerOf(name, "transpose");
      return tr && g.onlyFeeds(name, reader) && swapsLastTwo(g.constValues(g.arg(tr, "perm"))) ? g.arg(tr, "x") : undefined;
    };
    const ux = unTranspose(x, readerX), uy = unTranspose(y, readerY);
    if (ux !== undefined) { x = ux; tx = !tx; changed = true; }
    if (uy !== undefined) { y = uy; ty = !ty; changed = true; }
    if (!changed) return undefined;
    const out: MilOperation[] = [];
    const xType = g.producer(x)?.outputs.find((o) => o.name === x)?.type ?? g.fn.inputs.find((i) => i.name === x)?.type;
    if (!xType) return undefined;
    if (scale !== 1) {
      const c = t.constant("scale", xType.dataType, [], [scale]);
      const scaled = { name: t.fresh(`${x}_scaled`), type: xType };
      out.push(c, operation("mul", { x, y: c.outputs[0].name }, scaled));
      x = scaled.name;
    }
    const flag = (v: boolean) => { const c = t.constant(v ? "bool_true" : "bool_false", "bool", [], [v ? 1 : 0]); out.push(c); return c.outputs[0].name; };
    const flags = { transpose_x: flag(tx), transpose_y: flag(ty) };
    return [...out, operation("matmul", { x, y, ...flags }, op.outputs[0], op.name)];
  },
});
