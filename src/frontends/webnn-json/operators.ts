// How a webnn-graph JSON node becomes an operator call: its `inputs` fill the operator's operand
// parameters in order (further inputs fill the MLOperand-typed options, as webnn-graph's ONNX
// converter writes them), its `options` hold the plain positional arguments by name and the
// options dictionary. All of it is read from the operator signature table; what is left here
// is the webnn-graph dialect: `cast` target spellings, `split` counted by its outputs, and the
// ONNX converter's squeeze-as-reshape and starts/ends slices, adapted once the input is known.
import { describeValue } from "../../errors.js";
import type { OperatorCall } from "../../graph/apply-operator.js";
import type { MLGraphBuilder } from "../../graph/builder.js";
import type { MLOperand } from "../../graph/operand.js";
import { isOperatorName, OPERATORS, type OperatorName } from "../../graph/operators.js";
import { fail } from "../../graph/shape-rules.js";
import { byteLengthOf, checkDescriptor, shapeToString } from "../../graph/types.js";
import { decodeBase64 } from "../json-text.js";
import { formatError, parseInlineBytes, type GraphJsonNode } from "./document.js";
import { normalizeDataType, scalarBytes, weightsError } from "./weights.js";

/** A node that declares a constant (webnn-graph's ONNX converter writes these). */
export function isConstantNode(node: GraphJsonNode): boolean {
  return node.op === "constant";
}

/** The operator a node names; "" (a webnn-graph alias `y = x;`) is identity. */
export function nodeOperator(node: GraphJsonNode): OperatorName | undefined {
  const op = node.op === "" ? "identity" : node.op;
  return isOperatorName(op) ? op : undefined;
}

/** Option names that name a plain positional argument in another spelling, or an ONNX-converter form of one. */
const ARGUMENT_ALIASES: Partial<Record<OperatorName, readonly string[]>> = {
  cast: ["to", "dataType", "type"],
  reshape: ["axes"],
  slice: ["ends", "axes", "steps"],
};

/** The node's arguments by parameter name and its options, operands still as names. */
export function splitNodeArguments(node: GraphJsonNode, op: OperatorName): { args: Record<string, unknown>; options: Record<string, unknown> } {
  const where = { operator: op, operand: node.id };
  const signature = OPERATORS[op];
  const options: Record<string, unknown> = { ...node.options };
  // JSON has no Infinity or NaN: written as strings, they are numbers (no string option takes them).
  for (const [k, v] of Object.entries(options)) if (v === "Infinity" || v === "-Infinity" || v === "NaN") options[k] = Number(v);
  if (typeof options.label !== "string") options.label = node.id;
  const args: Record<string, unknown> = {};

  const operandParams = signature.params.filter((p) => p.kind !== "value");
  if (operandParams[0]?.kind === "operands") {
    if (node.inputs.length === 0) formatError(`node "${node.id}": ${op} needs at least one input`, "arity", where);
    args[operandParams[0].name] = [...node.inputs];
  } else {
    const min = operandParams.length;
    const max = min + signature.operandOptions.length;
    if (node.inputs.length < min || node.inputs.length > max) {
      const want = max === min ? `${min}` : `${min} to ${max}`;
      formatError(`node "${node.id}": ${op} takes ${want} operand inputs, got ${node.inputs.length}`, "arity", where);
    }
    operandParams.forEach((p, i) => { args[p.name] = node.inputs[i]; });
    signature.operandOptions.forEach((key, i) => {
      const positional = node.inputs[min + i];
      if (positional === undefined) return;
      if (options[key] !== undefined && options[key] !== null) {
        formatError(`node "${node.id}": ${key} is given both as inputs[${min + i}] and as an option`, "duplicate-argument", where);
      }
      options[key] = positional;
    });
  }

  for (const p of signature.params) {
    if (p.kind !== "value") continue;
    if (op === "cast") {
      const to = node.options.to ?? node.options.dataType ?? node.options.type;
      args[p.name] = normalizeDataType(to) ?? to;
    } else if (op === "split" && p.name === "splits") {
      args[p.name] = node.options.splits ?? (node.outputs ? node.outputs.length : undefined);
    } else {
      args[p.name] = node.options[p.name];
    }
    delete options[p.name];
  }
  for (const key of ARGUMENT_ALIASES[op] ?? []) delete options[key];
  return { args, options };
}

/** The ONNX converter's forms, rewritten once the input operand (and so its shape) is known. */
export function adaptConverterForms(node: GraphJsonNode, call: OperatorCall): OperatorCall {
  if (call.op === "reshape") return { ...call, args: { ...call.args, newShape: reshapeTarget(node, call.args.input as MLOperand) } };
  if (call.op === "slice") {
    const { starts, sizes, strides } = sliceArguments(node, call.args.input as MLOperand);
    const options = strides !== undefined ? { ...call.options, strides } : call.options;
    return { ...call, args: { ...call.args, starts, sizes }, options };
  }
  return call;
}

