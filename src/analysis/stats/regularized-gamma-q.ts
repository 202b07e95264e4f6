import { gammaPQ } from './internal/special.js';
import { notNaN, positive } from './internal/validate.js';

/**
 * Regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a) = 1 - P(a, x).
 *
 * The survival function of the Gamma(a, 1) distribution; `chiSquareSf(x, df)` is Q(df/2, x/2).
 * Computed directly (not as 1 - P) where it is the small one, so upper tails keep full relative
 * precision.
 *
 * Reference: Press et al., *Numerical Recipes*, 3rd ed. (2007), §6.2; Abramowitz & Stegun (1964),
 * 6.5.3.
 *
 * @param a - shape, a finite number > 0
 * @param x - the point, >= 0 (Infinity gives 0)
 * @returns Q(a, x), in [0, 1]
 * @throws ExptrackError `invalid_input` when a is not a finite number > 0 or x is negative or NaN
 *
 * @example
 * ```ts
 * import { regularizedGammaQ } from 'exptrack/analysis';
 * regularizedGammaQ(1, 1);    // 0.3678794411714422 (e^-1)
 * regularizedGammaQ(0.5, 50); // 1.5239706048320995e-23
 * ```
 */
export function regularizedGammaQ(a: number, x: number): number {
  positive('a', a);
  notNaN('x', x);
  if (x < 0) positive('x', x, true);
  return gammaPQ(a, x)[1];
}
