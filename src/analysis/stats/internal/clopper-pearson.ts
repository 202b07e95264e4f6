/**
 * Clopper–Pearson bounds by inverting the incomplete beta function (unchecked).
 * @internal
 * @module
 */
import { inverseBetaI } from './special.js';

/** Lower bound with tail probability `tail`: the x with P(Bin(n, x) >= k) = tail. */
export function clopperPearsonLower(k: number, n: number, tail: number): number {
  if (k === 0) return 0;
  if (k === n) return Math.exp(Math.log(tail) / n);
  return inverseBetaI(tail, 1 - tail, k, n - k + 1)[0];
}

/** Upper bound with tail probability `tail`: the x with P(Bin(n, x) <= k) = tail. */
export function clopperPearsonUpper(k: number, n: number, tail: number): number {
  if (k === n) return 1;
  if (k === 0) return -Math.expm1(Math.log(tail) / n);
  return inverseBetaI(1 - tail, tail, k + 1, n - k)[0];
}
