/**
 * Special functions behind the distributions: log-gamma (Lanczos below 10, Stirling series with its
 * correction term above), log-beta, the regularised incomplete gamma and beta functions by series
 * and modified-Lentz continued fractions, and the inverse incomplete beta by safeguarded Newton.
 *
 * Tail probabilities keep their relative precision: each function returns a value together with its
 * complement, both computed without cancellation, and the power prefixes x^a e^-x / Γ(a) and
 * x^a y^b / B(a, b) are evaluated for large parameters through log1p(d) - d (as in Loader's
 * binomial algorithm and Boost's ibeta_power_terms), which avoids the cancellation of
 * lgamma(a) ~ a log a for a in the millions.
 *
 * References: Press, Teukolsky, Vetterling, Flannery, *Numerical Recipes*, 3rd ed. (2007), §6.1,
 * §6.2, §6.4; Lentz, W. J. (1976), Applied Optics 15(3); Thompson & Barnett (1986), J. Comput.
 * Phys. 64; Loader, C. (2000), "Fast and accurate computation of binomial probabilities".
 * @internal
 * @module
 */

const LOG_SQRT_2PI = 0.91893853320467274178; // log(sqrt(2 pi))
const EPS = 1e-16;
const FPMIN = 1e-300;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Stirling-series correction: lgamma(z) - ((z - 1/2) log z - z + log sqrt(2 pi)), accurate for z >= 10. */
export function lgammaCorrection(z: number): number {
  const z2 = 1 / (z * z);
  return (
    (1 / 12 +
      z2 *
        (-1 / 360 +
          z2 * (1 / 1260 + z2 * (-1 / 1680 + z2 * (1 / 1188 + z2 * (-691 / 360360 + z2 * (1 / 156 + z2 * (-3617 / 122400)))))))) /
    z
  );
}

/** log Γ(z) for z > 0. */
export function logGamma(z: number): number {
  if (z >= 10) return (z - 0.5) * Math.log(z) - z + LOG_SQRT_2PI + lgammaCorrection(z);
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const w = z - 1;
  let x = LANCZOS[0] as number;
  for (let i = 1; i < 9; i++) x += (LANCZOS[i] as number) / (w + i);
  const t = w + 7.5;
  return LOG_SQRT_2PI + (w + 0.5) * Math.log(t) - t + Math.log(x);
}

/** log B(a, b) for a, b > 0, without the cancellation of three large log-gammas. */
export function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  const c = a + b;
  if (small >= 10) {
    const corr = lgammaCorrection(a) + lgammaCorrection(b) - lgammaCorrection(c);
    return -0.5 * Math.log(c) + (a - 0.5) * Math.log(a / c) + (b - 0.5) * Math.log(b / c) + LOG_SQRT_2PI + corr;
  }
  if (big >= 10) {
    return (
      logGamma(small) -
      (big - 0.5) * Math.log1p(small / big) -
      small * Math.log(c) +
      small +
      lgammaCorrection(big) -
      lgammaCorrection(c)
    );
  }
  return logGamma(a) + logGamma(b) - logGamma(c);
}

/** log1p(d) - d without cancellation for small |d| (series in v = d / (2 + d)). */
export function log1pmx(d: number): number {
  if (Math.abs(d) > 0.5) return Math.log1p(d) - d;
  const v = d / (2 + d);
  const v2 = v * v;
  let term = v * v2;
  let s = 0;
  for (let k = 3; k < 200; k += 2) {
    const add = term / k;
    s += add;
    if (Math.abs(add) <= 1e-17 * Math.abs(s)) break;
    term *= v2;
  }
  return -v * d + 2 * s;
}

/** log of x^a e^-x / Γ(a). */
export function logGammaPrefix(a: number, x: number): number {
  if (a >= 10) {
    const d = (x - a) / a;
    // near the mode a(log1p(d) - d) avoids cancellation; far from it log(x / a) is the better conditioned form
    const main = Math.abs(d) <= 0.5 ? a * log1pmx(d) : a * Math.log(x / a) + (a - x);
    return main + 0.5 * Math.log(a) - LOG_SQRT_2PI - lgammaCorrection(a);
  }
  return a * Math.log(x) - x - logGamma(a);
}

/**
 * The regularised incomplete gamma functions [P(a, x), Q(a, x)], each with full relative precision
 * where it is the smaller one.
 */
