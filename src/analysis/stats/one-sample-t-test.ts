import { mean, sampleVariance } from './internal/moments.js';
import { readTestOptions } from './internal/options.js';
import { tCore } from './internal/t-test-core.js';
import { finite, finiteArray } from './internal/validate.js';
import type { TestOptions, TestResult } from './types.js';

/**
 * One-sample Student t-test of mean(x) = mu.
 *
 * Tests whether the mean of a sample (per-item score differences, seeds' accuracies) differs from a
 * reference value. `estimate` is mean(x) and `ci` the t interval of the mean. Matches
 * `scipy.stats.ttest_1samp(x, mu)`.
 *
 * Reference: Student (1908), "The probable error of a mean", Biometrika 6(1).
 *
 * @param x - the sample, at least 2 finite values
 * @param mu - the mean under the null hypothesis (default 0)
 * @param options - `alternative` ('greater': mean(x) > mu) and `confidence`
 * @returns a {@link TestResult} with df = n - 1
 * @throws ExptrackError `invalid_input` on a non-finite value or a bad option;
 *   `insufficient_data` when x has fewer than 2 values or zero variance
 *
 * @example
 * ```ts
 * import { oneSampleTTest } from 'exptrack/analysis';
 * oneSampleTTest([1, 2, 3, 4], 0);
 * // { statistic: 3.872983346207417, pValue: 0.03046629166217096, df: 3, estimate: 2.5,
 * //   standardError: 0.6454972243679028, ci: [0.44573974323947985, 4.55426025676052],
 * //   method: 'One-sample t-test', n: 4, ... }
 * ```
 */
export function oneSampleTTest(x: readonly number[], mu = 0, options?: TestOptions): TestResult {
  const xs = finiteArray('x', x, 2);
  finite('mu', mu);
  const { alternative, confidence } = readTestOptions(options);
  const n = xs.length;
  const m = mean(xs);
  const se = Math.sqrt(sampleVariance(xs, m) / n);
  const df = n - 1;
  const core = tCore(m, se, df, mu, alternative, confidence);
  return { ...core, df, estimate: m, standardError: se, confidence, alternative, method: 'One-sample t-test', n };
}
