import { describe, expect, it } from 'vitest';
import { ExperimentTracker, ExptrackError, type Backend, type ExperimentReader } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';

const stores: Record<string, () => Backend & ExperimentReader> = {
  memory: () => new MemoryBackend(),
  sqlite: () => new SqliteBackend({ path: ':memory:' }),
};

describe.each(Object.keys(stores))('reserved and malformed keys (%s)', (kind) => {
  const open = () => {
    const backend = stores[kind]!();
    const tracker = new ExperimentTracker({ backends: [backend], strict: true, captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    return { backend, tracker };
  };

  it('keeps a __proto__ tag key and a __proto__ evaluation-metric key faithfully', async () => {
    const { backend, tracker } = open();
    const tags = JSON.parse('{"__proto__":"x","stage":"sft"}') as Record<string, string>;
    const id = await tracker.startExperiment({}, { tags });
    tracker.setTags(JSON.parse('{"__proto__":"y"}') as Record<string, string>);
    await tracker.logEvaluation('gsm8k', { metrics: JSON.parse('{"__proto__":0.25,"accuracy":0.5}') as Record<string, number> });
    await tracker.flush();
    const stored = await backend.getExperiment(id);
    expect(Object.getOwnPropertyDescriptor(stored!.tags, '__proto__')?.value).toBe('y');
    expect(stored!.tags.stage).toBe('sft');
    const [evaluation] = await backend.getEvaluationResults(id);
    expect(Object.getOwnPropertyDescriptor(evaluation!.metrics, '__proto__')?.value).toBe(0.25);
    await tracker.close();
  });

  it('refuses a metric, tag or benchmark key with a lone surrogate, naming the key', async () => {
    const { tracker } = open();
    await tracker.startExperiment({});
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as ExptrackError;
      }
      throw new Error('expected a throw');
    };
    expect(error(() => tracker.logMetrics({ 'loss\ud800': 1 }, 0))).toMatchObject({ code: 'invalid_input', field: 'metrics key', value: 'loss\ud800' });
    expect(error(() => tracker.setTags({ ['\udc00tag']: 'v' }))).toMatchObject({ code: 'invalid_input', field: 'tags key', value: '\udc00tag' });
    await expect(tracker.logEvaluation('bench\ud800', { metrics: { a: 1 } })).rejects.toMatchObject({ code: 'invalid_input', field: 'benchmark' });
    // A surrogate pair (an emoji) is a well-formed key.
    expect(() => tracker.logMetrics({ 'loss 📉': 1 }, 0)).not.toThrow();
    await tracker.close();
  });
});
