// safetensors sidecars: written and read back (views, Blob slices, files in bounded runs),
// every corruption a typed WeightsError, names found as rustnn rewrites them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WeightsError } from "../../src/errors.js";
import { readSafetensors, readSafetensorsBlob, weightTensorBytes, writeSafetensors, type WeightTensors } from "../../src/frontends/safetensors.js";
import { lookupWeightTensor, sanitizeWeightName } from "../../src/frontends/webnn-json/tensor-lookup.js";
import { readGraphText } from "../../src/frontends/webnn-text/index.js";
import { readSafetensorsFile } from "../../src/node/graph-files.js";

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
};
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A file written by hand: header JSON (any), then `data`. */
function handMade(header: unknown, data = new Uint8Array(0), declared?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setUint32(0, declared ?? json.byteLength, true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

const sample = () => concat(writeSafetensors([
  ["w", { dataType: "float32", shape: [2, 2], bytes: bytesOf(Float32Array.from([1, 2, 3, 4])) }],
  ["embeddings.LayerNorm.bias", { dataType: "float16", shape: [3], bytes: bytesOf(Uint16Array.from([0x3c00, 0x4000, 0x4200])) }],
  ["q", { dataType: "int4", shape: [3], bytes: new Uint8Array([0x21, 0x03]) }],
  ["big", { dataType: "int64", shape: [1], bytes: bytesOf(BigInt64Array.from([2n ** 40n])) }],
], { producer: "test" }));

describe("safetensors", () => {
  it("writes a header padded to 8 bytes, and reads tensors back as views", async () => {
    const file = sample();
    const headerLength = new DataView(file.buffer).getUint32(0, true);
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength)));
    expect(header.__metadata__).toEqual({ producer: "test", "rustnn.webnn.packed4": "1" });
    expect(header.q).toEqual({ dtype: "U8", shape: [2], data_offsets: [22, 24] });
    const t = readSafetensors(file);
    expect([...t.keys()]).toEqual(["w", "embeddings.LayerNorm.bias", "q", "big"]);
    expect(t.get("w")!.bytes.buffer).toBe(file.buffer); // a view
    expect(Array.from(new Float32Array(t.get("w")!.bytes.slice().buffer))).toEqual([1, 2, 3, 4]);
    // A Blob read gives the same tensors, one slice each.
    const fromBlob = await readSafetensorsBlob(new Blob([file]));
    for (const [k, v] of t) expect(Array.from(fromBlob.get(k)!.bytes), k).toEqual(Array.from(v.bytes));
    // A file read in bounded runs too.
    const path = join(mkdtempSync(join(tmpdir(), "st-")), "m.safetensors");
    writeFileSync(path, file);
    const fromFile = await readSafetensorsFile(path);
    expect([...fromFile.keys()]).toEqual([...t.keys()]);
    for (const [k, v] of t) expect(Array.from(fromFile.get(k)!.bytes), k).toEqual(Array.from(v.bytes));
  });

  it("checks each entry's data type and shape against the constant that uses it", () => {
    const t = readSafetensors(sample());
    expect(weightTensorBytes(t.get("q")!, "int4", [3], "q")).toEqual(new Uint8Array([0x21, 0x03]));
    expect(() => weightTensorBytes(t.get("w")!, "float16", [2, 2], 'constant "w"')).toThrow(/constant "w" is declared float16, but the weights file holds F32 \(expected F16\)/);
    expect(() => weightTensorBytes(t.get("w")!, "float32", [4], 'constant "w"')).toThrow(/declared with shape \[4\], but the weights file has \[2, 2\]/);
    expect(() => weightTensorBytes(t.get("q")!, "int4", [5], "q")).toThrow(/must hold it as U8 \[3\]/);
    // BF16 widens to float32.
    const bf = readSafetensors(handMade({ b: { dtype: "BF16", shape: [2], data_offsets: [0, 4] } }, new Uint8Array([0x80, 0x3f, 0x00, 0xc0])));
    expect(Array.from(new Float32Array(weightTensorBytes(bf.get("b")!, "float32", [2], "b").buffer))).toEqual([1, -2]);
  });

  const corrupt: Array<[string, Uint8Array, RegExp]> = [
    ["shorter than 8 bytes", new Uint8Array(5), /too short for its 8-byte header length/],
    ["a header past the end", handMade({}, new Uint8Array(0), 1000), /declares a 1000-byte header, but the file has only 2 bytes/],
    ["a huge header", handMade({}, new Uint8Array(0), 0xfffffff0), /over the limit of 100000000/],
    ["a header that is not JSON", handMade("{nope"), /header is not valid JSON/],
    ["a header that is a list", handMade("[1]"), /must be a JSON object, got an array/],
    ["an unknown dtype", handMade({ a: { dtype: "F128", shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)), /tensor "a": unknown dtype string "F128"/],
    ["a negative dimension", handMade({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /shape must be a list of at most 8 non-negative integers/],
    ["offsets past the data", handMade({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)), /bytes 0\.\.8 run past the end of the data \(4 bytes\)/],
    ["a byte count that does not fit the shape", handMade({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /holds 8 bytes, but F32 \[3\] needs 12/],
    ["reversed offsets", handMade({ a: { dtype: "U8", shape: [0], data_offsets: [4, 0] } }, new Uint8Array(4)), /data_offsets must be \[begin, end\]/],
    ["overlapping tensors", handMade({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /tensors "a" and "b" overlap/],
    ["metadata that is not strings", handMade({ __metadata__: { n: 1 } }), /__metadata__ "n" must be a string/],
    ["a header that is not UTF-8", handMade("\"\u0000\"").map((b, i) => (i === 9 ? 0xff : b)), /not valid UTF-8/],
  ];
  it.each(corrupt)("refuses %s with a WeightsError", (_, file, re) => {
    let e: unknown;
    try { readSafetensors(file); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(WeightsError);
    expect((e as WeightsError).rule).toBe("safetensors");
    expect((e as Error).message).toMatch(re);
  });

  it("finds entries under rustnn's rewritten names, in either direction, and refuses ambiguous ones", () => {
    expect(sanitizeWeightName("onnx::MatMul_0")).toBe("onnx__MatMul_0");
    expect(sanitizeWeightName("/model/Gather_output_0")).toBe("_model_Gather_output_0");
    expect(sanitizeWeightName("embeddings.LayerNorm.bias")).toBe("embeddings_LayerNorm_bias");
    const t = readSafetensors(sample());
    expect(lookupWeightTensor(t, "embeddings_LayerNorm_bias", "c").dtype).toBe("F16");
    expect(lookupWeightTensor(t, "w", "c").dtype).toBe("F32");
    const rewritten: WeightTensors = new Map([["onnx__MatMul_0", t.get("w")!]]);
    expect(lookupWeightTensor(rewritten, "onnx::MatMul_0", "c").dtype).toBe("F32");
    const ambiguous: WeightTensors = new Map([["a.b", t.get("w")!], ["a_b", t.get("w")!]]);
    expect(lookupWeightTensor(ambiguous, "a.b", "c").dtype).toBe("F32"); // exact first
    expect(() => lookupWeightTensor(ambiguous, "a/b", 'constant "x"')).toThrow(/constant "x": the weights file has several tensors that read as "a\/b": "a.b", "a_b"/);
    expect(() => lookupWeightTensor(t, "nothing.here", 'constant "x"')).toThrow(/has no tensor "nothing.here" \(nor "nothing_here"\)/);
  });

  it("feeds a .webnn graph whose names were rewritten", () => {
    const text = `webnn_graph "g" v1 {
  inputs { x: f16[3]; }
  consts { embeddings_LayerNorm_bias: f16[3]; }
  nodes { y = add(x, embeddings_LayerNorm_bias); }
  outputs { y; }
}`;
    const g = readGraphText(text, { tensors: readSafetensors(sample()) });
    expect(Array.from(g.constants[0].data!)).toEqual([0x00, 0x3c, 0x00, 0x40, 0x00, 0x42]);
    expect(() => readGraphText(text.replaceAll("f16", "f32"), { tensors: readSafetensors(sample()) })).toThrow(/constant "embeddings_LayerNorm_bias" is declared float32, but the weights file holds F16/);
  });
});
