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

/** Rebuild a typed error from its JSON form (e.g. after crossing a worker boundary). */
export function errorFromJSON(e: { kind: ErrorKind; message: string } & ErrorDetails): WebNNCoreMLError {
  const err = new WebNNCoreMLError(e.kind, "", e);
  Object.defineProperty(err, "message", { value: e.message });
  return err;
}
