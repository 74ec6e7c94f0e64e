// Quantized ONNX models as ONNX Runtime's quantizer writes them (test/fixtures/onnx-quantized,
// scripts/make-quantized-onnx.py): quantize_dynamic (DynamicQuantizeLinear + MatMulInteger /
// ConvInteger) and quantize_static in QDQ and QOperator formats. By default their activations are computed in
// float with the weights kept 8-bit (constexpr ops), so the package stays as small as the file
// and has the float model's operations; `quantizedActivations: "exact"` keeps every op. Also the
// QOperator format (QLinearConv, QLinearMatMul, com.microsoft QGemm / QLinearAdd / QLinearMul).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { importOnnx } from "../../src/frontends/onnx/import.js";
import { programFunction } from "../../src/mil/program.js";
import { readPackage } from "../../src/packaging/reader.js";
import { f32, runOrt, runOurs } from "./ort.js";
import { decodeOnnxModel } from "../../src/frontends/onnx/proto.js";
import { floatActivations } from "../../src/frontends/onnx/quantized.js";
import { onnxModel, T, tensor } from "./onnx-writer.js";

const dir = fileURLToPath(new URL("../fixtures/onnx-quantized/", import.meta.url));
const file = (name: string) => new Uint8Array(readFileSync(`${dir}${name}.onnx`));

/** Operations that compute (consts and weight decompression aside). */
async function computeOps(bytes: Uint8Array, target: "ios17" | "ios18"): Promise<{ ops: string[]; bytes: number; constexprRanks: number[] }> {
  const pkg = await convertGraph(await importOnnx(bytes), { target });
  const all = programFunction(readPackage(pkg).parsed.program).operations;
  const ops = all.map((o) => o.type).filter((t) => t !== "const" && !t.startsWith("constexpr_"));
  // Weights stay 8-bit; quantized biases and norm scales (1-D) fold to floats.
  const constexprRanks = all.filter((o) => o.type.startsWith("constexpr_")).map((o) => o.outputs[0].type.shape.length);
  return { ops, bytes: pkg.files.reduce((n, f) => n + f.size, 0), constexprRanks };
}

// Tolerances, relative to the largest |output| of ONNX Runtime. ONNX Runtime computes these
// models with quantized activations; the float form does not, so the two differ by the
// activations' quantization error (measured: cnn dynamic 0.14%, QDQ 2.8%, QOperator 6.1%; mlp
// dynamic 0.30%, QDQ 1.8%, QOperator 1.5%; the static models round every activation to 8 bits,
// the dynamic ones only matmul inputs), while the float form stays within 0.4% of the float32
// model the quantizer started from.
const MODELS = [
  { name: "cnn", shape: [1, 3, 32, 32], forms: { dynamic: 5e-3, qdq: 5e-2, qoperator: 1e-1 } },
  { name: "mlp", shape: [2, 8, 64], forms: { dynamic: 1e-2, qdq: 5e-2, qoperator: 5e-2 } },
] as const;

