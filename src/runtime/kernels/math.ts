// Scalar math the kernels need beyond Math: erf, numpy-style rounding, division and modulo.

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/**
 * Gauss error function in double precision (relative error around 1e-15).
 * |x| < 2.5: erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1)),
 * a series of positive terms (no cancellation).
 * |x| >= 2.5: erf(x) = 1 - erfc(x) with erfc from its continued fraction
 * erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + (k / 2) / f;
  const erfc = (Math.exp(-ax * ax) * ONE_OVER_SQRT_PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Rounds to the nearest integer, ties to even (numpy.round / np.rint). Keeps -0. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  let r = Math.round(x); // ties toward +Infinity
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  if (r === 0 && (x < 0 || Object.is(x, -0))) return -0;
  return r;
}

/** numpy.sign: -1, 0 or 1; NaN stays NaN; both zeros give +0. */
export function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN;
}

/** Python/numpy float modulo: the result has the sign of the divisor. */
export function floatMod(a: number, b: number): number {
  if (b === 0 || Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a)) return NaN;
  if (!Number.isFinite(b)) {
    // numpy: fmod(a, ±inf) = a, then adjusted to the sign of b.
    if (a === 0 || (a > 0) === (b > 0)) return a;
    return b;
  }
  let r = a % b;
  if (r !== 0) {
    if ((r < 0) !== (b < 0)) r += b;
  } else {
    r = b < 0 ? -0 : 0;
  }
  return r;
}

/** numpy float floor_divide (Python divmod semantics; a zero divisor gives ±Infinity/NaN). */
export function floatFloorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && (b < 0) !== (mod < 0)) div -= 1;
  if (div === 0) return a / b < 0 ? -0 : 0;
  const fl = Math.floor(div);
  return div - fl > 0.5 ? fl + 1 : fl;
}

/** int32 floor division (floors); division by zero gives 0 (numpy returns 0 with a warning). */
export function intFloorDiv(a: number, b: number): number {
  if (b === 0) return 0;
  return Math.floor(a / b) | 0;
}

/** int32 remainder with the sign of the divisor; by zero gives 0 (numpy). */
export function intMod(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return (r !== 0 && (r < 0) !== (b < 0) ? r + b : r) | 0;
}

/** int32 power with wrap-around; negative exponents give trunc(1 / a^|b|). */
export function intPow(a: number, b: number): number {
  if (b < 0) {
    if (a === 1) return 1;
    if (a === -1) return (b & 1) === 0 ? 1 : -1;
    return 0; // includes 0^negative (undefined in numpy, which raises)
  }
  let result = 1;
  let base = a | 0;
  let e = b;
  while (e > 0) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
    e = Math.floor(e / 2);
  }
  return result;
}

/** Float to integer as the `cast` op does it: truncate toward zero, saturate, NaN to 0. */
export function castFloatToInt(v: number, min: number, max: number): number {
  if (Number.isNaN(v)) return 0;
  const t = Math.trunc(v);
  return t < min ? min : t > max ? max : t;
}
