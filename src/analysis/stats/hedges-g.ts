import { hedgesCorrection, pooledStandardizedDifference } from './internal/effect.js';

/**
 * Hedges' g: Cohen's d with the small-sample bias correction, g = J(df) · d.
 *
 * Cohen's d overestimates the population effect in small samples; g multiplies it by the exact
 * factor J(df) = Γ(df/2) / (sqrt(df/2) Γ((df - 1)/2)), df = nA + nB - 2 (about 1 - 3 / (4 df - 1)).
 * Report g rather than d when the groups have fewer than about 20 items each.
 *
 * Reference: Hedges, L. V. (1981), "Distribution theory for Glass's estimator of effect size and
 * related estimators", J. Educ. Stat. 6(2); Hedges, L. V. & Olkin, I. (1985), *Statistical Methods
 * for Meta-Analysis*, ch. 5.
 *
 * @param a - first sample, at least 1 finite value
 * @param b - second sample, at least 1 finite value (nA + nB >= 3)
 * @returns g, a number
 * @throws ExptrackError `invalid_input` on a non-finite value; `insufficient_data` when nA + nB < 3
 *   or the pooled standard deviation is zero
 *
 * @example
 * ```ts
 * import { hedgesG } from 'exptrack/analysis';
 * hedgesG([2, 4, 6, 8], [1, 3, 5, 7]); // 0.33641766960268776
 * ```
 */
export function hedgesG(a: readonly number[], b: readonly number[]): number {
  const { d, df } = pooledStandardizedDifference(a, b);
  return d * hedgesCorrection(df);
}
