import { describe, expect, it } from 'vitest';
import { bootstrapCI, pairedBootstrap } from '../../../src/analysis/stats/index.js';
import { expectError, ref } from './reference.js';

/** The largest gap between consecutive sorted values within three positions of `v`. */
function localGap(sorted: number[], v: number): number {
  let i = sorted.findIndex((x) => x >= v);
  if (i < 0) i = sorted.length - 1;
  let gap = 0;
  for (let j = Math.max(1, i - 3); j <= Math.min(sorted.length - 1, i + 3); j++) gap = Math.max(gap, (sorted[j] as number) - (sorted[j - 1] as number));
  return gap;
}

describe('bootstrapCI', () => {
  it('agrees with scipy.stats.bootstrap (percentile and BCa) to Monte Carlo error', () => {
    const rows = ref.bootstrap.single as Array<Record<string, unknown>>;
    for (const r of rows) {
      const values = r.values as number[];
      for (const method of ['percentile', 'bca'] as const) {
        const got = bootstrapCI(values, { statistic: r.statistic as 'mean', method, resamples: 50000, seed: 1 });
        const want = r[method] as [number, number];
        const width = want[1] - want[0];
        // Different random streams: allow 3% of the interval width for the mean (the Monte Carlo error
        // at B = 50000 is about 1%). The bootstrap distribution of a median is lumpy (it takes only
        // order-statistic values), so a bound can land on the neighbouring order statistic: 10%.
        const sorted = [...values].sort((p, q) => p - q);
        // The mean of discrete data (0/1 scores) moves on a lattice of step (smallest gap) / n, so a
        // bound can also land one lattice step away.
        const distinct = [...new Set(sorted)];
        let step = Infinity;
        for (let i = 1; i < distinct.length; i++) step = Math.min(step, (distinct[i] as number) - (distinct[i - 1] as number));
        const lattice = 2 * (step / values.length);
        const tol =
          r.statistic === 'median'
            ? Math.max(0.1 * width, 2 * localGap(sorted, want[0]), 2 * localGap(sorted, want[1]))
            : Math.max(0.03 * width, lattice);
        expect(Math.abs(got.lower - want[0]), `${method} ${r.statistic} lower`).toBeLessThan(tol);
        expect(Math.abs(got.upper - want[1]), `${method} ${r.statistic} upper`).toBeLessThan(tol);
      }
    }
  }, 60_000);

  it('is reproducible from its seed', () => {
    const v = [0.61, 0.72, 0.55, 0.8, 0.67, 0.74, 0.59, 0.7];
    const a = bootstrapCI(v, { seed: 42, method: 'bca' });
    const b = bootstrapCI(v, { seed: 42, method: 'bca' });
    expect(a).toEqual(b);
    const c = bootstrapCI(v, { seed: 43, method: 'bca' });
    expect(c.lower === a.lower && c.upper === a.upper).toBe(false);
  });

  it('BCa equals the percentile interval when the bootstrap distribution is symmetric about the estimate', () => {
    // symmetric data: z0 = 0 up to resampling noise and acceleration 0 (zero jackknife skewness)
    const v = [-3, -2, -1, 0, 1, 2, 3];
    const p = bootstrapCI(v, { seed: 5, resamples: 40000 });
    const b = bootstrapCI(v, { seed: 5, resamples: 40000, method: 'bca' });
    expect(Math.abs(p.lower - b.lower)).toBeLessThan(0.1);
    expect(Math.abs(p.upper - b.upper)).toBeLessThan(0.1);
  });

  it('supports median and custom statistics, and returns the full-sample estimate', () => {
    const v = [5, 1, 9, 3, 7, 2, 8];
    const med = bootstrapCI(v, { statistic: 'median', resamples: 2000 });
    expect(med.estimate).toBe(5);
    expect(med.lower).toBeLessThanOrEqual(5);
    expect(med.upper).toBeGreaterThanOrEqual(5);
    const max = bootstrapCI(v, { statistic: (xs) => Math.max(...xs), resamples: 500 });
    expect(max.estimate).toBe(9);
    expect(max.upper).toBe(9);
    expect(max.method).toContain('percentile');
  });

  it('constant data gives a zero-width interval; BCa outside the distribution is a typed error', () => {
    const r = bootstrapCI([2, 2, 2, 2], { method: 'bca' });
    expect([r.lower, r.upper, r.standardError]).toEqual([2, 2, 0]);
    // the number of distinct values: 20 for the sample, below 20 for every resample (a resample is
    // a permutation with probability 20!/20^20 ≈ 2e-8), so BCa's bias correction is infinite
    const distinct = Array.from({ length: 20 }, (_, i) => i);
    const count = (xs: readonly number[]): number => new Set(xs).size;
    expectError(() => bootstrapCI(distinct, { statistic: count, method: 'bca', resamples: 2000 }), 'insufficient_data');
    expect(bootstrapCI(distinct, { statistic: count, resamples: 2000 }).upper).toBeLessThan(20);
  });

  it('fails with a typed error on bad input', () => {
    expectError(() => bootstrapCI([1]), 'insufficient_data');
    expectError(() => bootstrapCI([1, Infinity]), 'invalid_input');
    expectError(() => bootstrapCI([1, 2], { method: 'basic' as never }), 'invalid_input');
    expectError(() => bootstrapCI([1, 2], { resamples: 1.5 }), 'invalid_input');
    expectError(() => bootstrapCI([1, 2], { confidence: 0 }), 'invalid_input');
    expectError(() => bootstrapCI([1, 2], { statistic: 'mode' as never }), 'invalid_input');
    expectError(() => bootstrapCI([1, 2], { statistic: () => NaN }), 'invalid_input');
  });
});

describe('pairedBootstrap', () => {
  it('agrees with scipy.stats.bootstrap(paired=True) to Monte Carlo error', () => {
    const p = ref.bootstrap.paired as { a: number[]; b: number[]; bca: [number, number]; percentile: [number, number] };
    for (const method of ['percentile', 'bca'] as const) {
      const got = pairedBootstrap(p.a, p.b, { method, resamples: 50000, seed: 2 });
      const want = p[method];
      const width = want[1] - want[0];
      expect(Math.abs(got.lower - want[0])).toBeLessThan(0.03 * width);
      expect(Math.abs(got.upper - want[1])).toBeLessThan(0.03 * width);
    }
  });

  it('keeps pairs together: a constant per-item difference gives a zero-width interval', () => {
    const a = [0.3, 0.9, 0.1, 0.5, 0.7];
    const r = pairedBootstrap(a, a.map((v) => v - 0.25));
    expect(r.lower).toBeCloseTo(0.25, 12);
    expect(r.upper).toBeCloseTo(0.25, 12);
    expect(r.meanA - r.meanB).toBeCloseTo(0.25, 12);
  });

  it('is reproducible and fails on mismatched lengths', () => {
    const a = [1, 0, 1, 1, 0, 1];
    const b = [0, 0, 1, 0, 0, 1];
    expect(pairedBootstrap(a, b, { seed: 9 })).toEqual(pairedBootstrap(a, b, { seed: 9 }));
    expectError(() => pairedBootstrap(a, b.slice(1)), 'invalid_input');
    expectError(() => pairedBootstrap([1], [2]), 'insufficient_data');
  });
});
