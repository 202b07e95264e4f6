import { normalCdfStd } from './internal/distributions.js';
import { finite, notNaN, positive } from './internal/validate.js';

/**
 * Normal cumulative distribution function, P(X <= x) for X ~ N(mean, sd²).
 *
 * Used to turn a z statistic into a p-value and to build normal-approximation intervals. Computed
 * as Φ(z) = Q(1/2, z²/2) / 2 through the regularised incomplete gamma function, so both tails keep
 * full relative precision (Φ(-37) ≈ 5.7e-300 is exact to a few ulps).
 *
 * Reference: Abramowitz, M. & Stegun, I. A. (1964), *Handbook of Mathematical Functions*, 26.2.2
 * and 6.5.2; Press et al., *Numerical Recipes*, 3rd ed. (2007), §6.2.
 *
 * @param x - the value (±Infinity allowed)
 * @param mean - the mean of the distribution (default 0)
 * @param sd - the standard deviation, > 0 (default 1)
 * @returns the probability P(X <= x), in [0, 1]
 * @throws ExptrackError `invalid_input` when x is NaN, mean is not finite or sd is not > 0
 *
 * @example
 * ```ts
 * import { normalCdf } from 'exptrack/analysis';
 * normalCdf(1.959963984540054); // 0.975
 * normalCdf(-10);               // 7.619853024160498e-24
 * normalCdf(110, 100, 15);      // 0.7475074624530771
 * ```
 */
export function normalCdf(x: number, mean = 0, sd = 1): number {
  notNaN('x', x);
  finite('mean', mean);
  positive('sd', sd);
  return normalCdfStd((x - mean) / sd);
}