export function gammaPQ(a: number, x: number): [number, number] {
  if (x === 0) return [0, 1];
  if (x === Infinity) return [1, 0];
  const maxIter = 1000 + Math.ceil(50 * Math.sqrt(a + x));
  if (x < a + 1) {
    let ap = a;
    let term = 1 / a;
    let s = term;
    for (let n = 0; n < maxIter; n++) {
      ap += 1;
      term *= x / ap;
      s += term;
      if (Math.abs(term) < Math.abs(s) * EPS) break;
    }
    const p = s * Math.exp(logGammaPrefix(a, x));
    return [p, 1 - p];
  }
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < maxIter; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  const q = Math.exp(logGammaPrefix(a, x)) * h;
  return [1 - q, q];
}

/** log of x^a y^b / B(a, b), where y = 1 - x is given separately so neither loses precision. */
export function logBetaPrefix(x: number, y: number, a: number, b: number): number {
  if (a >= 10 && b >= 10) {
    const c = a + b;
    const e = x <= y ? x * c - a : b - y * c;
    // a log(x c / a) + b log(y c / b), written as a(log1p(d) - d) near the mean (the -d terms cancel:
    // a dx + b dy = 0); far from the mean log(x c / a) itself is the better conditioned form
    const ta = Math.abs(e / a) <= 0.5 ? a * log1pmx(e / a) : a * Math.log((x * c) / a) - e;
    const tb = Math.abs(e / b) <= 0.5 ? b * log1pmx(-e / b) : b * Math.log((y * c) / b) + e;
    return (
      ta +
      tb +
      0.5 * Math.log((a / c) * b) -
      LOG_SQRT_2PI -
      lgammaCorrection(a) -
      lgammaCorrection(b) +
      lgammaCorrection(c)
    );
  }
  const lx = x <= 0.5 ? Math.log(x) : Math.log1p(-y);
  const ly = y <= 0.5 ? Math.log(y) : Math.log1p(-x);
  return a * lx + b * ly - logBeta(a, b);
}

/** Continued fraction of the incomplete beta function (Numerical Recipes betacf, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  const maxIter = 1000 + Math.ceil(50 * Math.sqrt(Math.max(a, b)));
  for (let m = 1; m <= maxIter; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/**
 * The regularised incomplete beta function and its complement [I_x(a, b), 1 - I_x(a, b)], with
 * y = 1 - x given separately. Each value keeps its relative precision where it is the smaller one.
 */
export function betaI(x: number, y: number, a: number, b: number): [number, number] {
  if (x <= 0) return [0, 1];
  if (y <= 0) return [1, 0];
  if (x < (a + 1) / (a + b + 2)) {
    if (useBgrat(a, b, x)) {
      const g = bgratShifted(a, b, x, y);
      return [g, 1 - g];
    }
    const v = (Math.exp(logBetaPrefix(x, y, a, b)) * betaContinuedFraction(a, b, x)) / a;
    return [v, 1 - v];
  }
  if (useBgrat(b, a, y)) {
    const g = bgratShifted(b, a, y, x);
    return [1 - g, g];
  }
  const w = (Math.exp(logBetaPrefix(y, x, b, a)) * betaContinuedFraction(b, a, y)) / b;
  return [1 - w, w];
}

/** Large a with small or moderate b near x = 1: the continued fraction's rounding errors grow like a. */
function useBgrat(a: number, b: number, x: number): boolean {
  return x >= 0.7 && ((a >= 15 && b <= 1) || (a >= 500 && b <= 1000));
}

/**
 * I_x(a, b) for b > 1 by BGRAT at b0 = b - n in (0, 1] and the upward recurrence
 * I_x(a, b0 + k + 1) = I_x(a, b0 + k) + x^a y^(b0+k) / ((b0 + k) B(a, b0 + k)) (DLMF 8.17.21):
 * every added term is positive, so nothing cancels.
 */
function bgratShifted(a: number, b: number, x: number, y: number): number {
  if (b <= 1) return bgrat(a, b, x, y);
  const n = Math.ceil(b) - 1;
  const b0 = b - n;
  let s = bgrat(a, b0, x, y);
  for (let k = 0; k < n; k++) s += Math.exp(logBetaPrefix(x, y, a, b0 + k)) / (b0 + k);
  return s;
}

const ODD_FACTORIALS: number[] = (() => {
  const out: number[] = [];
  let f = 1;
  for (let k = 1; k <= 61; k++) {
    f *= k;
    if (k % 2 === 1) out[k] = f;
  }
  return out;
})();

/**
 * I_x(a, b) for large a, b <= 1 and x near 1, by the asymptotic expansion of DiDonato & Morris
 * (1992), "Algorithm 708", ACM TOMS 18(3), eq. 9 (routine BGRAT), as organised in Boost.Math's
 * beta_small_b_large_a_series. Here the continued fraction is ill-conditioned (its rounding errors
 * grow like a), while this expansion keeps full relative precision.
 */
