// The fuzz test's seeds: small webnn-graph JSON documents that convert and run, between them
// touching most operator families, and the repository's example with its weights and manifest.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Json } from "./mutate.js";

export interface SeedGraph {
  name: string;
  doc: Json;
  weights?: Uint8Array;
  manifest?: Json;
}

const f32Bytes = (values: number[]): Json => Array.from(new Uint8Array(Float32Array.from(values).buffer));
const i32Bytes = (values: number[]): Json => Array.from(new Uint8Array(Int32Array.from(values).buffer));
const i8Bytes = (values: number[]): Json => Array.from(new Uint8Array(Int8Array.from(values).buffer));
const range = (n: number, scale = 0.1) => Array.from({ length: n }, (_, i) => ((i % 7) - 3) * scale);

type Node = [id: string, op: string, inputs: string[], options?: Record<string, Json>, outputs?: string[]];

function doc(name: string, inputs: Record<string, [string, number[]]>, consts: Record<string, [string, number[], Json]>, nodes: Node[], outputs: Record<string, string>): SeedGraph {
  return {
    name,
    doc: {
      format: "webnn-graph-json",
      version: 1,
      name,
      inputs: Object.fromEntries(Object.entries(inputs).map(([k, [dataType, shape]]) => [k, { dataType, shape }])),
      consts: Object.fromEntries(Object.entries(consts).map(([k, [dataType, shape, init]]) => [k, { dataType, shape, init: init as Json }])),
      nodes: nodes.map(([id, op, ins, options, outs]) => ({ id, op, inputs: ins, options: options ?? {}, outputs: outs ?? null })),
      outputs,
    },
  };
}

const bytes = (b: Json): Json => ({ kind: "inlineBytes", bytes: b });

