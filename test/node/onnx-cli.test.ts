// The CLI with ONNX models: external data beside the model, --free-dim / --input-shape /
// --input-value, ONNX → WebNN graph files, inspect, and errors that leave nothing behind.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureConsole } from "./capture.js";
import { main } from "../../src/node/cli.js";
import { readPackagePath } from "../../src/node/package-files.js";
import { loadModelFileFunctions } from "../../src/node/onnx-files.js";
import { milToText } from "../../src/mil/text.js";
import { onnxModel, T, tensor } from "../onnx/onnx-writer.js";

const io = captureConsole();

/** x[batch, 4] · w (external, in weights.bin at offset 16) + relu; "mode" picks Relu or Neg through If. */
function writeModel(dir: string): string {
  const w = Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 4);
  const bin = new Uint8Array(16 + w.byteLength);
  bin.set(new Uint8Array(w.buffer), 16);
  writeFileSync(join(dir, "weights.bin"), bin);
  const branch = (op: string) => ({ nodes: [{ op, inputs: ["mm"], outputs: ["o"] }], inputs: [], outputs: [["o", T.FLOAT] as [string, number]] });
  const model = onnxModel({
    nodes: [
      { op: "MatMul", inputs: ["x", "w"], outputs: ["mm"] },
      { op: "Equal", inputs: ["mode", "one"], outputs: ["c"] },
      { op: "If", inputs: ["c"], outputs: ["y"], attrs: { then_branch: { graph: branch("Relu") }, else_branch: { graph: branch("Neg") } } },
    ],
    inputs: [["x", T.FLOAT, ["batch", 4]], ["mode", T.INT64, []]], outputs: [["y", T.FLOAT]],
    initializers: [{ name: "w", type: T.FLOAT, dims: [4, 3], external: { location: "weights.bin", offset: 16, length: w.byteLength } }, tensor("one", T.INT64, [], BigInt64Array.of(1n))],
  }, 13);
  const path = join(dir, "net.onnx");
  writeFileSync(path, model);
  return path;
}