describe("quantized ONNX models", () => {
  for (const m of MODELS) {
    for (const [form, tolerance] of Object.entries(m.forms)) {
      it(`${m.name} ${form}: as small as its file, the float model's operations, near ONNX Runtime and the float model`, async () => {
        const bytes = file(`${m.name}-${form}`);
        const float = file(`${m.name}-float32`);
        const x = f32([...m.shape], -2, 2);
        for (const target of ["ios17", "ios18"] as const) {
          const q = await computeOps(bytes, target);
          const f = await computeOps(float, target);
          expect(q.bytes, `${target} package bytes against ${bytes.byteLength} ONNX bytes`).toBeLessThanOrEqual(1.2 * bytes.byteLength);
          // The float model's operations, one for one: no Relu is added back where the value
          // is never negative, a conv's bias goes back into the conv, outputs keep their names.
          expect(q.ops, `${target} operations`).toEqual(f.ops);
          expect(q.constexprRanks.length, `${target} weights kept 8-bit`).toBeGreaterThanOrEqual(2);
          expect(q.constexprRanks.every((r) => r >= 2)).toBe(true);
        }
        const ort = (await runOrt(bytes, { x })).y.values;
        const reference = (await runOrt(float, { x })).y.values;
        const ours = (await runOurs(bytes, { x })).y.values;
        const scale = Math.max(...ort.map(Math.abs));
        const worst = (a: number[]) => Math.max(...ours.map((v, i) => Math.abs(v - a[i]))) / scale;
        expect(worst(ort), "against ONNX Runtime").toBeLessThanOrEqual(tolerance);
        expect(worst(reference), "against the float32 model").toBeLessThanOrEqual(1e-2);
      });
    }
  }

  for (const [name, shape] of [["cnn-dynamic", [1, 3, 32, 32]], ["cnn-qoperator", [1, 3, 32, 32]], ["mlp-qoperator", [2, 8, 64]]] as const) {
    it(`quantizedActivations: "exact" keeps the integer arithmetic: ${name} as ONNX Runtime computes it`, async () => {
      const bytes = file(name);
      const x = f32([...shape], -2, 2);
      const ours = (await runOurs(bytes, { x }, { quantizedActivations: "exact" })).y.values;
      const ort = (await runOrt(bytes, { x })).y.values;
      const scale = Math.max(...ort.map(Math.abs));
      expect(Math.max(...ours.map((v, i) => Math.abs(v - ort[i]))) / scale).toBeLessThanOrEqual(1e-5);
    });
  }

  it("quantizedActivations must be float or exact", async () => {
    const bytes = file("cnn-dynamic");
    await expect(importOnnx(bytes, { quantizedActivations: "fast" as never })).rejects.toThrow(/quantizedActivations must be "float" or "exact"/);
  });

  it("iOS 15, which has no constexpr dequantization, stores the weights as floats and says so", async () => {
    const graph = await importOnnx(file("cnn-qdq"));
    const warnings: string[] = [];
    const pkg = await convertGraph(graph, { target: "ios15", onWarning: (w) => warnings.push(`${w.code}: ${w.message}`) });
    expect(warnings).toEqual([expect.stringMatching(/^quantized-weights-widened: 3 quantized weights are stored as floats: ios15 has no constexpr/)]);
    const ops = programFunction(readPackage(pkg).parsed.program).operations.map((o) => o.type);
    expect(ops.filter((t) => t.startsWith("constexpr_"))).toEqual([]);
    const none: string[] = [];
    await convertGraph(graph, { target: "ios16", onWarning: (w) => none.push(w.code) });
    expect(none).toEqual([]);
  });

  describe("the float rewrite, rule by rule", () => {
    const qdq = (x: string, y: string, scale: string, zero: string) => [
      { op: "QuantizeLinear", inputs: [x, scale, zero], outputs: [`${x}_q`] },
      { op: "DequantizeLinear", inputs: [`${x}_q`, scale, zero], outputs: [y] },
    ];
    const params = [tensor("s", T.FLOAT, [], Float32Array.of(0.05)), tensor("z0", T.UINT8, [], Uint8Array.of(0)), tensor("z128", T.UINT8, [], Uint8Array.of(128))];
    const rewritten = (spec: Parameters<typeof onnxModel>[0]) => floatActivations(decodeOnnxModel(onnxModel(spec, 13)).graph).nodes.map((n) => `${n.opType}(${n.inputs.join(",")})→${n.outputs.join(",")}`);

    it("a pair whose range starts at 0 after a signed value is the ReLU the quantizer folded in: a Relu; after a sigmoid, nothing", () => {
      expect(rewritten({
        nodes: [{ op: "Neg", inputs: ["x"], outputs: ["n"] }, ...qdq("n", "r", "s", "z0"), { op: "Sigmoid", inputs: ["r"], outputs: ["g"] }, ...qdq("g", "y", "s", "z0")],
        inputs: [["x", T.FLOAT, [4]]], outputs: [["y", T.FLOAT]], initializers: params,
      })).toEqual(["Neg(x)→n", "Relu(n)→r", "Sigmoid(r)→y"]);
    });

    it("a signed range is dropped; an output keeps its name, written by the node before the pair, or by an Identity when that value is read elsewhere", () => {
      expect(rewritten({
        nodes: [{ op: "Neg", inputs: ["x"], outputs: ["n"] }, ...qdq("n", "y", "s", "z128")],
        inputs: [["x", T.FLOAT, [4]]], outputs: [["y", T.FLOAT]], initializers: params,
      })).toEqual(["Neg(x)→y"]);
      expect(rewritten({
        nodes: [{ op: "Neg", inputs: ["x"], outputs: ["n"] }, ...qdq("n", "y", "s", "z128"), { op: "Abs", inputs: ["n"], outputs: ["a"] }],
        inputs: [["x", T.FLOAT, [4]]], outputs: [["y", T.FLOAT], ["a", T.FLOAT]], initializers: params,
      })).toEqual(["Neg(x)→n", "Identity(n)→y", "Abs(n)→a"]);
    });

    it("the rewritten graph computes what the float graph does, and exact mode what ONNX Runtime does", async () => {
      const m = onnxModel({
        nodes: [{ op: "Neg", inputs: ["x"], outputs: ["n"] }, ...qdq("n", "r", "s", "z0"), { op: "Mul", inputs: ["r", "x"], outputs: ["m"] }, ...qdq("m", "y", "s", "z128")],
        inputs: [["x", T.FLOAT, [64]]], outputs: [["y", T.FLOAT]], initializers: params,
      }, 13);
      const x = f32([64], -3, 3);
      const float = x.data.map((v) => Math.fround(Math.max(-v, 0) * v));
      expect((await runOurs(m, { x })).y.values.map((v, i) => Math.abs(v - float[i]))).toSatisfy((d: number[]) => d.every((e) => e <= 1e-6));
      const ort = (await runOrt(m, { x })).y.values;
      expect((await runOurs(m, { x }, { quantizedActivations: "exact" })).y.values.map((v, i) => Math.abs(v - ort[i]))).toSatisfy((d: number[]) => d.every((e) => e <= 1e-6));
    });
  });
});
