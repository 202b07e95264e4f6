import { mean, sampleVariance } from './internal/moments.js';
import { readTestOptions } from './internal/options.js';
import { tCore } from './internal/t-test-core.js';
import { finiteArray } from './internal/validate.js';
import type { TestOptions, TwoSampleTestResult } from './types.js';

/**
 * Welch's unequal-variances two-sample t-test of mean(a) = mean(b).
 *
 * The default test for comparing the mean scores of two independent samples (two models evaluated
 * on different items, two groups of seeds): it does not assume equal variances, and uses the
 * Welch–Satterthwaite degrees of freedom (usually fractional). `estimate` is mean(a) - mean(b) and
 * `ci` its confidence interval. Matches `scipy.stats.ttest_ind(a, b, equal_var=False)`.
 *
 * Reference: Welch, B. L. (1947), "The generalization of 'Student's' problem when several different
 * population variances are involved", Biometrika 34(1–2); Satterthwaite, F. E. (1946), Biometrics
 * Bulletin 2(6).
 *
 * @param a - first sample, at least 2 finite values
 * @param b - second sample, at least 2 finite values
 * @param options - `alternative` ('two-sided', 'greater': mean(a) > mean(b), 'less') and `confidence`
 * @returns a {@link TwoSampleTestResult}: t statistic, p-value, Welch df, difference of means, its
 *   standard error and confidence interval
 * @throws ExptrackError `invalid_input` on a non-finite value or a bad option;
 *   `insufficient_data` when a sample has fewer than 2 values or both samples have zero variance
 *
 * @example
 * ```ts
 * import { welchTTest } from 'exptrack/analysis';
 * welchTTest([0.71, 0.74, 0.69, 0.73], [0.65, 0.70, 0.66]);
 * // { statistic: 2.5166114784235902, pValue: 0.06662571037075816, df: 3.934296093644892,
 * //   estimate: 0.0475000000000001, standardError: 0.01887458608817686,
 * //   ci: [-0.005251211440110988, 0.10025121144011118], confidence: 0.95, alternative: 'two-sided',
 * //   method: 'Welch two-sample t-test', n: 7, nA: 4, nB: 3 }
 * ```
 */
export function welchTTest(a: readonly number[], b: readonly number[], options?: TestOptions): TwoSampleTestResult {
  const xa = finiteArray('a', a, 2);
  const xb = finiteArray('b', b, 2);
  const { alternative, confidence } = readTestOptions(options);
  const na = xa.length;
  const nb = xb.length;
  const ma = mean(xa);
  const mb = mean(xb);
  const va = sampleVariance(xa, ma) / na;
  const vb = sampleVariance(xb, mb) / nb;
  const se = Math.sqrt(va + vb);
  const df = ((va + vb) * (va + vb)) / ((va * va) / (na - 1) + (vb * vb) / (nb - 1));
  const estimate = ma - mb;
  const core = tCore(estimate, se, df, 0, alternative, confidence);
  return {
    ...core,
    df,
    estimate,
    standardError: se,
    confidence,
    alternative,
    method: 'Welch two-sample t-test',
    n: na + nb,
    nA: na,
    nB: nb,
  };
}
