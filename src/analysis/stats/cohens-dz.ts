import { differences, mean, sampleVariance } from './internal/moments.js';
import { finiteArray, insufficient, sameLength } from './internal/validate.js';

/**
 * Cohen's d_z: the standardised mean of paired differences, mean(x - y) / sd(x - y).
 *
 * The effect size that goes with a paired t-test (t = d_z · sqrt(n)): how large the per-item
 * improvement is relative to its item-to-item spread.
 *
 * Reference: Cohen, J. (1988), *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.,
 * §2.3.5; Lakens, D. (2013), Front. Psychol. 4:863, eq. 6.
 *
 * @param x - first system's scores, at least 2 finite values
 * @param y - second system's scores on the same items
 * @returns d_z, a number
 * @throws ExptrackError `invalid_input` on a non-finite value or a length mismatch;
 *   `insufficient_data` with fewer than 2 pairs or when all differences are equal
 *
 * @example
 * ```ts
 * import { cohensDz } from 'exptrack/analysis';
 * cohensDz([0.9, 0.8, 0.7, 0.95, 0.85], [0.85, 0.8, 0.6, 0.9, 0.8]); // 1.4142135623730947
 * ```
 */
export function cohensDz(x: readonly number[], y: readonly number[]): number {
  const xs = finiteArray('x', x, 2);
  const ys = finiteArray('y', y, 2);
  sameLength('x', xs, 'y', ys);
  const d = differences(xs, ys);
  const m = mean(d);
  const sd = Math.sqrt(sampleVariance(d, m));
  if (!(sd > 0)) throw insufficient('x', sd, 'all paired differences are equal, so d_z is undefined');
  return m / sd;
}
