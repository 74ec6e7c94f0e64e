// A program of several functions through serialization, the package reader, the runtime, the
// validator and the text printer; a single-function program serializes as before.
import { describe, expect, it } from "vitest";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { lowerGraph } from "../../src/lowering/index.js";
import { programFunction, singleFunctionProgram, type MilFunction, type MilProgram } from "../../src/mil/program.js";
import { milToText } from "../../src/mil/text.js";
import { validateProgram } from "../../src/mil/validate.js";
import { executeProgram } from "../../src/runtime/execute.js";
import { parseModel } from "../../src/serialization/model-reader.js";
import { serializeModel } from "../../src/serialization/model-writer.js";

function lowered(scale: number) {
  const b = new MLGraphBuilder();
  const x = b.input("x", { dataType: "float32", shape: [2, 3] });
  const w = b.constant({ dataType: "float32", shape: [2, 3] }, new Float32Array([1, 2, 3, 4, 5, 6].map((v) => v * 10)), "w");
  const s = b.constant({ dataType: "float32", shape: [] }, new Float32Array([scale]), "s");
  return lowerGraph(b.buildSync({ y: b.mul(b.add(x, w), s) }));
}

const weightBytes = (p: ReturnType<typeof serializeModel>) => p.weights.byteLength;

describe("multi-function MIL programs", () => {
  const one = lowered(2);
  const two = lowered(3);
  const program: MilProgram = {
    functions: new Map<string, MilFunction>([["main", programFunction(one.program)], ["triple", programFunction(two.program)]]),
    defaultFunction: "main",
  };
  const model = { ...one, program, functions: new Map([["main", one], ["triple", two]]) };

  it("serializes every function, shares identical weights, and reads them back", () => {
    const single = serializeModel(one);
    const multi = serializeModel(model);
    expect(Object.keys(parseModel(multi.model, undefined).proto.mlProgram!.functions!).sort()).toEqual(["main", "triple"]);
    expect(weightBytes(multi)).toBe(weightBytes(single)); // the [2, 3] weight is stored once
    const parts = multi.weights.parts();
    const blob = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let o = 0;
    for (const p of parts) { blob.set(p, o); o += p.byteLength; }
    const parsed = parseModel(multi.model, blob);
    expect([...parsed.program.functions.keys()]).toEqual(["main", "triple"]);
    expect(parsed.program.defaultFunction).toBe("main");
    expect(validateProgram(parsed.program, 17)).toEqual([]);
    const x = { dataType: "fp32" as const, shape: [2, 3], data: new Float32Array([1, 1, 1, 1, 1, 1]) };
    const run = (fn?: string) => [...(Object.values(executeProgram(parsed.program, { x }, { function: fn }))[0].data as Float32Array)];
    expect(run()).toEqual([22, 42, 62, 82, 102, 122]);
    expect(run("triple")).toEqual([33, 63, 93, 123, 153, 183]);
    expect(() => run("nope")).toThrow(expect.objectContaining({ kind: "RuntimeError" }));
  });

  it("prints each function, marking the default", () => {
    const text = milToText(program);
    expect(text).toMatch(/^default main\[CoreML7\]\(%x: fp32\[2, 3\]\) \{/m);
    expect(text).toMatch(/^triple\[CoreML7\]\(%x: fp32\[2, 3\]\) \{/m);
    expect(milToText(singleFunctionProgram(programFunction(one.program)))).toMatch(/^main\[CoreML7\]/);
  });

  it("keeps a single-function program's bytes as a one-function map", () => {
    const a = serializeModel(one).model;
    const b = serializeModel({ ...one, program: singleFunctionProgram(programFunction(one.program)) }).model;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
