import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildWptGraph, type WptFile } from "../../src/conformance/wpt-case.js";
import { convertGraph } from "../../src/convert.js";
import { MLGraphBuilder } from "../../src/graph/builder.js";
import { GraphFormatError, GraphValidationError, WebNNCoreMLError, WeightsError } from "../../src/errors.js";
import { MLOperand, type MLGraph } from "../../src/graph/operand.js";
import { deserializeGraph, serializedGraphTransferables, serializeGraph, type SerializedGraph } from "../../src/graph/serialize.js";
import { fileBytes, type MLPackage } from "../../src/packaging/package.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const f32 = (shape: number[]) => ({ dataType: "float32" as const, shape });

function ramp(n: number, scale = 0.01): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i * 37) % 101) * scale - 0.5);
}

/** One graph using most builder operators, with option operands, multi-output nodes and shared buffers. */
function kitchenSink(): MLGraph {
  const b = new MLGraphBuilder();
  const x = b.input("x", f32([1, 3, 8, 8]));
  // Two constants as views into one buffer (as a weights file gives).
  const shared = ramp(8 * 3 * 9 + 8);
  const w = b.constant(f32([8, 3, 3, 3]), new Float32Array(shared.buffer, 0, 216), "w");
  const bias = b.constant(f32([8]), new Float32Array(shared.buffer, 216 * 4, 8), "bias");
  const c = b.conv2d(x, w, { padding: [1, 1, 1, 1], bias, label: "conv" });
  const bn = b.batchNormalization(c, b.constant(f32([8]), ramp(8), "mean"), b.constant(f32([8]), ramp(8, 0.001).map((v) => v + 1), "var"),
    { scale: b.constant(f32([8]), ramp(8), "scale"), epsilon: 1e-3, label: "bn" });
  const r = b.clamp(b.elu(bn, { alpha: 0.5 }), { minValue: -1 });
  const [s1, s2] = b.split(r, [3, 5], { axis: 1, label: "split" });
  const cat = b.concat([s2, s1, b.sigmoid(s1)], 1, { label: "cat" });
  const pooled = b.reduceMean(cat, { axes: [2, 3], keepDimensions: false });
  const ln = b.layerNormalization(pooled, { axes: [1], bias: b.constant(f32([11]), ramp(11), "lnb") });
  const fc = b.matmul(ln, b.constant(f32([11, 4]), ramp(44), "fc"));
  const sm = b.softmax(fc, 1, { label: "probs" });
  const sl = b.slice(b.transpose(cat, { permutation: [0, 2, 3, 1] }), [0, 1, 1, 0], [1, 4, 4, 11], { strides: [1, 2, 1, 3] });
  const g = b.gather(b.reshape(sl, [2, 4, 4]), b.constant({ dataType: "int32", shape: [2] }, new Int32Array([1, 0]), "idx"), { axis: 0 });
  const up = b.convTranspose2d(b.instanceNormalization(c, { epsilon: 1e-4 }), b.constant(f32([8, 2, 2, 2]), ramp(64), "tw"), { strides: [2, 2] });
  const cmp = b.cast(b.greater(sm, b.constant(f32([1, 4]), new Float32Array([0.25, 0.25, 0.25, 0.25]), "quarter")), "int32");
  const e = b.expand(b.constant(f32([1, 4]), ramp(4), "row"), [3, 4]);
  return b.buildSync({ probs: sm, gathered: g, up, cmp, expanded: b.add(e, b.leakyRelu(e)), pass: x });
}

/** FNV-1a over the bytes. */
function checksum(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** The graph's structure with operands as indices in definition order (comparable across builders). */
function structure(graph: MLGraph): unknown {
  const ids = new Map<MLOperand, number>();
  const id = (o: MLOperand) => {
    if (!ids.has(o)) ids.set(o, ids.size);
    return ids.get(o)!;
  };
  const desc = (o: MLOperand) => ({ dataType: o.dataType, shape: [...o.shape] });
  return {
    inputs: graph.inputs.map((i) => ({ name: i.name, id: id(i.operand), ...desc(i.operand) })),
    constants: graph.constants.map((c) => ({ id: id(c), name: c.name, ...desc(c), byteLength: c.data!.byteLength, checksum: checksum(c.data!) })),
    nodes: graph.nodes.map((n) => ({
      op: n.op,
      label: n.label,
      inputs: Object.fromEntries(Object.entries(n.inputs).map(([k, v]) => [k, v === undefined ? null : v instanceof MLOperand ? id(v) : v.map(id)])),
      attributes: n.attributes,
      outputs: n.outputs.map((o) => ({ id: id(o), ...desc(o) })),
    })),
    outputs: graph.outputs.map((o) => ({ name: o.name, id: id(o.operand) })),
  };
}

function packageBytes(pkg: MLPackage): Record<string, Uint8Array> {
  return Object.fromEntries(pkg.files.map((f) => [f.path, fileBytes(f)]));
}

function expectTyped<T extends WebNNCoreMLError>(fn: () => unknown, cls: abstract new (...a: never[]) => T, fields: Partial<Record<"operator" | "operand" | "rule", string>>): T {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, "expected an error").toBeInstanceOf(cls);
  for (const [k, v] of Object.entries(fields)) expect((err as Record<string, unknown>)[k], k).toBe(v);
  return err as T;
}

