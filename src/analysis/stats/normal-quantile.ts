import { normalQuantileStd } from './internal/distributions.js';
import { finite, positive, probability } from './internal/validate.js';

/**
 * Normal quantile function (inverse CDF, probit): the x with P(X <= x) = p for X ~ N(mean, sd²).
 *
 * Used for critical values (z = 1.96 for 95%) and normal-approximation intervals. Starts from
 * Acklam's rational approximation and refines it with Halley steps against the accurate
 * {@link normalCdf}, so it is correct to a few ulps down to p = 1e-300.
 *
 * Reference: Acklam, P. J. (2003), "An algorithm for computing the inverse normal cumulative
 * distribution function"; Wichura, M. J. (1988), "Algorithm AS 241", Applied Statistics 37(3).
 *
 * @param p - the probability, in [0, 1] (0 gives -Infinity, 1 gives Infinity)
 * @param mean - the mean of the distribution (default 0)
 * @param sd - the standard deviation, > 0 (default 1)
 * @returns the quantile x
 * @throws ExptrackError `invalid_input` when p is outside [0, 1], mean is not finite or sd is not > 0
 *
 * @example
 * ```ts
 * import { normalQuantile } from 'exptrack/analysis';
 * normalQuantile(0.975);         // 1.9599639845400547
 * normalQuantile(1e-10);         // -6.361340902404057
 * normalQuantile(0.5, 100, 15);  // 100
 * ```
 */
export function normalQuantile(p: number, mean = 0, sd = 1): number {
  probability('p', p);
  finite('mean', mean);
  positive('sd', sd);
  return mean + sd * normalQuantileStd(p);
}