describe("CLI with ONNX models", () => {
  it("converts with external data, free dimensions and a pinned input; inspect summarizes the model", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onnx-cli-"));
    const model = writeModel(dir);
    // inspect runs convert's checks: it says the model does not convert until it can. Unsized
    // free dimensions are checked at 1 and the report says so.
    expect(await main(["inspect", model])).toBe(1);
    const summary = io.out.join("\n");
    expect(summary).toMatch(/opsets: ai\.onnx 13/);
    expect(summary).toMatch(/input  x: float \[batch, 4\]/);
    expect(summary).toMatch(/free dimensions: batch/);
    expect(summary).toMatch(/every operator type has a conversion/);
    expect(summary).toMatch(/inputs deciding control flow: mode/);
    expect(summary).toMatch(/does not convert at ios17 with batch=1 \(other sizes: --free-dim NAME=N\): .*If node "If_2": the condition must be known/);
    io.out.length = 0;
    expect(await main(["inspect", model, "--free-dim", "batch=2"])).toBe(1);
    expect(io.out.join("\n")).toMatch(/does not convert at ios17: .*If node "If_2": the condition must be known/);
    io.out.length = 0;
    expect(await main(["inspect", model, "--free-dim", "batch=2", "--input-value", "mode=1", "--target", "ios18"])).toBe(0);
    expect(io.out.join("\n")).toMatch(/converts at ios18: \d+ WebNN operations, \d+ MIL operations/);
    io.out.length = 0;
    expect(await main(["inspect", model, "--input-value", "mode=1"])).toBe(0);
    expect(io.out.join("\n")).toMatch(/converts at ios17 with batch=1 \(other sizes: --free-dim NAME=N\): \d+ WebNN operations/);
    io.out.length = 0;
    expect(await main(["convert", model, "-o", join(dir, "Net.mlpackage.zip"), "-q"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/GraphFormatError \[free-dimension\]: .*"batch" \(input "x"\)/);
    expect(existsSync(join(dir, "Net.mlpackage.zip"))).toBe(false);
    expect(await main(["convert", model, "-o", join(dir, "Net.mlpackage.zip"), "-q", "--free-dim", "batch=2"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/If node "If_2": the condition must be known/);
    io.err.length = 0;
    expect(await main(["convert", model, "-o", join(dir, "Net.mlpackage.zip"), "-q", "--free-dim", "batch=2", "--input-value", "mode=1"])).toBe(0);
    expect(await main(["convert", model, "-o", join(dir, "Other.mlpackage.zip"), "-q", "--input-shape", "x=3,4", "--input-value", "mode=0"])).toBe(0);
    // Run it: Relu(x·w).
    writeFileSync(join(dir, "in.json"), JSON.stringify({ x: { dataType: "float32", shape: [2, 4], data: [1, 0, 0, 0, 0, 0, 0, 1] } }));
    io.out.length = 0;
    expect(await main(["run", join(dir, "Net.mlpackage.zip"), "--inputs", join(dir, "in.json")])).toBe(0);
    expect(JSON.parse(io.out.join("")).y.data).toEqual([0, 0, 0, 0.75, 1, 1.25]); // rows 0 and 3 of w, through Relu
    expect(readdirSync(dir).filter((f) => f.includes("partial"))).toEqual([]);
  });

  it("carries ONNX metadata into the package, with flags on top; inspect prints it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onnx-cli-"));
    const model = join(dir, "m.onnx");
    writeFileSync(model, onnxModel({ nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }], inputs: [["x", T.FLOAT, [2]]], outputs: [["y", T.FLOAT]] }, 13, { producer: "pytorch", doc: "from ONNX", metadata: { license: "BSD", "hf.repo": "x/y" } }));
    expect(await main(["convert", model, "-o", join(dir, "M.mlpackage.zip"), "-q", "--author", "Ada", "--version", "2.0", "--input-description", "x=raw values", "--metadata", "k=v"])).toBe(0);
    io.out.length = 0;
    expect(await main(["inspect", join(dir, "M.mlpackage.zip")])).toBe(0);
    const text = io.out.join("\n");
    for (const line of ["description: from ONNX", "author: Ada", "version: 2.0", "metadata onnx.producer: pytorch", "metadata license: BSD", "metadata hf.repo: x/y", "metadata k: v"]) expect(text).toContain(line);
    expect(text).toMatch(/input  x → x: float32 \[2\] .* — raw values/);
    expect(await main(["convert", model, "-o", join(dir, "N.mlpackage.zip"), "--metadata", "novalue"])).toBe(2);
  });

  it("writes the imported graph as WebNN (.webnn.json and .webnn), which converts to the same package", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onnx-cli-"));
    const model = writeModel(dir);
    const flags = ["--free-dim", "batch=1", "--input-value", "mode=1", "-q"];
    expect(await main(["convert", model, "-o", join(dir, "net.webnn.json"), ...flags])).toBe(0);
    for (const f of ["net.webnn.json", "net.weights", "net.manifest.json"]) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(await main(["convert", model, "-o", join(dir, "net.webnn"), ...flags])).toBe(0);
    expect(readFileSync(join(dir, "net.webnn"), "utf8")).toMatch(/^webnn_graph "net" v2 \{/);
    for (const sub of ["a", "b", "c"]) mkdirSync(join(dir, sub));
    expect(await main(["convert", model, "-o", join(dir, "a/Net.mlpackage.zip"), ...flags])).toBe(0);
    expect(await main(["convert", join(dir, "net.webnn"), "-o", join(dir, "b/Net.mlpackage.zip"), "-q"])).toBe(0);
    expect(await main(["convert", join(dir, "net.webnn.json"), "-o", join(dir, "c/Net.mlpackage.zip"), "-q"])).toBe(0);
    // The same program and weights (the ONNX route also carries the model's metadata, which graph files have no place for).
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => readPackagePath(join(dir, `${n}/Net.mlpackage.zip`))));
    const program = (p: typeof a) => milToText(p.parsed.program);
    expect(program(b), "ONNX vs .webnn").toBe(program(a));
    expect(program(c), "ONNX vs .webnn.json").toBe(program(a));
    expect(Buffer.from(b.weights!).equals(Buffer.from(a.weights!))).toBe(true);
    expect(Buffer.from(c.weights!).equals(Buffer.from(a.weights!))).toBe(true);
  });

  it("converts into a multifunction package, one function per batch size, reading the external data once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onnx-cli-"));
    const model = writeModel(dir);
    const out = join(dir, "Multi.mlpackage");
    expect(await main(["convert", model, "-o", out, "-q", "--target", "ios18", "--input-value", "mode=1", "--function", "one:batch=1", "--function", "four:batch=4"])).toBe(0);
    const read = await readPackagePath(out);
    expect([...read.parsed.program.functions.keys()].sort()).toEqual(["four", "one"]);
    expect(read.parsed.functions!.get("four")!.inputs[0].shape).toEqual([4, 4]);
    const loaded = await loadModelFileFunctions(model, { inputValues: { mode: 1 } }, [{ name: "a", freeDimensions: { batch: 1 } }, { name: "b", freeDimensions: { batch: 2 } }]);
    const w = loaded.map((l) => l.model.graph.constants.find((c) => c.name === "w")!.data);
    expect(w[0]!.buffer).toBe(w[1]!.buffer); // one read of weights.bin, shared by both graphs
  });

  it("reports a missing or short external data file, a bad flag, an unsupported operator, and bytes that are not a model", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onnx-cli-"));
    const model = writeModel(dir);
    const flags = ["--free-dim", "batch=1", "--input-value", "mode=1", "-q"];
    writeFileSync(join(dir, "weights.bin"), new Uint8Array(20));
    expect(await main(["convert", model, "-o", join(dir, "N.mlpackage.zip"), ...flags])).toBe(1);
    expect(io.err.join("\n")).toMatch(/WeightsError \[missing-weights\]: external data "weights.bin" of net.onnx: bytes \[16, 64\) run past the end of the file \(20 bytes\)/);
    expect(await main(["convert", model, "-o", join(dir, "N.mlpackage.zip"), "--input-shape", "x=a,b"])).toBe(2);
    const bad = join(dir, "bad.onnx");
    writeFileSync(bad, onnxModel({ nodes: [{ op: "RoiAlign", inputs: ["x"], outputs: ["y"] }], inputs: [["x", T.FLOAT, [1]]], outputs: [["y", T.FLOAT]] }));
    io.err.length = 0;
    expect(await main(["convert", bad, "-o", join(dir, "N.mlpackage.zip")])).toBe(1);
    expect(io.err.join("\n")).toMatch(/UnsupportedError \[unknown-operator\]: .*RoiAlign \(1 node, first "RoiAlign_0"\)/);
    writeFileSync(bad, "not a model at all");
    io.err.length = 0;
    expect(await main(["convert", bad, "-o", join(dir, "N.mlpackage.zip")])).toBe(1);
    expect(io.err.join("\n")).toMatch(/GraphFormatError \[format\]: not a readable ONNX model/);
    expect(existsSync(join(dir, "N.mlpackage.zip"))).toBe(false);
  });

  it("--quantized-activations: float (the default) keeps a quantized model lean, exact keeps its integer ops; a bad value is a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onnx-cli-"));
    const model = new URL("../fixtures/onnx-quantized/cnn-dynamic.onnx", import.meta.url).pathname;
    const count = async (extra: string[]) => {
      io.out.length = 0;
      expect(await main(["convert", model, "-o", join(dir, "Q.mlpackage"), "-q", ...extra])).toBe(0);
      return Number(/: (\d+) operations/.exec(io.out.join("\n"))![1]);
    };
    const float = await count([]);
    const exact = await count(["--quantized-activations", "exact"]);
    expect(exact).toBeGreaterThan(2 * float);
    expect(await main(["convert", model, "-o", join(dir, "N.mlpackage"), "--quantized-activations", "int"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/--quantized-activations must be float or exact, got int/);
  });
});
