// Parameters bound as coremltools' exporter binds them (mil/op-forms.ts): constexpr parameters
// as attributes (iOS 16/17 op definitions) or inline values (iOS 18), with no const op left for
// them; coremltools' default parameters bound; and the reader takes every form, ours from before
// included, to the same program.
import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { OP_FORMS, formRule, parameterBinding, unboundDefaults } from "../../src/mil/op-forms.js";
import { programFunction, type MilConstValue } from "../../src/mil/program.js";
import { SIGNATURES, signatureFor } from "../../src/mil/signatures.js";
import { TARGETS } from "../../src/mil/target.js";
import { readPackage } from "../../src/packaging/reader.js";
import { fileBytes, findFile, MODEL_FILE } from "../../src/packaging/package.js";
import { runPackageContents, tensorFromNumbers, tensorValues } from "../../src/run-package.js";
import { parseModel } from "../../src/serialization/model-reader.js";
import { immediateTensor, milTensorType } from "../../src/serialization/model-writer.js";
import { CoreML } from "../../src/serialization/proto/index.js";
import { weightsModel, weightsModelInput } from "../passes/weights-model.js";

type POp = CoreML.Specification.MILSpec.IOperation;

function protoOps(pkg: Parameters<typeof readPackage>[0]): POp[] {
  const model = CoreML.Specification.Model.decode(fileBytes(findFile(pkg, MODEL_FILE)!));
  const fn = model.mlProgram!.functions!.main;
  return fn.blockSpecializations![fn.opset!].operations!;
}
const opName = (o: POp) => o.attributes?.name?.immediateValue?.tensor?.strings?.values?.[0];

