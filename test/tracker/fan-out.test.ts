import { describe, expect, it } from 'vitest';
import { ExperimentTracker, type Backend, type ExptrackError, type TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { takeConsoleCalls } from '../setup/fail-on-console.js';

const caps = { read: false, persistent: false, multiProcess: false, responseCache: false };

class ThrowingBackend implements Backend {
  readonly specificationVersion = 1;
  readonly name = 'throwing';
  readonly capabilities = caps;
  writes = 0;
  async init() {}
  async write(_events: readonly TrackerEvent[]) {
    this.writes++;
    throw new Error('disk on fire');
  }
  async flush() {}
  async close() {}
}

class HangingBackend implements Backend {
  readonly specificationVersion = 1;
  readonly name = 'hanging';
  readonly capabilities = caps;
  async init() {}
  write(): Promise<void> {
    return new Promise(() => {});
  }
  async flush() {}
  async close() {}
}

const quiet = { captureGit: false, captureEnvironment: false, handleProcessEvents: false } as const;

describe('fan-out to backends', () => {
  it('isolates a backend that throws and one that hangs: the loop and the other backend go on', async () => {
    const memory = new MemoryBackend();
    const errors: Array<[string | undefined, string]> = [];
    const tracker = new ExperimentTracker({
      ...quiet,
      backends: [new ThrowingBackend(), new HangingBackend(), memory],
      backendTimeoutMs: 200,
      onError: (error, context) => errors.push([context.backend, error.code]),
    });
    const id = await tracker.startExperiment({ seed: 1 });
    for (let step = 0; step < 100; step++) tracker.logMetrics({ loss: step }, step);
    const reports = await tracker.finishExperiment();
    expect(reports.map((r) => [r.backend, r.ok])).toEqual([['throwing', false], ['hanging', false], ['memory', true]]);
    expect((await memory.getMetrics(id, 'loss')).length).toBe(100);
    expect((await memory.getExperiment(id))?.status).toBe('completed');
    expect(errors).toContainEqual(['throwing', 'backend_failed']);
    expect(errors).toContainEqual(['hanging', 'timeout']);
    expect(errors.every(([backend]) => backend !== 'memory')).toBe(true);
  });

  it('by default warns once per failing backend, not once per call, and once more at finish; the run records which backend failed', async () => {
    const throwing = new ThrowingBackend();
    const memory = new MemoryBackend();
    const tracker = new ExperimentTracker({ ...quiet, backends: [throwing, memory] });
    const id = await tracker.startExperiment({});
    for (let step = 0; step < 5; step++) {
      tracker.logMetrics({ loss: step }, step);
      await tracker.flush();
    }
    const reports = await tracker.finishExperiment();
    await tracker.close();
    expect(throwing.writes).toBeGreaterThan(5);
    expect(reports.find((r) => r.backend === 'throwing')?.ok).toBe(false);
    const calls = takeConsoleCalls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/console\.warn: \[exptrack\] backend throwing failed: disk on fire/);
    expect(calls[1]).toMatch(/console\.warn: \[exptrack\] experiment exp_\S+ finished, but backend throwing failed: .*disk on fire; the run is complete in memory/);
    // (The summary also holds the run's compute keys, written at finish.)
    expect((await memory.getExperiment(id))?.summary['_exptrack_backend_failures']).toEqual({ throwing: expect.stringContaining('disk on fire') });
  });

  it('in strict mode, a backend failure is thrown from the next tracker call', async () => {
    const tracker = new ExperimentTracker({ ...quiet, strict: true, backends: [new ThrowingBackend()], onError: () => {} });
    await expect(tracker.startExperiment({})).rejects.toMatchObject({ code: 'backend_failed', backend: 'throwing' });
  });

  it('an onError handler that throws does not reach the caller', async () => {
    const tracker = new ExperimentTracker({
      ...quiet,
      backends: [new ThrowingBackend()],
      onError: () => {
        throw new Error('handler bug');
      },
    });
    await tracker.startExperiment({});
    expect(() => tracker.logMetrics({ loss: 1 }, 0)).not.toThrow();
    await expect(tracker.close()).resolves.toBeDefined();
  });
});

