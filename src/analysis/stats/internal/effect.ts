/**
 * Shared parts of the two-sample effect sizes.
 * @internal
 * @module
 */
import { mean, sumSquaredDeviations } from './moments.js';
import { logGamma } from './special.js';
import { finiteArray, insufficient } from './validate.js';

/** d and its degrees of freedom, shared with hedgesG. */
export function pooledStandardizedDifference(a: readonly number[], b: readonly number[]): { d: number; df: number } {
  const xa = finiteArray('a', a, 1);
  const xb = finiteArray('b', b, 1);
  const df = xa.length + xb.length - 2;
  if (df < 1) throw insufficient('b', xb.length, 'an effect size needs at least 3 values in both samples together');
  const ma = mean(xa);
  const mb = mean(xb);
  const sd = Math.sqrt((sumSquaredDeviations(xa, ma) + sumSquaredDeviations(xb, mb)) / df);
  if (!(sd > 0)) throw insufficient('a', sd, 'the pooled standard deviation is zero, so the effect size is undefined');
  return { d: (ma - mb) / sd, df };
}

/** The exact correction factor J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2)). */
export function hedgesCorrection(df: number): number {
  if (df === 1) return 0; // Γ(0) is infinite: J(1) = 0 in the limit
  return Math.exp(logGamma(df / 2) - 0.5 * Math.log(df / 2) - logGamma((df - 1) / 2));
}
