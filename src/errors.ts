// Typed errors of every layer, in one place. Every error names what it is about (operator,
// operand, rule) so that a user can find the offending node; they are plain data too, so they
// survive postMessage to a worker's caller. `rule` comes from a closed set (ERROR_RULES), so
// callers can branch on it and a new rule is a visible change here.

export type ErrorKind =
  | "GraphValidationError"
  | "UnsupportedError"
  | "GraphFormatError"
  | "WeightsError"
  | "PackageFormatError"
  | "RuntimeError";

/** Every rule an error may name, grouped by the layer that raises it. */
export const ERROR_RULES = [
  // graph: WebNN validation (builder)
  "argument-type", "argument-value", "axis-range", "axis-unique", "block-size", "broadcast", "build-once", "channels",
  "constant-buffer", "constant-size", "data-type", "data-type-mismatch", "descriptor", "element-count", "input-name",
  "input-name-unique", "operand-builder", "operand-type", "option-type", "option-unknown", "option-value", "output-size", "outputs",
  "rank", "shape", "shape-mismatch", "shape-overflow", "slice-range", "slice-size", "slice-stride", "split-count",
  "split-sizes", "zero-size",
  // readers: graph files, weights, serialized graphs
  "arity", "byte-length", "const", "const-init", "cycle", "dangling-operand", "duplicate-argument", "duplicate-name",
  "format", "json", "manifest-entry", "manifest-format", "manifest-json", "missing-entry", "missing-manifest",
  "missing-weights", "node", "node-arguments", "operand-id", "out-of-range", "output-count", "read", "rebuild",
  "scalar-size", "scalar-value", "serialize", "source", "version", "weights-type", "weights-version", "detached",
  "syntax", "safetensors", "free-dimension",
  // lowering and MIL
  "boundary-type", "int64-range", "target", "unknown-operator", "unsupported", "mil-validation",
  // packaging and serialization
  "model", "output-path", "package", "path-traversal", "platform-limit", "weight-blob", "zip", "zip-crc",
  // delivery
  "job-id",
  // runtime
  "runtime",
] as const;

export type ErrorRule = (typeof ERROR_RULES)[number];

const RULE_SET: ReadonlySet<string> = new Set(ERROR_RULES);

export function isErrorRule(v: unknown): v is ErrorRule {
  return typeof v === "string" && RULE_SET.has(v);
}

export interface ErrorDetails {
  /** WebNN operator (builder method) name, e.g. "conv2d"; a MIL operation type for runtime errors. */
  operator?: string;
  /** Operand, node or operation name, when known. */
  operand?: string;
  /** The rule that was broken (one of ERROR_RULES). */
  rule?: ErrorRule;
}

export class WebNNCoreMLError extends Error {
  readonly kind: ErrorKind;
  readonly operator?: string;
  readonly operand?: string;
  readonly rule?: ErrorRule;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    const where = [
      details.operator ? `operator ${details.operator}` : "",
      details.operand ? `operand "${details.operand}"` : "",
    ].filter(Boolean).join(", ");
    super(where ? `${where}: ${message}` : message);
    this.name = kind;
    this.kind = kind;
    this.operator = details.operator;
    this.operand = details.operand;
    this.rule = details.rule;
  }

  toJSON(): { name: string; kind: ErrorKind; message: string } & ErrorDetails {
    return { name: this.name, kind: this.kind, message: this.message, operator: this.operator, operand: this.operand, rule: this.rule };
  }
}

/** The graph breaks a WebNN validation rule (shape, dtype, option, argument). */
export class GraphValidationError extends WebNNCoreMLError {
  constructor(message: string, details: ErrorDetails = {}) { super("GraphValidationError", message, details); }
}

/** The graph is valid WebNN, but Core ML (at the chosen target) cannot express it. */
export class UnsupportedError extends WebNNCoreMLError {
  constructor(message: string, details: ErrorDetails = {}) { super("UnsupportedError", message, details); }
}

/** A graph file (webnn-graph JSON, a serialized graph) is malformed. */
export class GraphFormatError extends WebNNCoreMLError {
  constructor(message: string, details: ErrorDetails = {}) { super("GraphFormatError", message, details); }
}

