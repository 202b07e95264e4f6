import { differences, mean, sampleVariance } from './internal/moments.js';
import { readTestOptions } from './internal/options.js';
import { tCore } from './internal/t-test-core.js';
import { finiteArray, sameLength } from './internal/validate.js';
import type { TestOptions, TestResult } from './types.js';

/**
 * Paired Student t-test of mean(x - y) = 0.
 *
 * The test for two models scored on the same items: it works on the per-item differences, which
 * removes the item difficulty shared by both and is far more powerful than an unpaired test when
 * the scores are correlated. `estimate` is mean(x - y). Matches `scipy.stats.ttest_rel(x, y)`.
 *
 * Reference: Student (1908), Biometrika 6(1); Miller, E. (2024), "Adding Error Bars to Evals",
 * arXiv:2411.00640, §4 (paired analysis).
 *
 * @param x - first system's scores, at least 2 finite values
 * @param y - second system's scores on the same items, same length as x
 * @param options - `alternative` ('greater': x scores higher) and `confidence`
 * @returns a {@link TestResult} with df = n - 1, n the number of pairs
 * @throws ExptrackError `invalid_input` on a non-finite value, a length mismatch or a bad option;
 *   `insufficient_data` when there are fewer than 2 pairs or all differences are equal
 *
 * @example
 * ```ts
 * import { pairedTTest } from 'exptrack/analysis';
 * pairedTTest([0.9, 0.8, 0.7, 0.95, 0.85], [0.85, 0.8, 0.6, 0.9, 0.8]);
 * // { statistic: 3.1622776601683786, pValue: 0.0341094231674097, df: 4, estimate: 0.049999999999999975,
 * //   ci: [0.006100548345745832, 0.09389945165425412], method: 'Paired t-test', n: 5, ... }
 * ```
 */
export function pairedTTest(x: readonly number[], y: readonly number[], options?: TestOptions): TestResult {
  const xs = finiteArray('x', x, 2);
  const ys = finiteArray('y', y, 2);
  sameLength('x', xs, 'y', ys);
  const { alternative, confidence } = readTestOptions(options);
  const d = differences(xs, ys);
  const n = d.length;
  const m = mean(d);
  const se = Math.sqrt(sampleVariance(d, m) / n);
  const df = n - 1;
  const core = tCore(m, se, df, 0, alternative, confidence);
  return { ...core, df, estimate: m, standardError: se, confidence, alternative, method: 'Paired t-test', n };
}
