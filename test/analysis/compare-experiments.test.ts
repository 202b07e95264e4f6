import { describe, expect, it } from 'vitest';
import type { TrackerEvent } from 'exptrack';
import { adjustPValues, compareExperiments, significance } from 'exptrack/analysis';
import { accuracyOf, binarySamples, evaluation, memoryStore, points, started, errorOf } from './store-fixtures.js';

const s1 = binarySamples(400, (i) => i % 10 < 6);
const s2 = binarySamples(400, (i) => i % 10 < 7);
const s3 = binarySamples(400, (i) => i % 10 < 5 || i % 10 === 9);
const events: TrackerEvent[] = [
  started('base', { learning_rate: 1e-3, model: 'mlp', optimizer: { name: 'adam', betas: [0.9, 0.999] }, seed: 1 }),
  evaluation('base', 'gsm8k', { accuracy: accuracyOf(s1), accuracy_stderr: 0.024, n_samples: 400, error_rate: 0.1 }, s1),
  evaluation('base', 'math', { accuracy: 0.3 }),
  points('base', 'loss', [2, 1.5, 1.2]),
  started('lr_low', { learning_rate: 3e-4, model: 'mlp', optimizer: { name: 'adam', betas: [0.9, 0.95] }, seed: 1 }),
  evaluation('lr_low', 'gsm8k', { accuracy: accuracyOf(s2), n_samples: 400, error_rate: 0.05 }, s2),
  points('lr_low', 'loss', [2, 1.1, 0.9]),
  started('sgd', { learning_rate: 1e-3, model: 'mlp', optimizer: { name: 'sgd' }, seed: 1, extra: true }),
  evaluation('sgd', 'gsm8k', { accuracy: accuracyOf(s3), n_samples: 400, error_rate: 0.1 }, s3),
];

