// The compress option (what the compress-weights pass does) and its text form, apart from the
// pass so that a page can parse a choice without loading the pass.
import { UnsupportedError } from "../errors.js";

export type PaletteBits = 1 | 2 | 4 | 6 | 8;
export const PALETTE_BITS: readonly PaletteBits[] = [1, 2, 4, 6, 8];

export interface CompressOptions {
  mode: "int8" | "int4" | "palettize";
  /** int4: input channels per scale (default 32; must divide the weight's input channels). */
  blockSize?: number;
  /** palettize: bits per key, 2^bits table entries (default 4). */
  bits?: PaletteBits;
  /** Weights with fewer elements stay as they are (default 2048). */
  minElements?: number;
}

/**
 * A compression mode as written on the command line and in the demo: `int8`, `int4` / `int4:B`
 * (B input channels per block, default 32), `palettize` / `palettize:N` (N bits, default 4).
 */
export function parseCompressMode(text: string): CompressOptions {
  if (text === "int8") return { mode: "int8" };
  const int4 = /^int4(?::([1-9][0-9]*))?$/.exec(text);
  if (int4) return { mode: "int4", blockSize: int4[1] ? Number(int4[1]) : 32 };
  const pal = /^palettize(?::([0-9]+))?$/.exec(text);
  if (pal && PALETTE_BITS.includes(Number(pal[1] ?? 4) as PaletteBits)) return { mode: "palettize", bits: Number(pal[1] ?? 4) as PaletteBits };
  throw new UnsupportedError(`a compression mode is int8, int4:B (B input channels per block) or palettize:N (N = 1, 2, 4, 6 or 8 bits), got "${text}"`, { rule: "option-value" });
}

