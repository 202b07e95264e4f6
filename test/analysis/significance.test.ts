import { describe, expect, it } from 'vitest';
import { type EvaluationSample, type TrackerEvent } from 'exptrack';
import {
  mcnemarTest,
  minimumDetectableEffect,
  pairedBootstrap,
  pairedStandardError,
  pairedTTest,
  permutationTest,
  significance,
  studentTSf,
  welchTTest,
} from 'exptrack/analysis';
import { accuracyOf, binarySamples, evaluation, memoryStore, started, errorOf } from './store-fixtures.js';

// A: right on items where i % 10 < 6; B: right where i % 10 < 7, except on i % 50 === 0.
const n = 500;
const correctA = (i: number) => i % 10 < 6;
const correctB = (i: number) => i % 10 < 7 && i % 50 !== 0;
const samplesA = binarySamples(n, correctA);
const samplesB = binarySamples(n, correctB);
const graded = (shift: number): EvaluationSample[] => Array.from({ length: 60 }, (_, i) => ({ id: `g${i}`, score: ((i * 37) % 11) / 10 + (i % 3 === 0 ? shift : 0) }));

const events: TrackerEvent[] = [
  started('base'), evaluation('base', 'gsm8k', { accuracy: accuracyOf(samplesA) }, samplesA),
  started('better'), evaluation('better', 'gsm8k', { accuracy: accuracyOf(samplesB) }, samplesB),
  started('same'), evaluation('same', 'gsm8k', { accuracy: accuracyOf(samplesA) }, samplesA.map((s) => ({ ...s }))),
  started('other_items'), evaluation('other_items', 'gsm8k', { accuracy: 0.7 }, binarySamples(300, (i) => i % 10 < 7).map((s) => ({ ...s, id: `x${s.id}` }))),
  started('agg1'), evaluation('agg1', 'gsm8k', { accuracy: 0.62, accuracy_stderr: 0.02, n_scored: 600 }),
  started('agg2'), evaluation('agg2', 'gsm8k', { accuracy: 0.7, accuracy_stderr: 0.025, n_scored: 400 }),
  started('bare'), evaluation('bare', 'gsm8k', { accuracy: 0.7 }),
  started('g1'), evaluation('g1', 'judge', { mean_score: graded(0).reduce((a, s) => a + (s.score ?? 0), 0) / 60 }, graded(0)),
  started('g2'), evaluation('g2', 'judge', { mean_score: graded(0.3).reduce((a, s) => a + (s.score ?? 0), 0) / 60 }, graded(0.3)),
  started('inf'), evaluation('inf', 'gsm8k', { accuracy: Infinity }),
];

