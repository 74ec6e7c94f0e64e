import { describe, expect, it } from "vitest";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { lowerGraph } from "../../src/lowering/lower-graph.js";
import { singleFunctionProgram, type MilFunction, type MilProgram } from "../../src/mil/program.js";
import { signatureFor, validateProgram } from "../../src/mil/validate.js";

const t = (dataType: "fp32" | "fp16" | "int32" | "bool" | "string", shape: number[] = []) => ({ dataType, shape });
const c = (name: string, type: ReturnType<typeof t>) => ({ type: "const", name, inputs: {}, outputs: [{ name, type }], value: { type, bytes: new Uint8Array(4) } });

function program(ops: MilFunction["operations"], inputs = [{ name: "x", type: t("fp32", [2]) }]): MilProgram {
  return singleFunctionProgram({ inputs, opset: "CoreML7", operations: ops, outputs: [ops[ops.length - 1].outputs[0].name] });
}

describe("MIL validation against Core ML op signatures", () => {
  it("signature rows follow the target version", () => {
    expect(signatureFor("cast", 15)!.typeVars.T).not.toContain("int8");
    expect(signatureFor("cast", 17)!.typeVars.T).toContain("int8");
    expect(signatureFor("clip", 18)!.params.map((p) => p.name)).toEqual(["x", "alpha", "beta"]);
  });

  it("accepts what the converter emits for every target", () => {
    for (const target of ["ios15", "ios16", "ios17", "ios18"] as const) {
      const b = new MLGraphBuilder();
      const x = b.input("x", { dataType: "float16", shape: [1, 2, 4, 4] });
      const w = b.constant({ dataType: "float16", shape: [2, 2, 3, 3] }, new Uint16Array(36));
      const y = b.clamp(b.conv2d(x, w, { padding: [1, 1, 1, 1] }), { minValue: 0, maxValue: 6 });
      const lowered = lowerGraph(b.buildSync({ y, z: b.cast(b.greater(y, x), "int32") }), { target });
      expect(validateProgram(lowered.program, Number(target.slice(3)))).toEqual([]);
    }
  });

  it("reports computed values bound to const parameters, wrong dtypes, unknown ops and parameters", () => {
    const issues = validateProgram(program([
      c("lo", t("fp32")),
      { type: "relu", name: "r", inputs: { x: ["x"] }, outputs: [{ name: "r", type: t("fp32", [2]) }] },
      { type: "clip", name: "k", inputs: { x: ["x"], alpha: ["lo"], beta: ["r"] }, outputs: [{ name: "k", type: t("fp32", [2]) }] },
      c("i", t("int32")),
      { type: "add", name: "a", inputs: { x: ["k"], y: ["i"] }, outputs: [{ name: "a", type: t("fp32", [2]) }] },
      { type: "frobnicate", name: "f", inputs: { x: ["a"] }, outputs: [{ name: "f", type: t("fp32", [2]) }] },
      { type: "relu", name: "g", inputs: { x: ["f"], gain: ["lo"] }, outputs: [{ name: "g", type: t("fp32", [2]) }] },
      { type: "sqrt", name: "s", inputs: { x: ["i"] }, outputs: [{ name: "s", type: t("int32") }] },
    ]), 17);
    const text = issues.map((i) => `${i.opType}: ${i.message}`);
    expect(text).toContain("clip: parameter beta must be a compile-time constant, but r is computed");
    expect(text).toContain("add: parameter y is int32 but type variable T is already fp32");
    expect(text).toContain("frobnicate: unknown MIL operation");
    expect(text).toContain("relu: unknown parameter gain");
    expect(text.some((s) => s.startsWith("sqrt: parameter x is int32; T ∈ {fp16, fp32}"))).toBe(true);
  });

  it("reports ops used before the target supports them", () => {
    const issues = validateProgram(program([{ type: "gelu", name: "g", inputs: { x: ["x"] }, outputs: [{ name: "g", type: t("fp32", [2]) }] }]), 14);
    expect(issues[0].message).toMatch(/not available before iOS 15/);
  });

  it("checks parameter values Core ML enforces: string choices, clip bounds, computed conv weights with dilations", () => {
    const str = (name: string, v: string) => ({ type: "const", name, inputs: {}, outputs: [{ name, type: t("string") }], value: { type: { dataType: "string" as const, shape: [] }, strings: [v] } });
    const f = (name: string, v: number) => ({ type: "const", name, inputs: {}, outputs: [{ name, type: t("fp32") }], value: { type: t("fp32"), bytes: new Uint8Array(new Float32Array([v]).buffer) } });
    const issues = validateProgram(program([
      str("mode", "wrap"), f("zero", 0),
      { type: "pad", name: "p", inputs: { x: ["x"], pad: ["x"], mode: ["mode"] }, outputs: [{ name: "p", type: t("fp32", [2]) }] },
      f("lo", 1), f("hi", 1),
      { type: "clip", name: "k", inputs: { x: ["x"], alpha: ["lo"], beta: ["hi"] }, outputs: [{ name: "k", type: t("fp32", [2]) }] },
    ]), 17).map((i) => `${i.opType}: ${i.message}`);
    expect(issues).toContain('pad: mode "wrap" is not one of constant, reflect, replicate');
    expect(issues).toContain("clip: alpha (1) must be smaller than beta (1) from iOS 17");
  });
});
