import { binomialCdf } from './internal/binomial.js';
import { chiSquareSfRaw } from './internal/distributions.js';
import { integer, oneOf } from './internal/validate.js';
import type { TestResult } from './types.js';

/**
 * The variant of {@link mcnemarTest}: `'exact'` (binomial, the default), `'chi2'` (McNemar's
 * original statistic) or `'chi2-corrected'` (Edwards' continuity correction).
 *
 * @example
 * ```ts
 * import type { McNemarMethod } from 'exptrack/analysis';
 * const method: McNemarMethod = 'chi2-corrected';
 * ```
 */
export type McNemarMethod = 'exact' | 'chi2' | 'chi2-corrected';

/**
 * Options of {@link mcnemarTest}.
 *
 * @example
 * ```ts
 * import { mcnemarTest } from 'exptrack/analysis';
 * mcnemarTest(12, 4, { method: 'chi2' });
 * ```
 */
export interface McNemarOptions {
  /**
   * Which variant to compute.
   * @defaultValue 'exact'
   */
  method?: McNemarMethod;
}

const METHODS: readonly McNemarMethod[] = ['exact', 'chi2', 'chi2-corrected'];

/**
 * McNemar's test for paired binary outcomes: do two systems that answered the same items differ in
 * accuracy?
 *
 * Only the discordant items matter: `b` items that system A got right and B wrong, `c` the other
 * way round. Under the null hypothesis each discordant item goes either way with probability 1/2.
 * - `'exact'`: two-sided exact binomial test of min(b, c) in Bin(b + c, 1/2); p = min(1, 2 P(X <=
 *   min(b, c))); `statistic` is min(b, c). Recommended when b + c is small (< 25 or so).
 * - `'chi2'`: statistic (b - c)² / (b + c) against χ²(1).
 * - `'chi2-corrected'`: statistic max(0, |b - c| - 1)² / (b + c) against χ²(1).
 *
 * When b = c (including b = c = 0, no discordant items at all) there is no evidence of a
 * difference: every variant returns pValue = 1, and the chi-square variants statistic = 0. (The
 * corrected statistic is clamped at zero; statsmodels reports 1 / (b + c) for b = c instead, with
 * a p-value below 1.)
 *
 * `estimate` is b - c, the net number of items won by the first system (divide by the number of
 * items for the difference in accuracy), `n` is b + c; `df` is 1 for the chi-square variants.
 * Matches `statsmodels.stats.contingency_tables.mcnemar`.
 *
 * Reference: McNemar, Q. (1947), "Note on the sampling error of the difference between correlated
 * proportions or percentages", Psychometrika 12(2); Edwards, A. L. (1948), Psychometrika 13(3).
 *
 * @param b - count of items where the first system is right and the second wrong, integer >= 0
 * @param c - count of items where the first system is wrong and the second right, integer >= 0
 * @param options - `method`
 * @returns a {@link TestResult} (two-sided)
 * @throws ExptrackError `invalid_input` when b or c is not an integer >= 0 or the method is unknown
 *
 * @example
 * ```ts
 * import { mcnemarTest } from 'exptrack/analysis';
 * mcnemarTest(12, 4).pValue;                                // 0.07681274414062514
 * mcnemarTest(12, 4, { method: 'chi2' });                   // { statistic: 4, pValue: 0.04550026389635833, df: 1, estimate: 8, n: 16, ... }
 * mcnemarTest(12, 4, { method: 'chi2-corrected' }).pValue;  // 0.0801183137276341
 * mcnemarTest(5, 5).pValue;                                 // 1
 * ```
 */
export function mcnemarTest(b: number, c: number, options?: McNemarOptions): TestResult {
  integer('b', b, 0);
  integer('c', c, 0);
  const method = options?.method === undefined ? 'exact' : oneOf('method', options.method, METHODS);
  const n = b + c;
  const estimate = b - c;
  if (method === 'exact') {
    const small = Math.min(b, c);
    const pValue = n === 0 ? 1 : Math.min(1, 2 * binomialCdf(small, n, 0.5));
    return {
      statistic: small,
      pValue,
      estimate,
      alternative: 'two-sided',
      method: "McNemar's exact test (binomial)",
      n,
    };
  }
  const diff = method === 'chi2' ? Math.abs(b - c) : Math.max(0, Math.abs(b - c) - 1);
  const statistic = n === 0 ? 0 : (diff * diff) / n;
  return {
    statistic,
    pValue: statistic === 0 ? 1 : chiSquareSfRaw(statistic, 1),
    df: 1,
    estimate,
    alternative: 'two-sided',
    method: method === 'chi2' ? "McNemar's chi-square test" : "McNemar's chi-square test with continuity correction",
    n,
  };
}
