import { bootstrapInterval, readBootstrapOptions, type BootstrapMethod } from './internal/bootstrap-core.js';
import { mean, sortedQuantile } from './internal/moments.js';
import { finiteArray, insufficient } from './internal/validate.js';
import { invalidInput } from '../../core/errors.js';
import { createRandom } from './random.js';
import type { IntervalResult } from './types.js';

/**
 * The statistic a bootstrap interval is computed for: `'mean'`, `'median'`, or a function of a
 * sample. The function receives a reused array: read it, do not keep it.
 *
 * @example
 * ```ts
 * import type { BootstrapStatistic } from 'exptrack/analysis';
 * const trimmed: BootstrapStatistic = (xs) => { const s = [...xs].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]!; };
 * ```
 */
export type BootstrapStatistic = 'mean' | 'median' | ((sample: readonly number[]) => number);

/**
 * Options of {@link bootstrapCI} and {@link pairedBootstrap}.
 *
 * @example
 * ```ts
 * import type { BootstrapOptions } from 'exptrack/analysis';
 * const options: BootstrapOptions = { method: 'bca', resamples: 5000, seed: 1, confidence: 0.9 };
 * ```
 */
export interface BootstrapOptions {
  /**
   * `'percentile'` or `'bca'` (bias-corrected and accelerated).
   * @defaultValue 'percentile'
   */
  method?: BootstrapMethod;
  /**
   * Number of bootstrap resamples.
   * @defaultValue 10000
   */
  resamples?: number;
  /**
   * Seed of the resampling (the same seed gives the same interval).
   * @defaultValue 0
   */
  seed?: number;
  /**
   * The confidence level.
   * @defaultValue 0.95
   */
  confidence?: number;
}

/**
 * Options of {@link bootstrapCI}: {@link BootstrapOptions} and the statistic.
 *
 * @example
 * ```ts
 * import type { BootstrapCIOptions } from 'exptrack/analysis';
 * const options: BootstrapCIOptions = { statistic: 'median', method: 'bca' };
 * ```
 */
export interface BootstrapCIOptions extends BootstrapOptions {
  /**
   * The statistic.
   * @defaultValue 'mean'
   */
  statistic?: BootstrapStatistic;
}

/**
 * The result of a bootstrap: an {@link IntervalResult} with the bootstrap standard error.
 *
 * @example
 * ```ts
 * import { bootstrapCI, type BootstrapResult } from 'exptrack/analysis';
 * const r: BootstrapResult = bootstrapCI([1, 2, 3, 4, 5]);
 * [r.n, r.resamples]; // [5, 10000]
 * ```
 */
export interface BootstrapResult extends IntervalResult {
  /** The standard deviation of the bootstrap distribution. */
  standardError: number;
  /** Number of items. */
  n: number;
  /** Number of resamples drawn. */
  resamples: number;
}

/**
 * Nonparametric bootstrap confidence interval of a statistic (mean, median or any function).
 *
 * For the uncertainty of a score when no formula applies, or when the sample is skewed. Draws
 * `resamples` samples of size n with replacement using the seeded generator (so the same seed gives
 * the same interval) and reports:
 * - `'percentile'`: the α/2 and 1 - α/2 quantiles of the bootstrap distribution (linear
 *   interpolation, as numpy's default);
 * - `'bca'`: Efron's bias-corrected and accelerated interval, which corrects for median bias and
 *   skewness (bias from the mid-rank of the observed statistic among the resamples, acceleration
 *   from the jackknife), the same recipe as `scipy.stats.bootstrap(method='BCa')`.
 *
 * Results agree with scipy's to Monte Carlo error only (the random streams differ).
 *
 * Reference: Efron, B. & Tibshirani, R. J. (1993), *An Introduction to the Bootstrap*, Chapman &
 * Hall, ch. 13–14; Efron, B. (1987), "Better bootstrap confidence intervals", JASA 82(397).
 *
 * @param values - the sample, at least 2 finite values
 * @param options - `statistic`, `method`, `resamples`, `seed`, `confidence`
 * @returns a {@link BootstrapResult}: bounds, the statistic on the full sample as `estimate`, and
 *   the bootstrap standard error
 * @throws ExptrackError `invalid_input` on a non-finite value, a bad option or a statistic that
 *   returns a non-finite number; `insufficient_data` with fewer than 2 values, or when BCa is
 *   undefined (the observed statistic lies outside the bootstrap distribution)
 *
 * @example
 * ```ts
 * import { bootstrapCI } from 'exptrack/analysis';
 * bootstrapCI([0.61, 0.72, 0.55, 0.80, 0.67, 0.74, 0.59, 0.70], { seed: 42 });
 * // { lower: 0.61875, upper: 0.7274999999999999, estimate: 0.6725, confidence: 0.95,
 * //   method: 'Bootstrap percentile interval (mean)', standardError: 0.027591348405977895, n: 8, resamples: 10000 }
 * ```
 */
