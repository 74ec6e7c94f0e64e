// The documented operator table (docs/onnx.md) is the importer's table: same operators, no more.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SUPPORTED_MICROSOFT_OPERATORS, SUPPORTED_ONNX_OPERATORS } from "../../src/frontends/onnx/ops/index.js";

describe("ONNX operator table", () => {
  it("docs/onnx.md lists exactly the supported operators", () => {
    const doc = readFileSync(join(__dirname, "../../docs/onnx.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Supported operators"), doc.indexOf("## com.microsoft operators"));
    const listed = [...section.matchAll(/^\| ([A-Za-z][A-Za-z0-9]*) \|/gm)].map((m) => m[1]).filter((n) => n !== "ONNX");
    expect(listed).toEqual([...SUPPORTED_ONNX_OPERATORS]);
    expect(section).toContain(`(${SUPPORTED_ONNX_OPERATORS.length}, default domain`);
    const msStart = doc.indexOf("## com.microsoft operators");
    const ms = doc.slice(msStart, doc.indexOf("\n## ", msStart + 1));
    const msListed = [...ms.matchAll(/^\| ([A-Za-z][A-Za-z0-9]*) \|/gm)].map((m) => m[1]);
    expect(msListed).toEqual([...SUPPORTED_MICROSOFT_OPERATORS]);
    expect(ms).toContain(`## com.microsoft operators (${SUPPORTED_MICROSOFT_OPERATORS.length})`);
  });
});
