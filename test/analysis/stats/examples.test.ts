/**
 * The examples printed in the TSDoc of src/analysis/stats and in docs/ANALYSIS.md, run through the
 * public subpath as a user would import them: if an output changes, the documentation must too.
 */
import { describe, expect, it } from 'vitest';
import * as analysis from 'exptrack/analysis';

const {
  adjustPValues,
  binomialTest,
  bootstrapCI,
  chiSquareSf,
  clopperPearsonInterval,
  clusteredStandardError,
  cohensD,
  cohensDz,
  cohensH,
  createRandom,
  hedgesG,
  mcnemarTest,
  minimumDetectableEffect,
  multiSampleStandardError,
  normalCdf,
  normalQuantile,
  oneSampleTTest,
  pairedBootstrap,
  pairedStandardError,
  pairedTTest,
  permutationTest,
  pooledTTest,
  regularizedGammaP,
  regularizedGammaQ,
  regularizedIncompleteBeta,
  requiredSampleSize,
  standardError,
  studentTCdf,
  studentTQuantile,
  studentTSf,
  welchTTest,
  wilsonInterval,
} = analysis;

describe('documented examples (exptrack/analysis)', () => {
  it('distributions', () => {
    expect(normalCdf(1.959963984540054)).toBe(0.975);
    expect(normalCdf(-10)).toBe(7.619853024160498e-24);
    expect(normalQuantile(0.975)).toBe(1.9599639845400547);
    expect(normalQuantile(0.5, 100, 15)).toBe(100);
    expect(studentTSf(3, 1e6)).toBe(0.0013499312707108994);
    expect(studentTCdf(2.0, 10)).toBe(0.9633059826146297);
    expect(studentTQuantile(0.975, 1)).toBe(12.706204736174685);
    expect(studentTQuantile(0.975, 30)).toBe(2.0422724563012378);
    expect(chiSquareSf(100, 3)).toBe(1.554159431389603e-21);
    expect(regularizedIncompleteBeta(0.3, 2, 3)).toBe(0.34829999999999894);
    expect(regularizedGammaP(1, 1)).toBe(0.6321205588285578);
    expect(regularizedGammaQ(0.5, 50)).toBe(1.5239706048320995e-23);
  });

  it('tests and intervals', () => {
    const w = welchTTest([0.71, 0.74, 0.69, 0.73], [0.65, 0.7, 0.66]);
    expect([w.statistic, w.pValue, w.df, w.method, w.n, w.nA, w.nB]).toEqual([
      2.5166114784235902, 0.06662571037075816, 3.934296093644892, 'Welch two-sample t-test', 7, 4, 3,
    ]);
    expect(welchTTest([3, 4, 5], [1, 2, 3], { alternative: 'greater' }).pValue).toBe(0.03524199845511002);
    expect(pooledTTest([0.71, 0.74, 0.69, 0.73], [0.65, 0.7, 0.66]).pValue).toBe(0.04862509250293903);
    expect(oneSampleTTest([1, 2, 3, 4], 0).pValue).toBe(0.03046629166217096);
    expect(pairedTTest([0.9, 0.8, 0.7, 0.95, 0.85], [0.85, 0.8, 0.6, 0.9, 0.8]).statistic).toBe(3.1622776601683786);
    expect(binomialTest(14, 20, 0.5).pValue).toBe(0.11531829833984353);
    expect(mcnemarTest(12, 4).pValue).toBe(0.07681274414062514);
    expect(mcnemarTest(12, 4, { method: 'chi2-corrected' }).pValue).toBe(0.0801183137276341);
    expect(mcnemarTest(5, 5).pValue).toBe(1);
    expect(wilsonInterval(8, 10)).toEqual({
      lower: 0.49016247153664166,
      upper: 0.9433178485456247,
      estimate: 0.8,
      confidence: 0.95,
      method: 'Wilson score interval',
    });
    expect(clopperPearsonInterval(8, 10).upper).toBe(0.9747892736731666);
    expect(adjustPValues([0.01, 0.04, 0.03, 0.2], 'bh')).toEqual([0.04, 0.05333333333333334, 0.05333333333333334, 0.2]);
  });

  it('resampling, seeded', () => {
    const p = permutationTest([0.9, 0.8, 0.85, 0.95], [0.7, 0.75, 0.6, 0.8]);
    expect([p.pValue, p.exact, p.resamples]).toEqual([0.05714285714285714, true, 70]);
    expect(permutationTest([0.9, 0.8, 0.85, 0.95], [0.7, 0.75, 0.6, 0.8], { paired: true }).pValue).toBe(0.125);
    const b = bootstrapCI([0.61, 0.72, 0.55, 0.8, 0.67, 0.74, 0.59, 0.7], { seed: 42 });
    expect([b.lower, b.upper]).toEqual([0.61875, 0.7274999999999999]);
    const pb = pairedBootstrap([1, 1, 0, 1, 1, 0, 1, 1], [1, 0, 0, 1, 0, 0, 1, 0], { seed: 42 });
    expect([pb.lower, pb.upper, pb.estimate]).toEqual([0.125, 0.75, 0.375]);
    const rng = createRandom(42);
    expect([rng.nextUint32(), rng.nextInt(10)]).toEqual([2837322924, 7]);
  });

  it('effect sizes and error bars', () => {
    expect(cohensD([2, 4, 6, 8], [1, 3, 5, 7])).toBe(0.3872983346207417);
    expect(hedgesG([2, 4, 6, 8], [1, 3, 5, 7])).toBe(0.33641766960268776);
    expect(cohensDz([0.9, 0.8, 0.7, 0.95, 0.85], [0.85, 0.8, 0.6, 0.9, 0.8])).toBe(1.4142135623730947);
    expect(cohensH(0.95, 0.9)).toBe(0.19247429699702145);
    expect(standardError([1, 1, 0, 1, 0, 1, 1, 1, 0, 1]).standardError).toBe(0.15275252316519466);
    expect(clusteredStandardError([1, 1, 1, 0, 0, 0, 1, 0], ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c']).standardError).toBe(0.273453443412742);
    const ps = pairedStandardError([1, 1, 0, 1, 1, 0, 1, 1], [1, 0, 0, 1, 0, 0, 1, 0]);
    expect([ps.standardError, ps.correlation]).toEqual([0.18298126367784998, 0.4472135954999579]);
    expect(multiSampleStandardError([[1, 1, 0, 1], [0, 0, 1, 0], [1, 1, 1, 1], [0, 1, 0, 0]]).varianceReduction).toBe(2);
    expect(requiredSampleSize({ difference: 0.03, sd: 0.4, paired: true, correlation: 0.5 }).n).toBe(1396);
    expect(requiredSampleSize({ difference: 0.05, sd: 0.5 }).n).toBe(1570);
    expect(minimumDetectableEffect({ n: 1319, sd: Math.sqrt(0.8 * 0.2) }).effect).toBe(0.043637155042705995);
  });
});