/** reshape's newShape; webnn-graph's ONNX converter writes Squeeze as reshape with only "axes". */
function reshapeTarget(node: GraphJsonNode, input: MLOperand): unknown {
  const o = node.options;
  if (o.newShape !== undefined || o.axes === undefined) return o.newShape;
  const where = { operator: "reshape", operand: node.id };
  const rank = input.rank;
  if (!Array.isArray(o.axes) || !o.axes.every((a) => typeof a === "number" && Number.isInteger(a) && a >= -rank && a < rank)) {
    fail(where, "option-type", `option axes (squeeze) must be an array of axes in [-${rank}, ${rank}), got ${describeValue(o.axes)}`);
  }
  const axes = new Set((o.axes as number[]).map((a) => (a < 0 ? a + rank : a)));
  if (axes.size === 0) return input.shape.filter((d) => d !== 1);
  for (const a of axes) if (input.shape[a] !== 1) fail(where, "option-value", `cannot squeeze axis ${a} of size ${input.shape[a]}`);
  return input.shape.filter((_, i) => !axes.has(i));
}

/**
 * slice's starts and sizes. webnn-graph writes WebNN's starts/sizes, but its ONNX converter
 * writes ONNX-style starts/ends (with optional axes and steps): those are converted here.
 */
function sliceArguments(node: GraphJsonNode, input: MLOperand): { starts: unknown; sizes: unknown; strides?: unknown } {
  const o = node.options;
  if (o.sizes !== undefined || o.ends === undefined) return { starts: o.starts, sizes: o.sizes };
  const where = { operator: "slice", operand: node.id };
  const ints = (v: unknown, key: string): number[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x))) {
      fail(where, "option-type", `option ${key} must be an array of integers, got ${describeValue(v)}`);
    }
    return v as number[];
  };
  const rank = input.rank;
  const starts = ints(o.starts, "starts");
  const ends = ints(o.ends, "ends");
  const axes = o.axes === undefined ? starts.map((_, i) => i) : ints(o.axes, "axes");
  const steps = o.steps === undefined ? undefined : ints(o.steps, "steps");
  if (starts.length !== axes.length || ends.length !== axes.length || (steps && steps.length !== axes.length)) {
    fail(where, "option-value", `options starts, ends, axes and steps must have the same length`);
  }
  const st = new Array<number>(rank).fill(0);
  const sz = [...input.shape];
  const strides = new Array<number>(rank).fill(1);
  const clampIndex = (v: number, dim: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
  for (const [i, axis] of axes.entries()) {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) fail(where, "axis-range", `axes value ${axis} is out of range for rank ${rank}`);
    const dim = input.shape[a];
    const step = steps ? steps[i] : 1;
    if (step <= 0) fail(where, "option-value", `steps[${i}] = ${step}: only positive steps are supported`);
    const s = clampIndex(starts[i], dim);
    const e = clampIndex(ends[i], dim);
    st[a] = s;
    sz[a] = Math.max(e - s, 0);
    strides[a] = step;
  }
  return { starts: st, sizes: sz, strides: steps ? strides : o.strides };
}

/** A "constant" node, as webnn-graph's ONNX converter writes one: options {dataType, shape, data (base64)}. */
export function constantNode(builder: MLGraphBuilder, node: GraphJsonNode): MLOperand {
  const o = node.options;
  const where = { operator: "constant", operand: node.id };
  if (node.inputs.length !== 0) formatError(`constant node "${node.id}" takes no inputs`, "arity", where);
  const desc = checkDescriptor({ dataType: normalizeDataType(o.dataType) ?? o.dataType, shape: o.shape }, where);
  let bytes: Uint8Array;
  if (typeof o.data === "string") {
    const d = decodeBase64(o.data);
    if (!d) formatError(`constant node "${node.id}": "data" is not valid base64`, "const-init", where);
    bytes = d;
  } else if (Array.isArray(o.data)) {
    bytes = parseInlineBytes(node.id, o.data);
  } else if (o.value !== undefined) {
    bytes = scalarBytes(node.id, desc, o.value);
  } else {
    formatError(`constant node "${node.id}" needs "data" (base64 bytes) or "value" (a scalar) in its options`, "const-init", where);
  }
  if (bytes.byteLength !== byteLengthOf(desc)) {
    weightsError(`constant node "${node.id}" has ${bytes.byteLength} bytes, but ${desc.dataType} ${shapeToString(desc.shape)} needs ${byteLengthOf(desc)}`, "byte-length", where);
  }
  return builder.constant(desc, bytes, node.id);
}
