// MLGraphBuilder: the WebNN spec's graph-building API (method names, argument order, option
// names and defaults), with the spec's shape and dtype inference and validation.
import { GraphValidationError, describeValue } from "../errors.js";
import type { OperatorAttributeMap } from "./attributes.js";
import type {
  MLArgMinMaxOptions, MLBatchNormalizationOptions, MLClampOptions, MLConv2dOptions, MLConvTranspose2dOptions, MLCumulativeSumOptions, MLEluOptions, MLGatherOptions, MLGemmOptions, MLGruCellOptions, MLGruOptions, MLHardSigmoidOptions, MLInstanceNormalizationOptions, MLLayerNormalizationOptions, MLLeakyReluOptions, MLLinearOptions, MLLstmCellOptions, MLLstmOptions, MLOperatorOptions, MLPadOptions, MLPool2dOptions, MLReduceOptions, MLResample2dOptions, MLReverseOptions, MLScatterOptions, MLSliceOptions, MLSplitOptions, MLTransposeOptions, MLTriangularOptions, MLRecurrentNetworkActivation,
} from "./options.js";
import { MLOperand, nodeInputOperands, type GraphNode, type GraphNodeOf, type MLGraph, type NamedOperand } from "./operand.js";
import {
  OPERATORS, type ArgReduceOperatorName, type BinaryOperatorName, type InputOperatorName, type OperatorInputs, type OperatorName,
  type PoolOperatorName, type ReduceOperatorName,
} from "./operators.js";
import {
  broadcastShapes, checkAxes, checkDataType, checkOptionNames, fail, optAxis, isPlainObject, optBoolean, optEnum, optNumber, optUintArray,
  readOptions, sameShape, uintArray, uintScalar, type Where,
} from "./shape-rules.js";
import { byteLengthOf, checkDescriptor, checkShape, elementCountOf, shapeToString, type MLOperandDataType, type MLOperandDescriptor } from "./types.js";

const FLOATS = ["float32", "float16"] as const;
const SIGNED = ["float32", "float16", "int32", "int64", "int8"] as const;
const INDEX_TYPES = ["int32", "uint32", "int64"] as const;
const ANY: readonly MLOperandDataType[] = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8", "int4", "uint4"];

let nextBuilderId = 1;

/** Public MLGraphBuilder members that are not graph operators (helpers are #private). */
const NOT_OPERATORS = new Set(["constructor", "input", "constant", "build", "buildSync"]);

/** The names of the builder's operator methods (the WebNN operators it supports). */
export function builderOperatorNames(): Set<string> {
  return new Set(Object.getOwnPropertyNames(MLGraphBuilder.prototype).filter((k) => !NOT_OPERATORS.has(k)));
}

