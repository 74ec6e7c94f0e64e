// The WebNN reshape, expand, transpose, concat, split, slice, the gather/scatter family, tile,
// reverse, triangular and pad: each operator's validation, defaults and output descriptors as the
// spec has them, for MLGraphBuilder (graph/builder.ts) to call.
import { INDEX_TYPES, type BuilderCore } from "../builder-core.js";
import type { MLGatherOptions, MLOperatorOptions, MLPadOptions, MLReverseOptions, MLScatterOptions, MLSliceOptions, MLSplitOptions, MLTransposeOptions, MLTriangularOptions } from "../options.js";
import { MLOperand } from "../operand.js";
import { broadcastShapes, checkAxes, checkDataType, fail, optAxis, optBoolean, optEnum, optNumber, optUintArray, readOptions, sameShape, uintArray, uintScalar } from "../shape-rules.js";
import { checkShape, elementCountOf, shapeToString } from "../types.js";

export function reshape(core: BuilderCore, input: MLOperand, newShape: number[], options?: MLOperatorOptions) {
  const where = core.at("reshape", options);
  core.own(input, where);
  const shape = uintArray(newShape, "newShape", where);
  checkShape(shape, where);
  if (elementCountOf(shape) !== elementCountOf(input.shape)) {
    fail(where, "element-count", `cannot reshape ${shapeToString(input.shape)} (${elementCountOf(input.shape)} elements) to ${shapeToString(shape)}`);
  }
  return core.node("reshape", { input }, { newShape: shape }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function expand(core: BuilderCore, input: MLOperand, newShape: number[], options?: MLOperatorOptions) {
  const where = core.at("expand", options);
  core.own(input, where);
  const target = uintArray(newShape, "newShape", where);
  checkShape(target, where);
  const shape = broadcastShapes(input.shape, target, where);
  return core.node("expand", { input }, { newShape: shape }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function transpose(core: BuilderCore, input: MLOperand, options?: MLTransposeOptions) {
  const where = core.at("transpose", options); const o = readOptions(options, where);
  core.own(input, where);
  const permutation = optUintArray(o, "permutation", [...input.shape.keys()].reverse(), where, input.rank)!;
  checkAxes(permutation, input.rank, where, "permutation");
  return core.node("transpose", { input }, { permutation }, [{ dataType: input.dataType, shape: permutation.map((p) => input.shape[p]) }], options?.label)[0];
}

export function concat(core: BuilderCore, inputs: MLOperand[], axis: number, options?: MLOperatorOptions) {
  const where = core.at("concat", options);
  if (!Array.isArray(inputs) || inputs.length === 0) fail(where, "argument-type", "inputs must be a non-empty array of operands");
  inputs.forEach((x, i) => core.own(x, where, `inputs[${i}]`));
  const first = inputs[0];
  const ax = uintScalar(axis, "axis", where);
  if (ax >= first.rank) fail(where, "axis-range", `axis ${ax} is out of range for rank ${first.rank}`);
  let total = 0;
  for (const [i, x] of inputs.entries()) {
    if (x.dataType !== first.dataType) fail(where, "data-type-mismatch", `inputs[${i}] is ${x.dataType}, inputs[0] is ${first.dataType}`);
    if (x.rank !== first.rank || x.shape.some((d, k) => k !== ax && d !== first.shape[k])) {
      fail(where, "shape-mismatch", `inputs[${i}] shape ${shapeToString(x.shape)} does not match ${shapeToString(first.shape)} outside axis ${ax}`);
    }
    total += x.shape[ax];
  }
  const shape = first.shape.map((d, k) => (k === ax ? total : d));
  return core.node("concat", { inputs: [...inputs] }, { axis: ax }, [{ dataType: first.dataType, shape }], options?.label)[0];
}

export function split(core: BuilderCore, input: MLOperand, splits: number | number[], options?: MLSplitOptions): MLOperand[] {
  const where = core.at("split", options); const o = readOptions(options, where);
  core.own(input, where);
  const axis = optAxis(o, "axis", 0, input.rank, where);
  const dim = input.shape[axis];
  let sizes: number[];
  if (typeof splits === "number") {
    const n = uintScalar(splits, "splits", where);
    if (n === 0 || dim % n !== 0) fail(where, "split-count", `dimension ${dim} cannot be split into ${n} equal parts`);
    sizes = new Array(n).fill(dim / n);
  } else {
    sizes = uintArray(splits, "splits", where);
    if (sizes.length === 0 || sizes.some((s) => s === 0)) fail(where, "split-sizes", "splits must be non-empty and positive");
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (sum !== dim) fail(where, "split-sizes", `splits sum to ${sum}, but dimension ${axis} is ${dim}`);
  }
  const outs = sizes.map((s) => ({ dataType: input.dataType, shape: input.shape.map((d, k) => (k === axis ? s : d)) }));
  return core.node("split", { input }, { splits: sizes, axis }, outs, options?.label);
}

export function slice(core: BuilderCore, input: MLOperand, starts: number[], sizes: number[], options?: MLSliceOptions) {
  const where = core.at("slice", options); const o = readOptions(options, where);
  core.own(input, where);
  const st = uintArray(starts, "starts", where, input.rank);
  const sz = uintArray(sizes, "sizes", where, input.rank);
  const strides = optUintArray(o, "strides", new Array(input.rank).fill(1), where, input.rank)!;
  const shape: number[] = [];
  for (let i = 0; i < input.rank; i++) {
    if (sz[i] === 0) fail(where, "slice-size", `sizes[${i}] must be greater than 0`);
    if (strides[i] === 0) fail(where, "slice-stride", `strides[${i}] must be greater than 0`);
    if (st[i] + sz[i] > input.shape[i]) fail(where, "slice-range", `starts[${i}] + sizes[${i}] = ${st[i] + sz[i]} exceeds dimension ${input.shape[i]}`);
    shape.push(Math.ceil(sz[i] / strides[i]));
  }
  return core.node("slice", { input }, { starts: st, sizes: sz, strides }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function gather(core: BuilderCore, input: MLOperand, indices: MLOperand, options?: MLGatherOptions) {
  const where = core.at("gather", options); const o = readOptions(options, where);
  core.own(input, where); core.own(indices, where, "indices");
  checkDataType(indices, INDEX_TYPES, where, "indices");
  const axis = optAxis(o, "axis", 0, input.rank, where);
  const shape = [...input.shape.slice(0, axis), ...indices.shape, ...input.shape.slice(axis + 1)];
  return core.node("gather", { input, indices }, { axis }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function tile(core: BuilderCore, input: MLOperand, repetitions: number[], options?: MLOperatorOptions) {
  const where = core.at("tile", options);
  core.own(input, where);
  const reps = uintArray(repetitions, "repetitions", where, input.rank);
  if (reps.some((r) => r === 0)) fail(where, "option-value", "repetitions must be greater than 0");
  return core.node("tile", { input }, { repetitions: reps }, [{ dataType: input.dataType, shape: input.shape.map((d, i) => d * reps[i]) }], options?.label)[0];
}

export function reverse(core: BuilderCore, input: MLOperand, options?: MLReverseOptions) {
  const where = core.at("reverse", options); const o = readOptions(options, where);
  core.own(input, where);
  const axes = optUintArray(o, "axes", [...input.shape.keys()], where)!;
  checkAxes(axes, input.rank, where);
  return core.node("reverse", { input }, { axes }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}

export function triangular(core: BuilderCore, input: MLOperand, options?: MLTriangularOptions) {
  const where = core.at("triangular", options); const o = readOptions(options, where);
  core.own(input, where);
  if (input.rank < 2) fail(where, "rank", "input must be at least 2-D");
  const upper = optBoolean(o, "upper", true, where);
  const diagonal = optNumber(o, "diagonal", 0, where);
  if (!Number.isInteger(diagonal)) fail(where, "option-type", "diagonal must be an integer");
  return core.node("triangular", { input }, { upper, diagonal }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}

export function pad(core: BuilderCore, input: MLOperand, beginningPadding: number[], endingPadding: number[], options?: MLPadOptions) {
  const where = core.at("pad", options); const o = readOptions(options, where);
  core.own(input, where);
  const begin = uintArray(beginningPadding, "beginningPadding", where, input.rank);
  const end = uintArray(endingPadding, "endingPadding", where, input.rank);
  const mode = optEnum(o, "mode", ["constant", "edge", "reflection"] as const, "constant", where);
  const value = optNumber(o, "value", 0, where);
  if (mode === "reflection") {
    for (let i = 0; i < input.rank; i++) {
      if (begin[i] >= input.shape[i] || end[i] >= input.shape[i]) fail(where, "option-value", `reflection padding on dimension ${i} must be smaller than its size ${input.shape[i]}`);
    }
  }
  const shape = input.shape.map((d, i) => d + begin[i] + end[i]);
  return core.node("pad", { input }, { beginningPadding: begin, endingPadding: end, mode, value }, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function gatherElements(core: BuilderCore, input: MLOperand, indices: MLOperand, options?: MLGatherOptions) {
  const where = core.at("gatherElements", options); const o = readOptions(options, where);
  core.own(input, where); core.own(indices, where, "indices");
  checkDataType(indices, INDEX_TYPES, where, "indices");
  const axis = optAxis(o, "axis", 0, input.rank, where);
  if (indices.rank !== input.rank || indices.shape.some((d, i) => i !== axis && d !== input.shape[i])) {
    fail(where, "shape-mismatch", `indices shape ${shapeToString(indices.shape)} must match input shape ${shapeToString(input.shape)} except on axis ${axis}`);
  }
  return core.node("gatherElements", { input, indices }, { axis }, [{ dataType: input.dataType, shape: indices.shape }], options?.label)[0];
}

export function gatherND(core: BuilderCore, input: MLOperand, indices: MLOperand, options?: MLOperatorOptions) {
  const where = core.at("gatherND", options);
  core.own(input, where); core.own(indices, where, "indices");
  checkDataType(indices, INDEX_TYPES, where, "indices");
  if (input.rank < 1 || indices.rank < 1) fail(where, "rank", "input and indices must be at least 1-D");
  const k = indices.shape[indices.rank - 1];
  if (k > input.rank) fail(where, "shape-mismatch", `the last dimension of indices (${k}) exceeds the input rank ${input.rank}`);
  const shape = [...indices.shape.slice(0, -1), ...input.shape.slice(k)];
  return core.node("gatherND", { input, indices }, {}, [{ dataType: input.dataType, shape }], options?.label)[0];
}

export function scatterElements(core: BuilderCore, input: MLOperand, indices: MLOperand, updates: MLOperand, options?: MLScatterOptions) {
  const where = core.at("scatterElements", options); const o = readOptions(options, where);
  core.own(input, where); core.own(indices, where, "indices"); core.own(updates, where, "updates");
  checkDataType(indices, INDEX_TYPES, where, "indices");
  if (updates.dataType !== input.dataType) fail(where, "data-type-mismatch", `updates is ${updates.dataType}, input is ${input.dataType}`);
  const axis = optAxis(o, "axis", 0, input.rank, where);
  if (!sameShape(indices.shape, updates.shape)) fail(where, "shape-mismatch", "indices and updates must have the same shape");
  if (indices.rank !== input.rank || indices.shape.some((d, i) => i !== axis && d !== input.shape[i])) {
    fail(where, "shape-mismatch", `indices shape ${shapeToString(indices.shape)} must match input shape ${shapeToString(input.shape)} except on axis ${axis}`);
  }
  return core.node("scatterElements", { input, indices, updates }, { axis }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}

export function scatterND(core: BuilderCore, input: MLOperand, indices: MLOperand, updates: MLOperand, options?: MLOperatorOptions) {
  const where = core.at("scatterND", options);
  core.own(input, where); core.own(indices, where, "indices"); core.own(updates, where, "updates");
  checkDataType(indices, INDEX_TYPES, where, "indices");
  if (updates.dataType !== input.dataType) fail(where, "data-type-mismatch", `updates is ${updates.dataType}, input is ${input.dataType}`);
  const k = indices.shape[indices.rank - 1];
  if (indices.rank < 1 || k > input.rank) fail(where, "shape-mismatch", `the last dimension of indices (${k}) exceeds the input rank ${input.rank}`);
  const expected = [...indices.shape.slice(0, -1), ...input.shape.slice(k)];
  if (!sameShape(updates.shape, expected)) fail(where, "shape-mismatch", `updates shape ${shapeToString(updates.shape)} must be ${shapeToString(expected)}`);
  return core.node("scatterND", { input, indices, updates }, {}, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
}
