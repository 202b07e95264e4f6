import { differences, mean } from './internal/moments.js';
import { readTestOptions } from './internal/options.js';
import { invalidInput } from '../../core/errors.js';
import { finite, finiteArray, integer, sameLength } from './internal/validate.js';
import { createRandom } from './random.js';
import type { Alternative, TestResult } from './types.js';

/**
 * Options of {@link permutationTest}.
 *
 * @example
 * ```ts
 * import type { PermutationTestOptions } from 'exptrack/analysis';
 * const options: PermutationTestOptions = { paired: true, resamples: 20000, seed: 7 };
 * ```
 */
export interface PermutationTestOptions {
  /**
   * Paired data (a[i] and b[i] belong to the same item): a sign-flip test on the differences.
   * Otherwise the two samples are independent and group labels are permuted.
   * @defaultValue false
   */
  paired?: boolean;
  /**
   * Number of random rearrangements when the test is not exact.
   * @defaultValue 10000
   */
  resamples?: number;
  /**
   * Seed of the random rearrangements (the same seed gives the same p-value).
   * @defaultValue 0
   */
  seed?: number;
  /**
   * Largest number of arrangements enumerated exactly; above it the test is Monte Carlo.
   * @defaultValue 1000000
   */
  maxExact?: number;
  /**
   * The alternative hypothesis on the mean difference.
   * @defaultValue 'two-sided'
   */
  alternative?: Alternative;
  /**
   * Relative tolerance under which two statistics count as tied.
   * @defaultValue 1e-9
   */
  tolerance?: number;
}

/**
 * The result of {@link permutationTest}: a {@link TestResult} saying whether the p-value is exact
 * and how many arrangements it used.
 *
 * @example
 * ```ts
 * import { permutationTest, type PermutationTestResult } from 'exptrack/analysis';
 * const r: PermutationTestResult = permutationTest([1, 2, 3], [4, 5, 6]);
 * [r.exact, r.resamples]; // [true, 20]
 * ```
 */
export interface PermutationTestResult extends TestResult {
  /** True when every arrangement was enumerated (the p-value is exact). */
  exact: boolean;
  /** The number of arrangements enumerated (exact) or drawn (Monte Carlo). */
  resamples: number;
}

/**
 * Permutation test of a difference in means, exact or Monte Carlo, for independent or paired
 * samples.
 *
 * Assumption-light comparison of two systems: no normality, only exchangeability under the null
 * hypothesis.
 * - Independent samples: the statistic is mean(a) - mean(b); under the null hypothesis every split
 *   of the pooled values into groups of sizes nA and nB is equally likely (C(nA + nB, nA)
 *   arrangements).
 * - Paired (`paired: true`): the statistic is mean(a - b); under the null hypothesis each
 *   difference is equally likely to have either sign (2^n arrangements).
 *
 * When the number of arrangements is at most `maxExact` (10^6 by default) all of them are
 * enumerated and the p-value is exact: the fraction of arrangements at least as extreme as the
 * observed one. Otherwise `resamples` random arrangements are drawn with the seeded generator and
 * the p-value is (count + 1) / (B + 1), which is never 0 and is a valid p-value (Phipson & Smyth).
 *
 * Two-sided p-value: the proportion of arrangements with |T*| >= |T|. (For paired data the null
 * distribution is symmetric; for independent samples of unequal sizes this is the usual "absolute
 * difference" definition, not twice the smaller tail.) `'greater'` counts T* >= T, `'less'` T* <= T.
 * Ties: two statistics closer than `tolerance` × max(|T|, mean |value|) are equal, so arrangements
 * that tie the observed one in exact arithmetic are counted despite floating-point rounding.
 *
 * Reference: Good, P. (2005), *Permutation, Parametric, and Bootstrap Tests of Hypotheses*, 3rd ed.,
 * Springer; Phipson, B. & Smyth, G. K. (2010), "Permutation p-values should never be zero",
 * Stat. Appl. Genet. Mol. Biol. 9(1).
 *
 * @param a - first sample (or first system's scores, when paired), at least 1 finite value
 * @param b - second sample (or second system's scores on the same items), at least 1 finite value
 * @param options - `paired`, `resamples`, `seed`, `maxExact`, `alternative`, `tolerance`
 * @returns a {@link PermutationTestResult}; `statistic` and `estimate` are the observed difference
 *   in means
 * @throws ExptrackError `invalid_input` on a non-finite value, a length mismatch when paired, or a
 *   bad option; `insufficient_data` on an empty sample
 *
 * @example
 * ```ts
 * import { permutationTest } from 'exptrack/analysis';
 * permutationTest([0.9, 0.8, 0.85, 0.95], [0.7, 0.75, 0.6, 0.8]);
 * // { statistic: 0.16249999999999998, pValue: 0.05714285714285714, exact: true, resamples: 70,
 * //   method: 'Exact permutation test (independent samples)', ... }
 * permutationTest([0.9, 0.8, 0.85, 0.95], [0.7, 0.75, 0.6, 0.8], { paired: true }).pValue; // 0.125
 * ```
 */
