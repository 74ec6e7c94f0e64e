// MLGraphBuilder: the WebNN spec's graph-building API (method names, argument order, option
// names and defaults). Each operator's validation, defaults and output descriptor live in its
// family module (graph/ops/*.ts, on the state in builder-core.ts); the class is their facade.
import { GraphValidationError } from "../errors.js";
import type {
  MLArgMinMaxOptions, MLBatchNormalizationOptions, MLClampOptions, MLConv2dOptions, MLConvTranspose2dOptions, MLCumulativeSumOptions, MLEluOptions, MLGatherOptions, MLGemmOptions, MLGruCellOptions, MLGruOptions, MLHardSigmoidOptions, MLInstanceNormalizationOptions, MLLayerNormalizationOptions, MLLeakyReluOptions, MLLinearOptions, MLLstmCellOptions, MLLstmOptions, MLOperatorOptions, MLPadOptions, MLPool2dOptions, MLReduceOptions, MLResample2dOptions, MLReverseOptions, MLScatterOptions, MLSliceOptions, MLSplitOptions, MLTransposeOptions, MLTriangularOptions,
} from "./options.js";
import { MLOperand, nodeInputOperands, type GraphNode, type MLGraph, type NamedOperand } from "./operand.js";
import { fail, isPlainObject } from "./shape-rules.js";
import { byteLengthOf, checkDescriptor, shapeToString, type MLOperandDataType, type MLOperandDescriptor } from "./types.js";
import { BuilderCore } from "./builder-core.js";
import * as convolution from "./ops/convolution.js";
import * as elementwise from "./ops/elementwise.js";
import * as normalization from "./ops/normalization.js";
import * as quantization from "./ops/quantization.js";
import * as recurrent from "./ops/recurrent.js";
import * as reduction from "./ops/reduction.js";
import * as shape from "./ops/shape.js";

/** Public MLGraphBuilder members that are not graph operators (helpers are #private). */
const NOT_OPERATORS = new Set(["constructor", "input", "constant", "build", "buildSync"]);

/** The names of the builder's operator methods (the WebNN operators it supports). */
export function builderOperatorNames(): Set<string> {
  return new Set(Object.getOwnPropertyNames(MLGraphBuilder.prototype).filter((k) => !NOT_OPERATORS.has(k)));
}

export class MLGraphBuilder {
  readonly #core = new BuilderCore();

  // ---------------------------------------------------------------- sources