describe("serialization forms", () => {
  it("the table covers every constexpr op definition, by its version", () => {
    for (const [op, rows] of Object.entries(SIGNATURES)) {
      if (!op.startsWith("constexpr_")) continue;
      for (const row of rows) {
        const rule = formRule(op, row.params[0].name, Math.max(row.since, 16));
        expect(rule?.constants, `${op} iOS${row.since}`).toBe(row.since <= 17 ? "attribute" : "inline");
      }
    }
    for (const r of OP_FORMS) expect(Object.keys(SIGNATURES).some((op) => (r.ops.endsWith("_") ? op.startsWith(r.ops) : op === r.ops)), r.ops).toBe(true);
    // Not a constant: always by name; an op without a row: by name.
    expect(parameterBinding("constexpr_blockwise_shift_scale", "data", 18, "constexpr_lut_to_dense")).toBe("name");
    expect(parameterBinding("conv", "weight", 18, "const")).toBe("name");
    // iOS 26 uses iOS 18's definitions.
    expect(parameterBinding("constexpr_lut_to_dense", "lut", 26, "const")).toBe("inline");
  });

  for (const [target, type, form] of [["ios16", "constexpr_affine_dequantize", "attribute"], ["ios17", "constexpr_lut_to_dense", "attribute"], ["ios18", "constexpr_blockwise_shift_scale", "inline"], ["ios26", "constexpr_lut_to_dense", "inline"]] as const) {
    it(`${type} at ${target}: every parameter ${form === "attribute" ? "an attribute" : "an inline value"}, no const op for it, runs as before`, async () => {
      const compress = type === "constexpr_lut_to_dense" ? { mode: "palettize" as const, bits: 4 as const } : { mode: "int8" as const };
      const pkg = await convertGraph(weightsModel(), { target, compress });
      const ops = protoOps(pkg);
      const constexprs = ops.filter((o) => o.type === type);
      expect(constexprs.length).toBe(2);
      const read = readPackage(pkg);
      const fn = programFunction(read.parsed.program);
      for (const o of constexprs) {
        const params = signatureFor(type, TARGETS[target].ios)!.params.map((p) => p.name).filter((p) => fn.operations.find((x) => x.name === opName(o))!.inputs[p]);
        expect(params.length).toBeGreaterThanOrEqual(2);
        for (const p of params) {
          if (form === "attribute") { expect(o.attributes![p], p).toBeTruthy(); expect(o.inputs?.[p]).toBeUndefined(); }
          else { expect(o.inputs![p].arguments![0].value, p).toBeTruthy(); expect(o.attributes![p]).toBeUndefined(); }
        }
      }
      // Large parts (the keys, the int8 data) in weight.bin, as coremltools puts them.
      const values = constexprs.flatMap((o) => [...Object.values(o.attributes ?? {}), ...Object.values(o.inputs ?? {}).map((a) => a.arguments![0].value!)]);
      expect(values.some((v) => v.blobFileValue)).toBe(true);
      // Read back: a const op per parameter, so the runtime and inspect see the same program.
      const consts = new Set(fn.operations.filter((o) => o.type === "const").map((o) => o.name));
      for (const op of fn.operations.filter((o) => o.type === type)) for (const args of Object.values(op.inputs)) expect(consts.has(args[0])).toBe(true);
      expect(ops.filter((o) => o.type === "const").length).toBeLessThan(fn.operations.filter((o) => o.type === "const").length);
      const y = runPackageContents(read, { x: weightsModelInput() }).y;
      const dense = runPackageContents(readPackage(await convertGraph(weightsModel(), { target })), { x: weightsModelInput() }).y;
      const a = tensorValues(y), b = tensorValues(dense);
      expect(a.length).toBe(b.length);
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(0.2);
    });
  }

  it("a constant read by a constexpr op and by another op stays a const op, and is written in place too", async () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: [2, 3] });
    const q = b.constant({ dataType: "int8", shape: [2, 3] }, new Int8Array([1, -2, 3, -4, 5, -6]));
    const w = b.dequantizeLinear(q, b.constant({ dataType: "float32", shape: [1, 1] }, new Float32Array([0.5])), b.constant({ dataType: "int8", shape: [1, 1] }, new Int8Array([1])));
    const g = b.buildSync({ y: b.add(b.add(x, w), b.cast(q, "float32")) });
    const pkg = await convertGraph(g, { target: "ios18" });
    const ops = protoOps(pkg);
    const dq = ops.find((o) => o.type === "constexpr_blockwise_shift_scale")!;
    expect(dq.inputs!.data.arguments![0].value).toBeTruthy();
    const out = runPackageContents(readPackage(pkg), { x: tensorFromNumbers("float32", [2, 3], [0, 0, 0, 0, 0, 0]) });
    expect(tensorValues(out.y)).toEqual([1, -3.5, 4, -6.5, 7, -9.5]);
  });

  it("binds the defaults coremltools' builder binds (reduce_argmax output_dtype from iOS 17)", async () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", { dataType: "float32", shape: [2, 5] });
    const g = b.buildSync({ i: b.argMax(x, 1, { outputDataType: "int32" }) });
    for (const [target, bound] of [["ios16", false], ["ios17", true], ["ios26", true]] as const) {
      const arg = protoOps(await convertGraph(g, { target })).find((o) => o.type === "reduce_argmax")!;
      expect(Boolean(arg.inputs!.output_dtype), target).toBe(bound);
    }
    expect(unboundDefaults({ type: "reduce_argmax", name: "a", inputs: { x: ["x"], axis: ["a"], keep_dims: ["k"] }, outputs: [] }, 17)).toEqual([{ param: "output_dtype", dataType: "string", value: "int32" }]);
    // A type-variable default takes the dtype its variable is bound to.
    const types = new Map([["x", { dataType: "fp16" as const, shape: [2] }]]);
    expect(unboundDefaults({ type: "pad", name: "p", inputs: { x: ["x"], pad: ["p"], mode: ["m"] }, outputs: [] }, 15, (n) => types.get(n))).toEqual([{ param: "constant_val", dataType: "fp16", value: 0 }]);
  });
});

