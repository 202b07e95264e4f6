import type { Experiment } from '../core/types.js';
import type { MetricColumns } from '../core/types.js';

/**
 * A complete experiment record for tests, with any fields overridden.
 *
 * @example
 * ```ts
 * import { makeExperiment } from 'exptrack/testing';
 * await backend.write([{ type: 'experiment_started', experiment: makeExperiment({ id: 'exp_1' }) }]);
 * ```
 */
export function makeExperiment(overrides: Partial<Experiment> = {}): Experiment {
  const createdAt = overrides.createdAt ?? Date.now();
  return {
    id: `exp_test_${Math.random().toString(16).slice(2, 10)}`,
    name: 'test run',
    notes: '',
    group: null,
    config: { learning_rate: 0.001, batch_size: 32, model: 'mlp', layers: [64, 64], optimizer: 'adam' },
    tags: { stage: 'test' },
    status: 'running',
    createdAt,
    endedAt: null,
    heartbeatAt: createdAt,
    git: null,
    environment: null,
    summary: {},
    error: null,
    ...overrides,
  };
}

/**
 * Metric columns from `[key, step, value]` triples, all at one timestamp, for tests.
 *
 * @example
 * ```ts
 * import { metricColumns } from 'exptrack/testing';
 * metricColumns([['loss', 0, 1.5], ['loss', 1, NaN]]);
 * ```
 */
export function metricColumns(points: ReadonlyArray<readonly [string, number, number]>, timestamp = Date.now(), rank = 0): MetricColumns {
  return {
    keys: points.map((p) => p[0]),
    steps: points.map((p) => p[1]),
    values: points.map((p) => p[2]),
    timestamps: points.map(() => timestamp),
    rank,
  };
}