  input(name: string, descriptor: MLOperandDescriptor): MLOperand {
    const where = { operator: "input", operand: String(name) };
    if (typeof name !== "string" || name.length === 0) fail(where, "input-name", "input name must be a non-empty string");
    if (this.#core.inputNames.has(name)) fail(where, "input-name-unique", `input name "${name}" is used twice`);
    const desc = checkDescriptor(descriptor, where);
    this.#core.inputNames.add(name);
    return new MLOperand({ desc, id: this.#core.nextId++, kind: "input", name, builderId: this.#core.builderId });
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
    return new MLOperand({ desc, id: this.#core.nextId++, kind: "constant", name: label, data: bytes, builderId: this.#core.builderId });
  }

  // ---------------------------------------------------------------- build

  async build(outputs: Record<string, MLOperand>): Promise<MLGraph> {
    return this.buildSync(outputs);
  }

  /** Synchronous form of build(), for Node and worker code. */
  buildSync(outputs: Record<string, MLOperand>): MLGraph {
    const where = { operator: "build" };
    if (this.#core.built) fail(where, "build-once", "build() was already called on this builder");
    if (!isPlainObject(outputs) || Object.keys(outputs).length === 0) fail(where, "outputs", "build() needs at least one named output");
    const outs: NamedOperand[] = [];
    for (const [name, operand] of Object.entries(outputs)) {
      this.#core.own(operand, { operator: "build", operand: name });
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
    this.#core.built = true;
    const byId = <T extends { id: number }>(m: Map<number, T>) => [...m.values()].sort((a, b) => a.id - b.id);
    return Object.freeze({
      inputs: Object.freeze(byId(inputs).map((o) => Object.freeze({ name: o.name!, operand: o }))),
      constants: Object.freeze(byId(constants)),
      nodes: Object.freeze(byId(nodes)),
      outputs: Object.freeze(outs.map((o) => Object.freeze(o))),
    });
  }

  // ---------------------------------------------------------------- element-wise (ops/elementwise.ts)

  add(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.add(this.#core, a, b, options); }
  sub(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.sub(this.#core, a, b, options); }
  mul(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.mul(this.#core, a, b, options); }
  div(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.div(this.#core, a, b, options); }
  max(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.max(this.#core, a, b, options); }
  min(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.min(this.#core, a, b, options); }
  pow(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.pow(this.#core, a, b, options); }
  equal(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.equal(this.#core, a, b, options); }
  notEqual(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.notEqual(this.#core, a, b, options); }
  greater(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.greater(this.#core, a, b, options); }
  greaterOrEqual(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.greaterOrEqual(this.#core, a, b, options); }
  lesser(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.lesser(this.#core, a, b, options); }
  lesserOrEqual(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.lesserOrEqual(this.#core, a, b, options); }
  logicalAnd(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.logicalAnd(this.#core, a, b, options); }
  logicalOr(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.logicalOr(this.#core, a, b, options); }
  logicalXor(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return elementwise.logicalXor(this.#core, a, b, options); }
  abs(input: MLOperand, options?: MLOperatorOptions) { return elementwise.abs(this.#core, input, options); }
  ceil(input: MLOperand, options?: MLOperatorOptions) { return elementwise.ceil(this.#core, input, options); }
  cos(input: MLOperand, options?: MLOperatorOptions) { return elementwise.cos(this.#core, input, options); }
  erf(input: MLOperand, options?: MLOperatorOptions) { return elementwise.erf(this.#core, input, options); }
  exp(input: MLOperand, options?: MLOperatorOptions) { return elementwise.exp(this.#core, input, options); }
  floor(input: MLOperand, options?: MLOperatorOptions) { return elementwise.floor(this.#core, input, options); }
  identity(input: MLOperand, options?: MLOperatorOptions) { return elementwise.identity(this.#core, input, options); }
  log(input: MLOperand, options?: MLOperatorOptions) { return elementwise.log(this.#core, input, options); }
  neg(input: MLOperand, options?: MLOperatorOptions) { return elementwise.neg(this.#core, input, options); }
  reciprocal(input: MLOperand, options?: MLOperatorOptions) { return elementwise.reciprocal(this.#core, input, options); }
  sin(input: MLOperand, options?: MLOperatorOptions) { return elementwise.sin(this.#core, input, options); }
  sqrt(input: MLOperand, options?: MLOperatorOptions) { return elementwise.sqrt(this.#core, input, options); }
  tan(input: MLOperand, options?: MLOperatorOptions) { return elementwise.tan(this.#core, input, options); }
  logicalNot(input: MLOperand, options?: MLOperatorOptions) { return elementwise.logicalNot(this.#core, input, options); }
  relu(input: MLOperand, options?: MLOperatorOptions) { return elementwise.relu(this.#core, input, options); }
  sigmoid(input: MLOperand, options?: MLOperatorOptions) { return elementwise.sigmoid(this.#core, input, options); }
  tanh(input: MLOperand, options?: MLOperatorOptions) { return elementwise.tanh(this.#core, input, options); }
  hardSwish(input: MLOperand, options?: MLOperatorOptions) { return elementwise.hardSwish(this.#core, input, options); }
  softsign(input: MLOperand, options?: MLOperatorOptions) { return elementwise.softsign(this.#core, input, options); }
  softplus(input: MLOperand, options?: MLOperatorOptions) { return elementwise.softplus(this.#core, input, options); }
  elu(input: MLOperand, options?: MLEluOptions) { return elementwise.elu(this.#core, input, options); }
  leakyRelu(input: MLOperand, options?: MLLeakyReluOptions) { return elementwise.leakyRelu(this.#core, input, options); }
  hardSigmoid(input: MLOperand, options?: MLHardSigmoidOptions) { return elementwise.hardSigmoid(this.#core, input, options); }
  linear(input: MLOperand, options?: MLLinearOptions) { return elementwise.linear(this.#core, input, options); }
  clamp(input: MLOperand, options?: MLClampOptions) { return elementwise.clamp(this.#core, input, options); }
  cast(input: MLOperand, type: MLOperandDataType, options?: MLOperatorOptions) { return elementwise.cast(this.#core, input, type, options); }
  softmax(input: MLOperand, axis: number, options?: MLOperatorOptions) { return elementwise.softmax(this.#core, input, axis, options); }
  sign(input: MLOperand, options?: MLOperatorOptions) { return elementwise.sign(this.#core, input, options); }
  roundEven(input: MLOperand, options?: MLOperatorOptions) { return elementwise.roundEven(this.#core, input, options); }
  gelu(input: MLOperand, options?: MLOperatorOptions) { return elementwise.gelu(this.#core, input, options); }
  isNaN(input: MLOperand, options?: MLOperatorOptions) { return elementwise.isNaN(this.#core, input, options); }
  isInfinite(input: MLOperand, options?: MLOperatorOptions) { return elementwise.isInfinite(this.#core, input, options); }
  prelu(input: MLOperand, slope: MLOperand, options?: MLOperatorOptions) { return elementwise.prelu(this.#core, input, slope, options); }
  where(condition: MLOperand, trueValue: MLOperand, falseValue: MLOperand, options?: MLOperatorOptions) { return elementwise.where(this.#core, condition, trueValue, falseValue, options); }

  // ---------------------------------------------------------------- reduction (ops/reduction.ts)

  reduceL1(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceL1(this.#core, input, options); }
  reduceL2(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceL2(this.#core, input, options); }
  reduceLogSum(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceLogSum(this.#core, input, options); }
  reduceLogSumExp(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceLogSumExp(this.#core, input, options); }
  reduceMax(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceMax(this.#core, input, options); }
  reduceMean(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceMean(this.#core, input, options); }
  reduceMin(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceMin(this.#core, input, options); }
  reduceProduct(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceProduct(this.#core, input, options); }
  reduceSum(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceSum(this.#core, input, options); }
  reduceSumSquare(input: MLOperand, options?: MLReduceOptions) { return reduction.reduceSumSquare(this.#core, input, options); }
  argMax(input: MLOperand, axis: number, options?: MLArgMinMaxOptions) { return reduction.argMax(this.#core, input, axis, options); }
  argMin(input: MLOperand, axis: number, options?: MLArgMinMaxOptions) { return reduction.argMin(this.#core, input, axis, options); }
  cumulativeSum(input: MLOperand, axis: number, options?: MLCumulativeSumOptions) { return reduction.cumulativeSum(this.#core, input, axis, options); }

  // ---------------------------------------------------------------- shape and data movement (ops/shape.ts)

  reshape(input: MLOperand, newShape: number[], options?: MLOperatorOptions) { return shape.reshape(this.#core, input, newShape, options); }
  expand(input: MLOperand, newShape: number[], options?: MLOperatorOptions) { return shape.expand(this.#core, input, newShape, options); }
  transpose(input: MLOperand, options?: MLTransposeOptions) { return shape.transpose(this.#core, input, options); }
  concat(inputs: MLOperand[], axis: number, options?: MLOperatorOptions) { return shape.concat(this.#core, inputs, axis, options); }
  split(input: MLOperand, splits: number | number[], options?: MLSplitOptions): MLOperand[] { return shape.split(this.#core, input, splits, options); }
  slice(input: MLOperand, starts: number[], sizes: number[], options?: MLSliceOptions) { return shape.slice(this.#core, input, starts, sizes, options); }
  gather(input: MLOperand, indices: MLOperand, options?: MLGatherOptions) { return shape.gather(this.#core, input, indices, options); }
  tile(input: MLOperand, repetitions: number[], options?: MLOperatorOptions) { return shape.tile(this.#core, input, repetitions, options); }
  reverse(input: MLOperand, options?: MLReverseOptions) { return shape.reverse(this.#core, input, options); }
  triangular(input: MLOperand, options?: MLTriangularOptions) { return shape.triangular(this.#core, input, options); }
  pad(input: MLOperand, beginningPadding: number[], endingPadding: number[], options?: MLPadOptions) { return shape.pad(this.#core, input, beginningPadding, endingPadding, options); }
  gatherElements(input: MLOperand, indices: MLOperand, options?: MLGatherOptions) { return shape.gatherElements(this.#core, input, indices, options); }
  gatherND(input: MLOperand, indices: MLOperand, options?: MLOperatorOptions) { return shape.gatherND(this.#core, input, indices, options); }
  scatterElements(input: MLOperand, indices: MLOperand, updates: MLOperand, options?: MLScatterOptions) { return shape.scatterElements(this.#core, input, indices, updates, options); }
  scatterND(input: MLOperand, indices: MLOperand, updates: MLOperand, options?: MLOperatorOptions) { return shape.scatterND(this.#core, input, indices, updates, options); }

  // ---------------------------------------------------------------- linear algebra, convolution, pooling, resampling (ops/convolution.ts)

  matmul(a: MLOperand, b: MLOperand, options?: MLOperatorOptions) { return convolution.matmul(this.#core, a, b, options); }
  conv2d(input: MLOperand, filter: MLOperand, options?: MLConv2dOptions) { return convolution.conv2d(this.#core, input, filter, options); }
  convTranspose2d(input: MLOperand, filter: MLOperand, options?: MLConvTranspose2dOptions) { return convolution.convTranspose2d(this.#core, input, filter, options); }
  gemm(a: MLOperand, b: MLOperand, options?: MLGemmOptions) { return convolution.gemm(this.#core, a, b, options); }
  averagePool2d(input: MLOperand, options?: MLPool2dOptions) { return convolution.averagePool2d(this.#core, input, options); }
  l2Pool2d(input: MLOperand, options?: MLPool2dOptions) { return convolution.l2Pool2d(this.#core, input, options); }
  maxPool2d(input: MLOperand, options?: MLPool2dOptions) { return convolution.maxPool2d(this.#core, input, options); }
  resample2d(input: MLOperand, options?: MLResample2dOptions) { return convolution.resample2d(this.#core, input, options); }

  // ---------------------------------------------------------------- normalization (ops/normalization.ts)

  batchNormalization(input: MLOperand, mean: MLOperand, variance: MLOperand, options?: MLBatchNormalizationOptions) { return normalization.batchNormalization(this.#core, input, mean, variance, options); }
  instanceNormalization(input: MLOperand, options?: MLInstanceNormalizationOptions) { return normalization.instanceNormalization(this.#core, input, options); }
  layerNormalization(input: MLOperand, options?: MLLayerNormalizationOptions) { return normalization.layerNormalization(this.#core, input, options); }

  // ---------------------------------------------------------------- quantization (ops/quantization.ts)

  dequantizeLinear(input: MLOperand, scale: MLOperand, zeroPoint: MLOperand, options?: MLOperatorOptions) { return quantization.dequantizeLinear(this.#core, input, scale, zeroPoint, options); }
  quantizeLinear(input: MLOperand, scale: MLOperand, zeroPoint: MLOperand, options?: MLOperatorOptions) { return quantization.quantizeLinear(this.#core, input, scale, zeroPoint, options); }

  // ---------------------------------------------------------------- recurrent (ops/recurrent.ts)

  gru(input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, steps: number, hiddenSize: number, options?: MLGruOptions): MLOperand[] { return recurrent.gru(this.#core, input, weight, recurrentWeight, steps, hiddenSize, options); }
  gruCell(input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, hiddenState: MLOperand, hiddenSize: number, options?: MLGruCellOptions): MLOperand { return recurrent.gruCell(this.#core, input, weight, recurrentWeight, hiddenState, hiddenSize, options); }
  lstm(input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, steps: number, hiddenSize: number, options?: MLLstmOptions): MLOperand[] { return recurrent.lstm(this.#core, input, weight, recurrentWeight, steps, hiddenSize, options); }
  lstmCell(input: MLOperand, weight: MLOperand, recurrentWeight: MLOperand, hiddenState: MLOperand, cellState: MLOperand, hiddenSize: number, options?: MLLstmCellOptions): MLOperand[] { return recurrent.lstmCell(this.#core, input, weight, recurrentWeight, hiddenState, cellState, hiddenSize, options); }
}

export { GraphValidationError };
