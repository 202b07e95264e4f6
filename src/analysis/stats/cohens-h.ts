import { probability } from './internal/validate.js';

/**
 * Cohen's h: the effect size of a difference between two proportions, h = 2 asin(sqrt(p1)) - 2
 * asin(sqrt(p2)).
 *
 * The arcsine transform makes equal differences equally detectable anywhere in [0, 1] (going from
 * 0.90 to 0.95 accuracy is a larger effect than 0.50 to 0.55); 0.2, 0.5 and 0.8 are the usual
 * small, medium and large. Matches `statsmodels.stats.proportion.proportion_effectsize(p1, p2)`.
 *
 * Reference: Cohen, J. (1988), *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.,
 * §6.2.
 *
 * @param p1 - first proportion, in [0, 1]
 * @param p2 - second proportion, in [0, 1]
 * @returns h, in [-π, π]
 * @throws ExptrackError `invalid_input` when a proportion is outside [0, 1]
 *
 * @example
 * ```ts
 * import { cohensH } from 'exptrack/analysis';
 * cohensH(0.95, 0.9); // 0.19247429699702145
 * cohensH(0.55, 0.5); // 0.10016742116155974
 * ```
 */
export function cohensH(p1: number, p2: number): number {
  probability('p1', p1);
  probability('p2', p2);
  return 2 * Math.asin(Math.sqrt(p1)) - 2 * Math.asin(Math.sqrt(p2));
}
