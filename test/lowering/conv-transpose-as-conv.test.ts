// convTranspose2d lowered as a conv (iOS 15, computed filter) against conv_transpose (iOS 17) on varied cases.
import type { MLConvTranspose2dFilterOperandLayout } from "../../src/graph/options.js";
import { describe, expect, it } from "vitest";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { convertGraph } from "../../src/convert.js";
import { runPackage, tensorFromNumbers } from "../../src/run-package.js";
import { readPackage } from "../../src/packaging/reader.js";
import { validateProgram } from "../../src/mil/validate.js";
let seed = 7; const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
describe("convTranspose2d with a computed filter before iOS 17", () => {
  it("lowered as a conv, matches conv_transpose on 40 varied cases", async () => {
    let bad = 0;
    for (let t = 0; t < 40; t++) {
      const g = [1, 2][t % 2], inC = 2 * g, opg = 1 + (t % 3), kh = 1 + (t % 3), kw = 1 + ((t >> 1) % 3);
      const s = [1 + (t % 2), 1 + ((t >> 2) % 3)], d = [1 + ((t >> 3) % 2), 1], H = 3 + (t % 2), W = 4;
      const p = [t % 2, (t >> 1) % 2, (t >> 2) % 2, 0];
      const op = [Math.min((t >> 4) % 2, Math.max(s[0], d[0]) - 1), 0];
      const nhwc = t % 5 === 0; const layout = ["iohw", "hwoi", "ohwi"][t % 3];
      const fshape = layout === "iohw" ? [inC, opg, kh, kw] : layout === "hwoi" ? [kh, kw, opg, inC] : [opg, kh, kw, inC];
      const ishape = nhwc ? [1, H, W, inC] : [1, inC, H, W];
      const xv = Array.from({ length: ishape.reduce((a, b) => a * b) }, rnd), wv = Array.from({ length: fshape.reduce((a, b) => a * b) }, rnd);
      const bv = Array.from({ length: opg * g }, rnd);
      const outs: Float32Array[] = [];
      for (const [target, constW] of [["ios17", true], ["ios15", false]] as const) {
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: ishape });
    const w = constW ? b.constant({ dataType: "float32", shape: fshape }, new Float32Array(wv)) : b.input("w", { dataType: "float32", shape: fshape });
    const bias = t % 4 === 0 ? b.input("b", { dataType: "float32", shape: [opg * g] }) : b.constant({ dataType: "float32", shape: [opg * g] }, new Float32Array(bv));
    const y = b.convTranspose2d(x, w, { strides: s, dilations: d, padding: p, outputPadding: op, groups: g, filterLayout: layout as MLConvTranspose2dFilterOperandLayout, inputLayout: nhwc ? "nhwc" : "nchw", bias });
    const pkg = await convertGraph(b.buildSync({ y }), { target });
    const issues = validateProgram(readPackage(pkg).parsed.program, target === "ios15" ? 15 : 17);
    expect(issues).toEqual([]);
    const feeds: Record<string, ReturnType<typeof tensorFromNumbers>> = { x: tensorFromNumbers("float32", ishape, xv) };
    if (!constW) feeds.w = tensorFromNumbers("float32", fshape, wv);
    if (t % 4 === 0) feeds.b = tensorFromNumbers("float32", [opg * g], bv);
    outs.push((await runPackage(pkg, feeds)).y.data as Float32Array);
      }
      const maxErr = Math.max(...Array.from(outs[0], (v, i) => Math.abs(v - outs[1][i])));
      if (outs[0].length !== outs[1].length || maxErr > 1e-5) { bad++; console.log("mismatch", t, outs[0].length, outs[1].length, maxErr); }
    }
    expect(bad).toBe(0);
  }, 60_000);
});
