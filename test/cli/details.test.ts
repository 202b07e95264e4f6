import { describe, expect, it, vi } from 'vitest';
import { MemoryBackend } from 'exptrack/memory';
import { makeExperiment, metricColumns } from 'exptrack/testing';
import { keyMetrics, latestByBenchmark } from '../../src/cli/commands/shared.js';
import { CURVE_BUCKETS, loadDetails } from '../../src/cli/details.js';

describe('loadDetails', () => {
  it('draws a long metric from the store\'s outline, never reading every point', async () => {
    const store = new MemoryBackend();
    const experiment = makeExperiment({ status: 'completed' });
    const points = Array.from({ length: 20_000 }, (_, step) => ['loss', step, step === 0 ? NaN : step === 7_000 ? 50 : 1 / (1 + step)] as const);
    await store.write([
      { type: 'experiment_started', experiment },
      { type: 'metrics', experimentId: experiment.id, points: metricColumns(points) },
      { type: 'metrics', experimentId: experiment.id, points: metricColumns([['acc', 0, 0.1], ['acc', 1, 0.2]]) },
    ]);
    const getMetrics = vi.spyOn(store, 'getMetrics');
    const details = await loadDetails(store, experiment);
    expect(getMetrics).not.toHaveBeenCalled();
    const loss = details.metrics.find((m) => m.key === 'loss')!;
    expect(loss).toMatchObject({ count: 20_000, first: 1 / 2, max: 50 });
    expect(loss.steps.length).toBeLessThanOrEqual(2 * CURVE_BUCKETS + 2);
    expect(loss.values).toContain(50); // the spike survives the reduction
    expect(details.metrics.find((m) => m.key === 'acc')).toMatchObject({ first: 0.1, steps: [0, 1], values: [0.1, 0.2] });
  });
});

describe('key metrics', () => {
  it('take the evaluation logged last as the latest, as the store and the leaderboard do', async () => {
    const store = new MemoryBackend();
    const experiment = makeExperiment();
    const evaluation = (accuracy: number, createdAt: number) => ({ benchmark: 'gsm8k', metrics: { accuracy }, metadata: {}, step: null, createdAt });
    await store.write([
      { type: 'experiment_started', experiment },
      { type: 'evaluation', experimentId: experiment.id, evaluation: evaluation(0.9, 2_000), samples: [] },
      { type: 'evaluation', experimentId: experiment.id, evaluation: evaluation(0.4, 1_000), samples: [] },
    ]);
    expect(latestByBenchmark(await store.getEvaluationResults(experiment.id)).map((r) => r.metrics.accuracy)).toEqual([0.4]);
    expect((await keyMetrics(store, [experiment.id])).get(experiment.id)).toEqual({ 'gsm8k/accuracy': 0.4 });
    const [value] = await store.getMetricValues({ benchmark: 'gsm8k', metric: 'accuracy' });
    expect(value?.value).toBe(0.4);
  });
});