/** A weights file or manifest is missing, short or inconsistent. */
export class WeightsError extends WebNNCoreMLError {
  constructor(message: string, details: ErrorDetails = {}) { super("WeightsError", message, details); }
}

/** A package (zip, directory, manifest, model, weight blob) is malformed. */
export class PackageFormatError extends WebNNCoreMLError {
  constructor(message: string, details: ErrorDetails = {}) { super("PackageFormatError", message, details); }
}

/**
 * The MIL reference runtime cannot execute a program: a missing or mistyped input, an unknown
 * operation, an invalid parameter, or a kernel result that disagrees with the type the
 * operation declares (which usually means the converter emitted a wrong type). The message is
 * kept as written (no "operator …" prefix): `op` and `opType` say where.
 */
export class RuntimeError extends WebNNCoreMLError {
  /** Name of the operation being executed, when the error concerns one. */
  readonly op?: string;
  /** MIL type of that operation (e.g. "conv"). */
  readonly opType?: string;

  constructor(message: string, where?: { op?: string; opType?: string }) {
    super("RuntimeError", message, { rule: "runtime" });
    Object.defineProperty(this, "message", { value: message, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(this, "operator", { value: where?.opType, enumerable: true });
    Object.defineProperty(this, "operand", { value: where?.op, enumerable: true });
    if (where?.op !== undefined) this.op = where.op;
    if (where?.opType !== undefined) this.opType = where.opType;
  }
}

const ERROR_CLASSES: Record<Exclude<ErrorKind, "RuntimeError">, new (message: string, details?: ErrorDetails) => WebNNCoreMLError> = {
  GraphValidationError, UnsupportedError, GraphFormatError, WeightsError, PackageFormatError,
};

/** A new error of the same class as `kind` (for re-throwing with more detail). */
export function makeError(kind: ErrorKind, message: string, details: ErrorDetails = {}): WebNNCoreMLError {
  if (kind === "RuntimeError") return new RuntimeError(message, { opType: details.operator, op: details.operand });
  return new ERROR_CLASSES[kind](message, details);
}

/**
 * Rebuild a typed error from its JSON form (e.g. after crossing a worker boundary): an instance
 * of the same class (GraphValidationError, …) with the same kind, message, operator, operand and
 * rule. An unknown kind gives a plain WebNNCoreMLError; an unknown rule is dropped.
 */
export function errorFromJSON(e: { kind: ErrorKind; message: string } & Omit<ErrorDetails, "rule"> & { rule?: string | null }): WebNNCoreMLError {
  const details: ErrorDetails = { operator: e.operator ?? undefined, operand: e.operand ?? undefined, rule: isErrorRule(e.rule) ? e.rule : undefined };
  const known = Object.prototype.hasOwnProperty.call(ERROR_CLASSES, e.kind) || e.kind === "RuntimeError";
  const err = known ? makeError(e.kind, "", details) : new WebNNCoreMLError(e.kind, "", details);
  Object.defineProperty(err, "message", { value: String(e.message), writable: true, configurable: true, enumerable: false });
  return err;
}

/**
 * A short description of any value for an error message: never throws, never recurses more than
 * one level, never long — input from strangers can be circular, nested without end, or huge.
 */
export function describeValue(v: unknown): string {
  const one = (x: unknown): string | undefined => {
    if (x === null) return "null";
    if (x === undefined) return "undefined";
    if (typeof x === "number" || typeof x === "boolean") return String(x);
    if (typeof x === "bigint") return `${x}n`;
    if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
    return undefined;
  };
  const simple = one(v);
  if (simple !== undefined) return simple;
  if (Array.isArray(v)) {
    const parts = v.length <= 8 ? v.map(one) : [];
    return v.length <= 8 && parts.every((p) => p !== undefined) ? `[${parts.join(", ")}]` : `an array of ${v.length} items`;
  }
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${v.byteLength} bytes`;
  if (typeof v === "function") return "a function";
  if (typeof v === "symbol") return "a symbol";
  let name: unknown;
  try { name = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name; } catch { name = undefined; }
  return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
}
