// How each MIL operation is written in model.mlmodel, as coremltools' exporter writes it
// (converters/mil/backend/mil/load.py, the packages known to load on devices): which parameters
// are bound by the name of a value, which as attributes of the operation, which as values inline
// in the argument; and which optional parameters are bound with their defaults (coremltools'
// builder binds every default it knows). One table: the writer follows it, the reader accepts it,
// bind-defaults and the validator take the defaults from it.
import type { MilDataType, MilOperation, MilTensorType } from "./program.js";
import { signatureFor, type ParamSignature } from "./signatures.js";

/** How a parameter is bound: to a value by name, as an attribute of the operation, or as a value inline in its argument. */
export type ParamBinding = "name" | "attribute" | "inline";

export interface FormRule {
  /** An operation type, or a prefix of types ending in "_". */
  readonly ops: string;
  /** The op definitions (signature `since`, coremltools' `opset_version`) the row covers, inclusive. */
  readonly defined: readonly [number, number];
  /** The parameters the row covers; all when absent. */
  readonly params?: readonly string[];
  /** How a parameter bound to a const op's value is written instead. */
  readonly constants: Exclude<ParamBinding, "name">;
  /** Whether a large value may go to weight.bin (a blob file value) rather than inline bytes. */
  readonly blob: boolean;
  /** Where coremltools shows the form. */
  readonly source: string;
}

/** Every other parameter of every operation is bound by name (`translate_generic_op`). */
export const OP_FORMS: readonly FormRule[] = Object.freeze([
  { ops: "constexpr_", defined: [16, 17], constants: "attribute", blob: true, source: "load.py translate_constexpr: opset_version <= iOS17, every input an attribute (get_milproto_value)" },
  { ops: "constexpr_", defined: [18, Infinity], constants: "inline", blob: true, source: "load.py translate_constexpr: Argument.Binding(value=get_milproto_value(var)); a constexpr producer by name" },
  { ops: "classify", defined: [15, Infinity], params: ["classes"], constants: "inline", blob: false, source: "load.py create_block: translate_generic_op(op, [\"classes\"])" },
  { ops: "reshape_like", defined: [16, Infinity], params: ["begins", "ends", "end_masks"], constants: "inline", blob: false, source: "load.py create_block: literal_params of reshape_like (rdar://98689808)" },
] satisfies FormRule[]);

const matches = (rule: FormRule, opType: string) => (rule.ops.endsWith("_") ? opType.startsWith(rule.ops) : opType === rule.ops);

/** The row that says how `param` of `opType` takes a constant at iOS `ios`, if any (else: by name). */
export function formRule(opType: string, param: string, ios: number): FormRule | undefined {
  let since: number | undefined;
  for (const r of OP_FORMS) {
    if (!matches(r, opType) || (r.params && !r.params.includes(param))) continue;
    since ??= signatureFor(opType, ios)?.since;
    if (since !== undefined && since >= r.defined[0] && since <= r.defined[1]) return r;
  }
  return undefined;
}

/**
 * How `param` of `opType` is bound at iOS `ios` when it takes a value produced by an op of
 * type `producer` (undefined: a function input): only a const op's value is written in place.
 */
export function parameterBinding(opType: string, param: string, ios: number, producer: string | undefined): ParamBinding {
  if (producer !== "const") return "name";
  return formRule(opType, param, ios)?.constants ?? "name";
}

/** What the reader accepts beyond names: attributes on constexpr operations (and `val` on const), inline values anywhere. */
export function acceptsAttribute(opType: string, attribute: string): boolean {
  return attribute === "name" || (opType === "const" ? attribute === "val" : opType.startsWith("constexpr_"));
}

/** An optional parameter to bind with its default. */
export interface BoundDefault {
  readonly param: string;
  readonly dataType: MilDataType;
  readonly value: number | boolean | string;
}

/** The dtype of a default: the parameter's own, its type variable's as already bound, else what coremltools makes of the literal. */
function defaultType(p: ParamSignature, typeVars: Record<string, string[]>, bound: (typeVar: string) => MilDataType | undefined): MilDataType {
  const domain = typeVars[p.type];
  if (!domain) return p.type as MilDataType;
  const fromVar = bound(p.type);
  if (fromVar) return fromVar;
  const v = p.default;
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "string";
  if (Number.isInteger(v) && domain.includes("int32")) return "int32";
  return (domain.includes("fp32") ? "fp32" : domain[0]) as MilDataType;
}

/**
 * The optional parameters of `op` (at iOS `ios`) that have a default and are unbound: coremltools'
 * builder binds each of them (`default_inputs`), and Core ML devices have been seen to mishandle
 * some left out (Chromium binds every parameter). `typeOf` gives the types of bound values.
 */
export function unboundDefaults(op: MilOperation, ios: number, typeOf: (value: string) => MilTensorType | undefined = () => undefined): BoundDefault[] {
  const sig = signatureFor(op.type, ios);
  if (!sig) return [];
  const missing = sig.params.filter((p) => p.optional && p.default !== undefined && !op.inputs[p.name]);
  if (!missing.length) return [];
  const bound = (typeVar: string): MilDataType | undefined => {
    for (const p of sig.params) {
      const arg = op.inputs[p.name]?.[0];
      if (p.type === typeVar && arg !== undefined) { const t = typeOf(arg); if (t) return t.dataType; }
    }
    return undefined;
  };
  return missing.map((p) => ({ param: p.name, dataType: defaultType(p, sig.typeVars, bound), value: p.default! }));
}
