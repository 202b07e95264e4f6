import { studentTQuantileRaw } from './internal/distributions.js';
import { positive, probability } from './internal/validate.js';

/**
 * Student's t quantile function (inverse CDF): the t with P(T <= t) = p for T ~ t(df).
 *
 * Used for the critical values of t confidence intervals (`studentTQuantile(0.975, df)`). Inverts
 * the regularised incomplete beta function with safeguarded Newton steps on the smaller of the two
 * tails, then polishes once against {@link studentTSf}; works for any real df > 0.
 *
 * Reference: Hill, G. W. (1970), "Algorithm 396: Student's t-quantiles", Comm. ACM 13(10);
 * Abramowitz & Stegun (1964), 26.7.5 (Cornish–Fisher start for large df).
 *
 * @param p - the probability, in [0, 1] (0 gives -Infinity, 1 gives Infinity)
 * @param df - degrees of freedom, > 0 (Infinity allowed: the normal quantile)
 * @returns the quantile t
 * @throws ExptrackError `invalid_input` when p is outside [0, 1] or df is not > 0
 *
 * @example
 * ```ts
 * import { studentTQuantile } from 'exptrack/analysis';
 * studentTQuantile(0.975, 1);   // 12.706204736174685
 * studentTQuantile(0.975, 30);  // 2.0422724563012378
 * ```
 */
export function studentTQuantile(p: number, df: number): number {
  probability('p', p);
  positive('df', df, true);
  return studentTQuantileRaw(p, df);
}
