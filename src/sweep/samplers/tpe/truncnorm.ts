/**
 * The normal-distribution arithmetic the Parzen estimators need: log masses of intervals (stable in
 * the tails), the truncated-normal log density, and truncated-normal draws.
 * @module
 */
import type { Prng } from '../../random.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT1_2 = Math.SQRT1_2;

/**
 * `log(erfc(x))` for `x >= 0`, from the Chebyshev-fitted rational form of Press et al. (Numerical
 * Recipes, `erfcc`, fractional error below 1.2e-7 everywhere). Working in logs keeps far tails
 * finite where erfc itself would underflow.
 */
function logErfcNonNegative(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
      t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + poly;
}

/** erfc(x) for any x. */
export function erfc(x: number): number {
  return x >= 0 ? Math.exp(logErfcNonNegative(x)) : 2 - Math.exp(logErfcNonNegative(-x));
}

/** The log of the upper tail of the standard normal, `log P(Z > z)`, for `z >= 0`. */
function logUpperTail(z: number): number {
  return Math.log(0.5) + logErfcNonNegative(z * SQRT1_2);
}

/** The upper tail `P(Z > z)` of the standard normal, for any z. */
function upperTail(z: number): number {
  return 0.5 * erfc(z * SQRT1_2);
}

/**
 * `log P(a <= Z <= b)` for a standard normal Z and `a <= b`, accurate in both tails and for narrow
 * intervals. Returns -Infinity for an empty interval.
 */
export function logNormalMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  const w = b - a;
  const m = 0.5 * (a + b);
  if (w < 1e-2) {
    // Midpoint rule with its curvature correction: exact to O(w^4).
    return Math.log(w) - 0.5 * m * m - LOG_SQRT_2PI + Math.log1p((w * w * (m * m - 1)) / 24);
  }
  if (a >= 0) {
    const la = logUpperTail(a);
    const lb = logUpperTail(b);
    return la + Math.log1p(-Math.exp(lb - la));
  }
  if (b <= 0) return logNormalMass(-b, -a);
  return Math.log1p(-upperTail(-a) - upperTail(b));
}

/** The log density of a standard normal at z. */
export function logStdNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/**
 * A draw from a normal(mu, sigma) truncated to [low, high]. The samplers only build kernels whose
 * mean lies inside the interval and whose width is at least one sigma, so plain rejection accepts
 * at least a third of the draws.
 */
export function sampleTruncNormal(rng: Prng, mu: number, sigma: number, low: number, high: number): number {
  for (let i = 0; i < 1000; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  // Unreachable for the kernels built here; stay inside the bounds regardless.
  return Math.min(high, Math.max(low, mu));
}

/**
 * `log(sum(exp(values)))` without overflow; -Infinity for no finite value. Terms more than 40
 * below the largest (each under 5e-18 of it) are skipped: they cannot change a double's sum of
 * fewer than a million terms, and skipping their `exp` is most of the speed of a large mixture.
 */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if ((values[i] as number) > max) max = values[i] as number;
  if (max === -Infinity || Number.isNaN(max)) return max;
  const floor = max - 40;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > floor) s += Math.exp(v - max);
  }
  return max + Math.log(s);
}