export function permutationTest(a: readonly number[], b: readonly number[], options?: PermutationTestOptions): PermutationTestResult {
  const o = options ?? {};
  const xa = finiteArray('a', a, 1);
  const xb = finiteArray('b', b, 1);
  const paired = o.paired === true;
  if (paired) sameLength('a', xa, 'b', xb);
  const { alternative } = readTestOptions({ alternative: o.alternative });
  const resamples = o.resamples === undefined ? 10000 : integer('resamples', o.resamples, 1);
  const seed = o.seed === undefined ? 0 : finite('seed', o.seed);
  const maxExact = o.maxExact === undefined ? 1_000_000 : integer('maxExact', o.maxExact, 0);
  const relTol = o.tolerance === undefined ? 1e-9 : finite('tolerance', o.tolerance);
  if (relTol < 0) throw invalidInput('tolerance', relTol, 'must be >= 0');

  if (paired) {
    const d = differences(xa, xb);
    const n = d.length;
    const observed = mean(d);
    const tol = relTol * Math.max(Math.abs(observed), meanAbs(d));
    const isExtreme = extremeTest(observed, tol, alternative);
    const arrangements = Math.pow(2, n);
    if (arrangements <= maxExact) {
      const count = enumerateSignFlips(d, isExtreme);
      return result(observed, count / arrangements, alternative, n, true, arrangements, 'Exact paired permutation test (sign flip)');
    }
    const rng = createRandom(seed);
    let count = 0;
    for (let r = 0; r < resamples; r++) {
      let s = 0;
      let bits = 0;
      for (let i = 0; i < n; i++) {
        if ((i & 31) === 0) bits = rng.nextUint32();
        const v = d[i] as number;
        s += bits & 1 ? v : -v;
        bits >>>= 1;
      }
      if (isExtreme(s / n)) count++;
    }
    return result(observed, (count + 1) / (resamples + 1), alternative, n, false, resamples, 'Monte Carlo paired permutation test (sign flip)');
  }

  const na = xa.length;
  const nb = xb.length;
  const N = na + nb;
  const pooled = new Float64Array(N);
  pooled.set(xa as ArrayLike<number>, 0);
  pooled.set(xb as ArrayLike<number>, na);
  let total = 0;
  for (let i = 0; i < N; i++) total += pooled[i] as number;
  const observed = mean(xa) - mean(xb);
  const tol = relTol * Math.max(Math.abs(observed), meanAbs(pooled));
  const isExtreme = extremeTest(observed, tol, alternative);
  const statFromSumA = (sumA: number): number => sumA / na - (total - sumA) / nb;
  const arrangements = binomialCoefficientCapped(N, na, maxExact);
  if (arrangements <= maxExact) {
    // enumerate the smaller group's members
    const k = Math.min(na, nb);
    const chooseA = na <= nb;
    let count = 0;
    const visit = (start: number, remaining: number, s: number): void => {
      if (remaining === 0) {
        if (isExtreme(statFromSumA(chooseA ? s : total - s))) count++;
        return;
      }
      for (let i = start; i <= N - remaining; i++) visit(i + 1, remaining - 1, s + (pooled[i] as number));
    };
    visit(0, k, 0);
    return result(observed, count / arrangements, alternative, N, true, arrangements, 'Exact permutation test (independent samples)', na, nb);
  }
  const rng = createRandom(seed);
  const work = Float64Array.from(pooled);
  let count = 0;
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < na; i++) {
      const j = i + rng.nextInt(N - i);
      const v = work[j] as number;
      work[j] = work[i] as number;
      work[i] = v;
      s += v;
    }
    if (isExtreme(statFromSumA(s))) count++;
  }
  return result(observed, (count + 1) / (resamples + 1), alternative, N, false, resamples, 'Monte Carlo permutation test (independent samples)', na, nb);
}

function result(
  observed: number,
  pValue: number,
  alternative: Alternative,
  n: number,
  exact: boolean,
  resamples: number,
  method: string,
  nA?: number,
  nB?: number,
): PermutationTestResult {
  const r: PermutationTestResult = { statistic: observed, pValue: Math.min(1, pValue), estimate: observed, alternative, method, n, exact, resamples };
  if (nA !== undefined && nB !== undefined) Object.assign(r, { nA, nB });
  return r;
}

function meanAbs(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.abs(values[i] as number);
  return s / values.length;
}

function extremeTest(observed: number, tol: number, alternative: Alternative): (t: number) => boolean {
  if (alternative === 'greater') return (t) => t >= observed - tol;
  if (alternative === 'less') return (t) => t <= observed + tol;
  const threshold = Math.abs(observed) - tol;
  return (t) => Math.abs(t) >= threshold;
}

/** Counts the sign assignments whose mean is extreme, by depth-first enumeration of all 2^n. */
function enumerateSignFlips(d: readonly number[], isExtreme: (t: number) => boolean): number {
  const n = d.length;
  let count = 0;
  const visit = (i: number, s: number): void => {
    if (i === n) {
      if (isExtreme(s / n)) count++;
      return;
    }
    const v = d[i] as number;
    visit(i + 1, s + v);
    visit(i + 1, s - v);
  };
  visit(0, 0);
  return count;
}

/** C(n, k), or a number above `cap` as soon as the running product exceeds it. */
function binomialCoefficientCapped(n: number, k: number, cap: number): number {
  const kk = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= kk; i++) {
    c = (c * (n - kk + i)) / i;
    if (c > cap) return Infinity;
  }
  return Math.round(c);
}
