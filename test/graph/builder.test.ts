import { describe, expect, it } from "vitest";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { GraphValidationError, WebNNCoreMLError } from "../../src/errors.js";

const f32 = (shape: number[]) => ({ dataType: "float32" as const, shape });

function expectError(fn: () => unknown, rule: string, mentions: RegExp[]) {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, "expected an error").toBeInstanceOf(GraphValidationError);
  const e = err as WebNNCoreMLError;
  expect(e.rule).toBe(rule);
  for (const m of mentions) expect(e.message).toMatch(m);
}

describe("MLGraphBuilder: shape and dtype inference", () => {
  it("broadcasts binary operators and infers uint8 for comparisons", () => {
    const b = new MLGraphBuilder();
    const a = b.input("a", f32([2, 1, 4]));
    const c = b.input("c", f32([3, 1]));
    expect(b.add(a, c).shape).toEqual([2, 3, 4]);
    expect(b.equal(a, c).dataType).toBe("uint8");
  });

  it("conv2d, convTranspose2d, matmul, reductions, slice, split, gather shapes", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([1, 3, 10, 10]));
    expect(b.conv2d(x, b.input("w", f32([8, 3, 3, 3])), { strides: [2, 2], padding: [1, 1, 1, 1] }).shape).toEqual([1, 8, 5, 5]);
    expect(b.conv2d(x, b.input("w2", f32([6, 1, 3, 3])), { groups: 3 }).shape).toEqual([1, 6, 8, 8]);
    expect(b.convTranspose2d(x, b.input("t", f32([3, 2, 3, 3])), { strides: [2, 2], outputPadding: [1, 1] }).shape).toEqual([1, 2, 22, 22]);
    expect(b.matmul(b.input("m", f32([5, 2, 3])), b.input("n", f32([3, 4]))).shape).toEqual([5, 2, 4]);
    expect(b.reduceMean(x, { axes: [2, 3] }).shape).toEqual([1, 3]);
    expect(b.reduceMean(x, { axes: [2, 3], keepDimensions: true }).shape).toEqual([1, 3, 1, 1]);
    expect(b.reduceSum(x).shape).toEqual([]);
    expect(b.slice(x, [0, 0, 1, 1], [1, 3, 8, 8], { strides: [1, 1, 3, 2] }).shape).toEqual([1, 3, 3, 4]);
    expect(b.split(x, [4, 6], { axis: 2 }).map((o) => o.shape)).toEqual([[1, 3, 4, 10], [1, 3, 6, 10]]);
    expect(b.gather(x, b.constant({ dataType: "int32", shape: [2, 2] }, new Int32Array(4)), { axis: 1 }).shape).toEqual([1, 2, 2, 10, 10]);
    expect(b.transpose(x).shape).toEqual([10, 10, 3, 1]);
  });

  it("build keeps only reachable nodes, in order, and is immutable", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([2]));
    b.relu(x); // unused
    const y = b.sigmoid(b.abs(x));
    const g = b.buildSync({ y });
    expect(g.nodes.map((n) => n.op)).toEqual(["abs", "sigmoid"]);
    expect(Object.isFrozen(g)).toBe(true);
    expect(Object.isFrozen(g.nodes)).toBe(true);
  });
});

describe("MLGraphBuilder: bad input gives typed errors naming the operator and rule", () => {
  it("wrong option types", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([1, 3, 4, 4]));
    const w = b.input("w", f32([2, 3, 3, 3]));
    expectError(() => b.conv2d(x, w, { strides: "2" as never }), "option-type", [/conv2d/, /strides/]);
    expectError(() => b.conv2d(x, w, { inputLayout: "nchwc" as never }), "option-value", [/inputLayout/]);
    expectError(() => b.leakyRelu(x, { alpha: "a lot" as never }), "option-type", [/leakyRelu/, /alpha/]);
    expectError(() => b.reduceSum(x, { keepDimensions: 1 as never }), "option-type", [/keepDimensions/]);
    expectError(() => b.conv2d(x, w, "fast" as never), "option-type", [/options/]);
  });

  it("shape mismatches", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([2, 3]));
    expectError(() => b.add(x, b.input("y", f32([4]))), "broadcast", [/add/, /\[2, 3\]/, /\[4\]/]);
    expectError(() => b.matmul(x, b.input("z", f32([2, 3]))), "shape-mismatch", [/matmul/]);
    expectError(() => b.reshape(x, [4, 2]), "element-count", [/reshape/]);
    expectError(() => b.concat([x, b.input("c", f32([2, 4]))], 0), "shape-mismatch", [/concat/, /inputs\[1\]/]);
    expectError(() => b.conv2d(b.input("i", f32([1, 3, 4, 4])), b.input("w", f32([2, 4, 3, 3]))), "channels", [/conv2d/]);
  });

  it("dtype mismatches", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([2]));
    const i = b.input("i", { dataType: "int32", shape: [2] });
    expectError(() => b.add(x, i), "data-type-mismatch", [/add/, /float32/, /int32/]);
    expectError(() => b.sigmoid(i), "data-type", [/sigmoid/, /int32/]);
    expectError(() => b.gather(x, x), "data-type", [/gather/, /indices/]);
  });

  it("zero-size and overflowing shapes, unknown data types", () => {
    const b = new MLGraphBuilder();
    expectError(() => b.input("z", f32([2, 0])), "zero-size", [/"z"/, /zero-size/]);
    expectError(() => b.input("big", f32([2 ** 20, 2 ** 20, 2 ** 20])), "shape-overflow", [/"big"/]);
    expectError(() => b.input("neg", f32([-1])), "shape", [/"neg"/]);
    expectError(() => b.input("t", { dataType: "float64" as never, shape: [1] }), "data-type", [/float64/]);
    expectError(() => b.constant(f32([4]), new Float32Array(3), "short"), "constant-size", [/"short"/, /16 bytes/]);
  });

  it("operands from another builder, out-of-range axes, duplicate input names", () => {
    const b = new MLGraphBuilder();
    const other = new MLGraphBuilder().input("x", f32([2]));
    expectError(() => b.relu(other), "operand-builder", [/relu/]);
    const x = b.input("x", f32([2, 3]));
    expectError(() => b.softmax(x, 2), "axis-range", [/softmax/]);
    expectError(() => b.reduceMax(x, { axes: [0, 0] }), "axis-unique", [/reduceMax/]);
    expectError(() => b.input("x", f32([1])), "input-name-unique", [/"x"/]);
  });
});

describe("descriptors and serialized graphs", () => {
  it("a descriptor without a shape is an error, not a scalar", () => {
    const b = new MLGraphBuilder();
    expectError(() => b.input("x", { dataType: "float32" } as never), "shape", [/"x"/, /no shape/]);
    expect(b.input("s", { dataType: "float32", shape: [] }).shape).toEqual([]);
  });

  it("a serialized graph with a null output entry gives a typed error", async () => {
    const { serializeGraph, deserializeGraph } = await import("../../src/graph/serialize.js");
    const b = new MLGraphBuilder();
    const s = serializeGraph(b.buildSync({ y: b.relu(b.input("x", f32([2]))) })) as unknown as { nodes: { outputs: unknown[] }[] };
    s.nodes[0].outputs = [null];
    let err: unknown;
    try { deserializeGraph(s as never); } catch (e) { err = e; }
    expect((err as Error).name).toBe("GraphFormatError");
  });
});
