import { studentTSfRaw } from './internal/distributions.js';
import { notNaN, positive } from './internal/validate.js';

/**
 * Student's t cumulative distribution function, P(T <= t) for T ~ t(df).
 *
 * Used for t-test p-values. Works for any real df > 0, including the fractional df of Welch's
 * test, df = 1 (the Cauchy distribution) and huge df (df = Infinity is the standard normal). The
 * lower tail keeps full relative precision: `studentTCdf(-t, df)` is the accurate small tail.
 *
 * Reference: Abramowitz & Stegun (1964), 26.7.1; Press et al., *Numerical Recipes*, 3rd ed.
 * (2007), §6.4 and §6.14.
 *
 * @param t - the value (±Infinity allowed)
 * @param df - degrees of freedom, > 0 (Infinity allowed)
 * @returns P(T <= t), in [0, 1]
 * @throws ExptrackError `invalid_input` when t is NaN or df is not > 0
 *
 * @example
 * ```ts
 * import { studentTCdf } from 'exptrack/analysis';
 * studentTCdf(2.0, 10);    // 0.9633059826146297
 * studentTCdf(-1.5, 2.5);  // 0.1239182265431478
 * ```
 */
export function studentTCdf(t: number, df: number): number {
  notNaN('t', t);
  positive('df', df, true);
  return studentTSfRaw(-t, df);
}
