import { describe, expect, it } from 'vitest';
import { ExperimentTracker, ExptrackError } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { createTestTracker } from 'exptrack/testing';

function strictTracker() {
  const backend = new MemoryBackend();
  const tracker = new ExperimentTracker({ backends: [backend], strict: true, captureGit: false, captureEnvironment: false, handleProcessEvents: false });
  return { tracker, backend };
}

function caught(fn: () => unknown): ExptrackError {
  try {
    fn();
  } catch (error) {
    if (ExptrackError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('input validation', () => {
  it.each([
    ['a NaN step', NaN, 'step'],
    ['an infinite step', Infinity, 'step'],
    ['a negative step', -1, 'step'],
    ['a fractional step', 1.5, 'step'],
    ['a string step', '3', 'step'],
  ])('rejects %s with a typed error naming the field and the value', async (_, step, field) => {
    const { tracker } = strictTracker();
    await tracker.startExperiment({});
    const error = caught(() => tracker.logMetrics({ loss: 1 }, step as number));
    expect(error).toMatchObject({ code: 'invalid_input', field });
    expect(Object.is(error.value, step)).toBe(true);
    expect(error.message).toContain(String(step === '3' ? '"3"' : step));
    await tracker.close();
  });

  it.each([
    ['a string value', { loss: 'high' }, 'metrics.loss', 'high'],
    ['a null value', { loss: null }, 'metrics.loss', null],
    ['an empty key', { '': 1 }, 'metrics key', ''],
    ['a key over 250 characters', { ['k'.repeat(251)]: 1 }, 'metrics key', 'k'.repeat(251)],
  ])('rejects %s', async (_, metrics, field, value) => {
    const { tracker } = strictTracker();
    await tracker.startExperiment({});
    expect(caught(() => tracker.logMetrics(metrics as never, 0))).toMatchObject({ code: 'invalid_input', field, value });
    await tracker.close();
  });

  it('accepts NaN and ±Infinity as metric values, and a 250-character key', async () => {
    const { tracker, backend } = strictTracker();
    const id = await tracker.startExperiment({});
    tracker.logMetrics({ a: NaN, b: Infinity, c: -Infinity, ['k'.repeat(250)]: 1 }, 0);
    await tracker.flush();
    expect((await backend.getMetrics(id)).map((p) => p.value)).toEqual([NaN, Infinity, -Infinity, 1]);
    await tracker.close();
  });

  it.each([
    ['a function', { fn: () => 1 }, 'config.fn'],
    ['a bigint', { n: 10n }, 'config.n'],
    ['NaN', { learning_rate: NaN }, 'config.learning_rate'],
    ['a Date', { when: new Date(0) }, 'config.when'],
    ['a nested symbol', { a: { b: [1, Symbol('s')] } }, 'config.a.b[1]'],
    ['a mistyped known key', { batch_size: 'big' }, 'config.batch_size'],
    ['a negative learning rate', { learning_rate: -0.1 }, 'config.learning_rate'],
  ])('refuses a config holding %s, naming the path', async (_, config, field) => {
    const { tracker } = createTestTracker();
    await expect(tracker.startExperiment(config as never)).rejects.toMatchObject({ code: 'invalid_input', field });
  });

  it('defineMetric stores the goal with the run and refuses an unknown goal, naming it', async () => {
    const { tracker, backend } = strictTracker();
    const id = await tracker.startExperiment({});
    tracker.defineMetric('lr', { goal: 'none' });
    tracker.defineMetric('gsm8k/accuracy', { goal: 'maximize' });
    expect(caught(() => tracker.defineMetric('loss', { goal: 'down' as never }))).toMatchObject({ code: 'invalid_input', field: 'options.goal', value: 'down' });
    expect(caught(() => tracker.defineMetric('', { goal: 'none' }))).toMatchObject({ code: 'invalid_input', field: 'key' });
    await tracker.flush();
    expect((await backend.getExperiment(id))?.summary).toEqual({ 'goal/lr': 'none', 'goal/gsm8k/accuracy': 'maximize' });
    await tracker.close();
  });

  it('refuses a circular config', async () => {
    const { tracker } = createTestTracker();
    const config: Record<string, unknown> = { a: 1 };
    config.self = config;
    await expect(tracker.startExperiment(config as never)).rejects.toMatchObject({ code: 'invalid_input', field: 'config.self' });
  });

  it('keeps params immutable: later changes to the caller\'s object are not logged', async () => {
    const { tracker, backend } = createTestTracker();
    const config = { learning_rate: 0.1, layers: [1, 2] };
    const id = await tracker.startExperiment(config);
    config.layers.push(3);
    config.learning_rate = 5;
    expect((await backend.getExperiment(id))?.config).toEqual({ learning_rate: 0.1, layers: [1, 2] });
    await tracker.close();
  });

  it('without strict mode, reports bad input through onError, logs the valid keys and loses nothing', async () => {
    const { tracker, backend, errors } = createTestTracker();
    const id = await tracker.startExperiment({});
    tracker.logMetrics({ loss: 1 }, 0);
    expect(() => tracker.logMetrics({ loss: 2, acc: 'x' as never }, 1)).not.toThrow();
    expect(() => tracker.logMetrics({ loss: 3 }, -5)).not.toThrow();
    await tracker.finishExperiment();
    expect(errors.map((e) => [e.code, e.field])).toEqual([
      ['invalid_input', 'metrics.acc'],
      ['invalid_input', 'step'],
    ]);
    expect((await backend.getMetrics(id, 'loss')).map((p) => p.value)).toEqual([1, 2]);
    expect((await backend.getExperiment(id))?.status).toBe('completed');
  });

  it('reports logging without a running experiment, and throws it in strict mode', async () => {
    const { tracker, errors } = createTestTracker();
    tracker.logMetrics({ loss: 1 }, 0);
    expect(errors[0]).toMatchObject({ code: 'not_started' });
    const strict = strictTracker().tracker;
    expect(caught(() => strict.logMetrics({ loss: 1 }, 0))).toMatchObject({ code: 'not_started' });
  });

  it('refuses a second start while a run is active', async () => {
    const { tracker } = createTestTracker();
    await tracker.startExperiment({});
    await expect(tracker.startExperiment({})).rejects.toMatchObject({ code: 'invalid_input' });
    await tracker.close();
  });

  it('rejects evaluation rows without an id', async () => {
    const { tracker } = strictTracker();
    await tracker.startExperiment({});
    await expect(tracker.logEvaluation('gsm8k', { metrics: { accuracy: 1 }, samples: [{} as never] })).rejects.toMatchObject({ field: 'result.samples[0].id' });
    await expect(tracker.logEvaluation('gsm8k', { metrics: { accuracy: 'high' as never } })).rejects.toMatchObject({ field: 'result.metrics.accuracy' });
    await tracker.close();
  });
});
