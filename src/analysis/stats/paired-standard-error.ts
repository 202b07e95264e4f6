import { differences, mean, sampleVariance, sumSquaredDeviations } from './internal/moments.js';
import { confidenceLevel, finiteArray, sameLength } from './internal/validate.js';
import { zCritical } from './internal/distributions.js';
import type { StandardErrorOptions, StandardErrorResult } from './standard-error.js';

/**
 * The result of {@link pairedStandardError}: the mean difference and its SE, both means, the
 * correlation between the two systems' scores and the unpaired SE for comparison.
 *
 * @example
 * ```ts
 * import { pairedStandardError, type PairedStandardErrorResult } from 'exptrack/analysis';
 * const r: PairedStandardErrorResult = pairedStandardError([1, 1, 0, 1], [1, 0, 0, 1]);
 * [r.meanA, r.meanB, r.estimate]; // [0.75, 0.5, 0.25]
 * ```
 */
export interface PairedStandardErrorResult extends StandardErrorResult {
  /** Mean score of the first system. */
  meanA: number;
  /** Mean score of the second system. */
  meanB: number;
  /** Pearson correlation of the two systems' per-question scores; null when either is constant. */
  correlation: number | null;
  /** The SE the difference would have if the samples were independent, sqrt(sA²/n + sB²/n). */
  unpairedStandardError: number;
}

/**
 * Standard error of the difference in mean score between two systems evaluated on the same
 * questions (paired differences).
 *
 * Miller's recommendation for comparing models: compute per-question differences d = a - b; the
 * SE of mean(d) is sd(d) / sqrt(n) = sqrt((sA² + sB² - 2 cov(a, b)) / n). Because the two systems
 * find the same questions hard, the correlation is usually positive and the paired SE is much
 * smaller than the unpaired one, for free. The correlation is reported so you can see how much
 * pairing helped.
 *
 * Reference: Miller, E. (2024), "Adding Error Bars to Evals", arXiv:2411.00640, §4.2, eq. 8.
 *
 * @param a - first system's per-question scores, at least 2 finite values
 * @param b - second system's scores on the same questions, same order
 * @param options - `confidence` of the normal interval
 * @returns a {@link PairedStandardErrorResult}; `estimate` is mean(a) - mean(b)
 * @throws ExptrackError `invalid_input` on a non-finite score or a length mismatch;
 *   `insufficient_data` with fewer than 2 questions
 *
 * @example
 * ```ts
 * import { pairedStandardError } from 'exptrack/analysis';
 * pairedStandardError([1, 1, 0, 1, 1, 0, 1, 1], [1, 0, 0, 1, 0, 0, 1, 0]);
 * // { estimate: 0.375, standardError: 0.18298126367784998, meanA: 0.75, meanB: 0.375,
 * //   correlation: 0.4472135954999579, unpairedStandardError: 0.24549512651549144,
 * //   ci: [0.01636331334578678, 0.7336366866542132], n: 8, ... }
 * ```
 */
export function pairedStandardError(
  a: readonly number[],
  b: readonly number[],
  options?: StandardErrorOptions,
): PairedStandardErrorResult {
  const xa = finiteArray('a', a, 2);
  const xb = finiteArray('b', b, 2);
  sameLength('a', xa, 'b', xb);
  const confidence = options?.confidence === undefined ? 0.95 : confidenceLevel(options.confidence);
  const n = xa.length;
  const d = differences(xa, xb);
  const m = mean(d);
  const se = Math.sqrt(sampleVariance(d, m) / n);
  const ma = mean(xa);
  const mb = mean(xb);
  const ssa = sumSquaredDeviations(xa, ma);
  const ssb = sumSquaredDeviations(xb, mb);
  let sab = 0;
  for (let i = 0; i < n; i++) sab += ((xa[i] as number) - ma) * ((xb[i] as number) - mb);
  const correlation = ssa > 0 && ssb > 0 ? Math.max(-1, Math.min(1, sab / Math.sqrt(ssa * ssb))) : null;
  const z = zCritical(confidence);
  return {
    estimate: m,
    standardError: se,
    ci: [m - z * se, m + z * se],
    confidence,
    n,
    method: 'Paired standard error of the mean difference',
    meanA: ma,
    meanB: mb,
    correlation,
    unpairedStandardError: Math.sqrt((ssa + ssb) / (n - 1) / n),
  };
}