/** What the private helpers take: any of the option dictionaries. */
type Opts = MLOperatorOptions | undefined;

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
      this.#own(operand, { operator: "build", operand: name });
      // An output may be a graph input or a constant: the converter passes it through an identity.
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

  #own(x: unknown, where: Where, what = "input"): MLOperand {
    if (!(x instanceof MLOperand)) fail(where, "operand-type", `${what} must be an MLOperand, got ${describe(x)}`);
    if (x.builderId !== this.builderId) fail(where, "operand-builder", `${what} was created by another MLGraphBuilder`);
    return x;
  }

  #optOperand(o: Record<string, unknown>, key: string, where: Where): MLOperand | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    return this.#own(v, where, `option ${key}`);
  }

  #node<K extends OperatorName>(op: K, inputs: OperatorInputs<K>, attributes: OperatorAttributeMap[K], outDescs: MLOperandDescriptor[], label?: unknown): MLOperand[] {
    if (this.built) fail({ operator: op }, "build-once", "the builder was already built");
    const id = this.nextId++;
    const outputs = outDescs.map((d) => {
      checkShape(d.shape, { operator: op });
      return new MLOperand({ desc: d, id: this.nextId++, kind: "output", name: typeof label === "string" ? label : undefined, builderId: this.builderId });
    });
    const node = Object.freeze({
      id, op, inputs: Object.freeze({ ...inputs }), attributes: Object.freeze({ ...attributes }), outputs: Object.freeze(outputs),
      label: typeof label === "string" ? label : undefined,
    }) as GraphNodeOf<K> as unknown as GraphNode;
    for (const o of outputs) o.producer = node;
    return outputs;
  }

  /** Where errors of this call point; also checks the option names against the signature table. */
  #at(operator: OperatorName, options?: Opts): Where {
    const label = isPlainObject(options) && typeof options.label === "string" ? options.label : undefined;
    const where = { operator, operand: label };
    checkOptionNames(options, OPERATORS[operator], where);
    return where;
  }

  // ---------------------------------------------------------------- element-wise binary

  #binary(op: BinaryOperatorName, a: MLOperand, b: MLOperand, options: Opts, outType?: MLOperandDataType, allowed: readonly string[] = ANY): MLOperand {
    const where = this.#at(op, options);
    this.#own(a, where, "a"); this.#own(b, where, "b");
    readOptions(options, where);
    if (a.dataType !== b.dataType) fail(where, "data-type-mismatch", `a is ${a.dataType} but b is ${b.dataType}`);
    checkDataType(a, allowed, where, "a");
    const shape = broadcastShapes(a.shape, b.shape, where);
    return this.#node(op, { a, b }, {}, [{ dataType: outType ?? a.dataType, shape }], options?.label)[0];
  }

  add(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("add", a, b, options); }
  sub(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("sub", a, b, options); }
  mul(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("mul", a, b, options); }
  div(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("div", a, b, options); }
  max(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("max", a, b, options); }
  min(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("min", a, b, options); }
  pow(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("pow", a, b, options); }

  equal(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("equal", a, b, options, "uint8"); }
  notEqual(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("notEqual", a, b, options, "uint8"); }
  greater(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("greater", a, b, options, "uint8"); }
  greaterOrEqual(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("greaterOrEqual", a, b, options, "uint8"); }
  lesser(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("lesser", a, b, options, "uint8"); }
  lesserOrEqual(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("lesserOrEqual", a, b, options, "uint8"); }
  logicalAnd(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("logicalAnd", a, b, options, "uint8", ["uint8"]); }
  logicalOr(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("logicalOr", a, b, options, "uint8", ["uint8"]); }
  logicalXor(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return this.#binary("logicalXor", a, b, options, "uint8", ["uint8"]); }

  // ---------------------------------------------------------------- element-wise unary

  #unary<K extends InputOperatorName>(op: K, input: MLOperand, options: Opts, allowed: readonly string[], attributes?: OperatorAttributeMap[K], outType?: MLOperandDataType): MLOperand {
    const where = this.#at(op, options);
    this.#own(input, where);
    checkDataType(input, allowed, where);
    return this.#node(op, { input } as unknown as OperatorInputs<K>, attributes ?? ({} as OperatorAttributeMap[K]), [{ dataType: outType ?? input.dataType, shape: input.shape }], options?.label)[0];
  }

  abs(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("abs", input, options, SIGNED); }
  ceil(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("ceil", input, options, FLOATS); }
  cos(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("cos", input, options, FLOATS); }
  erf(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("erf", input, options, FLOATS); }
  exp(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("exp", input, options, FLOATS); }
  floor(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("floor", input, options, FLOATS); }
  identity(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("identity", input, options, ANY); }
  log(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("log", input, options, FLOATS); }
  neg(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("neg", input, options, SIGNED); }
  reciprocal(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("reciprocal", input, options, FLOATS); }
  sin(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("sin", input, options, FLOATS); }
  sqrt(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("sqrt", input, options, FLOATS); }
  tan(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("tan", input, options, FLOATS); }
  logicalNot(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("logicalNot", input, options, ["uint8"]); }
  relu(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("relu", input, options, SIGNED); }
  sigmoid(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("sigmoid", input, options, FLOATS); }
  tanh(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("tanh", input, options, FLOATS); }
  hardSwish(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("hardSwish", input, options, FLOATS); }
  softsign(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("softsign", input, options, FLOATS); }
  softplus(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("softplus", input, options, FLOATS); }

  elu(input: MLOperand, options?: MLEluOptions) {
    const where = this.#at("elu", options); const o = readOptions(options, where);
    const alpha = optNumber(o, "alpha", 1, where);
    return this.#unary("elu", input, options, FLOATS, { alpha });
  }

  leakyRelu(input: MLOperand, options?: MLLeakyReluOptions) {
    const where = this.#at("leakyRelu", options); const o = readOptions(options, where);
    return this.#unary("leakyRelu", input, options, FLOATS, { alpha: optNumber(o, "alpha", 0.01, where) });
  }

  hardSigmoid(input: MLOperand, options?: MLHardSigmoidOptions) {
    const where = this.#at("hardSigmoid", options); const o = readOptions(options, where);
    return this.#unary("hardSigmoid", input, options, FLOATS, { alpha: optNumber(o, "alpha", 0.2, where), beta: optNumber(o, "beta", 0.5, where) });
  }

  linear(input: MLOperand, options?: MLLinearOptions) {
    const where = this.#at("linear", options); const o = readOptions(options, where);
    return this.#unary("linear", input, options, FLOATS, { alpha: optNumber(o, "alpha", 1, where), beta: optNumber(o, "beta", 0, where) });
  }

  clamp(input: MLOperand, options?: MLClampOptions) {
    const where = this.#at("clamp", options); const o = readOptions(options, where);
    // A NaN bound bounds nothing (WPT "minValue as NaN").
    let minValue = optNumber(o, "minValue", -Infinity, where);
    let maxValue = optNumber(o, "maxValue", Infinity, where);
    if (Number.isNaN(minValue)) minValue = -Infinity;
    if (Number.isNaN(maxValue)) maxValue = Infinity;
    if (minValue > maxValue) fail(where, "option-value", `minValue ${minValue} is greater than maxValue ${maxValue}`);
    return this.#unary("clamp", input, options, ANY, { minValue, maxValue });
  }

  cast(input: MLOperand, type: MLOperandDataType, options?: MLOperatorOptions) {
    const where = this.#at("cast", options);
    this.#own(input, where);
    if (typeof type !== "string" || !ANY.includes(type)) fail(where, "argument-type", `cast type ${describeValue(type)} is not an MLOperandDataType`);
    return this.#node("cast", { input }, { type }, [{ dataType: type, shape: input.shape }], options?.label)[0];
  }

  softmax(input: MLOperand, axis: number, options?: MLOperatorOptions) {
    const where = this.#at("softmax", options);
    this.#own(input, where);
    checkDataType(input, FLOATS, where);
    const ax = uintScalar(axis, "axis", where);
    if (ax >= input.rank) fail(where, "axis-range", `axis ${ax} is out of range for rank ${input.rank}`);
    return this.#node("softmax", { input }, { axis: ax }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- reductions

  #reduce(op: ReduceOperatorName, input: MLOperand, options: Opts, allowed: readonly string[]): MLOperand {
    const where = this.#at(op, options); const o = readOptions(options, where);
    this.#own(input, where);
    checkDataType(input, allowed, where);
    const axes = optUintArray(o, "axes", [...input.shape.keys()], where)!;
    checkAxes(axes, input.rank, where);
    const keepDimensions = optBoolean(o, "keepDimensions", false, where);
    const shape = keepDimensions
      ? input.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : input.shape.filter((_, i) => !axes.includes(i));
    return this.#node(op, { input }, { axes, keepDimensions }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  reduceL1(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceL1", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }
  reduceL2(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceL2", input, options, FLOATS); }
  reduceLogSum(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceLogSum", input, options, FLOATS); }
  reduceLogSumExp(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceLogSumExp", input, options, FLOATS); }
  reduceMax(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceMax", input, options, ANY); }
  reduceMean(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceMean", input, options, FLOATS); }
  reduceMin(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceMin", input, options, ANY); }
  reduceProduct(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceProduct", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }
  reduceSum(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceSum", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }
  reduceSumSquare(input: MLOperand, options?: MLReduceOptions) { return this.#reduce("reduceSumSquare", input, options, ["float32", "float16", "int32", "uint32", "int64", "uint64"]); }

  // ---------------------------------------------------------------- shape and layout

  reshape(input: MLOperand, newShape: number[], options?: MLOperatorOptions) {
    const where = this.#at("reshape", options);
    this.#own(input, where);
    const shape = uintArray(newShape, "newShape", where);
    checkShape(shape, where);
    if (elementCountOf(shape) !== elementCountOf(input.shape)) {
      fail(where, "element-count", `cannot reshape ${shapeToString(input.shape)} (${elementCountOf(input.shape)} elements) to ${shapeToString(shape)}`);
    }
    return this.#node("reshape", { input }, { newShape: shape }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  expand(input: MLOperand, newShape: number[], options?: MLOperatorOptions) {
    const where = this.#at("expand", options);
    this.#own(input, where);
    const target = uintArray(newShape, "newShape", where);
    checkShape(target, where);
    const shape = broadcastShapes(input.shape, target, where);
    return this.#node("expand", { input }, { newShape: shape }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  transpose(input: MLOperand, options?: MLTransposeOptions) {
    const where = this.#at("transpose", options); const o = readOptions(options, where);
    this.#own(input, where);
    const permutation = optUintArray(o, "permutation", [...input.shape.keys()].reverse(), where, input.rank)!;
    checkAxes(permutation, input.rank, where, "permutation");
    return this.#node("transpose", { input }, { permutation }, [{ dataType: input.dataType, shape: permutation.map((p) => input.shape[p]) }], options?.label)[0];
  }

  concat(inputs: MLOperand[], axis: number, options?: MLOperatorOptions) {
    const where = this.#at("concat", options);
    if (!Array.isArray(inputs) || inputs.length === 0) fail(where, "argument-type", "inputs must be a non-empty array of operands");
    inputs.forEach((x, i) => this.#own(x, where, `inputs[${i}]`));
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
    return this.#node("concat", { inputs: [...inputs] }, { axis: ax }, [{ dataType: first.dataType, shape }], options?.label)[0];
  }

  split(input: MLOperand, splits: number | number[], options?: MLSplitOptions): MLOperand[] {
    const where = this.#at("split", options); const o = readOptions(options, where);
    this.#own(input, where);
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
    return this.#node("split", { input }, { splits: sizes, axis }, outs, options?.label);
  }

  slice(input: MLOperand, starts: number[], sizes: number[], options?: MLSliceOptions) {
    const where = this.#at("slice", options); const o = readOptions(options, where);
    this.#own(input, where);
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
    return this.#node("slice", { input }, { starts: st, sizes: sz, strides }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  gather(input: MLOperand, indices: MLOperand, options?: MLGatherOptions) {
    const where = this.#at("gather", options); const o = readOptions(options, where);
    this.#own(input, where); this.#own(indices, where, "indices");
    checkDataType(indices, INDEX_TYPES, where, "indices");
    const axis = optAxis(o, "axis", 0, input.rank, where);
    const shape = [...input.shape.slice(0, axis), ...indices.shape, ...input.shape.slice(axis + 1)];
    return this.#node("gather", { input, indices }, { axis }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- linear algebra

  matmul(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) {
    const where = this.#at("matmul", options);
    this.#own(a, where, "a"); this.#own(b, where, "b");
    if (a.dataType !== b.dataType) fail(where, "data-type-mismatch", `a is ${a.dataType} but b is ${b.dataType}`);
    checkDataType(a, ["float32", "float16", "int32"], where, "a");
    if (a.rank < 2 || b.rank < 2) fail(where, "rank", `matmul needs rank >= 2 operands, got ${a.rank} and ${b.rank}`);
    const [m, k] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (k !== k2) fail(where, "shape-mismatch", `inner dimensions differ: a ${shapeToString(a.shape)}, b ${shapeToString(b.shape)}`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), where);
    return this.#node("matmul", { a, b }, {}, [{ dataType: a.dataType, shape: [...batch, m, n] }], options?.label)[0];
  }

  // ---------------------------------------------------------------- convolution

  /** What conv2d and convTranspose2d share: operand checks and the common options, with the input's N, C, H, W. */
  #convolutionArgs<L extends string>(op: "conv2d" | "convTranspose2d", input: MLOperand, filter: MLOperand, options: Opts, filterLayouts: readonly L[]) {
    const where = this.#at(op, options); const o = readOptions(options, where);
    this.#own(input, where); this.#own(filter, where, "filter");
    checkDataType(input, FLOATS, where);
    if (filter.dataType !== input.dataType) fail(where, "data-type-mismatch", `filter is ${filter.dataType}, input is ${input.dataType}`);
    if (input.rank !== 4 || filter.rank !== 4) fail(where, "rank", "input and filter must be 4-D");
    const padding = optUintArray(o, "padding", [0, 0, 0, 0], where, 4)!;
    const strides = optUintArray(o, "strides", [1, 1], where, 2)!;
    const dilations = optUintArray(o, "dilations", [1, 1], where, 2)!;
    const groups = optNumber(o, "groups", 1, where);
    const inputLayout = optEnum(o, "inputLayout", ["nchw", "nhwc"] as const, "nchw", where);
    const filterLayout = optEnum(o, "filterLayout", filterLayouts, filterLayouts[0], where);
    const bias = this.#optOperand(o, "bias", where);
    if (strides.some((s) => s === 0) || dilations.some((d) => d === 0)) fail(where, "option-value", "strides and dilations must be greater than 0");
    if (!Number.isInteger(groups) || groups < 1) fail(where, "option-value", "groups must be a positive integer");
    const [n, c, h, w] = inputLayout === "nchw" ? input.shape : [input.shape[0], input.shape[3], input.shape[1], input.shape[2]];
    return { where, o, padding, strides, dilations, groups, inputLayout, filterLayout, bias, n, c, h, w };
  }

  conv2d(input: MLOperand, filter: MLOperand, options?: MLConv2dOptions) {
    const { where, padding, strides, dilations, groups, inputLayout, filterLayout, bias, n, c, h, w } =
      this.#convolutionArgs("conv2d", input, filter, options, ["oihw", "hwio", "ohwi", "ihwo"] as const);
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
    return this.#node("conv2d", { input, filter, bias }, { padding, strides, dilations, groups, inputLayout, filterLayout }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  convTranspose2d(input: MLOperand, filter: MLOperand, options?: MLConvTranspose2dOptions) {
    const { where, o, padding, strides, dilations, groups, inputLayout, filterLayout, bias, n, c, h, w } =
      this.#convolutionArgs("convTranspose2d", input, filter, options, ["iohw", "hwoi", "ohwi"] as const);
    const outputPadding = optUintArray(o, "outputPadding", [0, 0], where, 2)!;
    const outputSizes = optUintArray(o, "outputSizes", undefined, where, 2);
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
    return this.#node("convTranspose2d", { input, filter, bias }, { padding, strides, dilations, groups, inputLayout, filterLayout, outputSizes: [oh, ow] }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- normalization

  batchNormalization(input: MLOperand, mean: MLOperand, variance: MLOperand, options?: MLBatchNormalizationOptions) {
    const where = this.#at("batchNormalization", options); const o = readOptions(options, where);
    this.#own(input, where); this.#own(mean, where, "mean"); this.#own(variance, where, "variance");
    checkDataType(input, FLOATS, where);
    const axis = optAxis(o, "axis", 1, input.rank, where);
    const epsilon = optNumber(o, "epsilon", 1e-5, where);
    const scale = this.#optOperand(o, "scale", where);
    const bias = this.#optOperand(o, "bias", where);
    const c = input.shape[axis];
    for (const [name, x] of [["mean", mean], ["variance", variance], ["scale", scale], ["bias", bias]] as const) {
      if (!x) continue;
      if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
      if (!sameShape(x.shape, [c])) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be [${c}]`);
    }
    return this.#node("batchNormalization", { input, mean, variance, scale, bias }, { axis, epsilon }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  instanceNormalization(input: MLOperand, options?: MLInstanceNormalizationOptions) {
    const where = this.#at("instanceNormalization", options); const o = readOptions(options, where);
    this.#own(input, where);
    checkDataType(input, FLOATS, where);
    if (input.rank !== 4) fail(where, "rank", "input must be 4-D");
    const epsilon = optNumber(o, "epsilon", 1e-5, where);
    const layout = optEnum(o, "layout", ["nchw", "nhwc"] as const, "nchw", where);
    const scale = this.#optOperand(o, "scale", where);
    const bias = this.#optOperand(o, "bias", where);
    const c = layout === "nchw" ? input.shape[1] : input.shape[3];
    for (const [name, x] of [["scale", scale], ["bias", bias]] as const) {
      if (!x) continue;
      if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
      if (!sameShape(x.shape, [c])) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be [${c}]`);
    }
    return this.#node("instanceNormalization", { input, scale, bias }, { epsilon, layout }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  layerNormalization(input: MLOperand, options?: MLLayerNormalizationOptions) {
    const where = this.#at("layerNormalization", options); const o = readOptions(options, where);
    this.#own(input, where);
    checkDataType(input, FLOATS, where);
    const axes = optUintArray(o, "axes", [...input.shape.keys()].slice(1), where)!;
    checkAxes(axes, input.rank, where);
    const epsilon = optNumber(o, "epsilon", 1e-5, where);
    const scale = this.#optOperand(o, "scale", where);
    const bias = this.#optOperand(o, "bias", where);
    const expected = axes.map((a) => input.shape[a]);
    for (const [name, x] of [["scale", scale], ["bias", bias]] as const) {
      if (!x) continue;
      if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
      if (!sameShape(x.shape, expected)) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be ${shapeToString(expected)}`);
    }
    return this.#node("layerNormalization", { input, scale, bias }, { axes, epsilon }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- more element-wise

  sign(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("sign", input, options, SIGNED); }
  roundEven(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("roundEven", input, options, FLOATS); }
  gelu(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("gelu", input, options, FLOATS); }
  isNaN(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("isNaN", input, options, FLOATS, {}, "uint8"); }
  isInfinite(input: MLOperand, options?: MLOperatorOptions) { return this.#unary("isInfinite", input, options, FLOATS, {}, "uint8"); }

  prelu(input: MLOperand, slope: MLOperand, options?: MLOperatorOptions) {
    const where = this.#at("prelu", options);
    this.#own(input, where); this.#own(slope, where, "slope");
    checkDataType(input, ["float32", "float16", "int32", "int64", "int8"], where);
    if (slope.dataType !== input.dataType) fail(where, "data-type-mismatch", `slope is ${slope.dataType}, input is ${input.dataType}`);
    const shape = broadcastShapes(input.shape, slope.shape, where);
    return this.#node("prelu", { input, slope }, {}, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  where(condition: MLOperand, trueValue: MLOperand, falseValue: MLOperand, options?: MLOperatorOptions) {
    const where = this.#at("where", options);
    this.#own(condition, where, "condition"); this.#own(trueValue, where, "trueValue"); this.#own(falseValue, where, "falseValue");
    checkDataType(condition, ["uint8"], where, "condition");
    if (trueValue.dataType !== falseValue.dataType) fail(where, "data-type-mismatch", `trueValue is ${trueValue.dataType}, falseValue is ${falseValue.dataType}`);
    const shape = broadcastShapes(broadcastShapes(condition.shape, trueValue.shape, where), falseValue.shape, where);
    return this.#node("where", { condition, trueValue, falseValue }, {}, [{ dataType: trueValue.dataType, shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- arg reductions, cumulative sum

  #argReduce(op: ArgReduceOperatorName, input: MLOperand, axis: number, options: Opts) {
    const where = this.#at(op, options); const o = readOptions(options, where);
    this.#own(input, where);
    const ax = uintScalar(axis, "axis", where);
    if (ax >= input.rank) fail(where, "axis-range", `axis ${ax} is out of range for rank ${input.rank}`);
    const keepDimensions = optBoolean(o, "keepDimensions", false, where);
    const outputDataType = optEnum(o, "outputDataType", ["int32", "int64"] as const, "int32", where);
    const shape = keepDimensions ? input.shape.map((d, i) => (i === ax ? 1 : d)) : input.shape.filter((_, i) => i !== ax);
    return this.#node(op, { input }, { axis: ax, keepDimensions, outputDataType }, [{ dataType: outputDataType, shape }], options?.label)[0];
  }

  argMax(input: MLOperand, axis: number, options?: MLArgMinMaxOptions) { return this.#argReduce("argMax", input, axis, options); }
  argMin(input: MLOperand, axis: number, options?: MLArgMinMaxOptions) { return this.#argReduce("argMin", input, axis, options); }

  cumulativeSum(input: MLOperand, axis: number, options?: MLCumulativeSumOptions) {
    const where = this.#at("cumulativeSum", options); const o = readOptions(options, where);
    this.#own(input, where);
    checkDataType(input, ["float32", "float16", "int32", "uint32", "int64", "uint64"], where);
    const ax = uintScalar(axis, "axis", where);
    if (ax >= input.rank) fail(where, "axis-range", `axis ${ax} is out of range for rank ${input.rank}`);
    const exclusive = optBoolean(o, "exclusive", false, where);
    const reversed = optBoolean(o, "reversed", false, where);
    return this.#node("cumulativeSum", { input }, { axis: ax, exclusive, reversed }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- data movement

  tile(input: MLOperand, repetitions: number[], options?: MLOperatorOptions) {
    const where = this.#at("tile", options);
    this.#own(input, where);
    const reps = uintArray(repetitions, "repetitions", where, input.rank);
    if (reps.some((r) => r === 0)) fail(where, "option-value", "repetitions must be greater than 0");
    return this.#node("tile", { input }, { repetitions: reps }, [{ dataType: input.dataType, shape: input.shape.map((d, i) => d * reps[i]) }], options?.label)[0];
  }

  reverse(input: MLOperand, options?: MLReverseOptions) {
    const where = this.#at("reverse", options); const o = readOptions(options, where);
    this.#own(input, where);
    const axes = optUintArray(o, "axes", [...input.shape.keys()], where)!;
    checkAxes(axes, input.rank, where);
    return this.#node("reverse", { input }, { axes }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  triangular(input: MLOperand, options?: MLTriangularOptions) {
    const where = this.#at("triangular", options); const o = readOptions(options, where);
    this.#own(input, where);
    if (input.rank < 2) fail(where, "rank", "input must be at least 2-D");
    const upper = optBoolean(o, "upper", true, where);
    const diagonal = optNumber(o, "diagonal", 0, where);
    if (!Number.isInteger(diagonal)) fail(where, "option-type", "diagonal must be an integer");
    return this.#node("triangular", { input }, { upper, diagonal }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  pad(input: MLOperand, beginningPadding: number[], endingPadding: number[], options?: MLPadOptions) {
    const where = this.#at("pad", options); const o = readOptions(options, where);
    this.#own(input, where);
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
    return this.#node("pad", { input }, { beginningPadding: begin, endingPadding: end, mode, value }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  gatherElements(input: MLOperand, indices: MLOperand, options?: MLGatherOptions) {
    const where = this.#at("gatherElements", options); const o = readOptions(options, where);
    this.#own(input, where); this.#own(indices, where, "indices");
    checkDataType(indices, INDEX_TYPES, where, "indices");
    const axis = optAxis(o, "axis", 0, input.rank, where);
    if (indices.rank !== input.rank || indices.shape.some((d, i) => i !== axis && d !== input.shape[i])) {
      fail(where, "shape-mismatch", `indices shape ${shapeToString(indices.shape)} must match input shape ${shapeToString(input.shape)} except on axis ${axis}`);
    }
    return this.#node("gatherElements", { input, indices }, { axis }, [{ dataType: input.dataType, shape: indices.shape }], options?.label)[0];
  }

  gatherND(input: MLOperand, indices: MLOperand, options?: MLOperatorOptions) {
    const where = this.#at("gatherND", options);
    this.#own(input, where); this.#own(indices, where, "indices");
    checkDataType(indices, INDEX_TYPES, where, "indices");
    if (input.rank < 1 || indices.rank < 1) fail(where, "rank", "input and indices must be at least 1-D");
    const k = indices.shape[indices.rank - 1];
    if (k > input.rank) fail(where, "shape-mismatch", `the last dimension of indices (${k}) exceeds the input rank ${input.rank}`);
    const shape = [...indices.shape.slice(0, -1), ...input.shape.slice(k)];
    return this.#node("gatherND", { input, indices }, {}, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  scatterElements(input: MLOperand, indices: MLOperand, updates: MLOperand, options?: MLScatterOptions) {
    const where = this.#at("scatterElements", options); const o = readOptions(options, where);
    this.#own(input, where); this.#own(indices, where, "indices"); this.#own(updates, where, "updates");
    checkDataType(indices, INDEX_TYPES, where, "indices");
    if (updates.dataType !== input.dataType) fail(where, "data-type-mismatch", `updates is ${updates.dataType}, input is ${input.dataType}`);
    const axis = optAxis(o, "axis", 0, input.rank, where);
    if (!sameShape(indices.shape, updates.shape)) fail(where, "shape-mismatch", "indices and updates must have the same shape");
    if (indices.rank !== input.rank || indices.shape.some((d, i) => i !== axis && d !== input.shape[i])) {
      fail(where, "shape-mismatch", `indices shape ${shapeToString(indices.shape)} must match input shape ${shapeToString(input.shape)} except on axis ${axis}`);
    }
    return this.#node("scatterElements", { input, indices, updates }, { axis }, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  scatterND(input: MLOperand, indices: MLOperand, updates: MLOperand, options?: MLOperatorOptions) {
    const where = this.#at("scatterND", options);
    this.#own(input, where); this.#own(indices, where, "indices"); this.#own(updates, where, "updates");
    checkDataType(indices, INDEX_TYPES, where, "indices");
    if (updates.dataType !== input.dataType) fail(where, "data-type-mismatch", `updates is ${updates.dataType}, input is ${input.dataType}`);
    const k = indices.shape[indices.rank - 1];
    if (indices.rank < 1 || k > input.rank) fail(where, "shape-mismatch", `the last dimension of indices (${k}) exceeds the input rank ${input.rank}`);
    const expected = [...indices.shape.slice(0, -1), ...input.shape.slice(k)];
    if (!sameShape(updates.shape, expected)) fail(where, "shape-mismatch", `updates shape ${shapeToString(updates.shape)} must be ${shapeToString(expected)}`);
    return this.#node("scatterND", { input, indices, updates }, {}, [{ dataType: input.dataType, shape: input.shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- gemm

  gemm(a: MLOperand, b: MLOperand, options?: MLGemmOptions) {
    const where = this.#at("gemm", options); const o = readOptions(options, where);
    this.#own(a, where, "a"); this.#own(b, where, "b");
    checkDataType(a, FLOATS, where, "a");
    if (a.dataType !== b.dataType) fail(where, "data-type-mismatch", `a is ${a.dataType} but b is ${b.dataType}`);
    if (a.rank !== 2 || b.rank !== 2) fail(where, "rank", "a and b must be 2-D");
    const c = this.#optOperand(o, "c", where);
    const alpha = optNumber(o, "alpha", 1, where);
    const beta = optNumber(o, "beta", 1, where);
    const aTranspose = optBoolean(o, "aTranspose", false, where);
    const bTranspose = optBoolean(o, "bTranspose", false, where);
    const [m, k] = aTranspose ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const [k2, n] = bTranspose ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (k !== k2) fail(where, "shape-mismatch", `inner dimensions differ: ${k} and ${k2}`);
    if (c) {
      if (c.dataType !== a.dataType) fail(where, "data-type-mismatch", `c is ${c.dataType}, a is ${a.dataType}`);
      const s = broadcastShapes(c.shape, [m, n], where);
      if (!sameShape(s, [m, n])) fail(where, "broadcast", `c shape ${shapeToString(c.shape)} must broadcast to [${m}, ${n}]`);
    }
    return this.#node("gemm", { a, b, c }, { alpha, beta, aTranspose, bTranspose }, [{ dataType: a.dataType, shape: [m, n] }], options?.label)[0];
  }

  // ---------------------------------------------------------------- pooling, resampling

  #pool(op: PoolOperatorName, input: MLOperand, options: Opts, allowed: readonly string[]) {
    const where = this.#at(op, options); const o = readOptions(options, where);
    this.#own(input, where);
    checkDataType(input, allowed, where);
    if (input.rank !== 4) fail(where, "rank", "input must be 4-D");
    const layout = optEnum(o, "layout", ["nchw", "nhwc"] as const, "nchw", where);
    const [n, c, h, w] = layout === "nchw" ? input.shape : [input.shape[0], input.shape[3], input.shape[1], input.shape[2]];
    const windowDimensions = optUintArray(o, "windowDimensions", [h, w], where, 2)!;
    const padding = optUintArray(o, "padding", [0, 0, 0, 0], where, 4)!;
    const strides = optUintArray(o, "strides", [1, 1], where, 2)!;
    const dilations = optUintArray(o, "dilations", [1, 1], where, 2)!;
    // "outputShapeRounding" (current spec); "roundingType" is the older name, still accepted.
    const roundingType = optEnum(o, o.outputShapeRounding !== undefined ? "outputShapeRounding" : "roundingType", ["floor", "ceil"] as const, "floor", where);
    const outputSizes = optUintArray(o, "outputSizes", undefined, where, 2);
    if (windowDimensions.some((d) => d === 0) || strides.some((s) => s === 0) || dilations.some((d) => d === 0)) {
      fail(where, "option-value", "windowDimensions, strides and dilations must be greater than 0");
    }
    const size = (i: number, round: (x: number) => number) => {
      const eff = (windowDimensions[i] - 1) * dilations[i] + 1;
      const inSize = (i === 0 ? h : w) + padding[2 * i] + padding[2 * i + 1];
      if (inSize < eff) fail(where, "output-size", `window ${eff} exceeds padded input ${inSize}`);
      return round((inSize - eff) / strides[i]) + 1;
    };
    let oh: number, ow: number;
    if (outputSizes) {
      const fl = [size(0, Math.floor), size(1, Math.floor)];
      const ce = [size(0, Math.ceil), size(1, Math.ceil)];
      for (let i = 0; i < 2; i++) {
        if (outputSizes[i] !== fl[i] && outputSizes[i] !== ce[i]) fail(where, "option-value", `outputSizes[${i}] = ${outputSizes[i]} must be ${fl[i]} or ${ce[i]}`);
      }
      [oh, ow] = outputSizes;
    } else {
      const r = roundingType === "ceil" ? Math.ceil : Math.floor;
      oh = size(0, r); ow = size(1, r);
    }
    const shape = layout === "nchw" ? [n, c, oh, ow] : [n, oh, ow, c];
    return this.#node(op, { input }, { windowDimensions, padding, strides, dilations, layout, outputSizes: [oh, ow] }, [{ dataType: input.dataType, shape }], options?.label)[0];
  }

  averagePool2d(input: MLOperand, options?: MLPool2dOptions) { return this.#pool("averagePool2d", input, options, FLOATS); }
  l2Pool2d(input: MLOperand, options?: MLPool2dOptions) { return this.#pool("l2Pool2d", input, options, FLOATS); }
  maxPool2d(input: MLOperand, options?: MLPool2dOptions) { return this.#pool("maxPool2d", input, options, ANY); }

  resample2d(input: MLOperand, options?: MLResample2dOptions) {
    const where = this.#at("resample2d", options); const o = readOptions(options, where);
    this.#own(input, where);
    if (input.rank !== 4) fail(where, "rank", "input must be 4-D");
    const mode = optEnum(o, "mode", ["nearest-neighbor", "linear"] as const, "nearest-neighbor", where);
    checkDataType(input, mode === "linear" ? FLOATS : ["float32", "float16", "int32", "uint32", "int8", "uint8", "int64", "uint64"], where);
    const axes = optUintArray(o, "axes", [2, 3], where, 2)!;
    checkAxes(axes, 4, where);
    let scales: number[] | undefined;
    if (o.scales !== undefined) {
      if (!Array.isArray(o.scales) || o.scales.length !== 2 || !o.scales.every((v) => typeof v === "number" && v > 0)) fail(where, "option-type", "scales must be two positive numbers");
      scales = o.scales as number[];
    }
    const sizes = optUintArray(o, "sizes", undefined, where, 2);
    if (sizes && sizes.some((s) => s === 0)) fail(where, "option-value", "sizes must be greater than 0");
    const out = [...input.shape];
    axes.forEach((a, i) => { out[a] = sizes ? sizes[i] : Math.floor(input.shape[a] * (scales ? scales[i] : 1)); });
    if (out.some((d) => d === 0)) fail(where, "output-size", `output shape ${shapeToString(out)} has a zero dimension`);
    return this.#node("resample2d", { input }, { mode, axes, scales: scales ?? axes.map((a) => out[a] / input.shape[a]), sizes: axes.map((a) => out[a]) }, [{ dataType: input.dataType, shape: out }], options?.label)[0];
  }

  // ---------------------------------------------------------------- quantization

  #quantCheck(op: "dequantizeLinear" | "quantizeLinear", input: MLOperand, scale: MLOperand, zeroPoint: MLOperand, where: Where) {
    this.#own(input, where); this.#own(scale, where, "scale"); this.#own(zeroPoint, where, "zeroPoint");
    if (scale.rank !== input.rank || zeroPoint.rank !== input.rank) fail(where, "rank", `scale and zeroPoint must have the input's rank ${input.rank}`);
    if (!sameShape(scale.shape, zeroPoint.shape)) fail(where, "shape-mismatch", "scale and zeroPoint must have the same shape");
    scale.shape.forEach((d, i) => {
      if (input.shape[i] % d !== 0) fail(where, "block-size", `input dimension ${i} (${input.shape[i]}) is not a multiple of the scale dimension ${d}`);
    });
    void op;
  }

  dequantizeLinear(input: MLOperand, scale: MLOperand, zeroPoint: MLOperand, options?: MLOperatorOptions) {
    const where = this.#at("dequantizeLinear", options);
    this.#quantCheck("dequantizeLinear", input, scale, zeroPoint, where);
    checkDataType(input, ["int4", "uint4", "int8", "uint8", "int32", "uint32"], where);
    checkDataType(scale, FLOATS, where, "scale");
    if (zeroPoint.dataType !== input.dataType) fail(where, "data-type-mismatch", `zeroPoint is ${zeroPoint.dataType}, input is ${input.dataType}`);
    return this.#node("dequantizeLinear", { input, scale, zeroPoint }, {}, [{ dataType: scale.dataType, shape: input.shape }], options?.label)[0];
  }

  quantizeLinear(input: MLOperand, scale: MLOperand, zeroPoint: MLOperand, options?: MLOperatorOptions) {
    const where = this.#at("quantizeLinear", options);
    this.#quantCheck("quantizeLinear", input, scale, zeroPoint, where);
    checkDataType(input, FLOATS, where);
    if (scale.dataType !== input.dataType) fail(where, "data-type-mismatch", `scale is ${scale.dataType}, input is ${input.dataType}`);
    checkDataType(zeroPoint, ["int4", "uint4", "int8", "uint8", "int32", "uint32"], where, "zeroPoint");
    return this.#node("quantizeLinear", { input, scale, zeroPoint }, {}, [{ dataType: zeroPoint.dataType, shape: input.shape }], options?.label)[0];
  }

  // ---------------------------------------------------------------- recurrent networks

  #rnnOperand(o: Record<string, unknown>, key: string, shape: number[], dt: MLOperandDataType, where: Where): MLOperand | undefined {
    const x = this.#optOperand(o, key, where);
    if (!x) return undefined;
    if (x.dataType !== dt) fail(where, "data-type-mismatch", `${key} is ${x.dataType}, input is ${dt}`);
    if (!sameShape(x.shape, shape)) fail(where, "shape-mismatch", `${key} shape ${shapeToString(x.shape)} must be ${shapeToString(shape)}`);
    return x;
  }

  #activations(o: Record<string, unknown>, dflt: MLRecurrentNetworkActivation[], where: Where): MLRecurrentNetworkActivation[] {
    const v = o.activations;
    if (v === undefined) return dflt;
    if (!Array.isArray(v) || v.length !== dflt.length || !v.every((a) => a === "relu" || a === "sigmoid" || a === "tanh")) {
      fail(where, "option-value", `activations must be ${dflt.length} of relu, sigmoid, tanh`);
    }
    return [...(v as MLRecurrentNetworkActivation[])];
  }

  #checkRnnCommon(where: Where, input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, wShape: number[], rShape: number[]) {
    checkDataType(input, FLOATS, where);
    for (const [name, x, shape] of [["weight", weight, wShape], ["recurrentWeight", recurrentWeight, rShape]] as const) {
      if (x.dataType !== input.dataType) fail(where, "data-type-mismatch", `${name} is ${x.dataType}, input is ${input.dataType}`);
      if (!sameShape(x.shape, shape)) fail(where, "shape-mismatch", `${name} shape ${shapeToString(x.shape)} must be ${shapeToString(shape)}`);
    }
  }

  /** Arguments and options shared by gru and lstm (`gates`: 3 or 4 gate blocks in the weights). */
  #rnnSequenceArgs(op: "gru" | "lstm", gates: number, input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, steps: number, hiddenSize: number, options: Opts) {
    const where = this.#at(op, options); const o = readOptions(options, where);
    this.#own(input, where); this.#own(weight, where, "weight"); this.#own(recurrentWeight, where, "recurrentWeight");
    const st = uintScalar(steps, "steps", where); const hs = uintScalar(hiddenSize, "hiddenSize", where);
    if (st === 0 || hs === 0) fail(where, "argument-value", "steps and hiddenSize must be greater than 0");
    if (input.rank !== 3 || input.shape[0] !== st) fail(where, "shape-mismatch", `input must be [steps=${st}, batchSize, inputSize], got ${shapeToString(input.shape)}`);
    const direction = optEnum(o, "direction", ["forward", "backward", "both"] as const, "forward", where);
    const nd = direction === "both" ? 2 : 1;
    const [, batch, inputSize] = input.shape;
    this.#checkRnnCommon(where, input, weight, recurrentWeight, [nd, gates * hs, inputSize], [nd, gates * hs, hs]);
    return {
      where, o, st, hs, nd, batch, direction,
      bias: this.#rnnOperand(o, "bias", [nd, gates * hs], input.dataType, where),
      recurrentBias: this.#rnnOperand(o, "recurrentBias", [nd, gates * hs], input.dataType, where),
      initialHiddenState: this.#rnnOperand(o, "initialHiddenState", [nd, batch, hs], input.dataType, where),
      returnSequence: optBoolean(o, "returnSequence", false, where),
    };
  }

  gru(input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, steps: number, hiddenSize: number, options?: MLGruOptions): MLOperand[] {
    const { where, o, st, hs, nd, batch, direction, bias, recurrentBias, initialHiddenState, returnSequence } =
      this.#rnnSequenceArgs("gru", 3, input, weight, recurrentWeight, steps, hiddenSize, options);
    const resetAfter = optBoolean(o, "resetAfter", true, where);
    const layout = optEnum(o, "layout", ["zrn", "rzn"] as const, "zrn", where);
    const activations = this.#activations(o, ["sigmoid", "tanh"], where);
    const outs = [{ dataType: input.dataType, shape: [nd, batch, hs] }];
    if (returnSequence) outs.push({ dataType: input.dataType, shape: [st, nd, batch, hs] });
    return this.#node("gru", { input, weight, recurrentWeight, bias, recurrentBias, initialHiddenState },
      { steps: st, hiddenSize: hs, resetAfter, returnSequence, direction, layout, activations }, outs, options?.label);
  }

  gruCell(input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, hiddenState: MLOperand, hiddenSize: number, options?: MLGruCellOptions): MLOperand {
    const where = this.#at("gruCell", options); const o = readOptions(options, where);
    this.#own(input, where); this.#own(weight, where, "weight"); this.#own(recurrentWeight, where, "recurrentWeight"); this.#own(hiddenState, where, "hiddenState");
    const hs = uintScalar(hiddenSize, "hiddenSize", where);
    if (hs === 0) fail(where, "argument-value", "hiddenSize must be greater than 0");
    if (input.rank !== 2) fail(where, "rank", "input must be [batchSize, inputSize]");
    const [batch, inputSize] = input.shape;
    this.#checkRnnCommon(where, input, weight, recurrentWeight, [3 * hs, inputSize], [3 * hs, hs]);
    if (hiddenState.dataType !== input.dataType || !sameShape(hiddenState.shape, [batch, hs])) fail(where, "shape-mismatch", `hiddenState must be ${input.dataType} [${batch}, ${hs}]`);
    const bias = this.#rnnOperand(o, "bias", [3 * hs], input.dataType, where);
    const recurrentBias = this.#rnnOperand(o, "recurrentBias", [3 * hs], input.dataType, where);
    const resetAfter = optBoolean(o, "resetAfter", true, where);
    const layout = optEnum(o, "layout", ["zrn", "rzn"] as const, "zrn", where);
    const activations = this.#activations(o, ["sigmoid", "tanh"], where);
    return this.#node("gruCell", { input, weight, recurrentWeight, hiddenState, bias, recurrentBias },
      { hiddenSize: hs, resetAfter, layout, activations }, [{ dataType: input.dataType, shape: [batch, hs] }], options?.label)[0];
  }

  lstm(input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, steps: number, hiddenSize: number, options?: MLLstmOptions): MLOperand[] {
    const { where, o, st, hs, nd, batch, direction, bias, recurrentBias, initialHiddenState, returnSequence } =
      this.#rnnSequenceArgs("lstm", 4, input, weight, recurrentWeight, steps, hiddenSize, options);
    const peepholeWeight = this.#rnnOperand(o, "peepholeWeight", [nd, 3 * hs], input.dataType, where);
    const initialCellState = this.#rnnOperand(o, "initialCellState", [nd, batch, hs], input.dataType, where);
    const layout = optEnum(o, "layout", ["iofg", "ifgo"] as const, "iofg", where);
    const activations = this.#activations(o, ["sigmoid", "tanh", "tanh"], where);
    const outs = [{ dataType: input.dataType, shape: [nd, batch, hs] }, { dataType: input.dataType, shape: [nd, batch, hs] }];
    if (returnSequence) outs.push({ dataType: input.dataType, shape: [st, nd, batch, hs] });
    return this.#node("lstm", { input, weight, recurrentWeight, bias, recurrentBias, peepholeWeight, initialHiddenState, initialCellState },
      { steps: st, hiddenSize: hs, returnSequence, direction, layout, activations }, outs, options?.label);
  }

  lstmCell(input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, hiddenState: MLOperand, cellState: MLOperand, hiddenSize: number, options?: MLLstmCellOptions): MLOperand[] {
    const where = this.#at("lstmCell", options); const o = readOptions(options, where);
    this.#own(input, where); this.#own(weight, where, "weight"); this.#own(recurrentWeight, where, "recurrentWeight");
    this.#own(hiddenState, where, "hiddenState"); this.#own(cellState, where, "cellState");
    const hs = uintScalar(hiddenSize, "hiddenSize", where);
    if (hs === 0) fail(where, "argument-value", "hiddenSize must be greater than 0");
    if (input.rank !== 2) fail(where, "rank", "input must be [batchSize, inputSize]");
    const [batch, inputSize] = input.shape;
    this.#checkRnnCommon(where, input, weight, recurrentWeight, [4 * hs, inputSize], [4 * hs, hs]);
    for (const [name, x] of [["hiddenState", hiddenState], ["cellState", cellState]] as const) {
      if (x.dataType !== input.dataType || !sameShape(x.shape, [batch, hs])) fail(where, "shape-mismatch", `${name} must be ${input.dataType} [${batch}, ${hs}]`);
    }
    const bias = this.#rnnOperand(o, "bias", [4 * hs], input.dataType, where);
    const recurrentBias = this.#rnnOperand(o, "recurrentBias", [4 * hs], input.dataType, where);
    const peepholeWeight = this.#rnnOperand(o, "peepholeWeight", [3 * hs], input.dataType, where);
    const layout = optEnum(o, "layout", ["iofg", "ifgo"] as const, "iofg", where);
    const activations = this.#activations(o, ["sigmoid", "tanh", "tanh"], where);
    const out = { dataType: input.dataType, shape: [batch, hs] };
    return this.#node("lstmCell", { input, weight, recurrentWeight, hiddenState, cellState, bias, recurrentBias, peepholeWeight },
      { hiddenSize: hs, layout, activations }, [out, out], options?.label);
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
