// What the CLI must never do to a user's files, and how it reports a mistake: an existing output
// is replaced only when it holds nothing but what a package of ours holds (else --force), a graph
// file is never overwritten without --force, partial files a killed run left are swept, and
// option and file problems come as one line in the tool's words, with exit code 2 for usage.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureConsole } from "./capture.js";
import { main } from "../../src/node/cli.js";

const ROOT = join(__dirname, "../..");
const CNN = join(ROOT, "examples/small-cnn.webnn.json");
const io = captureConsole();

describe("webnn-coreml CLI: the user's files", () => {
  it("replaces a package only when it holds only the package's files; --force deletes the others", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-safe-"));
    const out = join(dir, "M.mlpackage");
    expect(await main(["convert", CNN, "-o", out])).toBe(0);
    expect(await main(["convert", CNN, "-o", out])).toBe(0); // our own package: replaced
    writeFileSync(join(out, "Data", "notes.txt"), "mine");
    expect(await main(["convert", CNN, "-o", out])).toBe(1);
    expect(io.err.join("\n")).toMatch(/holds files its manifest does not list \(Data\/notes\.txt\).*--force/);
    expect(existsSync(join(out, "Data", "notes.txt"))).toBe(true);
    expect(await main(["convert", CNN, "-o", out, "--force"])).toBe(0);
    expect(existsSync(join(out, "Data", "notes.txt"))).toBe(false);
  });

  it("never overwrites a graph file without --force", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-safe-"));
    const out = join(dir, "g.webnn");
    writeFileSync(out, "somebody's graph");
    expect(await main(["convert", CNN, "-o", out])).toBe(1);
    expect(io.err.join("\n")).toMatch(/g\.webnn exists; choose another name, or pass --force/);
    expect(await main(["convert", CNN, "-o", out, "--force"])).toBe(0);
  });

  it("sweeps the partial files of a run that was killed, and only those of dead processes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-safe-"));
    const dead = join(dir, ".M.mlpackage.partial-999999-0123abcd");
    const live = join(dir, `.M.mlpackage.partial-${process.ppid}-0123abcd`);
    const other = join(dir, ".N.mlpackage.partial-999999-0123abcd");
    for (const d of [dead, live, other]) mkdirSync(d);
    expect(await main(["convert", CNN, "-o", join(dir, "M.mlpackage")])).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([".M.mlpackage.partial-" + process.ppid + "-0123abcd", ".N.mlpackage.partial-999999-0123abcd", "M.mlpackage"].sort());
  });
});

describe("webnn-coreml CLI: mistakes in one line", () => {
  it("no command prints the help and exits 2; --help exits 0", async () => {
    expect(await main([])).toBe(2);
    expect(io.err.join("\n")).toMatch(/usage: webnn-coreml <command>/);
    expect(await main(["--help"])).toBe(0);
  });

  it("option problems in the tool's words, not the option parser's", async () => {
    expect(await main(["convert", CNN, "--bogus"])).toBe(2);
    expect(io.err[0].split("\n")[0]).toBe("usage error: unknown option --bogus");
    io.err.length = 0;
    expect(await main(["convert", CNN, "-o"])).toBe(2);
    expect(io.err[0].split("\n")[0]).toBe("usage error: option -o, --out needs a value");
  });

  it("a missing file is named with the problem, not Node's error text", async () => {
    expect(await main(["inspect", join(tmpdir(), "no-such.mlpackage")])).toBe(1);
    expect(io.err[0]).toMatch(/^error: cannot read .*no-such\.mlpackage: no such file or directory$/);
  });

  it("a --free-dim the model does not name is an error listing the names it has", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-safe-"));
    expect(await main(["convert", CNN, "-o", join(dir, "M.mlpackage"), "--free-dim", "batchh=1"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/freeDimensions names "batchh", which no input dimension of the graph is named \(its named dimensions: none\)/);
  });
});

describe("webnn-coreml CLI: Core ML names", () => {
  it("--rename gives inputs and outputs their Core ML names, which the summary and inspect show; bad names are refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-names-"));
    const out = join(dir, "M.mlpackage");
    expect(await main(["convert", CNN, "-o", out, "--rename", "image=pixels"])).toBe(0);
    expect(io.out.join("\n")).toMatch(/inputs: pixels \(from "image"\); outputs: /);
    io.out.length = 0;
    expect(await main(["inspect", out])).toBe(0);
    expect(io.out.join("\n")).toMatch(/\bpixels\b/);
    expect(await main(["convert", CNN, "-o", join(dir, "N.mlpackage"), "--rename", "image=1x"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/coremlNames\["image"\] must be an identifier/);
    expect(await main(["convert", CNN, "-o", join(dir, "N.mlpackage"), "--rename", "nope=x"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/coremlNames names "nope", which is not an input or output of the graph/);
  });
});

describe("webnn-coreml CLI: image features", () => {
  it("--image-input NAME:bgr:scale=S:bias=… and --image-output; the summary and inspect show the images", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-image-"));
    const resnet = join(ROOT, "test/fixtures/onnx-corpus/resnet.onnx");
    const out = join(dir, "R.mlpackage");
    expect(await main(["convert", resnet, "-o", out, "--image-input", "x:bgr:scale=0.5:bias=1,2,3"])).toBe(0);
    expect(io.out.join("\n")).toMatch(/inputs: x \(image BGR 32×32\); outputs: y/);
    io.out.length = 0;
    expect(await main(["inspect", out])).toBe(0);
    expect(io.out.join("\n")).toMatch(/input +x → x: float32 \[1, 3, 32, 32\] \(Core ML image BGR 32×32\)/);
    expect(await main(["convert", resnet, "-o", join(dir, "S.mlpackage"), "--image-input", "x:scale=abc"])).toBe(2);
    expect(io.err.join("\n")).toMatch(/--image-input: "abc" is not a finite number/);
    expect(await main(["convert", resnet, "-o", join(dir, "S.mlpackage"), "--image-output", "y"])).toBe(1);
    expect(io.err.join("\n")).toMatch(/image "y": an image of RGB is \[1, 3, height, width\], the graph's is \[1, 10\]/);
  });
});
