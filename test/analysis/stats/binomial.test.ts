import { describe, expect, it } from 'vitest';
import { binomialTest, clopperPearsonInterval, mcnemarTest, wilsonInterval } from '../../../src/analysis/stats/index.js';
import { expectClose, expectError, ref } from './reference.js';

describe('binomialTest against scipy.stats.binomtest', () => {
  it('matches p-values and Clopper-Pearson intervals for every alternative', () => {
    const rows = ref.binomialTest as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(rows.length).toBeGreaterThan(80);
    for (const r of rows) {
      const got = binomialTest(r.k, r.n, r.p, { alternative: r.alternative as 'two-sided', confidence: r.confidence });
      const label = `binomialTest(${r.k}, ${r.n}, ${r.p}, ${r.alternative})`;
      expectClose(got.pValue, r.pValue as number, 1e-9, 1e-300, label);
      const ci = r.ci as unknown as [number, number];
      expectClose((got.ci as [number, number])[0], ci[0], 1e-9, 1e-300, `${label} ci lower`);
      expectClose((got.ci as [number, number])[1], ci[1], 1e-9, 1e-300, `${label} ci upper`);
      // scipy's own binomtest interval (brentq) is good to about 1e-9 only
      const brentq = r.ciBrentq as [number, number];
      expectClose((got.ci as [number, number])[0], brentq[0], 1e-8, 1e-300, `${label} ci lower vs binomtest`);
      expectClose((got.ci as [number, number])[1], brentq[1], 1e-8, 1e-300, `${label} ci upper vs binomtest`);
      expect(got.estimate).toBe(r.k / r.n);
      expect(got.statistic).toBe(r.k);
    }
  });
  it('handles p = 0 and p = 1', () => {
    expect(binomialTest(0, 5, 0).pValue).toBe(1);
    expect(binomialTest(1, 5, 0).pValue).toBe(0);
    expect(binomialTest(5, 5, 1).pValue).toBe(1);
    expect(binomialTest(3, 5, 1, { alternative: 'less' }).pValue).toBe(0);
    expect(binomialTest(3, 5, 1, { alternative: 'greater' }).pValue).toBe(1);
  });
  it('rejects bad input with a typed error', () => {
    expectError(() => binomialTest(3, 2, 0.5), 'invalid_input');
    expectError(() => binomialTest(1.5, 2, 0.5), 'invalid_input');
    expectError(() => binomialTest(1, 0, 0.5), 'invalid_input');
    expectError(() => binomialTest(1, 2, 1.5), 'invalid_input');
    expectError(() => binomialTest(-1, 2, 0.5), 'invalid_input');
    expectError(() => binomialTest(1, 2, NaN), 'invalid_input');
  });
});

describe('mcnemarTest against statsmodels', () => {
  it('matches exact, chi-square and corrected variants', () => {
    const rows = ref.mcnemarTest as Array<Record<string, unknown>>;
    for (const r of rows) {
      const b = r.b as number;
      const c = r.c as number;
      const exact = mcnemarTest(b, c);
      const e = r.exact as { statistic: number; pValue: number };
      expectClose(exact.pValue, e.pValue, 1e-9, 1e-300, `exact(${b}, ${c})`);
      expect(exact.statistic).toBe(e.statistic);
      for (const method of ['chi2', 'chi2-corrected'] as const) {
        const want = r[method] as { statistic: number; pValue: number } | undefined;
        if (!want) continue;
        const got = mcnemarTest(b, c, { method });
        expectClose(got.statistic, want.statistic, 1e-12, 1e-15, `${method}(${b}, ${c}) statistic`);
        expectClose(got.pValue, want.pValue, 1e-9, 1e-300, `${method}(${b}, ${c}) pValue`);
        expect(got.df).toBe(1);
      }
    }
  });
  it('gives p = 1 when b = c, including no discordant pairs', () => {
    for (const method of ['exact', 'chi2', 'chi2-corrected'] as const) {
      expect(mcnemarTest(0, 0, { method }).pValue).toBe(1);
      expect(mcnemarTest(7, 7, { method }).pValue).toBe(1);
    }
    expect(mcnemarTest(7, 7, { method: 'chi2' }).statistic).toBe(0);
    expect(mcnemarTest(7, 7, { method: 'chi2-corrected' }).statistic).toBe(0);
    expect(mcnemarTest(12, 4).estimate).toBe(8);
  });
  it('rejects bad input with a typed error', () => {
    expectError(() => mcnemarTest(-1, 2), 'invalid_input');
    expectError(() => mcnemarTest(1.5, 2), 'invalid_input');
    expectError(() => mcnemarTest(1, 2, { method: 'fisher' as never }), 'invalid_input');
  });
});

describe('proportion intervals against statsmodels.proportion_confint', () => {
  it('wilsonInterval and clopperPearsonInterval match, k = 0 and k = n included', () => {
    const rows = ref.proportionIntervals as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows) {
      const k = r.k as number;
      const n = r.n as number;
      const confidence = r.confidence as number;
      const w = wilsonInterval(k, n, { confidence });
      const ww = r.wilson as [number, number];
      // statsmodels computes center ± half directly, so its tiny lower bounds carry ~1e-16 absolute error
      expectClose(w.lower, ww[0], 1e-9, 1e-15, `wilson(${k}, ${n}, ${confidence}) lower`);
      expectClose(w.upper, ww[1], 1e-9, 1e-15, `wilson(${k}, ${n}, ${confidence}) upper`);
      const cp = clopperPearsonInterval(k, n, { confidence });
      const cc = r.clopperPearson as [number, number];
      expectClose(cp.lower, cc[0], 1e-9, 1e-300, `cp(${k}, ${n}, ${confidence}) lower`);
      expectClose(cp.upper, cc[1], 1e-9, 1e-300, `cp(${k}, ${n}, ${confidence}) upper`);
      expect(w.estimate).toBe(k / n);
      expect(cp.confidence).toBe(confidence);
      expect(w.lower).toBeGreaterThanOrEqual(0);
      expect(w.upper).toBeLessThanOrEqual(1);
    }
  });
  it('rejects bad input with a typed error', () => {
    expectError(() => wilsonInterval(5, 4), 'invalid_input');
    expectError(() => wilsonInterval(1, 4, { confidence: 1 }), 'invalid_input');
    expectError(() => clopperPearsonInterval(1, 0), 'invalid_input');
    expectError(() => clopperPearsonInterval(NaN, 4), 'invalid_input');
  });
});
