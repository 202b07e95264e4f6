import { zCritical } from './internal/distributions.js';
import { mean, sampleVariance } from './internal/moments.js';
import { confidenceLevel, finiteArray } from './internal/validate.js';

/**
 * The result of the eval standard-error functions: the mean, its standard error and the normal
 * (CLT) interval mean ± z · SE.
 *
 * @example
 * ```ts
 * import { standardError, type StandardErrorResult } from 'exptrack/analysis';
 * const r: StandardErrorResult = standardError([1, 0, 1, 1]);
 * r.ci; // [0.2600090038649863, 1.2399909961350137]
 * ```
 */
export interface StandardErrorResult {
  /** The mean score. */
  estimate: number;
  /** Its standard error. */
  standardError: number;
  /** The CLT interval estimate ± z · standardError, as [lower, upper]. */
  ci: [number, number];
  /** The confidence level of `ci`. */
  confidence: number;
  /** Number of items (questions). */
  n: number;
  /** A readable name of the method. */
  method: string;
}

/**
 * Options of the eval standard-error functions.
 *
 * @example
 * ```ts
 * import type { StandardErrorOptions } from 'exptrack/analysis';
 * const options: StandardErrorOptions = { confidence: 0.9 };
 * ```
 */
export interface StandardErrorOptions {
  /**
   * The confidence level of the normal interval.
   * @defaultValue 0.95
   */
  confidence?: number;
}

/**
 * Standard error of an eval's mean score by the central limit theorem: SE = s / sqrt(n), with s
 * the sample standard deviation (n - 1 denominator) of the per-question scores.
 *
 * The first error bar every eval result should carry (Miller's recommendation 1): report
 * "accuracy 0.72 ± 1.96 · SE". Works for binary scores (SE = sqrt(p(1 - p) / n) up to the n - 1
 * factor) and for continuous scores alike. Use {@link clusteredStandardError} when questions come
 * in groups (several questions per passage), and {@link pairedStandardError} to compare two models
 * on the same questions.
 *
 * Reference: Miller, E. (2024), "Adding Error Bars to Evals: A Statistical Approach to Language
 * Model Evaluations", arXiv:2411.00640, §2, eq. 2.
 *
 * @param scores - the per-question scores, at least 2 finite values
 * @param options - `confidence` of the normal interval
 * @returns a {@link StandardErrorResult}
 * @throws ExptrackError `invalid_input` on a non-finite score or a bad confidence;
 *   `insufficient_data` with fewer than 2 scores
 *
 * @example
 * ```ts
 * import { standardError } from 'exptrack/analysis';
 * standardError([1, 1, 0, 1, 0, 1, 1, 1, 0, 1]);
 * // { estimate: 0.7, standardError: 0.15275252316519466, ci: [0.400610556048598, 0.999389443951402],
 * //   confidence: 0.95, n: 10, method: 'CLT standard error of the mean' }
 * ```
 */
export function standardError(scores: readonly number[], options?: StandardErrorOptions): StandardErrorResult {
  const xs = finiteArray('scores', scores, 2);
  const confidence = options?.confidence === undefined ? 0.95 : confidenceLevel(options.confidence);
  const n = xs.length;
  const m = mean(xs);
  const se = Math.sqrt(sampleVariance(xs, m) / n);
  const z = zCritical(confidence);
  return { estimate: m, standardError: se, ci: [m - z * se, m + z * se], confidence, n, method: 'CLT standard error of the mean' };
}
