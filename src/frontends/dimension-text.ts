// Sizes of named dimensions as people type them — the CLI's --free-dim / --function and the
// demo's fields: "batch=1", and functions "small:batch=1,seq=64".
import { GraphFormatError } from "../errors.js";

/** Function names: identifiers, as MIL names are (the converter checks them again). */
const FUNCTION_NAME_TEXT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function refuse(message: string): never {
  throw new GraphFormatError(message, { rule: "free-dimension" });
}

/** ["batch=1", "seq=128"] → { batch: 1, seq: 128 }; a name given twice, or a size that is not a whole number, is refused. */
export function parseDimensionSizes(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const item of items) {
    const m = /^([^=]+)=([0-9]+)$/.exec(item.trim());
    if (!m) refuse(`a named dimension is NAME=N with N a non-negative integer, got ${JSON.stringify(item)}`);
    if (Object.prototype.hasOwnProperty.call(out, m[1])) refuse(`the named dimension ${m[1]} is given twice`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** "small:batch=1,seq=64" (or "small") → the function's name and its sizes. */
export function parseFunctionSpec(text: string): { name: string; freeDimensions: Record<string, number> } {
  const at = text.indexOf(":");
  const name = (at < 0 ? text : text.slice(0, at)).trim();
  if (!FUNCTION_NAME_TEXT.test(name)) refuse(`a function is NAME:DIM=V,DIM=V with NAME an identifier (letters, digits, _), got ${JSON.stringify(text)}`);
  const sizes = at < 0 ? [] : text.slice(at + 1).split(",").map((s) => s.trim()).filter(Boolean);
  return { name, freeDimensions: parseDimensionSizes(sizes) };
}