describe("serializeGraph / deserializeGraph", () => {
  it("round-trips every operator kind, option operands, multi-output nodes and pass-through outputs", async () => {
    const g = kitchenSink();
    const s = serializeGraph(g);
    const back = deserializeGraph(s);
    expect(structure(back)).toEqual(structure(g));
    // The worker converts what the page would have: byte-identical packages.
    const [p1, p2] = [await convertGraph(g, { name: "K" }), await convertGraph(back, { name: "K" })];
    expect(packageBytes(p2)).toEqual(packageBytes(p1));
  });

  it("references constant bytes without copying, one buffer per underlying ArrayBuffer", () => {
    const g = kitchenSink();
    const s = serializeGraph(g);
    const w = g.constants.find((c) => c.name === "w")!;
    const bias = g.constants.find((c) => c.name === "bias")!;
    const sw = s.constants.find((c) => c.label === "w")!;
    const sb = s.constants.find((c) => c.label === "bias")!;
    expect(sw.buffer).toBe(sb.buffer);
    expect(s.buffers[sw.buffer]).toBe(w.data!.buffer);
    expect(sb.byteOffset).toBe(bias.data!.byteOffset);
    expect(serializedGraphTransferables(s)).toHaveLength(new Set(g.constants.map((c) => c.data!.buffer)).size);
    const back = deserializeGraph(s);
    expect(back.constants.find((c) => c.name === "w")!.data!.buffer).toBe(w.data!.buffer);
  });

  it("survives structured clone with transfer: the sender's buffers are detached, the receiver converts the same package", async () => {
    const g = kitchenSink();
    const expected = packageBytes(await convertGraph(g, { name: "T" }));
    const s = serializeGraph(g);
    const transfer = serializedGraphTransferables(s);
    const received = structuredClone(s, { transfer });
    for (const b of transfer) expect(b.byteLength).toBe(0);
    expect(packageBytes(await convertGraph(deserializeGraph(received), { name: "T" }))).toEqual(expected);
    // Converting the sender's graph now fails: its constants are detached.
    expect(() => deserializeGraph(s)).toThrow(WeightsError);
  });

  it("validates through MLGraphBuilder on the receiving side", () => {
    const good = () => serializeGraph(kitchenSink());
    const conv = (s: SerializedGraph) => s.nodes.find((n) => n.op === "conv2d")!;

    let s = good();
    conv(s).attributes.groups = 2; // 3 input channels are not divisible into 2 groups
    conv(s).outputs[0].shape = [1, 8, 8, 8];
    expectTyped(() => deserializeGraph(s), GraphValidationError, { operator: "conv2d", operand: "conv", rule: "channels" });

    s = good();
    s.nodes[0].op = "eval";
    expectTyped(() => deserializeGraph(s), GraphFormatError, { rule: "unknown-operator" });

    s = good();
    conv(s).op = "constructor";
    expectTyped(() => deserializeGraph(s), GraphFormatError, { rule: "unknown-operator" });

    s = good();
    conv(s).inputs.input = 999;
    expectTyped(() => deserializeGraph(s), GraphFormatError, { operator: "conv2d", rule: "dangling-operand" });

    s = good();
    conv(s).outputs[0].shape = [1, 8, 9, 9];
    expectTyped(() => deserializeGraph(s), GraphFormatError, { operator: "conv2d", rule: "rebuild" });

    s = good();
    s.constants[0].byteOffset = s.buffers[s.constants[0].buffer].byteLength;
    expectTyped(() => deserializeGraph(s), WeightsError, { operator: "constant", rule: "out-of-range" });

    s = good();
    (s as { format: string }).format = "something-else";
    expectTyped(() => deserializeGraph(s), GraphFormatError, { rule: "format" });

    s = good();
    s.outputs.push({ name: "probs", id: s.outputs[0].id });
    expectTyped(() => deserializeGraph(s), GraphFormatError, { rule: "duplicate-name" });
  });

  it("keeps a key like __proto__ as data", () => {
    const b = new MLGraphBuilder();
    const x = b.input("x", f32([2]));
    const outputs: Record<string, MLOperand> = {};
    Object.defineProperty(outputs, "__proto__", { value: b.relu(x), enumerable: true });
    const s = serializeGraph(b.buildSync(outputs));
    expect(s.outputs[0].name).toBe("__proto__");
    const back = deserializeGraph(s);
    expect(back.outputs.map((o) => o.name)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).relu).toBeUndefined();
  });

  it("round-trips every W3C WPT conformance graph (same structure, same package bytes)", async () => {
    const dirs = [join(ROOT, "test/fixtures/wpt/conformance"), join(ROOT, "test/conformance")].filter(existsSync);
    const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".json")).map((f) => join(d, f)));
    expect(files.length, "WPT case files (test/fixtures/wpt/conformance)").toBeGreaterThan(0);
    let cases = 0;
    const ops = new Set<string>();
    for (const file of files) {
      const doc = JSON.parse(readFileSync(file, "utf8")) as WptFile;
      for (const c of doc.tests) {
        let built: MLGraph;
        try {
          built = buildWptGraph(c).graph;
        } catch {
          continue; // a case the builder rejects (invalid on purpose) has no graph to send
        }
        const back = deserializeGraph(serializeGraph(built));
        expect(structure(back), `${file}: ${c.name}`).toEqual(structure(built));
        for (const n of built.nodes) ops.add(n.op);
        cases++;
        if (cases % 7 === 0) {
          // A sample also converts to identical bytes (all of them would only repeat the structure check).
          let original: Record<string, Uint8Array> | undefined;
          try {
            original = packageBytes(await convertGraph(built, { name: "W" }));
          } catch {
            original = undefined;
          }
          if (original) expect(packageBytes(await convertGraph(back, { name: "W" })), `${file}: ${c.name}`).toEqual(original);
        }
      }
    }
    expect(cases).toBeGreaterThan(100);
    expect(ops.size).toBeGreaterThan(40);
  });
});
