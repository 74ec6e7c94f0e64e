// The --huge model's weights: HUGE_LAYERS float16 tensors of HUGE_DIM², each filled with one
// 32-bit pattern (two float16 values), so that the reader's output can be checked in another process.
export const HUGE_DIM = 8192;
export const HUGE_LAYERS = 36; // 36 × 128 MiB = 4.5 GiB

export function hugePattern(layer: number): number {
  // Two distinct small float16 values per layer (bits 0x2000–0x23ff and their negatives).
  return (((0x2000 | layer) << 16) | (0xa000 | (layer * 7))) >>> 0;
}
