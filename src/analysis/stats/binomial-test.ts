import { binomialCdf, binomialSf, binomialTwoSidedPValue } from './internal/binomial.js';
import { clopperPearsonLower, clopperPearsonUpper } from './internal/clopper-pearson.js';
import { readTestOptions } from './internal/options.js';
import { invalidInput } from '../../core/errors.js';
import { integer, probability } from './internal/validate.js';
import type { TestOptions, TestResult } from './types.js';

/**
 * Exact binomial test of the success probability: is k successes in n trials compatible with p?
 *
 * For pass rates on a small eval (is 14/20 better than the 50% baseline?). The two-sided p-value
 * sums the probabilities of all outcomes no more likely than the observed one (the "minimum
 * likelihood" method of R's binom.test and scipy.stats.binomtest, with their 1e-7 relative tie
 * tolerance). `estimate` is k / n, `ci` the Clopper–Pearson interval (one-sided for one-sided
 * alternatives), `statistic` the number of successes k.
 *
 * Reference: Clopper, C. J. & Pearson, E. S. (1934), Biometrika 26(4); Hollander, Wolfe & Chicken
 * (2014), *Nonparametric Statistical Methods*, 3rd ed., §2.1.
 *
 * @param k - number of successes, an integer in 0..n
 * @param n - number of trials, an integer >= 1
 * @param p - success probability under the null hypothesis, in [0, 1] (default 0.5)
 * @param options - `alternative` ('greater': the true probability exceeds p) and `confidence`
 * @returns a {@link TestResult} (no df)
 * @throws ExptrackError `invalid_input` when k or n is not an integer, k > n, or p is outside [0, 1]
 *
 * @example
 * ```ts
 * import { binomialTest } from 'exptrack/analysis';
 * binomialTest(14, 20, 0.5);
 * // { statistic: 14, pValue: 0.11531829833984353, estimate: 0.7, standardError: 0.10246950765959599,
 * //   ci: [0.45721081772371086, 0.8810684095942722], method: 'Exact binomial test', n: 20, ... }
 * ```
 */
export function binomialTest(k: number, n: number, p = 0.5, options?: TestOptions): TestResult {
  integer('n', n, 1);
  integer('k', k, 0);
  if (k > n) throw invalidInput('k', k, `must be <= n (${n})`);
  probability('p', p);
  const { alternative, confidence } = readTestOptions(options);
  let pValue: number;
  if (alternative === 'greater') {
    // P(X >= k)
    pValue = p === 0 ? (k === 0 ? 1 : 0) : p === 1 ? 1 : binomialSf(k - 1, n, p);
  } else if (alternative === 'less') {
    // P(X <= k)
    pValue = p === 0 ? 1 : p === 1 ? (k === n ? 1 : 0) : binomialCdf(k, n, p);
  } else {
    pValue = binomialTwoSidedPValue(k, n, p);
  }
  let ci: [number, number];
  if (alternative === 'two-sided') {
    const tail = (1 - confidence) / 2;
    ci = [clopperPearsonLower(k, n, tail), clopperPearsonUpper(k, n, tail)];
  } else if (alternative === 'greater') {
    ci = [clopperPearsonLower(k, n, 1 - confidence), 1];
  } else {
    ci = [0, clopperPearsonUpper(k, n, 1 - confidence)];
  }
  const estimate = k / n;
  return {
    statistic: k,
    pValue: Math.min(1, pValue),
    estimate,
    standardError: Math.sqrt((estimate * (1 - estimate)) / n),
    ci,
    confidence,
    alternative,
    method: 'Exact binomial test',
    n,
  };
}
