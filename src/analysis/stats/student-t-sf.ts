import { studentTSfRaw } from './internal/distributions.js';
import { notNaN, positive } from './internal/validate.js';

/**
 * Student's t survival function (upper tail), P(T > t) for T ~ t(df).
 *
 * The one-sided p-value of a t statistic; the two-sided p-value is `2 * studentTSf(Math.abs(t), df)`.
 * Computed from the regularised incomplete beta function, P(T > t) = I_x(df/2, 1/2) / 2 with
 * x = df / (df + t²), for any real df > 0 (fractional df, as Welch's test gives, included; df =
 * Infinity is the standard normal). Extreme tails keep full relative precision, and huge df (1e6
 * to 1e12) use the DiDonato–Morris asymptotic expansion, where continued fractions lose digits.
 *
 * Reference: Abramowitz & Stegun (1964), 26.7.1 and 26.5.27; DiDonato, A. R. & Morris, A. H.
 * (1992), "Algorithm 708", ACM Trans. Math. Softw. 18(3).
 *
 * @param t - the value (±Infinity allowed)
 * @param df - degrees of freedom, > 0 (Infinity allowed)
 * @returns P(T > t), in [0, 1]
 * @throws ExptrackError `invalid_input` when t is NaN or df is not > 0
 *
 * @example
 * ```ts
 * import { studentTSf } from 'exptrack/analysis';
 * studentTSf(2, 1);       // 0.14758361765043318
 * studentTSf(3, 1e6);     // 0.0013499312707108994
 * studentTSf(50, 5);      // 3.02387881330061e-8
 * ```
 */
export function studentTSf(t: number, df: number): number {
  notNaN('t', t);
  positive('df', df, true);
  return studentTSfRaw(t, df);
}
