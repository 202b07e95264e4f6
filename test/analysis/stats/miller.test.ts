import { describe, expect, it } from 'vitest';
import {
  clusteredStandardError,
  minimumDetectableEffect,
  multiSampleStandardError,
  pairedStandardError,
  requiredSampleSize,
  standardError,
} from '../../../src/analysis/stats/index.js';
import { expectClose, expectError, ref } from './reference.js';

describe('error bars for evals (Miller 2024)', () => {
  const rows = ref.miller.standardErrors as Array<Record<string, unknown>>;

  it('standardError matches scipy.stats.sem with a normal interval', () => {
    for (const r of rows) {
      const s = r.scores as number[];
      const got = standardError(s);
      expectClose(got.standardError, r.standardError as number, 1e-12, 1e-15);
      const z = r.z975 as number;
      expectClose(got.ci[0], got.estimate - z * got.standardError, 1e-14, 1e-15);
      expect(got.n).toBe(s.length);
    }
    expectClose(standardError([1, 0, 1, 1, 0, 1, 1, 1, 0, 1]).standardError, Math.sqrt(0.7 * 0.3 * (10 / 9) / 10), 1e-14);
  });

  it('clusteredStandardError matches Miller eq. 4 and reduces to the CLT SE with singleton clusters', () => {
    for (const r of rows) {
      const s = r.scores as number[];
      const got = clusteredStandardError(s, r.clusters as number[]);
      expectClose(got.standardError, r.clusteredStandardError as number, 1e-12, 1e-15);
      expectClose(got.unclusteredStandardError, r.standardError as number, 1e-12, 1e-15);
      const singles = clusteredStandardError(s, s.map((_, i) => `q${i}`));
      expectClose(singles.standardError, r.standardError as number, 1e-12, 1e-15);
    }
    const c = clusteredStandardError([1, 1, 1, 0, 0, 0], ['a', 'a', 'a', 'b', 'b', 'b']);
    expect(c.clusters).toBe(2);
    expect(c.standardError).toBeGreaterThan(c.unclusteredStandardError);
  });

  it('pairedStandardError is the SE of the differences and reports the correlation', () => {
    for (const r of rows) {
      const got = pairedStandardError(r.scores as number[], r.other as number[]);
      expectClose(got.standardError, r.pairedStandardError as number, 1e-12, 1e-15);
      if (r.correlation === null) expect(got.correlation).toBeNull();
      else expectClose(got.correlation as number, r.correlation as number, 1e-12, 1e-15);
      // Var(a - b) = Var(a) + Var(b) - 2 cov(a, b)
      if (got.correlation !== null) {
        const sa = standardError(r.scores as number[]).standardError;
        const sb = standardError(r.other as number[]).standardError;
        expectClose(got.standardError ** 2, sa * sa + sb * sb - 2 * got.correlation * sa * sb, 1e-10, 1e-15);
        expectClose(got.unpairedStandardError, Math.sqrt(sa * sa + sb * sb), 1e-12);
      }
    }
  });

  it('multiSampleStandardError splits the variance as the reference', () => {
    for (const r of ref.miller.multiSample as Array<Record<string, unknown>>) {
      const got = multiSampleStandardError(r.samples as number[][]);
      for (const key of ['estimate', 'standardError', 'withinVariance', 'betweenVariance', 'singleSampleStandardError'] as const) {
        expectClose(got[key], r[key] as number, 1e-12, 1e-15, key);
      }
      expect(got.varianceReduction).toBeGreaterThanOrEqual(1);
    }
    expectError(() => multiSampleStandardError([[1], [0]]), 'insufficient_data');
    expectError(() => multiSampleStandardError([[1, 0]]), 'insufficient_data');
    expectError(() => multiSampleStandardError([[1, 0], []]), 'insufficient_data');
    expectError(() => multiSampleStandardError([[1, 0], [NaN, 1]]), 'invalid_input');
  });

  it('requiredSampleSize and minimumDetectableEffect follow the normal power formula', () => {
    for (const r of ref.miller.power as Array<Record<string, unknown>>) {
      const common = {
        sd: r.sd as number,
        paired: r.paired as boolean,
        correlation: r.paired ? (r.correlation as number) : undefined,
        alpha: r.alpha as number,
        power: r.power as number,
        alternative: r.alternative as 'two-sided',
        samplesPerQuestion: r.samplesPerQuestion as number,
        withinVariance: r.withinVariance as number,
      };
      const n = requiredSampleSize({ ...common, difference: r.difference as number });
      expectClose(n.nExact, r.nExact as number, 1e-12);
      expect(n.n).toBe(r.n);
      if (r.statsmodelsN !== undefined) expectClose(n.nExact, r.statsmodelsN as number, 1e-6);
      const mde = minimumDetectableEffect({ ...common, n: 1319 });
      expectClose(mde.effect, r.mdeAt1319 as number, 1e-12);
      // round trip: the MDE at the exact n is the difference
      expectClose(minimumDetectableEffect({ ...common, n: n.nExact }).effect, r.difference as number, 1e-12);
    }
    // pairing with positive correlation needs fewer questions
    const unpaired = requiredSampleSize({ difference: 0.03, sd: 0.4 });
    const paired = requiredSampleSize({ difference: 0.03, sd: 0.4, paired: true, correlation: 0.5 });
    expect(paired.n).toBeLessThan(unpaired.n);
  });

  it('fails with a typed error on bad input', () => {
    expectError(() => standardError([1]), 'insufficient_data');
    expectError(() => standardError([]), 'insufficient_data');
    expectError(() => standardError([1, NaN]), 'invalid_input');
    expectError(() => clusteredStandardError([1, 2, 3], ['a', 'b']), 'invalid_input');
    expectError(() => clusteredStandardError([1, 2], ['a', {} as never]), 'invalid_input');
    expectError(() => pairedStandardError([1, 2, 3], [1, 2]), 'invalid_input');
    expectError(() => requiredSampleSize({ difference: 0, sd: 1 }), 'invalid_input');
    expectError(() => requiredSampleSize({ difference: 0.1 }), 'invalid_input');
    expectError(() => requiredSampleSize({ difference: 0.1, sd: 1, alpha: 1 }), 'invalid_input');
    expectError(() => requiredSampleSize({ difference: 0.1, sd: 1, paired: true, correlation: 2 }), 'invalid_input');
    expectError(() => requiredSampleSize({ difference: 0.1, sd: 1, correlation: 0.5 }), 'invalid_input');
    expectError(() => minimumDetectableEffect({ n: 0, sd: 1 }), 'invalid_input');
  });
});
