import { invalidInput } from '../../core/errors.js';
import { clopperPearsonLower, clopperPearsonUpper } from './internal/clopper-pearson.js';
import { confidenceLevel, integer } from './internal/validate.js';
import type { IntervalResult } from './types.js';
import type { ProportionIntervalOptions } from './wilson-interval.js';

/**
 * Clopper–Pearson ("exact") interval for a binomial proportion (k successes in n trials).
 *
 * The interval that inverts two one-sided exact binomial tests: its coverage is never below the
 * nominal level (it is conservative). Use it when a guarantee matters more than width; otherwise
 * {@link wilsonInterval} is shorter. Bounds are beta quantiles, Beta(α/2; k, n - k + 1) and
 * Beta(1 - α/2; k + 1, n - k), found by inverting the incomplete beta function; the k = 0 and
 * k = n bounds are in closed form. Matches `statsmodels.stats.proportion.proportion_confint(k, n,
 * method='beta')`.
 *
 * Reference: Clopper, C. J. & Pearson, E. S. (1934), "The use of confidence or fiducial limits
 * illustrated in the case of the binomial", Biometrika 26(4).
 *
 * @param k - number of successes, an integer in 0..n
 * @param n - number of trials, an integer >= 1
 * @param options - `confidence`
 * @returns an {@link IntervalResult} with estimate k / n
 * @throws ExptrackError `invalid_input` when k or n is not an integer, k > n, or the confidence is
 *   not in (0, 1)
 *
 * @example
 * ```ts
 * import { clopperPearsonInterval } from 'exptrack/analysis';
 * clopperPearsonInterval(8, 10);
 * // { lower: 0.4439045376923587, upper: 0.9747892736731666, estimate: 0.8, confidence: 0.95, method: 'Clopper-Pearson exact interval' }
 * ```
 */
export function clopperPearsonInterval(k: number, n: number, options?: ProportionIntervalOptions): IntervalResult {
  integer('n', n, 1);
  integer('k', k, 0);
  if (k > n) throw invalidInput('k', k, `must be <= n (${n})`);
  const confidence = options?.confidence === undefined ? 0.95 : confidenceLevel(options.confidence);
  const tail = (1 - confidence) / 2;
  return {
    lower: clopperPearsonLower(k, n, tail),
    upper: clopperPearsonUpper(k, n, tail),
    estimate: k / n,
    confidence,
    method: 'Clopper-Pearson exact interval',
  };
}
