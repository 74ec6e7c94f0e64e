// Optional parameters that packages bind explicitly: Core ML devices have been seen to mishandle
// some left unbound (Chromium's Core ML backend writes every parameter, "all parameters are
// required" when the protobuf is written directly). One table: the bind-defaults pass adds
// them, the validator requires them.
import type { MilDataType, MilOperation } from "./program.js";

export interface BoundDefault {
  readonly param: string;
  /** First iOS version whose signature has the parameter. */
  readonly since: number;
  readonly dataType: MilDataType | "input";
  readonly value: number;
}

const VALIDATE_INDICES: BoundDefault = { param: "validate_indices", since: 17, dataType: "bool", value: 0 };
const BATCH_DIMS: BoundDefault = { param: "batch_dims", since: 16, dataType: "int32", value: 0 };

export const BOUND_DEFAULTS: Readonly<Record<string, readonly BoundDefault[]>> = {
  gather: [BATCH_DIMS, VALIDATE_INDICES],
  gather_along_axis: [VALIDATE_INDICES],
  gather_nd: [BATCH_DIMS, VALIDATE_INDICES],
  scatter: [VALIDATE_INDICES],
  scatter_along_axis: [VALIDATE_INDICES],
  scatter_nd: [VALIDATE_INDICES],
  // In every mode: a pad without constant_val has been refused outside "constant" mode.
  pad: [{ param: "constant_val", since: 15, dataType: "input", value: 0 }],
};

/** The parameters of `op` (at iOS `ios`) that must be bound but are not. */
export function unboundDefaults(op: MilOperation, ios: number): BoundDefault[] {
  const rows = Object.prototype.hasOwnProperty.call(BOUND_DEFAULTS, op.type) ? BOUND_DEFAULTS[op.type] : [];
  return rows.filter((d) => ios >= d.since && !op.inputs[d.param]);
}
