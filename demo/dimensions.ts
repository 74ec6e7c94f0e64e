// The demo's text fields for named dimensions ("batch=1, seq=128") and for the functions of a
// multifunction package ("small: batch=1; large: batch=8"), read with the CLI's parsers.
import { parseDimensionSizes, parseFunctionSpec } from "../src/frontends/dimension-text.js";

/** "batch=1, seq=128" → { batch: 1, seq: 128 }; empty text → undefined. */
export function parseDimensions(text: string): Record<string, number> | undefined {
  const items = text.split(/[,\s]+/).filter(Boolean);
  return items.length ? parseDimensionSizes(items) : undefined;
}

/** "small: batch=1; large: batch=8" → one function per part, the first the default; empty → undefined. */
export function parseFunctions(text: string): Array<{ name: string; freeDimensions: Record<string, number> }> | undefined {
  const parts = text.split(";").map((p) => p.trim()).filter(Boolean);
  return parts.length ? parts.map(parseFunctionSpec) : undefined;
}
