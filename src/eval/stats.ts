/**
 * The few statistics an evaluation result reports: the mean with its standard error, the Wilson
 * interval of a proportion, and latency percentiles.
 */
import { ExptrackError } from '../core/errors.js';

/**
 * z for a two-sided 95% interval.
 *
 * @example
 * ```ts
 * import { Z95 } from 'exptrack/eval';
 * Z95; // 1.959963984540054
 * ```
 */
export const Z95 = 1.959963984540054;

/**
 * The standard error of the mean as lm-evaluation-harness reports it: the sample standard deviation
 * (n - 1 in the denominator) divided by the square root of n. For a proportion p this is
 * sqrt(p (1 - p) / (n - 1)).
 *
 * @param values - the per-sample values
 * @returns the standard error, or undefined when fewer than two values are given
 * @example
 * ```ts
 * import { meanStderr } from 'exptrack/eval';
 * meanStderr([1, 0, 1, 1]); // 0.25
 * ```
 */
export function meanStderr(values: readonly number[]): number | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
}

/**
 * The Wilson score interval of a proportion (Wilson 1927), which stays inside [0, 1] and behaves
 * at p = 0, p = 1 and small n, where the normal interval does not.
 *
 * @param successes - how many of the trials succeeded
 * @param n - the number of trials (> 0)
 * @param z - the normal quantile; 1.96 for 95%
 * @returns the lower and upper bounds
 * @example
 * ```ts
 * import { wilsonInterval } from 'exptrack/eval';
 * wilsonInterval(8, 10); // { lower: 0.490..., upper: 0.943... }
 * ```
 */
export function wilsonInterval(successes: number, n: number, z = Z95): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At p = 0 and p = 1 the bound is exactly 0 or 1; rounding would leave 1e-17 off.
  return {
    lower: successes <= 0 ? 0 : Math.max(0, centre - half),
    upper: successes >= n ? 1 : Math.min(1, centre + half),
  };
}

/**
 * A percentile by linear interpolation between closest ranks (numpy's default).
 *
 * @param sorted - values sorted ascending
 * @param q - the percentile, 0 to 100
 * @returns the interpolated value
 * @throws ExptrackError `insufficient_data` when `sorted` is empty
 * @example
 * ```ts
 * import { percentile } from 'exptrack/eval';
 * percentile([1, 2, 3, 4], 50); // 2.5
 * ```
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new ExptrackError('percentile of no values', { code: 'insufficient_data', field: 'sorted' });
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}
