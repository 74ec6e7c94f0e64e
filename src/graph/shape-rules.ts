// Shape and option rules shared by the builder's operators (WebNN spec algorithms).
import { GraphValidationError, type ErrorRule, describeValue } from "../errors.js";
import type { MLOperand } from "./operand.js";
import type { OperatorSignature } from "./operators.js";
import { shapeToString } from "./types.js";

export interface Where {
  operator: string;
  operand?: string;
}

export function fail(where: Where, rule: ErrorRule, message: string): never {
  throw new GraphValidationError(message, { operator: where.operator, operand: where.operand, rule });
}

/** Bidirectional (numpy) broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], where: Where): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(where, "broadcast", `shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Fails on an option name that the operator's options dictionary does not have (a typo is never ignored). */
export function checkOptionNames(options: unknown, signature: OperatorSignature, where: Where): void {
  if (!isPlainObject(options)) return;
  for (const key of Object.keys(options)) {
    if (key === "label" || signature.options.includes(key) || signature.operandOptions.includes(key)) continue;
    const known = [...signature.options, ...signature.operandOptions, "label"].join(", ");
    fail(where, "option-unknown", `unknown option "${key}" (${where.operator} takes ${known})`);
  }
}

/** Reads an options dictionary: undefined → {}; anything but an object fails. */
export function readOptions(options: unknown, where: Where): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (!isPlainObject(options)) fail(where, "option-type", "options must be a dictionary");
  return options;
}

export function optNumber(o: Record<string, unknown>, key: string, dflt: number, where: Where): number {
  const v = o[key];
  if (v === undefined) return dflt;
  const n = typeof v === "string" ? stringToNumber(v) : typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || Number.isNaN(n) && v !== "NaN") {
    fail(where, "option-type", `option ${key} must be a number, got ${describeValue(v)}`);
  }
  return n;
}

function stringToNumber(s: string): number | undefined {
  if (s === "NaN") return NaN;
  if (s === "Infinity") return Infinity;
  if (s === "-Infinity") return -Infinity;
  const n = Number(s);
  return Number.isNaN(n) ? undefined : n;
}

/** An axis option: an integer in [0, rank). */
export function optAxis(o: Record<string, unknown>, key: string, dflt: number, rank: number, where: Where): number {
  const axis = optNumber(o, key, dflt, where);
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) fail(where, "axis-range", `${key} ${axis} is out of range for rank ${rank}`);
  return axis;
}

export function optBoolean(o: Record<string, unknown>, key: string, dflt: boolean, where: Where): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") fail(where, "option-type", `option ${key} must be a boolean, got ${describeValue(v)}`);
  return v;
}

export function optEnum<T extends string>(o: Record<string, unknown>, key: string, values: readonly T[], dflt: T, where: Where): T {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
    fail(where, "option-value", `option ${key} must be one of ${values.join(", ")}, got ${describeValue(v)}`);
  }
  return v as T;
}

/** An array of unsigned integers (dimension lists, axes, paddings). */
export function uintArray(v: unknown, what: string, where: Where, length?: number): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) {
    fail(where, "option-type", `${what} must be an array of unsigned integers, got ${describeValue(v)}`);
  }
  if (length !== undefined && v.length !== length) {
    fail(where, "option-value", `${what} must have ${length} elements, got ${v.length}`);
  }
  return [...(v as number[])];
}

export function optUintArray(o: Record<string, unknown>, key: string, dflt: number[] | undefined, where: Where, length?: number): number[] | undefined {
  const v = o[key];
  if (v === undefined) return dflt;
  return uintArray(v, `option ${key}`, where, length);
}

export function uintScalar(v: unknown, what: string, where: Where): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    fail(where, "argument-type", `${what} must be an unsigned integer, got ${describeValue(v)}`);
  }
  return v;
}

/** Checks axes are in range and unique. */
export function checkAxes(axes: number[], rank: number, where: Where, what = "axes"): void {
  const seen = new Set<number>();
  for (const a of axes) {
    if (a >= rank) fail(where, "axis-range", `${what} value ${a} is out of range for rank ${rank}`);
    if (seen.has(a)) fail(where, "axis-unique", `${what} contains ${a} twice`);
    seen.add(a);
  }
}

export function checkDataType(x: MLOperand, allowed: readonly string[], where: Where, what = "input"): void {
  if (!allowed.includes(x.dataType)) {
    fail({ ...where, operand: where.operand ?? x.label }, "data-type", `${what} dataType ${x.dataType} is not allowed (expected ${allowed.join(" or ")})`);
  }
}
