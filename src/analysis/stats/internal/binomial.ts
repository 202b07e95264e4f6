/**
 * Binomial probabilities through the incomplete beta function, with full relative precision in
 * both tails, and the exact two-sided binomial p-value.
 * @internal
 * @module
 */
import { betaI, logBetaPrefix } from './special.js';

/** P(X = k) for X ~ Bin(n, p), 0 < p < 1. */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  // x^a y^b / B(a, b) with a = k + 1, b = n - k + 1 equals (n + 1) * C(n, k) p^k q^(n-k)
  return Math.exp(logBetaPrefix(p, 1 - p, k + 1, n - k + 1)) / (n + 1);
}

/** P(X <= k). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return betaI(p, 1 - p, k + 1, n - k)[1];
}

/** P(X > k). */
export function binomialSf(k: number, n: number, p: number): number {
  if (k < 0) return 1;
  if (k >= n) return 0;
  return betaI(p, 1 - p, k + 1, n - k)[0];
}

/**
 * Exact two-sided p-value: the total probability of the outcomes no more likely than k (with a
 * relative tolerance of 1e-7 for ties, as R's binom.test and scipy.stats.binomtest).
 */
export function binomialTwoSidedPValue(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  const d = binomialPmf(k, n, p);
  const rerr = 1 + 1e-7;
  const m = p * n;
  if (k === m) return 1;
  let pval: number;
  if (k < m) {
    // first index on the upper side of the mode whose pmf is <= d * rerr
    const ix = searchDescending((i) => binomialPmf(i, n, p), d * rerr, Math.ceil(m), n);
    pval = binomialCdf(k, n, p) + binomialSf(ix - 1, n, p);
  } else {
    // last index on the lower side of the mode whose pmf is <= d * rerr
    const ix = searchAscending((i) => binomialPmf(i, n, p), d * rerr, 0, Math.floor(m));
    pval = binomialCdf(ix, n, p) + binomialSf(k - 1, n, p);
  }
  return Math.min(1, pval);
}

/** On [lo, hi] where f decreases, the smallest i with f(i) <= limit (hi + 1 if none). */
function searchDescending(f: (i: number) => number, limit: number, lo: number, hi: number): number {
  let l = lo;
  let h = hi + 1;
  while (l < h) {
    const mid = Math.floor((l + h) / 2);
    if (f(mid) <= limit) h = mid;
    else l = mid + 1;
  }
  return l;
}

/** On [lo, hi] where f increases, the largest i with f(i) <= limit (lo - 1 if none). */
function searchAscending(f: (i: number) => number, limit: number, lo: number, hi: number): number {
  let l = lo - 1;
  let h = hi;
  while (l < h) {
    const mid = Math.ceil((l + h) / 2);
    if (f(mid) <= limit) l = mid;
    else h = mid - 1;
  }
  return l;
}