describe('significance', () => {
  it('pairs 0/1 scores on shared items and runs McNemar, with the paired SE and correlation', async () => {
    const store = await memoryStore(events);
    const r = await significance('base', 'better', { store, benchmark: 'gsm8k', metric: 'accuracy' });
    const a = samplesA.map((s) => Number(s.correct));
    const b = samplesB.map((s) => Number(s.correct));
    const onlyB = a.filter((v, i) => v === 0 && b[i] === 1).length;
    const onlyA = a.filter((v, i) => v === 1 && b[i] === 0).length;
    expect({ onlyA, onlyB }).toEqual({ onlyA: 10, onlyB: 50 });
    const reference = mcnemarTest(onlyB, onlyA);
    const paired = pairedStandardError(b, a);
    expect(r).toMatchObject({
      paired: true,
      method: 'mcnemar',
      n,
      discordant: { onlyA, onlyB },
      pValue: reference.pValue,
      significant: true,
      scoreA: 0.6,
      scoreB: accuracyOf(samplesB),
    });
    expect(r.difference).toBeCloseTo(accuracyOf(samplesB) - 0.6, 15);
    expect(r.standardError).toBeCloseTo(paired.standardError, 15);
    expect(r.correlation).toBeCloseTo(paired.correlation as number, 15);
    expect(r.ci[0]).toBeCloseTo(r.difference - 1.959963984540054 * r.standardError, 12);
    const sd = (x: number[]) => Math.sqrt(x.reduce((acc, v) => acc + (v - x.reduce((p, q) => p + q) / x.length) ** 2, 0) / (x.length - 1));
    const mde = minimumDetectableEffect({ n, sdA: sd(a), sdB: sd(b), paired: true, correlation: paired.correlation as number });
    expect(r.minimumDetectableEffect).toBeCloseTo(mde.effect, 12);
    // The paired design detects less than the unpaired one would on the same data.
    expect(r.minimumDetectableEffect).toBeLessThan(minimumDetectableEffect({ n, sdA: sd(a), sdB: sd(b) }).effect);
    expect(r.verdict).toMatch(/^better scores 0\.08 higher than base on gsm8k accuracy \(95% CI .* paired on 500 items\): significant at alpha = 0\.05; this sample detects differences of about 0\.0\d+ or more with 80% power\.$/);
    expect(r.basis).toBe('paired on 500 shared items');
    // The other way round the difference changes sign, the p-value does not.
    const back = await significance('better', 'base', { store, benchmark: 'gsm8k' });
    expect(back.difference).toBeCloseTo(-r.difference, 15);
    expect(back.pValue).toBe(r.pValue);
    expect(back.verdict).toContain('lower than');
  });

  it('runs the paired t-test on graded scores, and the bootstrap or permutation test on request', async () => {
    const store = await memoryStore(events);
    const x1 = graded(0).map((s) => s.score as number);
    const x2 = graded(0.3).map((s) => s.score as number);
    const t = await significance('g1', 'g2', { store, benchmark: 'judge', metric: 'mean_score' });
    const reference = pairedTTest(x2, x1);
    expect(t).toMatchObject({ method: 'paired-t', paired: true, pValue: reference.pValue, df: 59, statistic: reference.statistic, ci: reference.ci });
    const boot = await significance('g1', 'g2', { store, benchmark: 'judge', metric: 'mean_score', method: 'bootstrap', seed: 7, resamples: 2000 });
    const interval = pairedBootstrap(x2, x1, { seed: 7, resamples: 2000 });
    expect(boot.ci).toEqual([interval.lower, interval.upper]);
    expect(boot.pValue).toBe(permutationTest(x2, x1, { paired: true, seed: 7, resamples: 2000 }).pValue);
    expect(await significance('g1', 'g2', { store, benchmark: 'judge', metric: 'mean_score', method: 'bootstrap', seed: 7, resamples: 2000 })).toEqual(boot);
    const perm = await significance('g1', 'g2', { store, benchmark: 'judge', metric: 'mean_score', method: 'permutation', seed: 3 });
    expect(perm.method).toBe('permutation');
    expect(perm.pValue).toBe(permutationTest(x2, x1, { paired: true, seed: 3 }).pValue);
    expect((await errorOf(significance('g1', 'g2', { store, benchmark: 'judge', metric: 'mean_score', method: 'mcnemar' }))).code).toBe('invalid_input');
  });

  it('falls back to Welch on per-item scores of different items, and says so', async () => {
    const store = await memoryStore(events);
    const r = await significance('base', 'other_items', { store, benchmark: 'gsm8k' });
    const reference = welchTTest(binarySamples(300, (i) => i % 10 < 7).map((s) => Number(s.correct)), samplesA.map((s) => Number(s.correct)));
    expect(r).toMatchObject({ paired: false, method: 'welch', pValue: reference.pValue, df: reference.df, nA: 500, nB: 300, correlation: null });
    expect(r.basis).toMatch(/^unpaired: base has 500, other_items has 300, 0 shared; per-item scores of 500 and 300 items$/);
    expect(r.verdict).toContain('unpaired');
    expect((await errorOf(significance('base', 'other_items', { store, benchmark: 'gsm8k', method: 'paired-t' }))).code).toBe('invalid_input');
  });

  it('tests aggregates with their standard errors (Welch–Satterthwaite df)', async () => {
    const store = await memoryStore(events);
    const r = await significance('agg1', 'agg2', { store, benchmark: 'gsm8k' });
    const se = Math.hypot(0.02, 0.025);
    const df = se ** 4 / (0.02 ** 4 / 599 + 0.025 ** 4 / 399);
    expect(r.paired).toBe(false);
    expect(r.standardError).toBeCloseTo(se, 15);
    expect(r.df).toBeCloseTo(df, 9);
    expect(r.pValue).toBeCloseTo(2 * studentTSf(0.08 / se, df), 14);
    expect(r.basis).toContain('from the aggregates');
    expect(r.minimumDetectableEffect).toBeCloseTo(minimumDetectableEffect({ n: 1, sdA: 0.02, sdB: 0.025 }).effect, 14);
  });

  it('says when two runs agree on every item', async () => {
    const store = await memoryStore(events);
    const r = await significance('base', 'same', { store, benchmark: 'gsm8k' });
    expect(r).toMatchObject({ difference: 0, pValue: 1, significant: false, minimumDetectableEffect: null, ci: [0, 0] });
    expect(r.verdict).toContain('the same as');
  });

  it('fails with typed errors naming what is missing', async () => {
    const store = await memoryStore(events);
    const unknown = await errorOf(significance('base', 'nope', { store, benchmark: 'gsm8k' }));
    expect(unknown.code).toBe('not_found');
    expect(unknown.message).toContain('"nope"');
    expect((await errorOf(significance('base', 'better', { store, benchmark: 'mmlu' }))).code).toBe('not_found');
    const bare = await errorOf(significance('agg1', 'bare', { store, benchmark: 'gsm8k' }));
    expect(bare.code).toBe('insufficient_data');
    expect(bare.message).toContain('bare has neither per-sample rows nor accuracy_stderr');
    expect((await errorOf(significance('agg1', 'inf', { store, benchmark: 'gsm8k' }))).code).toBe('insufficient_data');
    expect((await errorOf(significance('base', 'better', { store, benchmark: 'gsm8k', alpha: 1.5 }))).field).toBe('alpha');
    expect((await errorOf(significance('base', 'better', { store, benchmark: 'gsm8k', method: 'magic' as never }))).field).toBe('method');
    // An id prefix works when it is unique.
    expect((await significance('bas', 'bett', { store, benchmark: 'gsm8k' })).experimentB).toBe('better');
    expect((await errorOf(significance('ag', 'better', { store, benchmark: 'gsm8k' }))).code).toBe('invalid_input');
  });
});

