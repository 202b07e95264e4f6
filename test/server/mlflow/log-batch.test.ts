// log-batch's limits and rules, with MLflow's wording: at most 1,000 metrics, 100 params, 100 tags
// and 1,000 entities; a param never changes; NaN and ±Infinity arrive as strings.
import { describe, expect, it } from 'vitest';
import type { Experiment } from 'exptrack';
import { batchEvents, checkBatch } from '../../../src/server/mlflow/log-batch.js';

const metric = (i: number) => ({ key: 'loss', value: i, timestamp: 1, step: i });
const run: Experiment = {
  id: 'r1', name: 'r', notes: '', group: null, config: { lr: '0.01' }, tags: {}, status: 'running', createdAt: 0, endedAt: null,
  heartbeatAt: 0, git: null, environment: null, summary: {}, error: null,
};

describe('checkBatch', () => {
  it('refuses more than MLflow allows, with its message', () => {
    expect(() => checkBatch({ metrics: Array.from({ length: 1001 }, (_, i) => metric(i)), params: [], tags: [] })).toThrow('A batch logging request can contain at most 1000 metrics. Got 1001 metrics.');
    expect(() => checkBatch({ metrics: [], params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })), tags: [] })).toThrow('at most 100 params');
    expect(() => checkBatch({ metrics: [], params: [], tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' })) })).toThrow('at most 100 tags');
    expect(() =>
      checkBatch({ metrics: Array.from({ length: 950 }, (_, i) => metric(i)), params: Array.from({ length: 60 }, (_, i) => ({ key: `p${i}`, value: '1' })), tags: [] }),
    ).toThrow('at most 1000 total metrics, params, and tags');
    expect(checkBatch({ metrics: Array.from({ length: 1000 }, (_, i) => metric(i)), params: [], tags: [] }).metrics).toHaveLength(1000);
  });

  it('reads NaN and ±Infinity from strings, int64 from decimal strings, and a missing step as 0', () => {
    const batch = checkBatch({ metrics: [{ key: 'a', value: 'NaN', timestamp: '17' }, { key: 'a', value: 'Infinity', timestamp: 1, step: '3' }, { key: 'a', value: '-Infinity', timestamp: 1 }], params: [], tags: [] });
    expect(batch.metrics.map((m) => [m.value, m.step, m.timestamp])).toEqual([[NaN, 0, 17], [Infinity, 3, 1], [-Infinity, 0, 1]]);
  });

  it('refuses bad keys and a missing timestamp', () => {
    expect(() => checkBatch({ metrics: [{ key: 'a\nb', value: 1, timestamp: 1 }], params: [], tags: [] })).toThrow('Invalid metric name');
    expect(() => checkBatch({ metrics: [{ key: '../x', value: 1, timestamp: 1 }], params: [], tags: [] })).toThrow('Invalid metric name');
    expect(() => checkBatch({ metrics: [{ key: 'a', value: 1 }], params: [], tags: [] })).toThrow("Missing value for required parameter 'timestamp'");
    expect(() => checkBatch({ metrics: [], params: [{ key: 'p', value: 'x'.repeat(6001) }], tags: [] })).toThrow('exceeded length limit of 6000');
  });
});

describe('batchEvents', () => {
  it('adds new params to the config as strings, renames through mlflow.runName, and beats the heart', () => {
    const events = batchEvents(run, checkBatch({ metrics: [], params: [{ key: 'lr', value: '0.01' }, { key: 'seed', value: 42 }], tags: [{ key: 'mlflow.runName', value: 'new' }, { key: 'k', value: 'v' }] }), 5);
    expect(events).toEqual([{ type: 'experiment_updated', experimentId: 'r1', changes: { heartbeatAt: 5, config: { seed: '42' }, name: 'new', tags: { k: 'v' } } }]);
  });
  it('refuses another value for a logged param, with MLflow wording', () => {
    expect(() => batchEvents(run, checkBatch({ metrics: [], params: [{ key: 'lr', value: '0.02' }], tags: [] }), 5)).toThrow(
      "Changing param values is not allowed. Param with key='lr' was already logged with value='0.01' for run ID='r1'. Attempted logging new value '0.02'.",
    );
  });
});
