/**
 * Accurate sums, means and variances (Neumaier-compensated sum, two-pass variance) over any
 * array-like, typed arrays included: the bootstrap and permutation loops run on Float64Arrays,
 * which simple-statistics' functions (plain arrays) do not take without a copy per resample.
 * @internal
 * @module
 */

/** Neumaier-compensated sum of `values`. */
export function sum(values: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/** Arithmetic mean (callers ensure length >= 1). */
export function mean(values: ArrayLike<number>): number {
  return sum(values) / values.length;
}

/** Sum of squared deviations from `m`, with the two-pass correction term. */
export function sumSquaredDeviations(values: ArrayLike<number>, m: number): number {
  let ss = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - m;
    ss += d * d;
    s += d;
  }
  return Math.max(0, ss - (s * s) / values.length);
}

/** Sample variance with the n - 1 denominator (callers ensure length >= 2). */
export function sampleVariance(values: ArrayLike<number>, m = mean(values)): number {
  return sumSquaredDeviations(values, m) / (values.length - 1);
}

/** Element-wise difference a - b (same length). */
export function differences(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const d = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) d[i] = (a[i] as number) - (b[i] as number);
  return d;
}

/** Linear-interpolation quantile (type 7, as numpy's default) of an ascending sorted array. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}
