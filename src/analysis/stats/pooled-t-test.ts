import { mean, sumSquaredDeviations } from './internal/moments.js';
import { readTestOptions } from './internal/options.js';
import { tCore } from './internal/t-test-core.js';
import { finiteArray, insufficient } from './internal/validate.js';
import type { TestOptions, TwoSampleTestResult } from './types.js';

/**
 * Student's two-sample t-test with pooled variance, of mean(a) = mean(b).
 *
 * The classical equal-variances test, with df = nA + nB - 2. Prefer {@link welchTTest} unless the
 * variances are known to be equal; this one is here for comparison with published results.
 * `estimate` is mean(a) - mean(b). Matches `scipy.stats.ttest_ind(a, b, equal_var=True)`.
 *
 * Reference: Student (1908), "The probable error of a mean", Biometrika 6(1); Fisher, R. A. (1925),
 * *Statistical Methods for Research Workers*.
 *
 * @param a - first sample, at least 1 finite value
 * @param b - second sample, at least 1 finite value (nA + nB >= 3)
 * @param options - `alternative` and `confidence`
 * @returns a {@link TwoSampleTestResult}
 * @throws ExptrackError `invalid_input` on a non-finite value or a bad option;
 *   `insufficient_data` when nA + nB < 3 or the pooled variance is zero
 *
 * @example
 * ```ts
 * import { pooledTTest } from 'exptrack/analysis';
 * pooledTTest([0.71, 0.74, 0.69, 0.73], [0.65, 0.70, 0.66]);
 * // { statistic: 2.5935898046017596, pValue: 0.04862509250293903, df: 5, estimate: 0.0475000000000001,
 * //   ci: [0.00042137678206461554, 0.09457862321793559], method: 'Student two-sample t-test (pooled variance)', ... }
 * ```
 */
export function pooledTTest(a: readonly number[], b: readonly number[], options?: TestOptions): TwoSampleTestResult {
  const xa = finiteArray('a', a, 1);
  const xb = finiteArray('b', b, 1);
  const { alternative, confidence } = readTestOptions(options);
  const na = xa.length;
  const nb = xb.length;
  if (na + nb < 3) throw insufficient('b', nb, 'a pooled t-test needs at least 3 values in both samples together');
  const ma = mean(xa);
  const mb = mean(xb);
  const df = na + nb - 2;
  const pooled = (sumSquaredDeviations(xa, ma) + sumSquaredDeviations(xb, mb)) / df;
  const se = Math.sqrt(pooled * (1 / na + 1 / nb));
  const estimate = ma - mb;
  const core = tCore(estimate, se, df, 0, alternative, confidence);
  return {
    ...core,
    df,
    estimate,
    standardError: se,
    confidence,
    alternative,
    method: 'Student two-sample t-test (pooled variance)',
    n: na + nb,
    nA: na,
    nB: nb,
  };
}