describe('significance on a per-sample metric stored in metadata.metrics', () => {
  it('pairs acc_norm of multiple-choice rows on metadata.metrics.acc_norm, not on correct or score', async () => {
    // Rows as the multiple-choice runner writes them: correct/score are acc; acc_norm is in metadata.metrics.
    const rows = (norm: (i: number) => boolean): EvaluationSample[] =>
      Array.from({ length: 40 }, (_, i) => ({ id: `arc_easy:${i}`, correct: i % 2 === 0, score: i % 2 === 0 ? 1 : 0, metadata: { metrics: { acc: i % 2 === 0 ? 1 : 0, acc_norm: norm(i) ? 1 : 0 } } }));
    const a = rows((i) => i % 4 === 0);
    const b = rows((i) => i % 4 !== 3);
    const mean = (s: EvaluationSample[]) => s.reduce((t, r) => t + ((r.metadata as { metrics: { acc_norm: number } }).metrics.acc_norm), 0) / s.length;
    const store = await memoryStore([
      started('mc_a'), evaluation('mc_a', 'arc_easy', { acc: 0.5, acc_norm: mean(a) }, a),
      started('mc_b'), evaluation('mc_b', 'arc_easy', { acc: 0.5, acc_norm: mean(b) }, b),
    ]);
    const r = await significance('mc_a', 'mc_b', { store, benchmark: 'arc_easy', metric: 'acc_norm' });
    expect(r).toMatchObject({ paired: true, method: 'mcnemar', n: 40, discordant: { onlyA: 0, onlyB: 20 }, scoreA: 0.25, scoreB: 0.75 });
    const acc = await significance('mc_a', 'mc_b', { store, benchmark: 'arc_easy', metric: 'acc' });
    expect(acc).toMatchObject({ paired: true, discordant: { onlyA: 0, onlyB: 0 } });
  });
});
