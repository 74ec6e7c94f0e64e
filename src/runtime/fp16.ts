// IEEE 754 binary16 helpers tuned for the runtime's hot loops.
//
// `f16round` from @petamoriken/float16 is the reference for rounding a number to half
// precision; the functions here give the same results (the tests compare them over every
// half bit pattern and many doubles) but produce/consume bit patterns directly, without
// going through a DataView, which matters for loops over millions of elements.

import { f16round } from "@petamoriken/float16";

export { f16round };

const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
// Word order of a float64 in memory: on little-endian hosts the high word is at index 1.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/**
 * Rounds a double to the nearest binary16 value (ties to even; overflow to ±Infinity;
 * NaN to a quiet NaN keeping the sign) and returns its 16-bit pattern.
 * Rounds once, directly from the double (no double rounding through float32).
 */
export function halfBitsFromNumber(x: number): number {
  scratchF64[0] = x;
  const hi = scratchU32[HI];
  const lo = scratchU32[LO];
  const sign = (hi >>> 16) & 0x8000;
  const biased = (hi >>> 20) & 0x7ff;
  if (biased === 0x7ff) {
    // Infinity or NaN.
    return (hi & 0xfffff) !== 0 || lo !== 0 ? sign | 0x7e00 : sign | 0x7c00;
  }
  const e = biased - 1023;
  if (e > 15) return sign | 0x7c00;
  const mant20 = hi & 0xfffff; // top 20 of the 52 mantissa bits
  if (e >= -14) {
    // Normal half candidate: keep 10 mantissa bits, round on the 42 bits below them.
    let h = ((e + 15) << 10) | (mant20 >>> 10);
    const rest = mant20 & 0x3ff;
    if (rest > 0x200 || (rest === 0x200 && (lo !== 0 || (h & 1) !== 0))) h += 1; // may carry into the exponent (up to 0x7c00 = Infinity): still the right encoding
    return sign | h;
  }
  if (e < -25) return sign; // below half of the smallest subnormal: ±0
  // Subnormal half: value / 2^-24 = 1.mant * 2^(e + 24).
  const sig21 = 0x100000 | mant20; // 1.mant scaled by 2^20 (lo holds 32 more bits)
  const shift = -(e + 4); // 11 ..= 21
  let m = sig21 >>> shift;
  const rest = sig21 & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (lo !== 0 || (m & 1) !== 0))) m += 1;
  return sign | m;
}

let table: Float32Array | undefined;

/** Float32Array mapping every half bit pattern to its value (exact in float32). */
export function halfTable(): Float32Array {
  if (table === undefined) {
    const t = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) t[h] = decodeHalf(h);
    table = t;
  }
  return table;
}

function decodeHalf(h: number): number {
  const sign = (h & 0x8000) !== 0 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Value of a half bit pattern. */
export function numberFromHalfBits(h: number): number {
  return halfTable()[h & 0xffff];
}

/** Decodes a Uint16Array of half bit patterns into a new Float32Array (exact). */
export function decodeHalfArray(bits: Uint16Array): Float32Array {
  const t = halfTable();
  const n = bits.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = t[bits[i]];
  return out;
}

/** Rounds a double to binary16 and returns the value (same as f16round, faster in loops). */
export function roundHalf(x: number): number {
  return halfTable()[halfBitsFromNumber(x)];
}
