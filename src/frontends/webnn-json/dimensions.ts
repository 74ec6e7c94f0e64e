// Named dimensions of graph inputs: webnn-graph writes `dyn("batch", 8)` in text and
// `{ "name": "batch", "maxSize": 8 }` in JSON. WebNN graphs have static shapes, so every named
// dimension gets its size from `freeDimensions` (the option ONNX free dimensions use too), at
// most its maximum; the same name must mean the same size everywhere. Unbound names are
// reported together, with the inputs that carry them, before anything is built.
import { GraphFormatError } from "../../errors.js";
import { isPlainObject } from "../../graph/shape-rules.js";
import { describeJson } from "../json-text.js";

export interface NamedDimension {
  name: string;
  maxSize: number;
}

export function isNamedDimension(d: unknown): d is NamedDimension {
  return isPlainObject(d) && typeof d.name === "string" && typeof d.maxSize === "number";
}

const fail: (message: string, operand?: string) => never = (message, operand) => {
  throw new GraphFormatError(message, { rule: "free-dimension", operand });
};

/** The named dimensions of the inputs, in order of first appearance, with the inputs that use each. */
export function namedDimensions(inputs: ReadonlyArray<readonly [string, unknown]>): Map<string, { maxSize: number; inputs: string[] }> {
  const out = new Map<string, { maxSize: number; inputs: string[] }>();
  for (const [input, desc] of inputs) {
    const shape = isPlainObject(desc) && Array.isArray(desc.shape) ? desc.shape : [];
    for (const d of shape) {
      if (!isPlainObject(d)) continue;
      if (!isNamedDimension(d) || d.name === "" || !Number.isSafeInteger(d.maxSize) || d.maxSize < 0) {
        fail(`input "${input}": a named dimension must be {name: string, maxSize: non-negative integer}, got ${describeJson(d)}`, input);
      }
      const e = out.get(d.name);
      if (!e) out.set(d.name, { maxSize: d.maxSize, inputs: [input] });
      else {
        if (!e.inputs.includes(input)) e.inputs.push(input);
        e.maxSize = Math.min(e.maxSize, d.maxSize);
      }
    }
  }
  return out;
}

/** The inputs with every named dimension replaced by its bound size. */
export function resolveFreeDimensions(inputs: ReadonlyArray<readonly [string, unknown]>, freeDimensions: Readonly<Record<string, number>> = {}): Array<readonly [string, unknown]> {
  const named = namedDimensions(inputs);
  const bound = isPlainObject(freeDimensions) ? freeDimensions : {};
  // A size for a dimension the graph does not name would be silently ignored: refuse it.
  for (const name of Object.keys(bound)) {
    if (!named.has(name)) fail(`freeDimensions names "${name}", which no input dimension of the graph is named (its named dimensions: ${[...named.keys()].map((n) => `"${n}"`).join(", ") || "none"})`, inputs[0]?.[0]);
  }
  if (named.size === 0) return [...inputs];
  const value = (name: string): number | undefined => (Object.prototype.hasOwnProperty.call(bound, name) ? bound[name] : undefined);
  const unbound = [...named].filter(([name]) => value(name) === undefined);
  if (unbound.length) {
    fail(`the graph has named dimensions without a size: ${unbound.map(([n, e]) => `"${n}" (at most ${e.maxSize}; inputs ${e.inputs.map((i) => `"${i}"`).join(", ")})`).join(", ")}. ` +
      `Give each a size with freeDimensions (CLI: --free-dim NAME=N)`, unbound[0][1].inputs[0]);
  }
  for (const [name, e] of named) {
    const v = value(name);
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(`free dimension "${name}" must be a non-negative integer, got ${describeJson(v)}`, e.inputs[0]);
    if (v > e.maxSize) fail(`free dimension "${name}" is ${v}, over its maximum ${e.maxSize} (inputs ${e.inputs.map((i) => `"${i}"`).join(", ")})`, e.inputs[0]);
  }
  return inputs.map(([input, desc]) => {
    if (!isPlainObject(desc) || !Array.isArray(desc.shape) || !desc.shape.some(isPlainObject)) return [input, desc] as const;
    return [input, { ...desc, shape: desc.shape.map((d) => (isNamedDimension(d) ? value(d.name) : d)) }] as const;
  });
}