export function seedGraphs(): SeedGraph[] {
  const root = fileURLToPath(new URL("../../examples/", import.meta.url));
  const example: SeedGraph = {
    name: "small-cnn",
    doc: JSON.parse(readFileSync(`${root}small-cnn.webnn.json`, "utf8")),
    weights: new Uint8Array(readFileSync(`${root}small-cnn.weights`)),
    manifest: JSON.parse(readFileSync(`${root}small-cnn.manifest.json`, "utf8")),
  };
  return [
    example,
    doc("mlp", { x: ["float32", [2, 4]] }, {
      w: ["float32", [4, 3], bytes(f32Bytes(range(12)))],
      b: ["float32", [3], bytes(f32Bytes([0.1, -0.2, 0.3]))],
      half: ["float32", [], { kind: "scalar", value: 0.5 }],
    }, [
      ["g", "gemm", ["x", "w"], { c: "b", alpha: 1.5 }],
      ["h", "mul", ["g", "half"]],
      ["r", "leakyRelu", ["h"], { alpha: 0.1 }],
      ["p", "softmax", ["r"], { axis: 1 }],
    ], { p: "p", g: "g" }),
    doc("shapes", { x: ["float32", [1, 2, 3, 4]] }, {}, [
      ["t", "transpose", ["x"], { permutation: [0, 2, 3, 1] }],
      ["r", "reshape", ["t"], { newShape: [6, 4] }],
      ["s", "slice", ["r"], { starts: [0, 0], sizes: [4, 4] }],
      ["c", "concat", ["s", "s"], { axis: 0 }],
      ["sp", "split", ["c"], { splits: 2, axis: 0 }, ["p", "q"]],
      ["gt", "greater", ["p", "q"]],
      ["w", "where", ["gt", "p", "q"]],
      ["e", "expand", ["w"], { newShape: [2, 4, 4] }],
      ["rv", "reverse", ["e"], { axes: [1] }],
      ["tr", "triangular", ["rv"], { upper: true, diagonal: 1 }],
      ["pd", "pad", ["tr"], { beginningPadding: [0, 1, 0], endingPadding: [1, 0, 2], mode: "reflection" }],
    ], { pd: "pd", sp: "p" }),
    doc("integers", { a: ["int32", [2, 3]], b: ["int32", [3]] }, {
      idx: ["int32", [2], bytes(i32Bytes([1, 0]))],
      idx2: ["int32", [1, 3], bytes(i32Bytes([1, 0, 1]))],
    }, [
      ["s", "add", ["a", "b"]],
      ["m", "mul", ["s", "a"]],
      ["g", "gather", ["m", "idx"], { axis: 0 }],
      ["r", "reduceSum", ["g"], { axes: [1], keepDimensions: true }],
      ["f", "cast", ["r"], { type: "float32" }],
      ["am", "argMax", ["m"], { axis: 1 }],
      ["cs", "cumulativeSum", ["g"], { axis: 1, exclusive: true }],
      ["ge", "gatherElements", ["a", "idx2"], { axis: 0 }],
      ["sc", "scatterElements", ["a", "idx2", "ge"], { axis: 0 }],
    ], { f: "f", am: "am", cs: "cs", sc: "sc" }),
    doc("recurrent", { x: ["float32", [2, 1, 3]] }, {
      w: ["float32", [1, 8, 3], bytes(f32Bytes(range(24)))],
      rw: ["float32", [1, 8, 2], bytes(f32Bytes(range(16, 0.05)))],
      bias: ["float32", [1, 8], bytes(f32Bytes(range(8, 0.01)))],
      gw: ["float32", [1, 6, 3], bytes(f32Bytes(range(18)))],
      grw: ["float32", [1, 6, 2], bytes(f32Bytes(range(12, 0.05)))],
    }, [
      ["l", "lstm", ["x", "w", "rw"], { steps: 2, hiddenSize: 2, bias: "bias", returnSequence: true }, ["lh", "lc", "ls"]],
      ["g", "gru", ["x", "gw", "grw"], { steps: 2, hiddenSize: 2, direction: "forward" }, ["gh"]],
    ], { lh: "lh", ls: "ls", gh: "gh" }),
    doc("quantized", { x: ["float32", [2, 4]] }, {
      q: ["int8", [4, 2], bytes(i8Bytes([1, -2, 3, -4, 5, -6, 7, -8]))],
      scale: ["float32", [1, 2], bytes(f32Bytes([0.5, 0.25]))],
      zero: ["int8", [1, 2], bytes(i8Bytes([0, 1]))],
    }, [
      ["d", "dequantizeLinear", ["q", "scale", "zero"]],
      ["m", "matmul", ["x", "d"]],
      ["qq", "quantizeLinear", ["m", "scale", "zero"]],
    ], { m: "m", qq: "qq" }),
    doc("vision", { x: ["float32", [1, 2, 4, 4]] }, {
      mean: ["float32", [2], bytes(f32Bytes([0.1, 0.2]))],
      variance: ["float32", [2], bytes(f32Bytes([1, 2]))],
      filter: ["float32", [2, 1, 2, 2], bytes(f32Bytes(range(8)))],
    }, [
      ["ap", "averagePool2d", ["x"], { windowDimensions: [2, 2], strides: [1, 1] }],
      ["bn", "batchNormalization", ["ap", "mean", "variance"], { epsilon: 1e-5 }],
      ["in", "instanceNormalization", ["bn"]],
      ["rs", "resample2d", ["in"], { scales: [2, 2], mode: "linear" }],
      ["cv", "conv2d", ["rs", "filter"], { groups: 2, padding: [1, 0, 0, 1] }],
      ["ln", "layerNormalization", ["cv"], { axes: [2, 3] }],
      ["ct", "convTranspose2d", ["ln", "filter"], { groups: 2, strides: [2, 2] }],
      ["mp", "maxPool2d", ["ct"], { windowDimensions: [3, 3], roundingType: "ceil", strides: [2, 2] }],
    ], { mp: "mp", ln: "ln" }),
    doc("half", { x: ["float16", [2, 3]] }, {}, [
      ["e", "elu", ["x"], { alpha: 0.5 }],
      ["c", "clamp", ["e"], { minValue: -0.25, maxValue: 2 }],
      ["hs", "hardSwish", ["c"]],
      ["ge", "gelu", ["hs"]],
      ["ls", "reduceLogSumExp", ["ge"], { axes: [1] }],
      ["nan", "isNaN", ["x"]],
      ["nt", "logicalNot", ["nan"]],
    ], { ls: "ls", nt: "nt" }),
  ];
}
