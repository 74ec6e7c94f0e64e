// Packages that Apple's coremltools wrote (test/fixtures/coremltools): read, inspected and run by
// the CLI and runPackageContents, outputs as numpy computes them from coremltools' expansion of the
// weights, and every weight expanded exactly as coremltools expands it.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkCoremltoolsPackages } from "./coremltools-packages.js";

const fixtures = fileURLToPath(new URL("../fixtures/coremltools", import.meta.url));

describe("packages written by coremltools", () => {
  it("are read, inspected and run, and expand every weight as coremltools does", async () => {
    const report = await checkCoremltoolsPackages(fixtures);
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(9);
    // Conv and linear weights of the int8 (3), int4 and 4-bit palette packages; the grouped
    // palettes leave the linear weight (10 output channels, not in groups of 4 or 8) dense.
    expect(report.weights).toBe(12);
  });
});
