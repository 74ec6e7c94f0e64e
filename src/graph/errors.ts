// Typed errors. Every error names what it is about (operator, operand, rule) so that a user can
// find the offending node; they are plain data too, so they survive postMessage to a worker's caller.

export type ErrorKind =
  | "GraphValidationError"
  | "UnsupportedError"
  | "GraphFormatError"
  | "WeightsError"
  | "PackageFormatError";

export interface ErrorDetails {
  /** WebNN operator (builder method) name, e.g. "conv2d". */
  operator?: string;
  /** Operand or node name, when known. */
  operand?: string;
  /** The rule that was broken, short and stable (e.g. "shape-mismatch"). */
  rule?: string;
}

export class WebNNCoreMLError extends Error {
  readonly kind: ErrorKind;
  readonly operator?: string;
  readonly operand?: string;
  readonly rule?: string;

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

/** A webnn-graph JSON file is malformed. */
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

const ERROR_CLASSES: Record<ErrorKind, new (message: string, details?: ErrorDetails) => WebNNCoreMLError> = {
  GraphValidationError, UnsupportedError, GraphFormatError, WeightsError, PackageFormatError,
};

/**
 * Rebuild a typed error from its JSON form (e.g. after crossing a worker boundary): an instance
 * of the same class (GraphValidationError, …) with the same kind, message, operator, operand and
 * rule. An unknown kind gives a plain WebNNCoreMLError.
 */
export function errorFromJSON(e: { kind: ErrorKind; message: string } & ErrorDetails): WebNNCoreMLError {
  const details: ErrorDetails = { operator: e.operator ?? undefined, operand: e.operand ?? undefined, rule: e.rule ?? undefined };
  const Ctor = Object.prototype.hasOwnProperty.call(ERROR_CLASSES, e.kind) ? ERROR_CLASSES[e.kind] : undefined;
  const err = Ctor ? new Ctor("", details) : new WebNNCoreMLError(e.kind, "", details);
  Object.defineProperty(err, "message", { value: String(e.message), writable: true, configurable: true, enumerable: false });
  return err;
}
