/**
 * The interval step shared by the bootstrap functions: percentile and BCa intervals from a
 * bootstrap distribution, the observed statistic and (for BCa) jackknife values.
 * @internal
 * @module
 */
import { normalCdfStd, normalQuantileStd } from './distributions.js';
import { mean, sampleVariance, sortedQuantile } from './moments.js';
import { confidenceLevel, finite, insufficient, integer, oneOf } from './validate.js';

export type BootstrapMethod = 'percentile' | 'bca';

export interface BootstrapInterval {
  lower: number;
  upper: number;
  standardError: number;
}

/**
 * Percentile or BCa interval. `dist` is sorted in place. `jackknife` is needed for BCa.
 * The BCa bias correction uses the mid-rank of the observed statistic among the resamples and the
 * acceleration the jackknife skewness, as Efron & Tibshirani (1993) §14.3 and scipy.stats.bootstrap.
 */
export function bootstrapInterval(
  dist: Float64Array,
  observed: number,
  confidence: number,
  method: BootstrapMethod,
  jackknife: () => Float64Array,
): BootstrapInterval {
  const B = dist.length;
  const standardError = B > 1 ? Math.sqrt(sampleVariance(dist)) : 0;
  dist.sort();
  const alpha = (1 - confidence) / 2;
  if (method === 'percentile') {
    return { lower: sortedQuantile(dist, alpha), upper: sortedQuantile(dist, 1 - alpha), standardError };
  }
  let below = 0;
  let atOrBelow = 0;
  for (let i = 0; i < B; i++) {
    const v = dist[i] as number;
    if (v < observed) below++;
    if (v <= observed) atOrBelow++;
  }
  const z0 = normalQuantileStd((below + atOrBelow) / (2 * B));
  if (!Number.isFinite(z0)) {
    throw insufficient(
      'values',
      observed,
      'the BCa interval is undefined: the observed statistic lies outside the bootstrap distribution (use method "percentile" or more data)',
    );
  }
  const jk = jackknife();
  const jkMean = mean(jk);
  let num = 0;
  let den = 0;
  for (let i = 0; i < jk.length; i++) {
    const d = jkMean - (jk[i] as number);
    num += d * d * d;
    den += d * d;
  }
  const acc = den > 0 ? num / (6 * Math.pow(den, 1.5)) : 0;
  const zLow = normalQuantileStd(alpha);
  const adjust = (z: number): number => {
    const s = z0 + z;
    return normalCdfStd(z0 + s / (1 - acc * s));
  };
  const qLow = adjust(zLow);
  const qHigh = adjust(-zLow);
  if (!(qLow >= 0 && qLow <= 1 && qHigh >= 0 && qHigh <= 1)) {
    throw insufficient('values', acc, 'the BCa interval is undefined for these data (extreme acceleration); use method "percentile"');
  }
  return { lower: sortedQuantile(dist, qLow), upper: sortedQuantile(dist, qHigh), standardError };
}

const METHODS: readonly BootstrapMethod[] = ['percentile', 'bca'];

/** Reads and checks the shared bootstrap options. */
export function readBootstrapOptions(options: { method?: BootstrapMethod; resamples?: number; seed?: number; confidence?: number } | undefined): {
  method: BootstrapMethod;
  resamples: number;
  seed: number;
  confidence: number;
} {
  const o = options ?? {};
  return {
    method: o.method === undefined ? 'percentile' : oneOf('method', o.method, METHODS),
    resamples: o.resamples === undefined ? 10000 : integer('resamples', o.resamples, 2),
    seed: o.seed === undefined ? 0 : finite('seed', o.seed),
    confidence: o.confidence === undefined ? 0.95 : confidenceLevel(o.confidence),
  };
}

