// One-dimensional k-means for weight palettization. Weights are scalars, so Lloyd's algorithm
// runs on a sorted sample: with sorted centroids each cluster is a contiguous run of the sample
// between midpoints, found by binary search, and its mean comes from prefix sums — an iteration
// costs O(k log n) instead of O(n k). Assigning every weight is then a binary search over the
// k - 1 midpoints. Deterministic: a strided sample and quantile seeds, no randomness.

/** Sampled values used to fit the centroids (the assignment always covers every weight). */
export const KMEANS_SAMPLE = 1 << 18;
const MAX_ITERATIONS = 100;

/** First index in sorted `a` whose value is ≥ v (a.length when none). */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (a[mid] < v) lo = mid + 1; else hi = mid; }
  return lo;
}

/** A strided, sorted sample of at most `size` finite values. */
function sortedSample(values: ArrayLike<number>, size: number): Float64Array {
  const n = values.length;
  const m = Math.min(n, size);
  const s = new Float64Array(m);
  for (let i = 0; i < m; i++) s[i] = values[m === n ? i : Math.floor((i * n) / m)];
  return s.sort();
}

/**
 * Fits k centroids (ascending) to `values`, which must all be finite. `round` maps a centroid to
 * the precision the lookup table stores (e.g. float16), so the fit uses the values Core ML reads.
 */
export function kmeans1d(values: ArrayLike<number>, k: number, round: (v: number) => number = (v) => v): Float64Array {
  const s = sortedSample(values, KMEANS_SAMPLE);
  const m = s.length;
  const prefix = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) prefix[i + 1] = prefix[i] + s[i];
  // Few distinct values: they are the table (palettizing an already palettized tensor is lossless).
  const distinct: number[] = [];
  for (let i = 0; i < m && distinct.length <= k; i++) if (i === 0 || s[i] !== s[i - 1]) distinct.push(s[i]);
  const c = new Float64Array(k);
  if (distinct.length <= k) {
    for (let j = 0; j < k; j++) c[j] = round(distinct[Math.min(j, distinct.length - 1)]);
    return c;
  }
  for (let j = 0; j < k; j++) c[j] = s[Math.min(m - 1, Math.floor(((j + 0.5) * m) / k))];
  const bounds = new Int32Array(k + 1);
  bounds[k] = m;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    for (let j = 1; j < k; j++) bounds[j] = lowerBound(s, (c[j - 1] + c[j]) / 2);
    let moved = false;
    for (let j = 0; j < k; j++) {
      const lo = bounds[j], hi = Math.max(lo, bounds[j + 1]);
      if (hi === lo) continue; // an empty cluster keeps its centroid
      const mean = (prefix[hi] - prefix[lo]) / (hi - lo);
      if (mean !== c[j]) { c[j] = mean; moved = true; }
    }
    if (!moved) break;
  }
  for (let j = 0; j < k; j++) c[j] = round(c[j]);
  return c.sort();
}

/** For each value, the index of its nearest centroid (`centroids` ascending, at most 256). */
export function assignNearest(values: ArrayLike<number>, centroids: Float64Array): Uint8Array {
  const k = centroids.length;
  const mid = new Float64Array(k - 1);
  for (let j = 0; j < k - 1; j++) mid[j] = (centroids[j] + centroids[j + 1]) / 2;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let lo = 0, hi = k - 1;
    while (lo < hi) { const h = (lo + hi) >>> 1; if (mid[h] < v) lo = h + 1; else hi = h; }
    out[i] = lo;
  }
  return out;
}
