import { invalidInput } from '../../core/errors.js';
import { mean, sampleVariance } from './internal/moments.js';
import { confidenceLevel, finiteArray, insufficient } from './internal/validate.js';
import { zCritical } from './internal/distributions.js';
import type { StandardErrorOptions, StandardErrorResult } from './standard-error.js';

/**
 * The result of {@link clusteredStandardError}: a {@link StandardErrorResult} with the naive SE
 * for comparison.
 *
 * @example
 * ```ts
 * import { clusteredStandardError, type ClusteredStandardErrorResult } from 'exptrack/analysis';
 * const r: ClusteredStandardErrorResult = clusteredStandardError([1, 1, 0, 0], ['p1', 'p1', 'p2', 'p2']);
 * r.standardError > r.unclusteredStandardError; // true: scores inside a passage move together
 * ```
 */
export interface ClusteredStandardErrorResult extends StandardErrorResult {
  /** The CLT standard error that ignores the clusters, s / sqrt(n). */
  unclusteredStandardError: number;
  /** Number of distinct clusters. */
  clusters: number;
}

/**
 * Cluster-robust standard error of an eval's mean score, for questions that come in groups
 * (several questions about one passage, one image, one code base).
 *
 * Questions in a cluster are correlated, so the naive SE understates the uncertainty, often by a
 * factor of 3 or more. Miller's eq. 4:
 * SE² = SE_CLT² + (1/n²) Σ_c Σ_i Σ_(j≠i) (s_(i,c) - s̄)(s_(j,c) - s̄), with SE_CLT = s / sqrt(n).
 * With one question per cluster it equals {@link standardError}.
 *
 * Reference: Miller, E. (2024), "Adding Error Bars to Evals", arXiv:2411.00640, §2.2, eq. 4;
 * Cameron, A. C. & Miller, D. L. (2015), "A practitioner's guide to cluster-robust inference",
 * J. Human Resources 50(2).
 *
 * @param scores - the per-question scores, at least 2 finite values
 * @param clusters - the cluster of each question (any string or number id), same length as scores
 * @param options - `confidence` of the normal interval
 * @returns a {@link ClusteredStandardErrorResult}
 * @throws ExptrackError `invalid_input` on a non-finite score, a length mismatch or a cluster id
 *   that is not a string or a finite number; `insufficient_data` with fewer than 2 scores
 *
 * @example
 * ```ts
 * import { clusteredStandardError } from 'exptrack/analysis';
 * clusteredStandardError([1, 1, 1, 0, 0, 0, 1, 0], ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c']);
 * // { estimate: 0.5, standardError: 0.273453443412742, unclusteredStandardError: 0.1889822365046136,
 * //   clusters: 3, n: 8, ci: [-0.03595890053743622, 1.0359589005374361], confidence: 0.95,
 * //   method: 'Cluster-robust standard error of the mean' }
 * ```
 */
export function clusteredStandardError(
  scores: readonly number[],
  clusters: readonly (string | number)[],
  options?: StandardErrorOptions,
): ClusteredStandardErrorResult {
  const xs = finiteArray('scores', scores, 2);
  if (!Array.isArray(clusters)) throw invalidInput('clusters', clusters, 'must be an array of cluster ids');
  if (clusters.length !== xs.length) {
    throw invalidInput('clusters', clusters.length, `must have the same length as scores (${xs.length})`);
  }
  const confidence = options?.confidence === undefined ? 0.95 : confidenceLevel(options.confidence);
  const n = xs.length;
  const m = mean(xs);
  const sums = new Map<string | number, { s: number; ss: number }>();
  for (let i = 0; i < n; i++) {
    const id = clusters[i];
    if (!(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))) {
      throw invalidInput(`clusters[${i}]`, id, 'must be a string or a finite number');
    }
    const e = (xs[i] as number) - m;
    const acc = sums.get(id);
    if (acc) {
      acc.s += e;
      acc.ss += e * e;
    } else sums.set(id, { s: e, ss: e * e });
  }
  let cross = 0;
  for (const { s, ss } of sums.values()) cross += s * s - ss;
  const se2Clt = sampleVariance(xs, m) / n;
  const variance = se2Clt + cross / (n * n);
  if (!(variance >= 0)) throw insufficient('scores', variance, 'the clustered variance is negative for these data');
  const se = Math.sqrt(variance);
  const z = zCritical(confidence);
  return {
    estimate: m,
    standardError: se,
    ci: [m - z * se, m + z * se],
    confidence,
    n,
    method: 'Cluster-robust standard error of the mean',
    unclusteredStandardError: Math.sqrt(se2Clt),
    clusters: sums.size,
  };
}
