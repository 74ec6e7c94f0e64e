// The MIL operation signatures per opset (src/mil/signatures.json, generated from coremltools'
// op registry by `npm run mil-signatures`): one table that the validator, the pass kit and the
// serialization forms (op-forms.ts) read.
import signaturesJson from "./signatures.json" with { type: "json" };

export interface ParamSignature {
  name: string;
  optional: boolean;
  kind: string;
  type: string;
  const: boolean;
  /** The default coremltools' builder binds when the parameter is left out (where it does not depend on other inputs). */
  default?: number | boolean | string;
}

export interface OpSignature {
  /** The iOS version whose op definition this is (coremltools' `opset_version` of the op). */
  since: number;
  params: ParamSignature[];
  typeVars: Record<string, string[]>;
}

export const SIGNATURES = signaturesJson as unknown as Readonly<Record<string, readonly OpSignature[]>>;

/** The signature in force at iOS version `ios`: the latest row at or below it. */
export function signatureFor(op: string, ios: number): OpSignature | undefined {
  const rows = Object.prototype.hasOwnProperty.call(SIGNATURES, op) ? SIGNATURES[op] : undefined;
  if (!rows) return undefined;
  let found: OpSignature | undefined;
  for (const r of rows) if (r.since <= ios) found = r;
  return found;
}
