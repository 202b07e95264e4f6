import { describe, expect, it } from 'vitest';
import { permutationTest } from '../../../src/analysis/stats/index.js';
import { expectClose, expectError, ref } from './reference.js';

describe('permutationTest', () => {
  it('exact enumeration matches scipy.stats.permutation_test (independent and paired, all alternatives)', () => {
    const rows = ref.permutationTest as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) {
      for (const alternative of ['two-sided', 'greater', 'less'] as const) {
        const got = permutationTest(r.a as number[], r.b as number[], { paired: r.paired as boolean, alternative });
        expect(got.exact).toBe(true);
        expectClose(got.pValue, r[alternative] as number, 1e-12, 1e-15, `${JSON.stringify(r)} ${alternative}`);
        expectClose(got.statistic, r.statistic as number, 1e-12, 1e-14);
      }
    }
  });

  it('counts exact ties: integer data with duplicated arrangements', () => {
    // every split of [0,0,1,1] into two pairs: differences -1, 0, 0, 0, 0, 1 -> two-sided P(|T*| >= 1) = 2/6
    const r = permutationTest([1, 1], [0, 0]);
    expect(r.resamples).toBe(6);
    expect(r.pValue).toBeCloseTo(2 / 6, 15);
    // ties produced with rounding: 0.1 + 0.2 != 0.3 in floating point, yet the arrangements tie
    const s = permutationTest([0.1, 0.2], [0.3, 0.0]);
    expect(s.pValue).toBe(1);
    const t = permutationTest([0.3, 0.0], [0.1, 0.2]);
    expect(t.pValue).toBe(1);
  });

  it('paired sign-flip: all differences positive gives 2 / 2^n two-sided', () => {
    const r = permutationTest([2, 3, 4, 5, 6], [1, 1, 1, 1, 1], { paired: true });
    expect(r.resamples).toBe(32);
    expect(r.pValue).toBe(2 / 32);
    expect(permutationTest([2, 3, 4, 5, 6], [1, 1, 1, 1, 1], { paired: true, alternative: 'greater' }).pValue).toBe(1 / 32);
  });

  it('switches to seeded Monte Carlo above maxExact, with (count + 1) / (B + 1)', () => {
    const a = Array.from({ length: 12 }, (_, i) => Math.sin(i) + 0.4);
    const b = Array.from({ length: 12 }, (_, i) => Math.cos(i * 1.3));
    const exact = permutationTest(a, b, { maxExact: 1e7 });
    expect(exact.exact).toBe(true);
    expect(exact.resamples).toBe(2704156);
    const mc = permutationTest(a, b, { resamples: 20000, seed: 3 });
    expect(mc.exact).toBe(false);
    expect(mc.resamples).toBe(20000);
    // (count + 1) / (B + 1) has B + 1 in its denominator
    expect(Math.abs(mc.pValue * 20001 - Math.round(mc.pValue * 20001))).toBeLessThan(1e-6);
    // within 4 Monte Carlo standard errors of the exact value
    const se = Math.sqrt((exact.pValue * (1 - exact.pValue)) / 20000);
    expect(Math.abs(mc.pValue - exact.pValue)).toBeLessThan(4 * se + 1 / 20001);
    // same seed, same answer; another seed, (almost surely) another count
    expect(permutationTest(a, b, { resamples: 20000, seed: 3 }).pValue).toBe(mc.pValue);
    expect(permutationTest(a, b, { resamples: 20000, seed: 4 }).pValue).not.toBe(mc.pValue);
  }, 60_000);

  it('paired Monte Carlo agrees with the exact sign-flip distribution', () => {
    const d = Array.from({ length: 18 }, (_, i) => Math.sin(i * 0.7) + 0.25);
    const zeros = d.map(() => 0);
    const exact = permutationTest(d, zeros, { paired: true });
    expect(exact.exact).toBe(true);
    const mc = permutationTest(d, zeros, { paired: true, maxExact: 1000, resamples: 20000, seed: 11 });
    expect(mc.exact).toBe(false);
    const se = Math.sqrt((exact.pValue * (1 - exact.pValue)) / 20000);
    expect(Math.abs(mc.pValue - exact.pValue)).toBeLessThan(4 * se + 1 / 20001);
  });

  it('Monte Carlo p-value is never 0', () => {
    const a = Array.from({ length: 40 }, (_, i) => 100 + i);
    const b = Array.from({ length: 40 }, (_, i) => i);
    const r = permutationTest(a, b, { resamples: 999 });
    expect(r.pValue).toBe(1 / 1000);
  });

  it('fails with a typed error on bad input', () => {
    expectError(() => permutationTest([], [1]), 'insufficient_data');
    expectError(() => permutationTest([1, 2], [1], { paired: true }), 'invalid_input');
    expectError(() => permutationTest([1, NaN], [1, 2]), 'invalid_input');
    expectError(() => permutationTest([1, 2], [1, 2], { resamples: 0 }), 'invalid_input');
    expectError(() => permutationTest([1, 2], [1, 2], { seed: NaN }), 'invalid_input');
    expectError(() => permutationTest([1, 2], [1, 2], { tolerance: -1 }), 'invalid_input');
  });
});
