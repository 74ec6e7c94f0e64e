// Graph files in Node and the CLI: .webnn text with a safetensors sidecar found as rustnn does,
// the graph written back in both forms, and the same package from every form.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureConsole } from "./capture.js";
import { WeightsError } from "../../src/errors.js";
import { main } from "../../src/node/cli.js";
import { loadGraphFile } from "../../src/node/graph-files.js";
import { convertGraph } from "../../src/convert.js";
import type { MLGraph } from "../../src/graph/operand.js";
import { packageToZipBytes } from "../../src/packaging/zip.js";

const ROOT = join(__dirname, "../..");
const EXAMPLE = join(ROOT, "examples/small-cnn.webnn.json");
const io = captureConsole();

describe("graph files", () => {
  it("JSON → .webnn + .safetensors → package: the same package as from the JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gf-"));
    expect(await main(["convert", EXAMPLE, "-o", join(dir, "net.webnn")])).toBe(0);
    expect(io.out.join("\n")).toMatch(/wrote .*net\.webnn, .*net\.safetensors: 9 operations, 6 constants/);
    const text = readFileSync(join(dir, "net.webnn"), "utf8");
    expect(text).toMatch(/^webnn_graph "SmallCNN" v2 \{/);
    expect(text).toContain('conv1_w: f16[8, 3, 3, 3] @weights("conv1_w");');
    expect(text).toContain("conv1 = conv2d(image, conv1_w, bias=conv1_b, padding=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], groups=1, inputLayout=\"nchw\", filterLayout=\"oihw\");");
    mkdirSync(join(dir, "a"));
    mkdirSync(join(dir, "b"));
    expect(await main(["convert", join(dir, "net.webnn"), "-o", join(dir, "a/M.mlpackage.zip"), "-q"])).toBe(0);
    expect(await main(["convert", EXAMPLE, "-o", join(dir, "b/M.mlpackage.zip"), "-q"])).toBe(0);
    expect(readFileSync(join(dir, "a/M.mlpackage.zip")).equals(readFileSync(join(dir, "b/M.mlpackage.zip")))).toBe(true);
    // And back to JSON with a manifest and a .weights file, which convert the same again.
    expect(await main(["convert", join(dir, "net.webnn"), "-o", join(dir, "again.webnn.json")])).toBe(0);
    for (const f of ["again.webnn.json", "again.weights", "again.manifest.json"]) expect(existsSync(join(dir, f)), f).toBe(true);
    mkdirSync(join(dir, "c"));
    expect(await main(["convert", join(dir, "again.webnn.json"), "-o", join(dir, "c/M.mlpackage.zip"), "-q"])).toBe(0);
    expect(readFileSync(join(dir, "c/M.mlpackage.zip")).equals(readFileSync(join(dir, "b/M.mlpackage.zip")))).toBe(true);
    // A graph output never replaces an input.
    expect(await main(["convert", join(dir, "net.webnn"), "-o", join(dir, "net.webnn")])).toBe(1);
    expect(io.err.join("\n")).toMatch(/is one of the conversion's inputs/);
  });

  it("the repository's .webnn example is the JSON example in text form", async () => {
    const fromText = await loadGraphFile(join(ROOT, "examples/small-cnn.webnn"));
    const fromJson = await loadGraphFile(EXAMPLE, { weights: join(ROOT, "examples/small-cnn.weights") });
    expect(fromText.files.map((f) => f.split("/").pop())).toEqual(["small-cnn.webnn", "small-cnn.safetensors"]);
    expect(fromJson.files.map((f) => f.split("/").pop())).toEqual(["small-cnn.webnn.json", "small-cnn.weights", "small-cnn.manifest.json"]);
    const zip = async (g: MLGraph) => Buffer.from(await packageToZipBytes(await convertGraph(g, { name: "SmallCNN" })));
    expect((await zip(fromText.graph)).equals(await zip(fromJson.graph))).toBe(true);
  });

  it("finds sidecars in rustnn's order, and --weights names one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gf-"));
    await main(["convert", EXAMPLE, "-o", join(dir, "net.webnn")]);
    // model.safetensors when <stem>.safetensors is absent.
    renameSync(join(dir, "net.safetensors"), join(dir, "model.safetensors"));
    expect((await loadGraphFile(join(dir, "net.webnn"))).graph.constants).toHaveLength(6);
    // --weights with any name.
    renameSync(join(dir, "model.safetensors"), join(dir, "w.bin.safetensors"));
    const e = await loadGraphFile(join(dir, "net.webnn")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WeightsError);
    expect((e as Error).message).toMatch(/weights were not found: tried .*net\.safetensors, .*net\.weights \+ .*net\.manifest\.json, .*model\.safetensors/);
    expect((await loadGraphFile(join(dir, "net.webnn"), { weights: join(dir, "w.bin.safetensors") })).graph.constants).toHaveLength(6);
    // A .weights file beside the graph with manifest.json.
    copyFileSync(join(ROOT, "examples/small-cnn.weights"), join(dir, "net.weights"));
    copyFileSync(join(ROOT, "examples/small-cnn.manifest.json"), join(dir, "manifest.json"));
    expect((await loadGraphFile(join(dir, "net.webnn"))).graph.constants).toHaveLength(6);
  });

  it("binds named dimensions with --free-dim", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gf-"));
    const graph = join(dir, "dyn.webnn");
    writeFileSync(graph, `webnn_graph "dyn" v2 {\n  inputs { x: f32[dyn("batch", 4), 3]; }\n  nodes { y = relu(x); }\n  outputs { y; }\n}\n`);
    expect(await main(["convert", graph, "-o", join(dir, "D.mlpackage.zip")])).toBe(1);
    expect(io.err.join("\n")).toMatch(/GraphFormatError \[free-dimension\].*"batch" \(at most 4; inputs "x"\)/);
    expect(await main(["convert", graph, "-o", join(dir, "D.mlpackage.zip"), "--free-dim", "batch=5"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/"batch" is 5, over its maximum 4/);
    expect(await main(["convert", graph, "-o", join(dir, "D.mlpackage.zip"), "--free-dim", "batch=x"])).toBe(2);
    io.err.length = 0;
    expect(await main(["convert", graph, "-o", join(dir, "D.mlpackage.zip"), "--free-dim", "batch=2", "-q"])).toBe(0);
    io.out.length = 0;
    expect(await main(["inspect", join(dir, "D.mlpackage.zip")])).toBe(0);
    expect(io.out.join("\n")).toMatch(/input +x → x: float32 \[2, 3\]/);
  });
});
