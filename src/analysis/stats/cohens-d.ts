import { pooledStandardizedDifference } from './internal/effect.js';

/**
 * Cohen's d: the standardised difference of two independent means, (mean(a) - mean(b)) / s_pooled.
 *
 * An effect size that does not grow with the sample size, for reporting how large a difference
 * is (0.2 small, 0.5 medium, 0.8 large, by Cohen's rule of thumb) next to a p-value. The pooled
 * standard deviation uses n - 1 weights: s² = ((nA - 1) sA² + (nB - 1) sB²) / (nA + nB - 2).
 * For small samples prefer {@link hedgesG}, which removes the upward bias.
 *
 * Reference: Cohen, J. (1988), *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.,
 * §2.2; Lakens, D. (2013), "Calculating and reporting effect sizes", Front. Psychol. 4:863.
 *
 * @param a - first sample, at least 1 finite value
 * @param b - second sample, at least 1 finite value (nA + nB >= 3)
 * @returns d, a number (positive when mean(a) > mean(b))
 * @throws ExptrackError `invalid_input` on a non-finite value; `insufficient_data` when nA + nB < 3
 *   or the pooled standard deviation is zero
 *
 * @example
 * ```ts
 * import { cohensD } from 'exptrack/analysis';
 * cohensD([2, 4, 6, 8], [1, 3, 5, 7]); // 0.3872983346207417
 * ```
 */
export function cohensD(a: readonly number[], b: readonly number[]): number {
  return pooledStandardizedDifference(a, b).d;
}
