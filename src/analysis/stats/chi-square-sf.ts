import { chiSquareSfRaw } from './internal/distributions.js';
import { notNaN, positive } from './internal/validate.js';

/**
 * Chi-square survival function (upper tail), P(X > x) for X ~ χ²(df).
 *
 * The p-value of a chi-square statistic (McNemar, goodness of fit). Computed as Q(df/2, x/2), the
 * regularised upper incomplete gamma function, for any real df > 0; the upper tail keeps full
 * relative precision, and df up to 1e6 and beyond stays accurate.
 *
 * Reference: Abramowitz & Stegun (1964), 26.4.19; Press et al., *Numerical Recipes*, 3rd ed.
 * (2007), §6.2.
 *
 * @param x - the value (x <= 0 gives 1; Infinity gives 0)
 * @param df - degrees of freedom, > 0
 * @returns P(X > x), in [0, 1]
 * @throws ExptrackError `invalid_input` when x is NaN or df is not a finite number > 0
 *
 * @example
 * ```ts
 * import { chiSquareSf } from 'exptrack/analysis';
 * chiSquareSf(3.841458820694124, 1); // 0.050000000000000086
 * chiSquareSf(100, 3);               // 1.554159431389603e-21
 * ```
 */
export function chiSquareSf(x: number, df: number): number {
  notNaN('x', x);
  positive('df', df);
  return chiSquareSfRaw(x, df);
}