describe('buffering', () => {
  it('does no I/O on the caller\'s stack: points reach the backend on flush, in one batch, in order', async () => {
    const memory = new MemoryBackend();
    const batches: TrackerEvent[][] = [];
    const write = memory.write.bind(memory);
    memory.write = async (events) => {
      batches.push([...events]);
      return write(events);
    };
    const tracker = new ExperimentTracker({ ...quiet, backends: [memory] });
    const id = await tracker.startExperiment({});
    const before = batches.length;
    const row = { loss: 0 };
    for (let step = 0; step < 1000; step++) {
      row.loss = step; // the caller reuses its object: each call's values must be kept
      tracker.logMetrics(row, step);
    }
    expect(batches.length).toBe(before);
    await tracker.flush();
    expect(batches.length).toBe(before + 1);
    expect((await memory.getMetrics(id, 'loss')).map((p) => p.value)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    await tracker.close();
  });

  it('flushes on its own within the interval, and keeps the order of metrics and other events', async () => {
    const memory = new MemoryBackend();
    const tracker = new ExperimentTracker({ ...quiet, backends: [memory], flushIntervalMs: 50 });
    const id = await tracker.startExperiment({});
    tracker.logMetrics({ loss: 1 }, 0);
    tracker.setTags({ phase: 'warmup' });
    tracker.logMetrics({ loss: 2 }, 1);
    await new Promise((r) => setTimeout(r, 200));
    expect((await memory.getMetrics(id)).length).toBe(2);
    expect((await memory.getExperiment(id))?.tags).toEqual({ phase: 'warmup' });
    await tracker.close();
  });

  it('keeps out-of-order steps and repeated (key, step) points', async () => {
    const memory = new MemoryBackend();
    const tracker = new ExperimentTracker({ ...quiet, backends: [memory] });
    const id = await tracker.startExperiment({});
    tracker.logMetrics({ loss: 3 }, 3);
    tracker.logMetrics({ loss: 1 }, 1);
    tracker.logMetrics({ loss: 1.5 }, 1);
    await tracker.finishExperiment();
    expect((await memory.getMetrics(id, 'loss')).map((p) => [p.step, p.value])).toEqual([[1, 1], [1, 1.5], [3, 3]]);
  });
});

describe('tracker API', () => {
  it('records tags, notes, summary, evaluation, checkpoint, and finishes with await using', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { createHash } = await import('node:crypto');
    const memory = new MemoryBackend();
    let id: string;
    {
      await using tracker = new ExperimentTracker({ ...quiet, backends: [memory] });
      id = await tracker.startExperiment({ learning_rate: 0.01 }, { name: 'api', notes: 'n1', tags: ['baseline'], group: 'g' });
      expect(id).toMatch(/^exp_\d{8}_\d{6}_[0-9a-f]{6}$/);
      tracker.setTags({ stage: 'sft' });
      tracker.setNotes('n2');
      tracker.logSummary({ best_loss: 0.1 });
      await tracker.logEvaluation('gsm8k', { metrics: { accuracy: 0.5 }, samples: [{ id: 'q1', correct: true }] });
      const file = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'model.bin');
      writeFileSync(file, 'weights');
      await tracker.logCheckpoint(file, { step: 10, metrics: { loss: 0.2 } });
      const [checkpoint] = await memory.getCheckpoints(id);
      expect(checkpoint).toMatchObject({ path: file, step: 10, sizeBytes: 7, fileCount: 1, sha256: createHash('sha256').update('weights').digest('hex') });
    }
    const experiment = await memory.getExperiment(id);
    expect(experiment).toMatchObject({ name: 'api', notes: 'n2', group: 'g', tags: { baseline: '', stage: 'sft' }, summary: { best_loss: 0.1 }, status: 'completed' });
    expect(experiment?.endedAt).toBeGreaterThanOrEqual(experiment!.createdAt);
    expect((await memory.getEvaluationSamples(id)).map((s) => s.id)).toEqual(['q1']);
  });

  it('reports a checkpoint path that does not exist, naming it', async () => {
    const errors: ExptrackError[] = [];
    const tracker = new ExperimentTracker({ ...quiet, backends: [new MemoryBackend()], onError: (e) => errors.push(e) });
    await tracker.startExperiment({});
    await tracker.logCheckpoint('/no/such/checkpoint');
    expect(errors[0]).toMatchObject({ code: 'not_found', value: '/no/such/checkpoint', message: 'logCheckpoint: no such file or directory: /no/such/checkpoint' });
    await tracker.close();
  });

  it('resumes an experiment: the same id, running again, new points appended', async () => {
    const memory = new MemoryBackend();
    const first = new ExperimentTracker({ ...quiet, backends: [memory] });
    const id = await first.startExperiment({});
    first.logMetrics({ loss: 1 }, 0);
    await first.finishExperiment({ status: 'failed', error: new Error('oom') });
    const second = new ExperimentTracker({ ...quiet, backends: [memory] });
    await second.resumeExperiment(id);
    expect((await memory.getExperiment(id))?.status).toBe('running');
    second.logMetrics({ loss: 0.5 }, 1);
    await second.finishExperiment();
    expect((await memory.getMetrics(id, 'loss')).map((p) => p.value)).toEqual([1, 0.5]);
    expect((await memory.getExperiment(id))?.error).toBeNull();
    await expect(second.resumeExperiment('exp_missing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('attaches to the parent process\'s experiment through EXPTRACK_EXPERIMENT_ID, under its own rank, leaving the status to the parent', async () => {
    const memory = new MemoryBackend();
    const parent = new ExperimentTracker({ ...quiet, backends: [memory] });
    const id = await parent.startExperiment({ learning_rate: 0.1 });
    process.env.EXPTRACK_EXPERIMENT_ID = id;
    try {
      const worker = new ExperimentTracker({ ...quiet, backends: [memory], rank: 1 });
      expect(await worker.startExperiment({ ignored: true })).toBe(id);
      worker.logMetrics({ loss: 2 }, 0);
      await worker.logEvaluation('gsm8k', { metrics: { accuracy: 1 } }); // only rank 0 logs evaluations
      await worker.finishExperiment();
      expect((await memory.getExperiment(id))?.status).toBe('running');
      expect((await memory.getEvaluationResults(id)).length).toBe(0);
    } finally {
      delete process.env.EXPTRACK_EXPERIMENT_ID;
    }
    parent.logMetrics({ loss: 1 }, 0);
    await parent.finishExperiment();
    expect((await memory.getMetrics(id, 'loss')).map((p) => [p.rank, p.value])).toEqual([[1, 2], [0, 1]]);
    expect((await memory.getExperiment(id))?.status).toBe('completed');
    expect((await memory.getExperiment(id))?.config).toEqual({ learning_rate: 0.1 });
  });

  it('records the git state and the environment when asked', async () => {
    const memory = new MemoryBackend();
    const tracker = new ExperimentTracker({ backends: [memory], handleProcessEvents: false });
    const id = await tracker.startExperiment({});
    await tracker.close();
    const experiment = await memory.getExperiment(id);
    expect(experiment?.environment?.nodeVersion).toBe(process.version);
    expect(experiment?.environment?.pid).toBe(process.pid);
    // The project is a git checkout: the commit is recorded.
    expect(experiment?.git?.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});
