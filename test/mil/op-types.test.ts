// The MIL op types generated from signatures.json: the generated files are current, and a
// misspelt op or parameter, or a required parameter left out, does not compile (npm run
// typecheck checks the @ts-expect-error lines: each must be an error).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import signatures from "../../src/mil/signatures.json";
import { milOperation } from "../../src/mil/op-types.js";
import type { MilOpParameters } from "../../src/mil/op-parameters.js";
import { operation } from "../../src/passes/fusion.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const out = { name: "y", type: { dataType: "fp32" as const, shape: [2] } };

describe("MIL op types", () => {
  it("are what scripts/gen-mil-signatures.mjs writes from scripts/data/mil-ops.md", () => {
    expect(() => execFileSync(process.execPath, ["scripts/gen-mil-signatures.mjs", "--check"], { cwd: root, stdio: "pipe" })).not.toThrow();
  });

  it("name every op of the signatures, with every parameter of any version", () => {
    const ops: Record<keyof MilOpParameters, true> = Object.fromEntries(Object.keys(signatures).map((k) => [k, true])) as Record<keyof MilOpParameters, true>;
    expect(Object.keys(ops).length).toBe(Object.keys(signatures).length);
    const linear: MilOpParameters["linear"] = { x: true, weight: true, bias: false };
    expect(Object.keys(linear).sort()).toEqual(["bias", "weight", "x"]);
  });

  it("build operations whose parameters are checked at compile time", () => {
    expect(operation("linear", { x: "a", weight: "w", bias: "b" }, out).inputs).toEqual({ x: ["a"], weight: ["w"], bias: ["b"] });
    expect(milOperation("cast", "c", { x: ["a"], dtype: ["d"] }, [out]).type).toBe("cast");
    // @ts-expect-error: no MIL op "lineaar"
    operation("lineaar", { x: "a" }, out);
    // @ts-expect-error: linear has no parameter "bais"
    operation("linear", { x: "a", weight: "w", bais: "b" }, out);
    // @ts-expect-error: linear requires a weight
    operation("linear", { x: "a" }, out);
  });
});
