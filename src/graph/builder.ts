// MLGraphBuilder: the WebNN spec's graph-building API (method names, argument order, option
// names and defaults), with the spec's shape and dtype inference and validation.
import { GraphValidationError } from "./errors.js";
import { MLOperand, nodeInputOperands, type GraphNode, type MLGraph, type NamedOperand, type NodeInput } from "./operand.js";
import {
  broadcastShapes, checkAxes, checkDataType, fail, isPlainObject, optBoolean, optEnum, optNumber, optUintArray,
  readOptions, sameShape, uintArray, uintScalar, type Where,
} from "./shape-rules.js";
import { byteLengthOf, checkDescriptor, checkShape, elementCountOf, shapeToString, type MLOperandDataType, type MLOperandDescriptor } from "./types.js";

const FLOATS = ["float32", "float16"] as const;
const SIGNED = ["float32", "float16", "int32", "int64", "int8"] as const;
const INDEX_TYPES = ["int32", "uint32", "int64"] as const;
const ANY: readonly MLOperandDataType[] = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8", "int4", "uint4"];

let nextBuilderId = 1;

type Opts = Record<string, unknown> | undefined;

export class MLGraphBuilder {
  private readonly builderId = nextBuilderId++;
  private nextId = 0;
  private readonly inputNames = new Set<string>();
  private built = false;

  // ---------------------------------------------------------------- sources

  input(name: string, descriptor: MLOperandDescriptor): MLOperand {
    const where = { operator: "input", operand: String(name) };
    if (typeof name !== "string" || name.length === 0) fail(where, "input-name", "input name must be a non-empty string");
    if (this.inputNames.has(name)) fail(where, "input-name-unique", `input name "${name}" is used twice`);
    const desc = checkDescriptor(descriptor, where);
    this.inputNames.add(name);
    return new MLOperand({ desc, id: this.nextId++, kind: "input", name, builderId: this.builderId });
  }

  /**
   * constant(descriptor, buffer): the buffer's bytes are referenced, not copied (zero copy);
   * the caller must not change them until conversion is done.
   */
  constant(descriptor: MLOperandDescriptor, buffer: ArrayBufferView | ArrayBuffer, label?: string): MLOperand {
    const where = { operator: "constant", operand: label };
    const desc = checkDescriptor(descriptor, where);
    let bytes: Uint8Array;
    if (buffer instanceof ArrayBuffer) bytes = new Uint8Array(buffer);
    else if (ArrayBuffer.isView(buffer)) bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    else fail(where, "constant-buffer", "constant data must be an ArrayBufferView or ArrayBuffer");
    const expected = byteLengthOf(desc);
    if (bytes.byteLength !== expected) {
      fail(where, "constant-size", `constant of ${desc.dataType} ${shapeToString(desc.shape)} needs ${expected} bytes, got ${bytes.byteLength}`);
    }
    return new MLOperand({ desc, id: this.nextId++, kind: "constant", name: label, data: bytes, builderId: this.builderId });
  }

  // ---------------------------------------------------------------- build

  async build(outputs: Record<string, MLOperand>): Promise<MLGraph> {
    return this.buildSync(outputs);
  }

  /** Synchronous form of build(), for Node and worker code. */
  buildSync(outputs: Record<string, MLOperand>): MLGraph {
    const where = { operator: "build" };
    if (this.built) fail(where, "build-once", "build() was already called on this builder");
    if (!isPlainObject(outputs) || Object.keys(outputs).length === 0) fail(where, "outputs", "build() needs at least one named output");
    const outs: NamedOperand[] = [];
    for (const [name, operand] of Object.entries(outputs)) {
      this.own(operand, { operator: "build", operand: name });
      if (operand.kind !== "output") {
        fail({ operator: "build", operand: name }, "output-kind", "an output must be produced by an operator, not be an input or constant (WebNN rule); use identity()");
      }
      outs.push({ name, operand });
    }
    // Reachable nodes, in topological (creation) order.
    const nodes = new Map<number, GraphNode>();
    const inputs = new Map<number, MLOperand>();
    const constants = new Map<number, MLOperand>();
    const stack = outs.map((o) => o.operand);
    const seen = new Set<number>();
    while (stack.length) {
      const op = stack.pop()!;
      if (seen.has(op.id)) continue;
      seen.add(op.id);
      if (op.kind === "input") inputs.set(op.id, op);
      else if (op.kind === "constant") constants.set(op.id, op);
      else if (op.producer) {
        nodes.set(op.producer.id, op.producer);
        for (const i of nodeInputOperands(op.producer)) stack.push(i);
      }
    }
    this.built = true;
    const byId = <T extends { id: number }>(m: Map<number, T>) => [...m.values()].sort((a, b) => a.id - b.id);
    return Object.freeze({
      inputs: Object.freeze(byId(inputs).map((o) => Object.freeze({ name: o.name!, operand: o }))),
      constants: Object.freeze(byId(constants)),
      nodes: Object.freeze(byId(nodes)),
      outputs: Object.freeze(outs.map((o) => Object.freeze(o))),
    });
  }

