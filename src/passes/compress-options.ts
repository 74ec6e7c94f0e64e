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
  /**
   * palettize, iOS 18: output channels per lookup table (coremltools' per_grouped_channel); a
   * weight whose channels do not split into groups gets one table. Default: one table per weight.
   */
  groupSize?: number;
  /** Weights with fewer elements stay as they are (default MIN_COMPRESSED_ELEMENTS, 2048). */
  minElements?: number;
}

/**
 * A compression mode as written on the command line and in the demo: `int8`, `int4` / `int4:B`
 * (B input channels per block, default 32), `palettize` / `palettize:N` (N bits, default 4) /
 * `palettize:N:G` (a table per G output channels, iOS 18).
 */
export function parseCompressMode(text: string): CompressOptions {
  if (text === "int8") return { mode: "int8" };
  const int4 = /^int4(?::([1-9][0-9]*))?$/.exec(text);
  if (int4) return { mode: "int4", blockSize: int4[1] ? Number(int4[1]) : 32 };
  const pal = /^palettize(?::([0-9]+)(?::([1-9][0-9]*))?)?$/.exec(text);
  if (pal && PALETTE_BITS.includes(Number(pal[1] ?? 4) as PaletteBits)) {
    return { mode: "palettize", bits: Number(pal[1] ?? 4) as PaletteBits, ...(pal[2] ? { groupSize: Number(pal[2]) } : {}) };
  }
  throw new UnsupportedError(`a compression mode is int8, int4:B (B input channels per block) or palettize:N[:G] (N = 1, 2, 4, 6 or 8 bits; a table per G output channels, iOS 18), got "${text}"`, { rule: "option-value" });
}