export function bootstrapCI(values: readonly number[], options?: BootstrapCIOptions): BootstrapResult {
  const xs = finiteArray('values', values, 2);
  const { method, resamples, seed, confidence } = readBootstrapOptions(options);
  const statOption = options?.statistic ?? 'mean';
  if (typeof statOption !== 'function' && statOption !== 'mean' && statOption !== 'median') {
    throw invalidInput('statistic', statOption, "must be 'mean', 'median' or a function");
  }
  const n = xs.length;
  const rng = createRandom(seed);
  const dist = new Float64Array(resamples);
  let statistic: (sample: number[]) => number;
  let label: string;
  if (statOption === 'mean') {
    statistic = (s) => mean(s);
    label = 'mean';
    const data = Float64Array.from(xs);
    const idx = new Int32Array(n);
    for (let r = 0; r < resamples; r++) {
      rng.fillInts(idx, n);
      let s = 0;
      for (let i = 0; i < n; i++) s += data[idx[i] as number] as number;
      dist[r] = s / n;
    }
  } else {
    if (statOption === 'median') {
      statistic = (s) => sortedQuantile(Float64Array.from(s).sort(), 0.5);
      label = 'median';
    } else {
      const user = statOption;
      statistic = (s) => {
        const v = user(s);
        if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidInput('statistic', v, 'must return a finite number');
        return v;
      };
      label = statOption.name ? statOption.name : 'custom statistic';
    }
    const buf = new Array<number>(n);
    const idx = new Int32Array(n);
    for (let r = 0; r < resamples; r++) {
      rng.fillInts(idx, n);
      for (let i = 0; i < n; i++) buf[i] = xs[idx[i] as number] as number;
      dist[r] = statistic(buf);
    }
  }
  const observed = statistic([...xs]);
  const jackknife = (): Float64Array => {
    const out = new Float64Array(n);
    if (statOption === 'mean') {
      let total = 0;
      for (let i = 0; i < n; i++) total += xs[i] as number;
      for (let i = 0; i < n; i++) out[i] = (total - (xs[i] as number)) / (n - 1);
      return out;
    }
    const buf = new Array<number>(n - 1);
    for (let i = 0; i < n; i++) {
      let w = 0;
      for (let j = 0; j < n; j++) if (j !== i) buf[w++] = xs[j] as number;
      out[i] = statistic(buf);
    }
    return out;
  };
  const ci = bootstrapInterval(dist, observed, confidence, method, jackknife);
  if (!Number.isFinite(ci.lower) || !Number.isFinite(ci.upper)) {
    throw insufficient('values', n, 'the bootstrap interval is not finite');
  }
  return {
    lower: ci.lower,
    upper: ci.upper,
    estimate: observed,
    confidence,
    method: `Bootstrap ${method === 'bca' ? 'BCa' : 'percentile'} interval (${label})`,
    standardError: ci.standardError,
    n,
    resamples,
  };
}
