/**
 * The result shapes shared by the statistics functions of `exptrack/analysis`.
 * @module
 */

/**
 * The alternative hypothesis of a test: `'two-sided'` (the default), `'greater'` (the first
 * sample's parameter is larger) or `'less'`.
 *
 * @example
 * ```ts
 * import { welchTTest } from 'exptrack/analysis';
 * welchTTest([3, 4, 5], [1, 2, 3], { alternative: 'greater' }).pValue; // 0.03524199845511002
 * ```
 */
export type Alternative = 'two-sided' | 'greater' | 'less';

/**
 * The result of a hypothesis test. Every test in `exptrack/analysis` returns this shape (two-sample
 * tests add {@link TwoSampleTestResult.nA} and `nB`).
 *
 * @example
 * ```ts
 * import { oneSampleTTest, type TestResult } from 'exptrack/analysis';
 * const r: TestResult = oneSampleTTest([1, 2, 3, 4], 0);
 * // { statistic: 3.872983346207417, pValue: 0.03046629166217096, df: 3, estimate: 2.5, ... }
 * ```
 */
export interface TestResult {
  /** The test statistic (t, z, chi-square, a count or a difference of means: see `method`). */
  statistic: number;
  /** The p-value, in [0, 1]. */
  pValue: number;
  /** Degrees of freedom, where the reference distribution has them. */
  df?: number;
  /** The point estimate of the tested quantity (a mean, a difference of means, a proportion). */
  estimate: number;
  /** The standard error of `estimate`, where the method defines one. */
  standardError?: number;
  /** The confidence interval of `estimate` as [lower, upper]; one-sided tests give an infinite bound. */
  ci?: [number, number];
  /** The confidence level of `ci`. */
  confidence?: number;
  /** The alternative hypothesis tested. */
  alternative: Alternative;
  /** A readable name of the method, e.g. `"Welch two-sample t-test"`. */
  method: string;
  /** The number of observations (pairs, for paired tests; both samples together for two-sample tests). */
  n: number;
}

/**
 * The result of a two-sample test: a {@link TestResult} with the size of each sample.
 *
 * @example
 * ```ts
 * import { welchTTest, type TwoSampleTestResult } from 'exptrack/analysis';
 * const r: TwoSampleTestResult = welchTTest([3, 4, 5], [1, 2, 3]);
 * [r.nA, r.nB, r.n]; // [3, 3, 6]
 * ```
 */
export interface TwoSampleTestResult extends TestResult {
  /** Size of the first sample. */
  nA: number;
  /** Size of the second sample. */
  nB: number;
}

/**
 * A confidence interval around a point estimate.
 *
 * @example
 * ```ts
 * import { wilsonInterval, type IntervalResult } from 'exptrack/analysis';
 * const ci: IntervalResult = wilsonInterval(8, 10);
 * // { lower: 0.49016247153664166, upper: 0.9433178485456247, estimate: 0.8, confidence: 0.95, method: 'Wilson score interval' }
 * ```
 */
export interface IntervalResult {
  /** Lower bound. */
  lower: number;
  /** Upper bound. */
  upper: number;
  /** The point estimate. */
  estimate: number;
  /** The confidence level, in (0, 1). */
  confidence: number;
  /** A readable name of the method. */
  method: string;
}

/**
 * Options of the tests that accept an alternative hypothesis and a confidence level.
 *
 * @example
 * ```ts
 * import type { TestOptions } from 'exptrack/analysis';
 * const options: TestOptions = { alternative: 'less', confidence: 0.99 };
 * ```
 */
export interface TestOptions {
  /**
   * The alternative hypothesis.
   * @defaultValue 'two-sided'
   */
  alternative?: Alternative;
  /**
   * The confidence level of `ci`.
   * @defaultValue 0.95
   */
  confidence?: number;
}
