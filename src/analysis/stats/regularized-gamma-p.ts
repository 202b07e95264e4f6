import { gammaPQ } from './internal/special.js';
import { notNaN, positive } from './internal/validate.js';

/**
 * Regularised lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a).
 *
 * The CDF of the Gamma(a, 1) distribution (and of χ²(2a) at 2x). Series expansion for x < a + 1,
 * modified-Lentz continued fraction otherwise, with the prefix x^a e^-x / Γ(a) computed through
 * log1p(d) - d so large a keeps its digits. See {@link regularizedGammaQ} for the complement.
 *
 * Reference: Press et al., *Numerical Recipes*, 3rd ed. (2007), §6.2; Abramowitz & Stegun (1964),
 * 6.5.1.
 *
 * @param a - shape, a finite number > 0
 * @param x - the point, >= 0 (Infinity gives 1)
 * @returns P(a, x), in [0, 1]
 * @throws ExptrackError `invalid_input` when a is not a finite number > 0 or x is negative or NaN
 *
 * @example
 * ```ts
 * import { regularizedGammaP } from 'exptrack/analysis';
 * regularizedGammaP(1, 1);   // 0.6321205588285578 (1 - e^-1)
 * regularizedGammaP(5, 2);   // 0.05265301734371123
 * ```
 */
export function regularizedGammaP(a: number, x: number): number {
  positive('a', a);
  checkX(x);
  return gammaPQ(a, x)[0];
}

function checkX(x: number): void {
  notNaN('x', x);
  if (x < 0) positive('x', x, true);
}