function bgrat(a: number, b: number, x: number, y: number): number {
  const bt = a + (b - 1) / 2;
  const lx = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const u = -bt * lx;
  const logH = logGammaPrefix(b, u);
  const h = Math.exp(logH);
  if (h === 0) return 0;
  // prefix = h * Γ(a + b) / (Γ(a) bt^b)
  const prefix = Math.exp(logH + logGamma(b) - logBeta(a, b) - b * Math.log(bt));
  const p: number[] = [1];
  let j = gammaPQ(b, u)[1] / h;
  let s = prefix * j;
  let tnp1 = 1;
  const lx2 = (lx / 2) * (lx / 2);
  let lxp = 1;
  const t4 = 4 * bt * bt;
  let b2n = b;
  for (let n = 1; n < 30; n++) {
    tnp1 += 2;
    let pn = 0;
    for (let m = 1; m < n; m++) pn += ((m * b - n) * (p[n - m] as number)) / (ODD_FACTORIALS[2 * m + 1] as number);
    pn = pn / n + (b - 1) / (ODD_FACTORIALS[tnp1] as number);
    p[n] = pn;
    j = (b2n * (b2n + 1) * j + (u + b2n + 1) * lxp) / t4;
    lxp *= lx2;
    b2n += 2;
    const r = prefix * pn * j;
    s += r;
    if (Math.abs(r) <= 1e-17 * Math.abs(s)) break;
  }
  return s;
}

/** The beta density x^(a-1) y^(b-1) / B(a, b). */
function betaDensity(x: number, y: number, a: number, b: number): number {
  return Math.exp(logBetaPrefix(x, y, a, b)) / (x * y);
}

/** Initial guess for the inverse incomplete beta (Numerical Recipes invbetai). */
function inverseBetaGuess(p: number, a: number, b: number): number {
  if (a >= 1 && b >= 1) {
    const pp = p < 0.5 ? p : 1 - p;
    const t = Math.sqrt(-2 * Math.log(pp));
    let x = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
    if (p < 0.5) x = -x;
    const al = (x * x - 3) / 6;
    const h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const w = (x * Math.sqrt(al + h)) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5 / 6 - 2 / (3 * h));
    return a / (a + b * Math.exp(2 * w));
  }
  const lna = Math.log(a / (a + b));
  const lnb = Math.log(b / (a + b));
  const t = Math.exp(a * lna) / a;
  const u = Math.exp(b * lnb) / b;
  const w = t + u;
  if (p < t / w) return Math.pow(a * w * p, 1 / a);
  return 1 - Math.pow(b * w * (1 - p), 1 / b);
}

/**
 * Solves I_x(a, b) = p for x, where q = 1 - p is given separately. Returns [x, 1 - x], both
 * precise: the iteration runs on whichever of x and 1 - x is the smaller, in the log domain on
 * whichever of p and q is the smaller, with Newton steps kept inside a shrinking bracket.
 */
export function inverseBetaI(p: number, q: number, a: number, b: number, guess?: number): [number, number] {
  if (p <= 0) return [0, 1];
  if (q <= 0) return [1, 0];
  let x0 = guess ?? inverseBetaGuess(p, a, b);
  if (!(x0 > 0 && x0 < 1)) x0 = 0.5;
  // Iterate on z with I_z(al, be) = r (and 1 - r = rc): either (x; a, b; p) or (y; b, a; q).
  const swap = x0 > 0.5;
  const al = swap ? b : a;
  const be = swap ? a : b;
  const r = swap ? q : p;
  const rc = swap ? p : q;
  const useLower = r <= rc; // work on log I (increasing) or on -log(1 - I) (increasing)
  const logTarget = useLower ? Math.log(r) : Math.log(rc);
  let z = swap ? 1 - x0 : x0;
  let lo = 0;
  let hi = 1;
  for (let iter = 0; iter < 400; iter++) {
    const zc = 1 - z;
    const [iz, izc] = betaI(z, zc, al, be);
    const part = useLower ? iz : izc;
    if (part === 0) {
      // underflow: move towards the side where the function is larger
      if (useLower) lo = z;
      else hi = z;
      z = lo > 0 && hi / lo > 4 ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
      continue;
    }
    const f = useLower ? Math.log(part) - logTarget : logTarget - Math.log(part);
    if (f === 0) break;
    if (f > 0) hi = z;
    else lo = z;
    const deriv = betaDensity(z, zc, al, be) / part;
    let next = z - f / deriv;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) {
      next = lo > 0 && hi / lo > 4 ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
    }
    const step = Math.abs(next - z);
    z = next;
    if (step <= 2e-16 * z || hi - lo <= 4e-16 * hi) break;
  }
  return swap ? [1 - z, z] : [z, 1 - z];
}
