import { invalidInput } from '../../core/errors.js';
import { mean, sampleVariance } from './internal/moments.js';
import { confidenceLevel, finiteArray, insufficient } from './internal/validate.js';
import { zCritical } from './internal/distributions.js';
import type { StandardErrorOptions, StandardErrorResult } from './standard-error.js';

/**
 * The result of {@link multiSampleStandardError}: the SE of the mean of per-question means, with
 * the split of the variance into a between-question part and a within-question (sampling) part.
 *
 * @example
 * ```ts
 * import { multiSampleStandardError, type MultiSampleStandardErrorResult } from 'exptrack/analysis';
 * const r: MultiSampleStandardErrorResult = multiSampleStandardError([[1, 1, 0], [0, 0, 1], [1, 1, 1]]);
 * r.standardError < r.singleSampleStandardError; // true: 3 samples per question reduce the variance
 * ```
 */
export interface MultiSampleStandardErrorResult extends StandardErrorResult {
  /** Average number of samples per question (K). */
  samplesPerQuestion: number;
  /** Mean within-question variance σ²_w (the sampling noise of one answer to one question). */
  withinVariance: number;
  /** Variance of the question-level true scores, Var(s̄_i) - mean(σ²_i / K_i), clamped at 0. */
  betweenVariance: number;
  /** The SE one sample per question would give on the same questions, sqrt((between + within) / n). */
  singleSampleStandardError: number;
  /** How many times smaller the variance is than with one sample per question (>= 1). */
  varianceReduction: number;
}

/**
 * Standard error of an eval score when each question was answered K times (several samples at
 * temperature > 0), and how much the repeated sampling reduced the variance.
 *
 * The score of question i is the mean s̄_i of its K_i samples; the eval score is the mean of the
 * s̄_i and its SE is sd(s̄_i) / sqrt(n) (Miller §3, "reducing variance by resampling"). The variance
 * of one question's score splits into Var(x) + σ²_w / K: the between-question part Var(x) does not
 * shrink with K, the within-question part does. The result reports both, the SE with one sample
 * per question for comparison, and the variance reduction; the SE for another K' is
 * sqrt((betweenVariance + withinVariance / K') / n).
 *
 * Reference: Miller, E. (2024), "Adding Error Bars to Evals", arXiv:2411.00640, §3, eq. 6–7.
 *
 * @param samples - one array per question with that question's sample scores (K_i >= 1 each, at
 *   least one question with 2 or more samples, at least 2 questions)
 * @param options - `confidence` of the normal interval
 * @returns a {@link MultiSampleStandardErrorResult}
 * @throws ExptrackError `invalid_input` when samples is not an array of arrays of finite numbers;
 *   `insufficient_data` with fewer than 2 questions, an empty question, or no question with 2
 *   samples (the within-question variance is then unknown: use {@link standardError})
 *
 * @example
 * ```ts
 * import { multiSampleStandardError } from 'exptrack/analysis';
 * multiSampleStandardError([[1, 1, 0, 1], [0, 0, 1, 0], [1, 1, 1, 1], [0, 1, 0, 0]]);
 * // { estimate: 0.5625, standardError: 0.1875, samplesPerQuestion: 4, withinVariance: 0.1875,
 * //   betweenVariance: 0.09375, singleSampleStandardError: 0.2651650429449553, varianceReduction: 2, ... }
 * ```
 */
export function multiSampleStandardError(
  samples: readonly (readonly number[])[],
  options?: StandardErrorOptions,
): MultiSampleStandardErrorResult {
  if (!Array.isArray(samples)) throw invalidInput('samples', samples, 'must be an array of arrays of scores');
  if (samples.length < 2) {
    throw insufficient('samples', samples.length, `multiSampleStandardError needs at least 2 questions (got ${samples.length})`);
  }
  const confidence = options?.confidence === undefined ? 0.95 : confidenceLevel(options.confidence);
  const n = samples.length;
  const means = new Array<number>(n);
  let withinSum = 0;
  let withinCount = 0;
  let noiseOfMeans = 0; // mean of σ²_i / K_i
  let kSum = 0;
  for (let i = 0; i < n; i++) {
    const q = finiteArray(`samples[${i}]`, samples[i], 1);
    const m = mean(q);
    means[i] = m;
    kSum += q.length;
    if (q.length >= 2) {
      const v = sampleVariance(q, m);
      withinSum += v;
      withinCount++;
      noiseOfMeans += v / q.length;
    }
  }
  if (withinCount === 0) {
    throw insufficient('samples', 1, 'every question has a single sample, so the within-question variance is unknown; use standardError');
  }
  const withinVariance = withinSum / withinCount;
  // questions with one sample contribute the average within variance to the noise of their mean
  noiseOfMeans = (noiseOfMeans + (n - withinCount) * withinVariance) / n;
  const m = mean(means);
  const varMeans = sampleVariance(means, m);
  const se = Math.sqrt(varMeans / n);
  const betweenVariance = Math.max(0, varMeans - noiseOfMeans);
  const singleSampleStandardError = Math.sqrt((betweenVariance + withinVariance) / n);
  const z = zCritical(confidence);
  return {
    estimate: m,
    standardError: se,
    ci: [m - z * se, m + z * se],
    confidence,
    n,
    method: 'Standard error of the mean of per-question means (K samples per question)',
    samplesPerQuestion: kSum / n,
    withinVariance,
    betweenVariance,
    singleSampleStandardError,
    varianceReduction: varMeans > 0 ? (betweenVariance + withinVariance) / varMeans : 1,
  };
}
