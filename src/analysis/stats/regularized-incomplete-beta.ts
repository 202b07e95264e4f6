import { betaI } from './internal/special.js';
import { positive, probability } from './internal/validate.js';

/**
 * Regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b).
 *
 * The CDF of the Beta(a, b) distribution, and the building block of the Student t, F and binomial
 * distributions. Uses the Numerical Recipes continued fraction with the modified Lentz algorithm,
 * the symmetry I_x(a, b) = 1 - I_(1-x)(b, a) to stay where it converges fast, a power prefix
 * computed through log1p(d) - d so a and b in the millions lose no digits, and the DiDonato–Morris
 * asymptotic expansion (BGRAT) for a large with b <= 1 near x = 1.
 *
 * Reference: Press et al., *Numerical Recipes*, 3rd ed. (2007), §6.4; Lentz, W. J. (1976),
 * Applied Optics 15(3); DiDonato & Morris (1992), ACM TOMS 18(3).
 *
 * @param x - the point, in [0, 1]
 * @param a - first shape parameter, > 0
 * @param b - second shape parameter, > 0
 * @returns I_x(a, b), in [0, 1]
 * @throws ExptrackError `invalid_input` when x is outside [0, 1] or a or b is not a finite number > 0
 *
 * @example
 * ```ts
 * import { regularizedIncompleteBeta } from 'exptrack/analysis';
 * regularizedIncompleteBeta(0.3, 2, 3);   // 0.34829999999999894 (exact: 0.3483)
 * regularizedIncompleteBeta(0.5, 10, 10); // 0.5000000000000006
 * ```
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  probability('x', x);
  positive('a', a);
  positive('b', b);
  return betaI(x, 1 - x, a, b)[0];
}
