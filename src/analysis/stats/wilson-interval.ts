import { normalQuantileStd } from './internal/distributions.js';
import { confidenceLevel, integer } from './internal/validate.js';
import { invalidInput } from '../../core/errors.js';
import type { IntervalResult } from './types.js';

/**
 * Options of the binomial proportion intervals.
 *
 * @example
 * ```ts
 * import type { ProportionIntervalOptions } from 'exptrack/analysis';
 * const options: ProportionIntervalOptions = { confidence: 0.99 };
 * ```
 */
export interface ProportionIntervalOptions {
  /**
   * The confidence level.
   * @defaultValue 0.95
   */
  confidence?: number;
}

/**
 * Wilson score interval for a binomial proportion (k successes in n trials).
 *
 * The recommended interval for an accuracy or pass rate: unlike the Wald interval p ± z·SE it
 * never leaves [0, 1], stays sensible at k = 0 and k = n, and has close to nominal coverage even
 * for small n. The bounds are computed in a cancellation-free form, so tiny lower bounds keep
 * their relative precision. Matches `statsmodels.stats.proportion.proportion_confint(k, n,
 * method='wilson')`.
 *
 * Reference: Wilson, E. B. (1927), "Probable inference, the law of succession, and statistical
 * inference", JASA 22(158); Brown, Cai & DasGupta (2001), "Interval estimation for a binomial
 * proportion", Statistical Science 16(2).
 *
 * @param k - number of successes, an integer in 0..n
 * @param n - number of trials, an integer >= 1
 * @param options - `confidence`
 * @returns an {@link IntervalResult} with estimate k / n
 * @throws ExptrackError `invalid_input` when k or n is not an integer, k > n, or the confidence is
 *   not in (0, 1)
 *
 * @example
 * ```ts
 * import { wilsonInterval } from 'exptrack/analysis';
 * wilsonInterval(8, 10);
 * // { lower: 0.49016247153664166, upper: 0.9433178485456247, estimate: 0.8, confidence: 0.95, method: 'Wilson score interval' }
 * ```
 */
export function wilsonInterval(k: number, n: number, options?: ProportionIntervalOptions): IntervalResult {
  integer('n', n, 1);
  integer('k', k, 0);
  if (k > n) throw invalidInput('k', k, `must be <= n (${n})`);
  const confidence = options?.confidence === undefined ? 0.95 : confidenceLevel(options.confidence);
  const z = -normalQuantileStd((1 - confidence) / 2);
  return {
    lower: wilsonLower(k, n, z),
    // below one half the upper bound is a sum of positive terms; above, 1 - (mirror lower bound)
    upper: 2 * k <= n ? wilsonUpperDirect(k, n, z) : 1 - wilsonLower(n - k, n, z),
    estimate: k / n,
    confidence,
    method: 'Wilson score interval',
  };
}

/** center + half = (k + z²/2 + z sqrt(k (n - k) / n + z²/4)) / (n + z²). */
function wilsonUpperDirect(k: number, n: number, z: number): number {
  const z2 = z * z;
  return Math.min(1, (k + z2 / 2 + z * Math.sqrt((k * (n - k)) / n + z2 / 4)) / (n + z2));
}

/** (center - half) written as k² / (n (k + z²/2 + z sqrt(k (n - k) / n + z²/4))): no cancellation. */
function wilsonLower(k: number, n: number, z: number): number {
  if (k === 0) return 0;
  const z2 = z * z;
  return (k * k) / (n * (k + z2 / 2 + z * Math.sqrt((k * (n - k)) / n + z2 / 4)));
}
