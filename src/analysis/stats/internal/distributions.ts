/**
 * Unchecked distribution functions used inside the statistics library (the public, validated
 * versions live in their own files). Tail probabilities keep full relative precision.
 * @internal
 * @module
 */
import { betaI, gammaPQ, inverseBetaI, logBeta } from './special.js';

const SQRT_2PI = 2.5066282746310002;

/** Upper tail of the standard normal, P(Z > z). */
export function normalSfStd(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === 0) return 0.5;
  const [p, q] = gammaPQ(0.5, 0.5 * z * z);
  return z > 0 ? 0.5 * q : 0.5 + 0.5 * p;
}

/** Standard normal CDF, P(Z <= z). */
export function normalCdfStd(z: number): number {
  return normalSfStd(-z);
}

// Acklam's rational approximation of the normal quantile (relative error 1.15e-9), refined below.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function acklam(p: number): number {
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  const plow = 0.02425;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  }
  const q = Math.sqrt(-2 * Math.log1p(-p));
  return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
}

/**
 * Standard normal quantile: Acklam's approximation, then Halley steps against the accurate CDF on
 * the lower tail, so the result is correct to a few ulps.
 */
export function normalQuantileStd(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p === 0.5) return 0;
  const lower = p < 0.5;
  const q = lower ? p : 1 - p; // exact for p >= 0.5
  let x = acklam(q);
  for (let i = 0; i < 4; i++) {
    const cdf = normalCdfStd(x);
    const logPdf = -0.5 * x * x - Math.log(SQRT_2PI);
    // u = (cdf - q) / pdf, computed as (cdf / q - 1) * (q / pdf) so it never overflows
    const u = (cdf / q - 1) * Math.exp(Math.log(q) - logPdf);
    if (!Number.isFinite(u)) break;
    const step = u / (1 + (x * u) / 2);
    x -= step;
    if (Math.abs(step) <= 1e-16 * Math.abs(x)) break;
  }
  return lower ? x : -x;
}

/** Upper tail of Student's t, P(T > t), for df > 0 (df = Infinity is the normal). */
export function studentTSfRaw(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  if (df === Infinity) return normalSfStd(t);
  if (t === 0) return 0.5;
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  const r = Math.abs(t) / Math.sqrt(df);
  let tail: number;
  if (r > 1e100) {
    // x = 1 / (1 + r²) would underflow: I_x(a, 1/2) = x^a / (a B(a, 1/2)) (1 + O(x)), in logs
    const a = df / 2;
    tail = 0.5 * Math.exp(-2 * a * Math.log(r) - Math.log(a) - logBeta(a, 0.5));
  } else {
    const r2 = r * r;
    tail = 0.5 * betaI(1 / (1 + r2), r2 / (1 + r2), df / 2, 0.5)[0];
  }
  return t > 0 ? tail : 1 - tail;
}

/** Student's t density. */
export function studentTPdfRaw(t: number, df: number): number {
  if (df === Infinity) return Math.exp(-0.5 * t * t) / SQRT_2PI;
  return Math.exp(-((df + 1) / 2) * Math.log1p((t * t) / df) - 0.5 * Math.log(df) - logBeta(df / 2, 0.5));
}

/** Quantile of Student's t for p in [0, 1], df > 0. */
export function studentTQuantileRaw(p: number, df: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p === 0.5) return 0;
  if (df === Infinity) return normalQuantileStd(p);
  const lower = p < 0.5;
  const q = lower ? p : 1 - p; // tail probability, exact for p >= 0.5
  // Far tail, where x = df / (df + t²) would underflow: 2q = x^a / (a B(a, 1/2)) (1 + O(x))
  const a = df / 2;
  const logX = (Math.log(2 * q) + Math.log(a) + logBeta(a, 0.5)) / a;
  if (logX < -460) {
    const far = Math.exp(0.5 * (Math.log(df) - logX));
    return lower ? -far : far;
  }
  // P(|T| > t) = 2q = I_x(df/2, 1/2) with x = df / (df + t^2), y = t^2 / (df + t^2)
  let guess: number | undefined;
  if (df > 50) {
    // Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5) as the starting point
    const z = -normalQuantileStd(q);
    const z2 = z * z;
    const t0 =
      z +
      (z * (z2 + 1)) / (4 * df) +
      (z * ((5 * z2 + 16) * z2 + 3)) / (96 * df * df) +
      (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / (384 * df * df * df);
    guess = df / (df + t0 * t0);
  }
  const [x, y] = inverseBetaI(2 * q, 1 - 2 * q, df / 2, 0.5, guess);
  let t = Math.sqrt(df) * Math.sqrt(y / x);
  if (Number.isFinite(t) && t > 0) {
    // one Newton polish on the tail probability itself
    const sf = studentTSfRaw(t, df);
    const pdf = studentTPdfRaw(t, df);
    if (sf > 0 && pdf > 0) {
      const next = t + (Math.log(sf) - Math.log(q)) * (sf / pdf);
      if (Number.isFinite(next) && next > 0 && Math.abs(next - t) < 1e-6 * t) t = next;
    }
  }
  return lower ? -t : t;
}

/** Upper tail of the chi-square distribution, P(X > x). */
export function chiSquareSfRaw(x: number, df: number): number {
  if (x <= 0) return 1;
  return gammaPQ(df / 2, x / 2)[1];
}

/** The normal critical value z of a two-sided interval at `confidence`. */
export function zCritical(confidence: number): number {
  return -normalQuantileStd((1 - confidence) / 2);
}
