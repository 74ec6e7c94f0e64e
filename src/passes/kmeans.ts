// One-dimensional k-means for weight palettization. Weights are scalars, so Lloyd's algorithm
// runs on a sorted sample: with sorted centroids each cluster is a contiguous run of the sample
// between midpoints, found by binary search, and its mean comes from prefix sums — an iteration
// costs O(k log n) instead of O(n k). Assigning every weight is then a binary search over the
// k - 1 midpoints. Deterministic: a golden-ratio sample and seeds placed by density^(1/3) (the
// point density of an optimal quantizer at high rate), no randomness.

/** Sampled values used to fit the centroids (the assignment always covers every weight). */
export const KMEANS_SAMPLE = 1 << 18;
const MAX_ITERATIONS = 2000;
const SEED_BINS = 4096;

/** First index in sorted `a` whose value is ≥ v (a.length when none). */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (a[mid] < v) lo = mid + 1; else hi = mid; }
  return lo;
}

/** 1/φ: steps of it modulo 1 never fall into step with a tensor's layout (kernel taps, channels). */
const GOLDEN = 0.6180339887498949;

/**
 * A sorted sample of at most `size` values: all of them, or positions spread by a golden-ratio
 * sequence — a regular stride could line up with the layout and see only some taps or channels.
 */
function sortedSample(values: ArrayLike<number>, size: number): Float64Array {
  const n = values.length;
  const m = Math.min(n, size);
  const s = new Float64Array(m);
  if (m === n) {
    for (let i = 0; i < n; i++) s[i] = values[i];
  } else {
    let u = 0.5;
    for (let i = 0; i < m; i++) { s[i] = values[Math.floor(u * n)]; u += GOLDEN; if (u >= 1) u -= 1; }
  }
  return s.sort();
}

/** The distinct values of the whole tensor, sorted, if there are at most `k`; else undefined. */
function fewDistinct(values: ArrayLike<number>, k: number): number[] | undefined {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    seen.add(values[i]);
    if (seen.size > k) return undefined;
  }
  return [...seen].sort((a, b) => a - b);
}

/**
 * Fits k centroids (ascending) to `values`, which must all be finite. `round` maps a centroid to
 * the precision the lookup table stores (e.g. float16), so the fit uses the values Core ML reads.
 */
export function kmeans1d(values: ArrayLike<number>, k: number, round: (v: number) => number = (v) => v): Float64Array {
  const s = sortedSample(values, KMEANS_SAMPLE);
  const m = s.length;
  const prefix = new Float64Array(m + 1);
  const prefix2 = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) { prefix[i + 1] = prefix[i] + s[i]; prefix2[i + 1] = prefix2[i] + s[i] * s[i]; }
  /** Squared error of the run [lo, hi) about its mean. */
  const sse = (lo: number, hi: number) => (hi > lo ? prefix2[hi] - prefix2[lo] - (prefix[hi] - prefix[lo]) ** 2 / (hi - lo) : 0);
  // Few distinct values in the whole tensor: they are the table (palettizing an already
  // palettized tensor is lossless). A sample with few is not enough: the rest may differ.
  const distinct = fewDistinct(values, k);
  const c = new Float64Array(k);
  if (distinct) {
    for (let j = 0; j < k; j++) c[j] = round(distinct[Math.min(j, distinct.length - 1)]);
    return c;
  }
  seedCentroids(s, c);
  const bounds = new Int32Array(k + 1);
  bounds[k] = m;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    for (let j = 1; j < k; j++) bounds[j] = lowerBound(s, (c[j - 1] + c[j]) / 2);
    let moved = false;
    let empty = -1;
    for (let j = 0; j < k; j++) {
      const lo = bounds[j], hi = Math.max(lo, bounds[j + 1]);
      if (hi === lo) { empty = j; continue; }
      const mean = (prefix[hi] - prefix[lo]) / (hi - lo);
      if (mean !== c[j]) { c[j] = mean; moved = true; }
    }
    if (empty >= 0) {
      // An empty cluster is a wasted table entry: it takes over the upper half of the cluster
      // with the largest squared error, and the centroids are put back in order.
      let worst = 0, worstErr = -1;
      for (let j = 0; j < k; j++) { const e = sse(bounds[j], Math.max(bounds[j], bounds[j + 1])); if (e > worstErr) { worstErr = e; worst = j; } }
      const lo = bounds[worst], hi = bounds[worst + 1];
      if (worstErr > 0 && hi - lo >= 2) {
        const mid = (lo + hi) >> 1;
        c[worst] = (prefix[mid] - prefix[lo]) / (mid - lo);
        c[empty] = (prefix[hi] - prefix[mid]) / (hi - mid);
        c.sort();
        moved = true;
      }
    }
    if (!moved) break;
  }
  for (let j = 0; j < k; j++) c[j] = round(c[j]);
  return c.sort();
}

/**
 * Seeds: the (j + ½)/k quantiles of density^(1/3), from a histogram of the sorted sample — so
 * sparse tails get centroids too (plain quantiles leave outliers to one or two, and Lloyd moves
 * them back only slowly). Each seed is the mean of the sample in its bin.
 */
function seedCentroids(s: Float64Array, c: Float64Array): void {
  const m = s.length, k = c.length;
  // Enough samples per bin for a density (about 2√m bins), at least one bin per centroid.
  const bins = Math.max(k, Math.min(SEED_BINS, Math.round(2 * Math.sqrt(m))));
  const lo = s[0], width = (s[m - 1] - lo) / bins || 1;
  const start = new Int32Array(bins + 1);
  for (let b = 1; b <= bins; b++) start[b] = b === bins ? m : lowerBound(s, lo + b * width);
  const weight = new Float64Array(bins);
  let total = 0;
  for (let b = 0; b < bins; b++) total += weight[b] = Math.cbrt(start[b + 1] - start[b]);
  let b = 0, acc = weight[0];
  for (let j = 0; j < k; j++) {
    const target = ((j + 0.5) / k) * total;
    while (acc < target && b < bins - 1) acc += weight[++b];
    const from = start[b], to = start[b + 1];
    let sum = 0;
    for (let i = from; i < to; i++) sum += s[i];
    c[j] = to > from ? sum / (to - from) : lo + (b + 0.5) * width;
  }
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
