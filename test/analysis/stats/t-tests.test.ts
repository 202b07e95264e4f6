import { describe, expect, it } from 'vitest';
import { oneSampleTTest, pairedTTest, pooledTTest, welchTTest } from '../../../src/analysis/stats/index.js';
import type { TestResult } from '../../../src/analysis/stats/index.js';
import { expectClose, expectError, ref } from './reference.js';

interface Expected {
  statistic: number;
  pValue: number;
  df: number;
  estimate: number;
  standardError: number;
  ci: [number, number];
  ciExact: [number, number];
}

function check(got: TestResult, want: Expected, label: string): void {
  // the inputs are doubles printed by numpy; sums in another order differ in the last bits, which a
  // t statistic near 0 amplifies, so statistics and estimates get an absolute floor of 1e-12
  expectClose(got.statistic, want.statistic, 1e-9, 1e-12, `${label} statistic`);
  expectClose(got.pValue, want.pValue, 1e-9, 1e-14, `${label} pValue`);
  expectClose(got.df as number, want.df, 1e-9, 1e-12, `${label} df`);
  expectClose(got.estimate, want.estimate, 1e-9, 1e-13, `${label} estimate`);
  expectClose(got.standardError as number, want.standardError, 1e-9, 1e-13, `${label} se`);
  // Intervals: scipy's t quantile (Cephes stdtri) is itself off by up to ~1e-9 relative (t.ppf(0.9, 4)
  // = 1.533206273713144, exact 1.5332062740589439), so the 1e-9 check is against the same interval
  // built with a 30-digit mpmath quantile ("ciExact"); scipy's interval is checked at 1e-8. Bounds
  // near 0 are differences of close numbers, so their absolute floor is 1e-9 of the half-width.
  const ci = got.ci as [number, number];
  for (const side of [0, 1] as const) {
    if (!Number.isFinite(want.ci[side])) {
      expect(ci[side]).toBe(want.ci[side]);
      continue;
    }
    const halfWidth = Math.abs(want.ciExact[side] - want.estimate);
    expectClose(ci[side], want.ciExact[side], 1e-9, Math.max(1e-13, 1e-9 * halfWidth), `${label} ci bound ${side} vs exact`);
    expectClose(ci[side], want.ci[side], 1e-8, Math.max(1e-13, 1e-8 * halfWidth), `${label} ci bound ${side} vs scipy`);
  }
}

describe('t-tests against scipy.stats', () => {
  const rows = ref.tTests as Array<Record<string, unknown>>;

  it('welchTTest and pooledTTest match ttest_ind(equal_var=False/True)', () => {
    const two = rows.filter((r) => r.kind === 'two-sample');
    expect(two.length).toBeGreaterThan(40);
    for (const r of two) {
      const opts = { alternative: r.alternative as 'two-sided', confidence: r.confidence as number };
      const a = r.a as number[];
      const b = r.b as number[];
      const w = welchTTest(a, b, opts);
      check(w, r.welch as Expected, `welch n=${a.length},${b.length} ${opts.alternative}`);
      expect(w.method).toBe('Welch two-sample t-test');
      expect([w.n, w.nA, w.nB]).toEqual([a.length + b.length, a.length, b.length]);
      check(pooledTTest(a, b, opts), r.pooled as Expected, `pooled n=${a.length},${b.length}`);
    }
  });

  it('oneSampleTTest and pairedTTest match ttest_1samp and ttest_rel (with confidence_interval)', () => {
    const one = rows.filter((r) => r.kind !== 'two-sample');
    expect(one.length).toBeGreaterThan(30);
    for (const r of one) {
      const opts = { alternative: r.alternative as 'two-sided', confidence: r.confidence as number };
      const x = r.x as number[];
      check(oneSampleTTest(x, r.mu as number, opts), r.oneSample as Expected, `one-sample n=${x.length}`);
      if (r.kind === 'one-sample-paired') {
        const p = pairedTTest(x, r.y as number[], opts);
        check(p, r.paired as Expected, `paired n=${x.length}`);
        expect(p.n).toBe(x.length);
      }
    }
  });

  it('reports tiny p-values with relative precision', () => {
    const extreme = rows.filter((r) => r.kind === 'one-sample-only');
    expect(extreme.length).toBe(4);
    let smallest = 1;
    for (const r of extreme) {
      const want = (r.oneSample as Expected).pValue;
      const got = oneSampleTTest(r.x as number[], 0).pValue;
      expectClose(got, want, 1e-9, 1e-300, 'extreme p-value');
      if (want === 0) expect(got).toBe(0); // t = 89.5 with df = 999: about 1e-500, below the smallest double
      else smallest = Math.min(smallest, got);
    }
    expect(smallest).toBeGreaterThan(0);
    expect(smallest).toBeLessThan(1e-60); // 5.6e-65 for t = 17.08, df = 19999
  });

  it('one-sided intervals have an infinite bound', () => {
    const g = oneSampleTTest([1, 2, 3, 4], 0, { alternative: 'greater' });
    expect(g.ci?.[1]).toBe(Infinity);
    const l = oneSampleTTest([1, 2, 3, 4], 0, { alternative: 'less' });
    expect(l.ci?.[0]).toBe(-Infinity);
    expectClose(g.pValue + l.pValue, 1, 1e-14);
  });

  it('fails with a typed error on bad input, never NaN', () => {
    expectError(() => welchTTest([], [1, 2]), 'insufficient_data');
    expectError(() => welchTTest([1], [1, 2]), 'insufficient_data');
    expectError(() => welchTTest([1, NaN], [1, 2]), 'invalid_input');
    expectError(() => welchTTest([1, 2], [1, Infinity]), 'invalid_input');
    expectError(() => welchTTest([1, 1], [2, 2]), 'insufficient_data');
    expectError(() => welchTTest([1, 2], [3, 4], { alternative: 'bigger' as never }), 'invalid_input');
    expectError(() => welchTTest([1, 2], [3, 4], { confidence: 95 }), 'invalid_input');
    expectError(() => pooledTTest([1], [2]), 'insufficient_data');
    expectError(() => pooledTTest([1, 1], [1]), 'insufficient_data');
    expectError(() => oneSampleTTest([3], 0), 'insufficient_data');
    expectError(() => oneSampleTTest([3, 3, 3], 0), 'insufficient_data');
    expectError(() => oneSampleTTest([1, 2], NaN), 'invalid_input');
    expectError(() => pairedTTest([1, 2, 3], [1, 2]), 'invalid_input');
    expectError(() => pairedTTest([1, 2, 3], [0, 1, 2]), 'insufficient_data');
    expectError(() => welchTTest('abc' as never, [1, 2]), 'invalid_input');
  });

  it('pooledTTest accepts a single value in one group, as scipy does', () => {
    const r = pooledTTest([5], [1, 2, 3]);
    expect(r.df).toBe(2);
    expectClose(r.statistic, 3 / Math.sqrt(1 * (1 + 1 / 3)), 1e-14);
  });
});
