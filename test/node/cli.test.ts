import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureConsole } from "./capture.js";
import { main } from "../../src/node/cli.js";

const ROOT = join(__dirname, "../..");
const io = captureConsole();

describe("webnn-coreml CLI", () => {
  it("convert writes a directory or a zip chosen by the output name, with a one-line summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    expect(await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", join(dir, "Small.mlpackage")])).toBe(0);
    expect(existsSync(join(dir, "Small.mlpackage/Manifest.json"))).toBe(true);
    expect(await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", join(dir, "Small.mlpackage.zip"), "--target", "ios18"])).toBe(0);
    expect(existsSync(join(dir, "Small.mlpackage.zip"))).toBe(true);
    expect(io.out.join("\n")).toMatch(/wrote .*Small\.mlpackage \(directory\): 7 operations, \d+ constants \(5 in weight\.bin\), \d+ blob bytes/);
  });

  it("inspect prints the MIL program and the weight table", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", join(dir, "S.mlpackage.zip")]);
    io.out.length = 0;
    expect(await main(["inspect", join(dir, "S.mlpackage.zip")])).toBe(0);
    const text = io.out.join("\n");
    expect(text).toMatch(/specificationVersion 8, opset CoreML7/);
    expect(text).toMatch(/= conv\(/);
    expect(text).toMatch(/const\(blob@64\)/);
    expect(text).toMatch(/^64 +fp16 +432$/m);
  });

  it("convert --compress reports the weights' bytes before and after, and inspect reads them back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const out = join(dir, "P.mlpackage");
    expect(await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", out, "--compress", "palettize:2", "--compress-min", "100"])).toBe(0);
    expect(io.out.join("\n")).toMatch(/3 weights compressed \(constexpr_lut_to_dense 3\): (\d+) → (\d+) bytes/);
    const [, dense, stored] = /compressed \(constexpr_lut_to_dense 3\): (\d+) → (\d+)/.exec(io.out.join("\n"))!;
    expect(Number(stored)).toBeLessThan(Number(dense) / 5);
    io.out.length = 0;
    expect(await main(["inspect", out])).toBe(0);
    expect(io.out.join("\n")).toContain(`compressed (constexpr_lut_to_dense 3): ${dense} → ${stored} bytes`);
    expect(await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", join(dir, "Q.mlpackage"), "--compress", "palettize:3"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/palettize:N\[:G\] \(N = 1, 2, 4, 6 or 8 bits/);
    expect(await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", join(dir, "Q.mlpackage"), "--compress-min", "5"])).toBe(2);
  });

  it("convert --function writes a multifunction package; run --function runs one of its functions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const g = join(dir, "dyn.webnn");
    writeFileSync(g, `webnn_graph "Dyn" v2 {\n  inputs { x: f32[dyn("batch", 8), dyn("seq", 16)]; }\n  nodes { y = relu(x); }\n  outputs { y; }\n}\n`);
    const out = join(dir, "F.mlpackage");
    expect(await main(["convert", g, "-o", out, "--target", "ios18", "--free-dim", "seq=4", "--function", "one:batch=1", "--function", "many:batch=8,seq=16", "--default-function", "many"])).toBe(0);
    io.out.length = 0;
    expect(await main(["inspect", out])).toBe(0);
    expect(io.out.join("\n")).toMatch(/^default many\[CoreML8\]\(%x: fp32\[8, 16\]\)/m);
    expect(io.out.join("\n")).toMatch(/^one\[CoreML8\]\(%x: fp32\[1, 4\]\)/m);
    writeFileSync(join(dir, "in.json"), JSON.stringify({ x: { dataType: "float32", shape: [1, 4], data: [-1, 2, -3, 4] } }));
    io.out.length = 0;
    expect(await main(["run", out, "--inputs", join(dir, "in.json"), "--function", "one"])).toBe(0);
    expect(JSON.parse(io.out.join("\n")).y.data).toEqual([0, 2, 0, 4]);
    expect(await main(["run", out, "--inputs", join(dir, "in.json")])).toBe(1); // the default function takes [8, 16]
    expect(await main(["run", out, "--inputs", join(dir, "in.json"), "--function", "two"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/no function "two" \(it has many, one\)/);
    expect(await main(["convert", g, "-o", join(dir, "G.mlpackage"), "--function", "one:batch=1,seq=4", "--function", "two:batch=2,seq=4"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/needs a target of iOS 18/);
    expect(await main(["convert", g, "-o", join(dir, "G.mlpackage"), "--function", "9x:batch=1"])).toBe(2);
    expect(await main(["convert", g, "-o", join(dir, "G.mlpackage"), "--function", "a:batch=1,seq=4", "--default-function", "b"])).toBe(2);
  });

  it("run executes a package with the reference runtime from JSON tensors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", join(dir, "S.mlpackage.zip")]);
    writeFileSync(join(dir, "in.json"), JSON.stringify({ image: { dataType: "float16", shape: [1, 3, 32, 32], data: [0.5] } }));
    expect(await main(["run", join(dir, "S.mlpackage.zip"), "--inputs", join(dir, "in.json"), "--out", join(dir, "out.json")])).toBe(0);
    const res = JSON.parse(readFileSync(join(dir, "out.json"), "utf8"));
    expect(res.probabilities.shape).toEqual([1, 10]);
    const sum = (res.probabilities.data as number[]).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(0.01);
  });

  it("usage errors exit 2; conversion errors exit 1 with the typed error", async () => {
    expect(await main(["frobnicate"])).toBe(2);
    expect(await main(["convert"])).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    writeFileSync(join(dir, "bad.webnn.json"), "{ not json");
    expect(await main(["convert", join(dir, "bad.webnn.json"), "-o", join(dir, "B.mlpackage")])).toBe(1);
    expect(io.err.join("\n")).toMatch(/GraphFormatError/);
    expect(existsSync(join(dir, "B.mlpackage"))).toBe(false);
  });

  it("--version, --help for the tool and for every command", async () => {
    expect(await main(["--version"])).toBe(0);
    expect(io.out.join("")).toMatch(/^\d+\.\d+\.\d+/);
    for (const cmd of ["convert", "inspect", "run"]) {
      io.out.length = 0;
      expect(await main([cmd, "--help"])).toBe(0);
      expect(io.out.join("\n")).toContain(`usage: webnn-coreml ${cmd}`);
    }
    io.out.length = 0;
    expect(await main(["--help"])).toBe(0);
    expect(io.out.join("\n")).toMatch(/commands:[\s\S]*convert[\s\S]*inspect[\s\S]*run/);
    expect(await main(["convert", "--frobnicate"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/usage error: .*frobnicate[\s\S]*webnn-coreml convert --help/);
  });

  it("run: bad inputs are one line naming the input and the rule, checked against the model first, no stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const pkg = join(dir, "S.mlpackage.zip");
    await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", pkg, "--quiet"]);
    const cases: [unknown, RegExp][] = [
      [{ image: { dataType: "float32", shape: [1, 3, 32, 32], data: [0] } }, /RuntimeError \[runtime\]: input "image": is float32 \[1, 3, 32, 32\], but the model takes float16/],
      [{ image: { dataType: "float16", shape: [30000, 30000], data: [0] } }, /but the model takes float16 \[1, 3, 32, 32\]/],
      [{}, /missing input "image"/],
      [{ image: { dataType: "float16", shape: [1, 3, 32, 32], data: [0] }, extra: { dataType: "float16", shape: [1], data: [0] } }, /no input "extra"/],
      [{ image: { dataType: "float16", shape: [1, 3, 32, 32], data: null } }, /input "image": has no data/],
      [{ image: { dataType: "float16", shape: [1, 3, 32, 32], data: [null, 1] } }, /2 values for shape/],
      [[1, 2], /inputs must be a JSON object/],
    ];
    for (const [json, re] of cases) {
      io.err.length = 0;
      writeFileSync(join(dir, "in.json"), JSON.stringify(json));
      expect(await main(["run", pkg, "--inputs", join(dir, "in.json")])).toBe(1);
      expect(io.err.join("\n")).toMatch(re);
      expect(io.err.join("\n")).not.toMatch(/\n\s+at /);
    }
    io.err.length = 0;
    writeFileSync(join(dir, "in.json"), "{ not json");
    expect(await main(["run", pkg, "--inputs", join(dir, "in.json")])).toBe(1);
    expect(io.err.join("\n")).toMatch(/^error: --inputs .* is not valid JSON/);
    io.err.length = 0;
    expect(await main(["run", pkg, "--inputs", dir])).toBe(1);
    expect(io.err.join("\n")).toMatch(/is a directory/);
    io.err.length = 0;
    expect(await main(["run", pkg, "--inputs", dir, "--debug"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/\n\s+at /);
  });

  it("convert -o never deletes what is not a package it could have written, nor an input", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-out-"));
    const graph = join(dir, "g.webnn.json");
    for (const ext of ["webnn.json", "weights", "manifest.json"]) writeFileSync(join(dir, `g.${ext}`), readFileSync(join(ROOT, `examples/small-cnn.${ext}`)));
    const graphBytes = readFileSync(graph);
    // A directory of other files, the input itself, a file, a parent, names without the package extension.
    mkdirSync(join(dir, "Photos.mlpackage"));
    writeFileSync(join(dir, "Photos.mlpackage/holiday.jpg"), "jpeg");
    writeFileSync(join(dir, "notes.mlpackage.zip"), "not a zip");
    for (const [out, re] of [
      [join(dir, "Photos.mlpackage"), /exists and is not a package directory/],
      [graph, /is one of the conversion's inputs/],
      [join(dir, "g.manifest.json"), /is one of the conversion's inputs/],
      [join(dir, "notes.mlpackage.zip"), /exists and is not a zipped package/],
      [join(dir, ".."), /must end in \.mlpackage/],
      [join(dir, "out.zip"), /must end in \.mlpackage/],
    ] as const) {
      io.err.length = 0;
      expect(await main(["convert", graph, "-o", out, "--quiet"])).toBe(1);
      expect(io.err.join("\n")).toMatch(/PackageFormatError \[output-path\]/);
      expect(io.err.join("\n")).toMatch(re);
    }
    expect(readFileSync(join(dir, "Photos.mlpackage/holiday.jpg"), "utf8")).toBe("jpeg");
    expect(readFileSync(join(dir, "notes.mlpackage.zip"), "utf8")).toBe("not a zip");
    expect(readFileSync(graph).equals(graphBytes)).toBe(true);
    // A package it wrote is replaced; nothing temporary is left behind.
    for (const out of ["M.mlpackage", "M.mlpackage.zip"]) {
      expect(await main(["convert", graph, "-o", join(dir, out), "--quiet"])).toBe(0);
      expect(await main(["convert", graph, "-o", join(dir, out), "--quiet", "--target", "ios18"])).toBe(0);
    }
    expect(readdirSync(dir).filter((n) => n.startsWith(".")).sort()).toEqual([]);
  });

  it("a failed conversion leaves the previous package as it was and no partial files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-keep-"));
    const out = join(dir, "K.mlpackage");
    expect(await main(["convert", join(ROOT, "examples/small-cnn.webnn.json"), "-o", out, "--quiet"])).toBe(0);
    const before = readFileSync(join(out, "Manifest.json"));
    writeFileSync(join(dir, "bad.webnn.json"), JSON.stringify({ format: "webnn-graph-json", version: 1, inputs: { x: { dataType: "float32", shape: [2] } }, nodes: [{ id: "y", op: "softmax", inputs: ["x"], options: { axis: 5 } }], outputs: { y: "y" } }));
    expect(await main(["convert", join(dir, "bad.webnn.json"), "-o", out, "--quiet"])).toBe(1);
    expect(readFileSync(join(out, "Manifest.json")).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["K.mlpackage", "bad.webnn.json"]);
  });
});