describe('compareExperiments', () => {
  it('lists only the config keys that differ, flattened with dots', async () => {
    const store = await memoryStore(events);
    const c = await compareExperiments(['base', 'lr_low', 'sgd'], { store });
    expect(c.baseline).toBe('base');
    expect(c.experiments.map((e) => e.id)).toEqual(['base', 'lr_low', 'sgd']);
    expect(c.configDifferences).toEqual([
      { key: 'extra', values: [undefined, undefined, true] },
      { key: 'learning_rate', values: [1e-3, 3e-4, 1e-3] },
      { key: 'optimizer.betas', values: [[0.9, 0.999], [0.9, 0.95], undefined] },
      { key: 'optimizer.name', values: ['adam', 'adam', 'sgd'] },
    ]);
  });

  it('puts metrics side by side with the winner, the improvement and the tests against the baseline', async () => {
    const store = await memoryStore(events);
    const c = await compareExperiments(['base', 'lr_low', 'sgd'], { store });
    expect(c.metrics.map((m) => [m.benchmark, m.metric])).toEqual([
      ['gsm8k', 'accuracy'], ['gsm8k', 'error_rate'], ['gsm8k', 'n_samples'], ['math', 'accuracy'], [null, 'loss'],
    ]);
    const acc = c.metrics[0];
    expect(acc?.values).toEqual([0.6, 0.7, 0.6]);
    expect(acc?.better).toBe('higher');
    expect(acc?.winner).toBe('lr_low');
    expect(acc?.deltas[0]).toBeNull();
    expect(acc?.deltas[1]?.difference).toBeCloseTo(0.1, 15);
    expect(acc?.deltas[1]?.improvement).toBeCloseTo(0.1, 15);
    expect(acc?.deltas[1]?.relative).toBeCloseTo(0.1 / 0.6, 15);
    expect(acc?.deltas[2]).toEqual({ difference: 0, improvement: 0, relative: 0 });
    // Each test is the one significance() runs.
    const direct = await significance('base', 'lr_low', { store, benchmark: 'gsm8k' });
    expect(acc?.significance[1]).toEqual({ ...direct, verdict: expect.any(String) });
    expect(acc?.significance[1]?.method).toBe('mcnemar');
    expect(acc?.standardErrors[0]).toBeCloseTo(Math.sqrt(0.24 / 399), 12);
    // Lower is better for error_rate and loss.
    const errors = c.metrics[1];
    expect(errors?.better).toBe('lower');
    expect(errors?.winner).toBe('lr_low');
    expect(errors?.deltas[1]?.improvement).toBeCloseTo(0.05, 15);
    expect(errors?.deltas[1]?.relative).toBeCloseTo(0.5, 15);
    expect(errors?.significance.every((s) => s === null)).toBe(true);
    // Counts have no winner and no test.
    expect(c.metrics[2]).toMatchObject({ metric: 'n_samples', winner: null, notes: [null, 'a count: not tested', 'a count: not tested'] });
    // A metric only the baseline has.
    expect(c.metrics[3]).toMatchObject({ values: [0.3, null, null], winner: null, deltas: [null, null, null] });
    const loss = c.metrics[4];
    expect(loss).toMatchObject({ benchmark: null, better: 'lower', values: [1.2, 0.9, null], winner: 'lr_low' });
    expect(loss?.notes[1]).toBe('a training metric: no per-item scores to test');
    // Holm over every test of the comparison.
    const tests = c.metrics.flatMap((m) => m.significance.filter((s) => s !== null).map((s) => s.pValue));
    const adjusted = c.metrics.flatMap((m) => m.adjustedPValues.filter((p) => p !== null));
    expect(adjusted).toEqual(adjustPValues(tests, 'holm'));
    expect(tests.length).toBe(2);
  });

  it('names no winner and no improvement for a metric without a goal, and follows a declared goal', async () => {
    const store = await memoryStore([
      started('a', {}, { createdAt: 1 }), points('a', 'lr', [0.3, 0.3]), points('a', 'val_bpb', [1.2]),
      started('b', {}, { createdAt: 2, summary: { 'goal/val_bpb': 'minimize' } }), points('b', 'lr', [0.0003]), points('b', 'val_bpb', [1.1]),
    ]);
    const c = await compareExperiments(['a', 'b'], { store });
    const lr = c.metrics.find((m) => m.metric === 'lr');
    expect(lr).toMatchObject({ better: null, winner: null, values: [0.3, 0.0003] });
    expect(lr?.deltas[1]).toEqual({ difference: 0.0003 - 0.3, improvement: null, relative: null });
    expect(c.metrics.find((m) => m.metric === 'val_bpb')).toMatchObject({ better: 'lower', winner: 'b' });
    const declaredNone = await memoryStore([
      started('a', {}, { createdAt: 1 }), points('a', 'loss', [2]),
      started('b', {}, { createdAt: 2, summary: { 'goal/loss': 'none' } }), points('b', 'loss', [1]),
    ]);
    expect((await compareExperiments(['a', 'b'], { store: declaredNone })).metrics[0]).toMatchObject({ metric: 'loss', better: null, winner: null });
  });

  it('restricts to one benchmark or some metrics', async () => {
    const store = await memoryStore(events);
    const c = await compareExperiments(['lr_low', 'base'], { store, benchmark: 'gsm8k', metrics: ['accuracy'], adjust: 'none' });
    expect(c.metrics.map((m) => m.metric)).toEqual(['accuracy']);
    expect(c.metrics[0]?.deltas[1]?.improvement).toBeCloseTo(-0.1, 15);
    expect(c.metrics[0]?.adjustedPValues[1]).toBe(c.metrics[0]?.significance[1]?.pValue);
  });

  it('fails with a typed error naming an unknown id', async () => {
    const store = await memoryStore(events);
    const missing = await errorOf(compareExperiments(['base', 'exp_nope'], { store }));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toContain('"exp_nope"');
    expect(missing.field).toBe('ids[1]');
    expect((await errorOf(compareExperiments(['base'], { store }))).code).toBe('invalid_input');
    expect((await errorOf(compareExperiments(['base', 'base'], { store }))).code).toBe('invalid_input');
  });
});