// A model.mlmodel written by hand in each of three forms, for the reader.
function model(form: "name" | "attribute" | "inline"): Uint8Array {
  const opset = form === "inline" ? "CoreML8" : "CoreML6";
  const str = (s: string) => ({ type: { tensorType: { dataType: 2 } }, immediateValue: { tensor: { strings: { values: [s] } } } });
  const value = (v: MilConstValue) => ({ type: milTensorType(v.type), immediateValue: { tensor: immediateTensor(v) } });
  const int8 = (values: number[], shape: number[]): MilConstValue => ({ type: { dataType: "int8", shape }, bytes: new Uint8Array(Int8Array.from(values).buffer) });
  const params: Record<string, MilConstValue> = form === "inline"
    ? { data: int8([2, -4, 6, 8], [4]), scale: { type: { dataType: "fp32", shape: [1] }, bytes: new Uint8Array(Float32Array.from([0.5]).buffer) } }
    : {
      quantized_data: int8([2, -4, 6, 8], [4]),
      zero_point: int8([0], []),
      scale: { type: { dataType: "fp32", shape: [] }, bytes: new Uint8Array(Float32Array.from([0.5]).buffer) },
      axis: { type: { dataType: "int32", shape: [] }, bytes: new Uint8Array(Int32Array.from([0]).buffer) },
    };
  const type = form === "inline" ? "constexpr_blockwise_shift_scale" : "constexpr_affine_dequantize";
  const consts = form === "name" ? Object.entries(params).map(([k, v]) => ({ type: "const", attributes: { name: str(`w_${k}`), val: value(v) }, outputs: [{ name: `w_${k}`, type: milTensorType(v.type) }] })) : [];
  const dq = {
    type,
    attributes: { name: str("w"), ...(form === "attribute" ? Object.fromEntries(Object.entries(params).map(([k, v]) => [k, value(v)])) : {}) },
    inputs: form === "attribute" ? {} : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { arguments: [form === "name" ? { name: `w_${k}` } : { value: value(v) }] }])),
    outputs: [{ name: "w", type: milTensorType({ dataType: "fp32", shape: [4] }) }],
  };
  const add = { type: "add", attributes: { name: str("y") }, inputs: { x: { arguments: [{ name: "x" }] }, y: { arguments: [{ name: "w" }] } }, outputs: [{ name: "y", type: milTensorType({ dataType: "fp32", shape: [4] }) }] };
  const feature = (name: string) => ({ name, type: { multiArrayType: { shape: [4], dataType: 65568 } } });
  return CoreML.Specification.Model.encode({
    specificationVersion: form === "inline" ? 9 : 7,
    description: { input: [feature("x")], output: [feature("y")] },
    mlProgram: { version: 1, functions: { main: { opset, inputs: [{ name: "x", type: milTensorType({ dataType: "fp32", shape: [4] }) }], blockSpecializations: { [opset]: { outputs: ["y"], operations: [...consts, dq, add] } } } } },
  }).finish();
}

describe("the reader", () => {
  for (const form of ["name", "attribute", "inline"] as const) {
    it(`reads constexpr parameters bound ${form === "name" ? "by name (this converter's earlier form)" : form === "attribute" ? "as attributes" : "inline"}`, () => {
      const parsed = parseModel(model(form));
      const fn = programFunction(parsed.program);
      const dq = fn.operations.find((o) => o.type.startsWith("constexpr_"))!;
      for (const args of Object.values(dq.inputs)) expect(fn.operations.find((o) => o.name === args[0])?.type).toBe("const");
      const out = runPackageContents({ parsed } as Parameters<typeof runPackageContents>[0], { x: tensorFromNumbers("float32", [4], [1, 1, 1, 1]) });
      expect(tensorValues(out.y)).toEqual([2, -1, 4, 5]);
    });
  }

  it("refuses attributes on operations that take none", () => {
    const bytes = model("name");
    const m = CoreML.Specification.Model.decode(bytes);
    const add = m.mlProgram!.functions!.main.blockSpecializations!.CoreML6.operations!.find((o) => o.type === "add")!;
    add.attributes!.alpha = add.attributes!.name;
    expect(() => parseModel(CoreML.Specification.Model.encode(m).finish())).toThrow(/attribute alpha is not read on a add operation/);
  });
});
