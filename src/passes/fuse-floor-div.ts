// fuse-floor-div: integer floor division as torch exports it to ONNX — the truncating quotient
// moved down by one where the signs differ and the remainder is not zero — is one floor_div.
// WebNN's integer div truncates, so lowering spells that quotient T with floor_div and a fix-up
// (lowering/elementwise.ts), and ONNX's Mod one more (frontends/onnx/ops/elementwise.ts): about
// 25 ops for what torch computes with one. The pattern, with a and b from T:
//   select((a < 0 ⊕ b < 0) ∧ R ≠ 0, T − 1, T),  R any remainder of a by b (zero iff b | a).
import { fusionPass, operation } from "./fusion.js";
import type { UseDef } from "./use-def.js";

/** The same value: one name, or constants of one type and the same values. */
function same(g: UseDef, x: string | undefined, y: string | undefined): boolean {
  if (x === undefined || y === undefined) return false;
  if (x === y) return true;
  const [a, b] = [g.constValues(x, 64), g.constValues(y, 64)];
  return !!a && !!b && g.typeOf(x)!.dataType === g.typeOf(y)!.dataType && a.length === b.length && a.every((v, i) => v === b[i]);
}

/** [a, b] when `name` is trunc(a / b) as lowering writes it. */
function truncQuotient(g: UseDef, name: string | undefined): [string, string] | undefined {
  const sel = g.producerOf(name, "select");
  const fd = sel && g.producerOf(g.arg(sel, "b"), "floor_div");
  const up = sel && g.producerOf(g.arg(sel, "a"), "add");
  if (!fd || !up || !g.isConstant(g.other(up, g.arg(sel, "b")!), 1, 0)) return undefined;
  const [a, b] = [g.arg(fd, "x")!, g.arg(fd, "y")!];
  return conjunction(g, g.arg(sel, "cond"), (x) => nonZeroRemainder(g, x, a, b, 0), (x) => signsDiffer(g, x, a, b)) ? [a, b] : undefined;
}

/** `name` = p ∧ q, in either order. */
function conjunction(g: UseDef, name: string | undefined, p: (n: string) => boolean, q: (n: string) => boolean): boolean {
  const and = g.producerOf(name, "logical_and");
  const [x, y] = [and && g.arg(and, "x"), and && g.arg(and, "y")];
  return !!x && !!y && ((p(x) && q(y)) || (p(y) && q(x)));
}

/** x < 0 for x = a, or for a constant the sign it has. */
function isNegative(g: UseDef, name: string | undefined, x: string): boolean | "maybe" | undefined {
  const vs = g.constValues(x, 1);
  if (vs) return vs[0] < 0;
  const less = g.producerOf(name, "less");
  return less && same(g, g.arg(less, "x"), x) && g.isConstant(g.arg(less, "y"), 0, 0) ? "maybe" : undefined;
}

/** `name` = (a < 0) ⊕ (b < 0); with b a positive constant, (a < 0) alone. */
function signsDiffer(g: UseDef, name: string, a: string, b: string): boolean {
  const bNegative = isNegative(g, undefined, b);
  if (bNegative === false && isNegative(g, name, a) === "maybe") return true;
  const xor = g.producerOf(name, "logical_xor");
  if (!xor) return false;
  const [x, y] = [g.arg(xor, "x")!, g.arg(xor, "y")!];
  const test = (p: string, q: string) => isNegative(g, p, a) === "maybe" && (isNegative(g, q, b) === "maybe" || (g.isConstant(q, 0, 0) && bNegative === false));
  return test(x, y) || test(y, x);
}

/** `name` = R ≠ 0 (or ¬(R = 0)) for R a remainder of a by b. */
function nonZeroRemainder(g: UseDef, name: string, a: string, b: string, depth: number): boolean {
  const not = g.producerOf(name, "logical_not");
  const test = g.producerOf(name, "not_equal") ?? (not && g.producerOf(g.arg(not, "x"), "equal"));
  if (!test) return false;
  const [x, y] = [g.arg(test, "x")!, g.arg(test, "y")!];
  const r = g.isConstant(y, 0, 0) ? x : g.isConstant(x, 0, 0) ? y : undefined;
  return r !== undefined && isRemainder(g, r, a, b, depth);
}

/** mod(a, b), a − trunc(a / b)·b, or either moved by b where it has the wrong sign. */
function isRemainder(g: UseDef, name: string, a: string, b: string, depth: number): boolean {
  if (depth > 2) return false;
  const mod = g.producerOf(name, "mod");
  if (mod) return same(g, g.arg(mod, "x"), a) && same(g, g.arg(mod, "y"), b);
  const sub = g.producerOf(name, "sub");
  if (sub) {
    const mul = g.producerOf(g.arg(sub, "y"), "mul");
    const [p, r] = mul ? [g.arg(mul, "x"), g.arg(mul, "y")] : [];
    const q = same(g, r, b) ? p : same(g, p, b) ? r : undefined;
    const t = q && truncQuotient(g, q);
    return same(g, g.arg(sub, "x"), a) && !!t && same(g, t[0], a) && same(g, t[1], b);
  }
  // select(·, R + b, R): |R| < |b|, so R + b is never 0 where R is not.
  const sel = g.producerOf(name, "select");
  const plus = sel && g.producerOf(g.arg(sel, "a"), "add");
  const r = sel && g.arg(sel, "b");
  return !!plus && !!r && same(g, g.other(plus, r), b) && isRemainder(g, r, a, b, depth + 1);
}

export const fuseFloorDiv = fusionPass({
  name: "fuse-floor-div",
  roots: ["select"],
  match: (op, t) => {
    const { g } = t;
    const down = g.producerOf(g.arg(op, "a"), "sub");
    const tq = g.arg(op, "b");
    if (!down || g.arg(down, "x") !== tq || !g.isConstant(g.arg(down, "y"), 1, 0)) return undefined;
    const ab = truncQuotient(g, tq);
    if (!ab) return undefined;
    const [a, b] = ab;
    if (!conjunction(g, g.arg(op, "cond"), (x) => signsDiffer(g, x, a, b), (x) => nonZeroRemainder(g, x, a, b, 0))) return undefined;
    return [operation("floor_div", { x: a, y: b }, op.outputs[0], op.name)];
  },
});