  // ---------------------------------------------------------------- helpers

  private own(x: unknown, where: Where, what = "input"): MLOperand {
    if (!(x instanceof MLOperand)) fail(where, "operand-type", `${what} must be an MLOperand, got ${describe(x)}`);
    if (x.builderId !== this.builderId) fail(where, "operand-builder", `${what} was created by another MLGraphBuilder`);
    return x;
  }

  private optOperand(o: Record<string, unknown>, key: string, where: Where): MLOperand | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    return this.own(v, where, `option ${key}`);
  }

  private node(op: string, inputs: Record<string, NodeInput>, attributes: Record<string, unknown>, outDescs: MLOperandDescriptor[], label?: unknown): MLOperand[] {
    if (this.built) fail({ operator: op }, "build-once", "the builder was already built");
    const id = this.nextId++;
    const outputs = outDescs.map((d) => {
      checkShape(d.shape, { operator: op });
      return new MLOperand({ desc: d, id: this.nextId++, kind: "output", name: typeof label === "string" ? label : undefined, builderId: this.builderId });
    });
    const node: GraphNode = Object.freeze({
      id, op, inputs: Object.freeze({ ...inputs }), attributes: Object.freeze({ ...attributes }), outputs: Object.freeze(outputs),
      label: typeof label === "string" ? label : undefined,
    });
    for (const o of outputs) o.producer = node;
    return outputs;
  }

  private where(operator: string, options?: Opts): Where {
    const label = options && typeof options.label === "string" ? options.label : undefined;
    return { operator, operand: label };
  }

  // ---------------------------------------------------------------- element-wise binary

  private binary(op: string, a: MLOperand, b: MLOperand, options: Opts, outType?: MLOperandDataType, allowed: readonly string[] = ANY): MLOperand {
    const where = this.where(op, options);
    this.own(a, where, "a"); this.own(b, where, "b");
    readOptions(options, where);
    if (a.dataType !== b.dataType) fail(where, "data-type-mismatch", `a is ${a.dataType} but b is ${b.dataType}`);
    checkDataType(a, allowed, where, "a");
    const shape = broadcastShapes(a.shape, b.shape, where);
    return this.node(op, { a, b }, {}, [{ dataType: outType ?? a.dataType, shape }], options?.label)[0];
  }

  add(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("add", a, b, options); }
  sub(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("sub", a, b, options); }
  mul(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("mul", a, b, options); }
  div(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("div", a, b, options); }
  max(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("max", a, b, options); }
  min(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("min", a, b, options); }
  pow(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("pow", a, b, options); }

  equal(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("equal", a, b, options, "uint8"); }
  notEqual(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("notEqual", a, b, options, "uint8"); }
  greater(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("greater", a, b, options, "uint8"); }
  greaterOrEqual(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("greaterOrEqual", a, b, options, "uint8"); }
  lesser(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("lesser", a, b, options, "uint8"); }
  lesserOrEqual(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("lesserOrEqual", a, b, options, "uint8"); }
  logicalAnd(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("logicalAnd", a, b, options, "uint8", ["uint8"]); }
  logicalOr(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("logicalOr", a, b, options, "uint8", ["uint8"]); }
  logicalXor(a: MLOperand, b: MLOperand, options?: Opts) { return this.binary("logicalXor", a, b, options, "uint8", ["uint8"]); }

  // ---------------------------------------------------------------- element-wise unary

  private unary(op: string, input: MLOperand, options: Opts, allowed: readonly string[], attributes: Record<string, unknown> = {}, outType?: MLOperandDataType): MLOperand {
    const where = this.where(op, options);
    this.own(input, where);
    checkDataType(input, allowed, where);
    return this.node(op, { input }, attributes, [{ dataType: outType ?? input.dataType, shape: input.shape }], options?.label)[0];
  }

  abs(input: MLOperand, options?: Opts) { return this.unary("abs", input, options, SIGNED); }
  ceil(input: MLOperand, options?: Opts) { return this.unary("ceil", input, options, FLOATS); }
  cos(input: MLOperand, options?: Opts) { return this.unary("cos", input, options, FLOATS); }
  erf(input: MLOperand, options?: Opts) { return this.unary("erf", input, options, FLOATS); }
  exp(input: MLOperand, options?: Opts) { return this.unary("exp", input, options, FLOATS); }
  floor(input: MLOperand, options?: Opts) { return this.unary("floor", input, options, FLOATS); }
  identity(input: MLOperand, options?: Opts) { return this.unary("identity", input, options, ANY); }
  log(input: MLOperand, options?: Opts) { return this.unary("log", input, options, FLOATS); }
  neg(input: MLOperand, options?: Opts) { return this.unary("neg", input, options, SIGNED); }
  reciprocal(input: MLOperand, options?: Opts) { return this.unary("reciprocal", input, options, FLOATS); }
  sin(input: MLOperand, options?: Opts) { return this.unary("sin", input, options, FLOATS); }
  sqrt(input: MLOperand, options?: Opts) { return this.unary("sqrt", input, options, FLOATS); }
  tan(input: MLOperand, options?: Opts) { return this.unary("tan", input, options, FLOATS); }
  logicalNot(input: MLOperand, options?: Opts) { return this.unary("logicalNot", input, options, ["uint8"]); }
  relu(input: MLOperand, options?: Opts) { return this.unary("relu", input, options, SIGNED); }
  sigmoid(input: MLOperand, options?: Opts) { return this.unary("sigmoid", input, options, FLOATS); }
  tanh(input: MLOperand, options?: Opts) { return this.unary("tanh", input, options, FLOATS); }
  hardSwish(input: MLOperand, options?: Opts) { return this.unary("hardSwish", input, options, FLOATS); }
  softsign(input: MLOperand, options?: Opts) { return this.unary("softsign", input, options, FLOATS); }
  softplus(input: MLOperand, options?: Opts) { return this.unary("softplus", input, options, FLOATS); }

  elu(input: MLOperand, options?: Opts) {
    const where = this.where("elu", options); const o = readOptions(options, where);
    const alpha = optNumber(o, "alpha", 1, where);
    return this.unary("elu", input, options, FLOATS, { alpha });
  }

  leakyRelu(input: MLOperand, options?: Opts) {
    const where = this.where("leakyRelu", options); const o = readOptions(options, where);
    return this.unary("leakyRelu", input, options, FLOATS, { alpha: optNumber(o, "alpha", 0.01, where) });
  }

  hardSigmoid(input: MLOperand, options?: Opts) {
    const where = this.where("hardSigmoid", options); const o = readOptions(options, where);
    return this.unary("hardSigmoid", input, options, FLOATS, { alpha: optNumber(o, "alpha", 0.2, where), beta: optNumber(o, "beta", 0.5, where) });
  }

  linear(input: MLOperand, options?: Opts) {
    const where = this.where("linear", options); const o = readOptions(options, where);
    return this.unary("linear", input, options, FLOATS, { alpha: optNumber(o, "alpha", 1, where), beta: optNumber(o, "beta", 0, where) });
  }

  clamp(input: MLOperand, options?: Opts) {
    const where = this.where("clamp", options); const o = readOptions(options, where);
    // A NaN bound bounds nothing (WPT "minValue as NaN").
    let minValue = optNumber(o, "minValue", -Infinity, where);
    let maxValue = optNumber(o, "maxValue", Infinity, where);
    if (Number.isNaN(minValue)) minValue = -Infinity;
    if (Number.isNaN(maxValue)) maxValue = Infinity;
    if (minValue > maxValue) fail(where, "option-value", `minValue ${minValue} is greater than maxValue ${maxValue}`);
    return this.unary("clamp", input, options, ANY, { minValue, maxValue });
  }

  cast(input: MLOperand, type: MLOperandDataType, options?: Opts) {
    const where = this.where("cast", options);
    this.own(input, where);
    if (typeof type !== "string" || !ANY.includes(type)) fail(where, "argument-type", `cast type ${JSON.stringify(type)} is not an MLOperandDataType`);
    return this.node("cast", { input }, { type }, [{ dataType: type, shape: input.shape }], options?.label)[0];
  }

  softmax(input: MLOperand, axis: number, options?: Opts) {
    const where = this.where("softmax", options);
    this.own(input, where);
    checkDataType(input, FLOATS, where);
    const ax = uintScalar(axis, "axis", where);
    if (ax >= input.rank) fail(where, "axis-range", `axis ${ax} is out of range for rank ${input.rank}`);
    return this.node("softmax", { input }, { axis: ax }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- reductions

  private reduce(op: string, input: MLOperand, options: Opts, allowed: readonly string[]): MLOperand {
    const where = this.where(op, options); const o = readOptions(options, where);
    this.own(input, where);
    checkDataType(input, allowed, where);
    const axes = optUintArray(o, "axes", [...input.shape.keys()], where)!;
    checkAxes(axes, input.rank, where);
    const keepDimensions = optBoolean(o, "keepDimensions", false, where);
    const shape = keepDimensions
      ? input.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : input.shape.filter((_, i) => !axes.includes(i));
    return this.node(op, { input }, { axes, keepDimensions }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  reduceL1(input: MLOperand, options?: Opts) { return this.reduce("reduceL1", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }
  reduceL2(input: MLOperand, options?: Opts) { return this.reduce("reduceL2", input, options, FLOATS); }
  reduceLogSum(input: MLOperand, options?: Opts) { return this.reduce("reduceLogSum", input, options, FLOATS); }
  reduceLogSumExp(input: MLOperand, options?: Opts) { return this.reduce("reduceLogSumExp", input, options, FLOATS); }
  reduceMax(input: MLOperand, options?: Opts) { return this.reduce("reduceMax", input, options, ANY); }
  reduceMean(input: MLOperand, options?: Opts) { return this.reduce("reduceMean", input, options, FLOATS); }
  reduceMin(input: MLOperand, options?: Opts) { return this.reduce("reduceMin", input, options, ANY); }
  reduceProduct(input: MLOperand, options?: Opts) { return this.reduce("reduceProduct", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }
  reduceSum(input: MLOperand, options?: Opts) { return this.reduce("reduceSum", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }
  reduceSumSquare(input: MLOperand, options?: Opts) { return this.reduce("reduceSumSquare", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }

  // ---------------------------------------------------------------- shape and layout

  reshape(input: MLOperand, newShape: number[], options?: Opts) {
    const where = this.where("reshape", options);
    this.own(input, where);
    const shape = uintArray(newShape, "newShape", where);
    checkShape(shape, where);
    if (elementCountOf(shape) !== elementCountOf(input.shape)) {
      fail(where, "element-count", `cannot reshape ${shapeToString(input.shape)} (${elementCountOf(input.shape)} elements) to ${shapeToString(shape)}`);
    }
    return this.node("reshape", { input }, { newShape: shape }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  expand(input: MLOperand, newShape: number[], options?: Opts) {
    const where = this.where("expand", options);
    this.own(input, where);
    const target = uintArray(newShape, "newShape", where);
    checkShape(target, where);
    const shape = broadcastShapes(input.shape, target, where);
    return this.node("expand", { input }, { newShape: shape }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  transpose(input: MLOperand, options?: Opts) {
    const where = this.where("transpose", options); const o = readOptions(options, where);
    this.own(input, where);
    const permutation = optUintArray(o, "permutation", [...input.shape.keys()].reverse(), where, input.rank)!;
    checkAxes(permutation, input.rank, where, "permutation");
    return this.node("transpose", { input }, { permutation }, [{ dataType: input.dataType, shape: permutation.map((p) => input.shape[p]) }], options?.label)[0];
  }

  concat(inputs: MLOperand[], axis: number, options?: Opts) {
    const where = this.where("concat", options);
    if (!Array.isArray(inputs) || inputs.length === 0) fail(where, "argument-type", "inputs must be a non-empty array of operands");
    inputs.forEach((x, i) => this.own(x, where, `inputs[${i}]`));
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
    return this.node("concat", { inputs: [...inputs] }, { axis: ax }, [{ dataType: first.dataType, shape }], options?.label)[0];
  }

  split(input: MLOperand, splits: number | number[], options?: Opts): MLOperand[] {
    const where = this.where("split", options); const o = readOptions(options, where);
    this.own(input, where);
    const axis = optNumber(o, "axis", 0, where);
    if (!Number.isInteger(axis) || axis < 0 || axis >= input.rank) fail(where, "axis-range", `axis ${axis} is out of range for rank ${input.rank}`);
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
    return this.node("split", { input }, { splits: sizes, axis }, outs, options?.label);
  }

  slice(input: MLOperand, starts: number[], sizes: number[], options?: Opts) {
    const where = this.where("slice", options); const o = readOptions(options, where);
    this.own(input, where);
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
    return this.node("slice", { input }, { starts: st, sizes: sz, strides }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  gather(input: MLOperand, indices: MLOperand, options?: Opts) {
    const where = this.where("gather", options); const o = readOptions(options, where);
    this.own(input, where); this.own(indices, where, "indices");
    checkDataType(indices, INDEX_TYPES, where, "indices");
    const axis = optNumber(o, "axis", 0, where);
    if (!Number.isInteger(axis) || axis < 0 || axis >= input.rank) fail(where, "axis-range", `axis ${axis} is out of range for rank ${input.rank}`);
    const shape = [...input.shape.slice(0, axis), ...indices.shape, ...input.shape.slice(axis + 1)];
    return this.node("gather", { input, indices }, { axis }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- linear algebra

  matmul(a: MLOperand, b: MLOperand, options?: Opts) {
    const where = this.where("matmul", options);
    this.own(a, where, "a"); this.own(b, where, "b");
    if (a.dataType !== b.dataType) fail(where, "data-type-mismatch", `a is ${a.dataType} but b is ${b.dataType}`);
    checkDataType(a, ["float32", "float16", "int32"], where, "a");
    if (a.rank < 2 || b.rank < 2) fail(where, "rank", `matmul needs rank >= 2 operands, got ${a.rank} and ${b.rank}`);
    const [m, k] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (k !== k2) fail(where, "shape-mismatch", `inner dimensions differ: a ${shapeToString(a.shape)}, b ${shapeToString(b.shape)}`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), where);
    return this.node("matmul", { a, b }, {}, [{ dataType: a.dataType, shape: [...batch, m, n] }], options?.label)[0];
  }

  // ---------------------------------------------------------------- convolution

  conv2d(input: MLOperand, filter: MLOperand, options?: Opts) {
    const where = this.where("conv2d", options); const o = readOptions(options, where);
    this.own(input, where); this.own(filter, where, "filter");
    checkDataType(input, FLOATS, where);
    if (filter.dataType !== input.dataType) fail(where, "data-type-mismatch", `filter is ${filter.dataType}, input is ${input.dataType}`);
    if (input.rank !== 4 || filter.rank !== 4) fail(where, "rank", "input and filter must be 4-D");
    const padding = optUintArray(o, "padding", [0, 0, 0, 0], where, 4)!;
    const strides = optUintArray(o, "strides", [1, 1], where, 2)!;
    const dilations = optUintArray(o, "dilations", [1, 1], where, 2)!;
    const groups = optNumber(o, "groups", 1, where);
    const inputLayout = optEnum(o, "inputLayout", ["nchw", "nhwc"] as const, "nchw", where);
    const filterLayout = optEnum(o, "filterLayout", ["oihw", "hwio", "ohwi", "ihwo"] as const, "oihw", where);
    const bias = this.optOperand(o, "bias", where);
    if (strides.some((s) => s === 0) || dilations.some((d) => d === 0)) fail(where, "option-value", "strides and dilations must be greater than 0");
    if (!Number.isInteger(groups) || groups < 1) fail(where, "option-value", "groups must be a positive integer");
    const [n, c, h, w] = inputLayout === "nchw" ? input.shape : [input.shape[0], input.shape[3], input.shape[1], input.shape[2]];
    const f = filter.shape;
    const [fo, fi, fh, fw] =
      filterLayout === "oihw" ? [f[0], f[1], f[2], f[3]]
      : filterLayout === "hwio" ? [f[3], f[2], f[0], f[1]]
      : filterLayout === "ohwi" ? [f[0], f[3], f[1], f[2]]
      : [f[3], f[0], f[1], f[2]];
    if (c % groups !== 0 || c / groups !== fi) fail(where, "channels", `input channels ${c} / groups ${groups} must equal filter input channels ${fi}`);
    if (fo % groups !== 0) fail(where, "channels", `filter output channels ${fo} must be divisible by groups ${groups}`);
    if (bias) {
      if (bias.dataType !== input.dataType) fail(where, "data-type-mismatch", `bias is ${bias.dataType}, input is ${input.dataType}`);
      if (!sameShape(bias.shape, [fo])) fail(where, "shape-mismatch", `bias shape ${shapeToString(bias.shape)} must be [${fo}]`);
    }
    const oh = convOutSize(h, fh, padding[0], padding[1], strides[0], dilations[0], where);
    const ow = convOutSize(w, fw, padding[2], padding[3], strides[1], dilations[1], where);
    const shape = inputLayout === "nchw" ? [n, fo, oh, ow] : [n, oh, ow, fo];
    return this.node("conv2d", { input, filter, bias }, { padding, strides, dilations, groups, inputLayout, filterLayout }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  convTranspose2d(input: MLOperand, filter: MLOperand, options?: Opts) {
    const where = this.where("convTranspose2d", options); const o = readOptions(options, where);
    this.own(input, where); this.own(filter, where, "filter");
    checkDataType(input, FLOATS, where);
    if (filter.dataType !== input.dataType) fail(where, "data-type-mismatch", `filter is ${filter.dataType}, input is ${input.dataType}`);
    if (input.rank !== 4 || filter.rank !== 4) fail(where, "rank", "input and filter must be 4-D");
    const padding = optUintArray(o, "padding", [0, 0, 0, 0], where, 4)!;
    const strides = optUintArray(o, "strides", [1, 1], where, 2)!;
    const dilations = optUintArray(o, "dilations", [1, 1], where, 2)!;
    const outputPadding = optUintArray(o, "outputPadding", [0, 0], where, 2)!;
    const outputSizes = optUintArray(o, "outputSizes", undefined, where, 2);
    const groups = optNumber(o, "groups", 1, where);
    const inputLayout = optEnum(o, "inputLayout", ["nchw", "nhwc"] as const, "nchw", where);
    const filterLayout = optEnum(o, "filterLayout", ["iohw", "hwoi", "ohwi"] as const, "iohw", where);
    const bias = this.optOperand(o, "bias", where);
    if (strides.some((s) => s === 0) || dilations.some((d) => d === 0)) fail(where, "option-value", "strides and dilations must be greater than 0");
    if (!Number.isInteger(groups) || groups < 1) fail(where, "option-value", "groups must be a positive integer");
    const [n, c, h, w] = inputLayout === "nchw" ? input.shape : [input.shape[0], input.shape[3], input.shape[1], input.shape[2]];
    const f = filter.shape;
    const [fi, fog, fh, fw] =
      filterLayout === "iohw" ? [f[0], f[1], f[2], f[3]]
      : filterLayout === "hwoi" ? [f[3], f[2], f[0], f[1]]
      : [f[3], f[0], f[1], f[2]];
    if (c !== fi) fail(where, "channels", `input channels ${c} must equal filter input channels ${fi}`);
    if (c % groups !== 0) fail(where, "channels", `input channels ${c} must be divisible by groups ${groups}`);
    const oc = fog * groups;
    if (bias) {
      if (bias.dataType !== input.dataType) fail(where, "data-type-mismatch", `bias is ${bias.dataType}, input is ${input.dataType}`);
      if (!sameShape(bias.shape, [oc])) fail(where, "shape-mismatch", `bias shape ${shapeToString(bias.shape)} must be [${oc}]`);
    }
    for (let i = 0; i < 2; i++) {
      if (outputPadding[i] >= strides[i] && outputPadding[i] >= dilations[i]) {
        fail(where, "option-value", `outputPadding[${i}] must be smaller than strides[${i}] or dilations[${i}]`);
      }
    }
    const calc = (inSize: number, k: number, pb: number, pe: number, s: number, d: number) => (inSize - 1) * s + (k - 1) * d + 1 - pb - pe;
    let oh = calc(h, fh, padding[0], padding[1], strides[0], dilations[0]);
    let ow = calc(w, fw, padding[2], padding[3], strides[1], dilations[1]);
    if (outputSizes) {
      for (const [i, base] of [oh, ow].entries()) {
        if (outputSizes[i] < base || outputSizes[i] >= base + strides[i]) {
          fail(where, "option-value", `outputSizes[${i}] = ${outputSizes[i]} must be in [${base}, ${base + strides[i]})`);
        }
      }
      [oh, ow] = outputSizes;
    } else {
      oh += outputPadding[0];
      ow += outputPadding[1];
    }
    if (oh <= 0 || ow <= 0) fail(where, "output-size", `computed output size ${oh}x${ow} is not positive`);
    const shape = inputLayout === "nchw" ? [n, oc, oh, ow] : [n, oh, ow, oc];
    return this.node("convTranspose2d", { input, filter, bias }, { padding, strides, dilations, groups, inputLayout, filterLayout, outputSizes: [oh, ow] }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- normalization

  batchNormalization(input: MLOperand, mean: MLOperand, variance: MLOperand, options?: Opts) {
    const where = this.where("batchNormalization", options); const o = readOptions(options, where);
    this.own(input, where); this.own(mean, where, "mean"); this.own(variance, where, "variance");
    checkDataType(input, FLOATS, where);
    const axis = optNumber(o, "axis", 1, where);
    if (!Number.isInteger(axis) || axis < 0 || axis >= input.rank) fail(where, "axis-range", `axis ${axis} is out of range for rank ${input.rank}`);
    const epsilon = optNumber(o, "epsilon", 1e-5, where);
    const scale = this.optOperand(o, "scale", where);
    const bias = this.optOperand(o, "bias", where);
    const c = input.shape[axis];
    for (const [name, x] of [["mean", mean], ["variance", variance], ["scale", scale], ["bias", bias]] as const) {
      if (!x) continue;
      if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
      if (!sameShape(x.shape, [c])) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be [${c}]`);
    }
    return this.node("batchNormalization", { input, mean, variance, scale, bias }, { axis, epsilon }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  instanceNormalization(input: MLOperand, options?: Opts) {
    const where = this.where("instanceNormalization", options); const o = readOptions(options, where);
    this.own(input, where);
    checkDataType(input, FLOATS, where);
    if (input.rank !== 4) fail(where, "rank", "input must be 4-D");
    const epsilon = optNumber(o, "epsilon", 1e-5, where);
    const layout = optEnum(o, "layout", ["nchw", "nhwc"] as const, "nchw", where);
    const scale = this.optOperand(o, "scale", where);
    const bias = this.optOperand(o, "bias", where);
    const c = layout === "nchw" ? input.shape[1] : input.shape[3];
    for (const [name, x] of [["scale", scale], ["bias", bias]] as const) {
      if (!x) continue;
      if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
      if (!sameShape(x.shape, [c])) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be [${c}]`);
    }
    return this.node("instanceNormalization", { input, scale, bias }, { epsilon, layout }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  layerNormalization(input: MLOperand, options?: Opts) {
    const where = this.where("layerNormalization", options); const o = readOptions(options, where);
    this.own(input, where);
    checkDataType(input, FLOATS, where);
    const axes = optUintArray(o, "axes", [...input.shape.keys()].slice(1), where)!;
    checkAxes(axes, input.rank, where);
    const epsilon = optNumber(o, "epsilon", 1e-5, where);
    const scale = this.optOperand(o, "scale", where);
    const bias = this.optOperand(o, "bias", where);
    const expected = axes.map((a) => input.shape[a]);
    for (const [name, x] of [["scale", scale], ["bias", bias]] as const) {
      if (!x) continue;
      if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
      if (!sameShape(x.shape, expected)) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be ${shapeToString(expected)}`);
    }
    return this.node("layerNormalization", { input, scale, bias }, { axes, epsilon }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }
}

function convOutSize(size: number, k: number, pb: number, pe: number, s: number, d: number, where: Where): number {
  const eff = (k - 1) * d + 1;
  const num = size + pb + pe - eff;
  if (num < 0) fail(where, "output-size", `dilated filter size ${eff} exceeds padded input size ${size + pb + pe}`);
  return Math.floor(num / s) + 1;
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x === "object" ? (x as object).constructor?.name ?? "object" : typeof x;
}

export { GraphValidationError };
