import { describe, expect, it } from 'vitest';
import { adjustPValues, cohensD, cohensDz, cohensH, hedgesG } from '../../../src/analysis/stats/index.js';
import { expectClose, expectError, ref } from './reference.js';

describe('adjustPValues against statsmodels.multipletests', () => {
  it('matches holm, fdr_bh and bonferroni, ties and p = 1 included', () => {
    const rows = ref.adjustPValues as Array<Record<string, number[]>>;
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) {
      for (const method of ['holm', 'bh', 'bonferroni'] as const) {
        const got = adjustPValues(r.pValues as number[], method);
        const want = r[method] as number[];
        expect(got.length).toBe(want.length);
        got.forEach((g, i) => expectClose(g, want[i] as number, 1e-12, 1e-15, `${method}[${i}]`));
      }
    }
  });
  it('keeps the input order and is monotone in the sorted order', () => {
    const p = [0.04, 0.001, 0.03, 0.5];
    const holm = adjustPValues(p, 'holm');
    expect(holm).toEqual([0.09, 0.004, 0.09, 0.5]);
    expect(adjustPValues([0.2], 'bh')).toEqual([0.2]);
  });
  it('rejects bad input with a typed error', () => {
    expectError(() => adjustPValues([], 'holm'), 'invalid_input');
    expectError(() => adjustPValues([0.1, 1.2], 'holm'), 'invalid_input');
    expectError(() => adjustPValues([0.1, NaN], 'bh'), 'invalid_input');
    expectError(() => adjustPValues([0.1], 'sidak' as never), 'invalid_input');
  });
});

describe('effect sizes', () => {
  it('cohensD, hedgesG, cohensDz and cohensH match the reference formulas (numpy, statsmodels)', () => {
    const rows = ref.effectSizes as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const r of rows) {
      expectClose(cohensD(r.a, r.b), r.cohensD, 1e-12, 1e-14, 'd');
      expectClose(hedgesG(r.a, r.b), r.hedgesG, 1e-12, 1e-14, 'g');
      expectClose(cohensDz(r.x, r.y), r.cohensDz, 1e-12, 1e-14, 'dz');
      expectClose(cohensH(r.p1, r.p2), r.cohensH, 1e-12, 1e-15, 'h');
    }
  });
  it('hedgesG shrinks d by about 1 - 3 / (4 df - 1)', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const b = a.map((v) => v * 0.9 + 1.5);
    const df = 18;
    // the exact factor and Hedges' approximation differ by about 1e-4 at df = 18
    expect(hedgesG(a, b) / cohensD(a, b)).toBeCloseTo(1 - 3 / (4 * df - 1), 3);
    expect(hedgesG(a, b) / cohensD(a, b)).toBeLessThan(1);
    expect(cohensDz([1, 2, 3], [0, 0, 0])).toBeCloseTo(2, 14);
    expect(cohensH(0.5, 0.5)).toBe(0);
    expect(cohensH(1, 0)).toBeCloseTo(Math.PI, 14);
  });
  it('fails with a typed error instead of NaN', () => {
    expectError(() => cohensD([1], [2]), 'insufficient_data');
    expectError(() => cohensD([1, 1], [1, 1]), 'insufficient_data');
    expectError(() => hedgesG([], [1, 2, 3]), 'insufficient_data');
    expectError(() => cohensDz([1, 2], [0, 1]), 'insufficient_data');
    expectError(() => cohensDz([1, 2, 3], [0, 1]), 'invalid_input');
    expectError(() => cohensH(1.1, 0.5), 'invalid_input');
  });
});
