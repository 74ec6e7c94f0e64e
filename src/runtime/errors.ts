// Errors raised by the MIL reference runtime.

/**
 * Raised when a MIL program cannot be executed: a missing or mistyped input, an unknown
 * operation, an invalid parameter, or a kernel result that disagrees with the type the
 * operation declares (which usually means the converter emitted a wrong type).
 */
export class RuntimeError extends Error {
  /** Name of the operation being executed, when the error concerns one. */
  readonly op?: string;
  /** MIL type of that operation (e.g. "conv"). */
  readonly opType?: string;

  constructor(message: string, where?: { op?: string; opType?: string }) {
    super(message);
    this.name = "RuntimeError";
    if (where?.op !== undefined) this.op = where.op;
    if (where?.opType !== undefined) this.opType = where.opType;
  }
}
