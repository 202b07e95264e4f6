// Builds stores for the analysis tests by writing TrackerEvents straight into a backend.
import { ExptrackError, type EvaluationSample, type Experiment, type ExperimentConfig, type JsonValue, type TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';

let counter = 0;

export function experiment(overrides: Partial<Experiment> & { id: string }): Experiment {
  counter += 1;
  return {
    name: overrides.id,
    notes: '',
    group: null,
    config: {},
    tags: {},
    status: 'completed',
    createdAt: 1_767_225_600_000 + counter,
    endedAt: null,
    heartbeatAt: null,
    git: null,
    environment: null,
    summary: {},
    error: null,
    ...overrides,
  };
}

/** Configs here are any JSON (ExperimentConfig types `optimizer` as a string; nested optimizers are tested too). */
export function started(id: string, config: Record<string, JsonValue> = {}, extra: Partial<Experiment> = {}): TrackerEvent {
  return { type: 'experiment_started', experiment: experiment({ id, config: config as ExperimentConfig, ...extra }) };
}

export function evaluation(experimentId: string, benchmark: string, metrics: Record<string, number>, samples: EvaluationSample[] = [], createdAt = 1_767_300_000_000): TrackerEvent {
  return { type: 'evaluation', experimentId, evaluation: { benchmark, metrics, metadata: {}, step: null, createdAt }, samples };
}

export function points(experimentId: string, key: string, values: number[], rank = 0): TrackerEvent {
  return {
    type: 'metrics',
    experimentId,
    points: { keys: values.map(() => key), steps: values.map((_, i) => i), values, timestamps: values.map((_, i) => 1_767_225_600_000 + i), rank },
  };
}

/** 0/1 samples on items q0..q(n-1): item i is correct when `correct(i)`. */
export function binarySamples(n: number, correct: (i: number) => boolean): EvaluationSample[] {
  return Array.from({ length: n }, (_, i) => ({ id: `q${i}`, correct: correct(i) }));
}

export function accuracyOf(samples: EvaluationSample[]): number {
  return samples.filter((s) => s.correct === true).length / samples.length;
}

export async function memoryStore(events: TrackerEvent[]): Promise<MemoryBackend> {
  const store = new MemoryBackend();
  await store.init();
  await store.write(events);
  return store;
}

/** The ExptrackError a promise rejects with (anything else fails the test). */
export async function errorOf(promise: Promise<unknown>): Promise<ExptrackError> {
  try {
    await promise;
  } catch (e) {
    if (ExptrackError.is(e)) return e;
    throw e;
  }
  throw new Error('expected an ExptrackError');
}
