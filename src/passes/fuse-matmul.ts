// matmul operands as exporters leave them around attention: a transpose of the last two axes
// becomes matmul's transpose_x / transpose_y, and scalar scales on both operands (Q·c and K·c,
// splitting 1/√d) become one on x — as coremltools' torch frontend writes attention before
// iOS 18: one mul, matmul(transpose_y = true).
import type { MilOperation } from "../mil/program.js";
import { fusionPass, operation } from "./fusion.js";
import { swapsLastTwo } from "./use-def.js";

export const fuseMatmulOperands = fusionPass({
  name: "fuse-matmul-operands",
  roots: ["matmul"],
  match: (op, t) => {
    const { g } = t;
    let x = g.arg(op, "x")!, y = g.arg(op, "y")!;
    let tx = g.isConstant(g.arg(op, "transpose_x"), 1), ty = g.isConstant(g.arg(op, "transpose_y"), 1);
    let readerX: MilOperation = op, readerY: MilOperation = op;
    let scale = 1, changed = false;
    const sx = g.scalarFactor(x, op), sy = g.scalarFactor(y, op);
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
    const xType = g.typeOf(x);
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
