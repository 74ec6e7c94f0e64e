import { describe, expect, it } from "vitest";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { lowerGraph, lowerGraphAsync } from "../../src/lowering/lower-graph.js";

function chain(n: number) {
  const b = new MLGraphBuilder();
  let x = b.input("x", { dataType: "float32", shape: [4] });
  for (let i = 0; i < n; i++) x = b.relu(b.add(x, x));
  return b.buildSync({ y: x });
}

describe("lowerGraphAsync", () => {
  it("gives the same program as lowerGraph", async () => {
    const g = chain(200);
    expect(await lowerGraphAsync(g, { sliceMs: 0 })).toEqual(lowerGraph(g));
  });

  it("lets a cancel arrive during a long lowering", async () => {
    const g = chain(20_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException("cancelled", "AbortError")), 5);
    await expect(convertGraph(g, { signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
  });
});
