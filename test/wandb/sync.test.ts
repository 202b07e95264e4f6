import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { WandbBackend, syncExperimentsToWandb, wandbRunId } from 'exptrack/wandb';
import { historyRows, startFakeWandbServer, type FakeWandbServer } from './fake-wandb-server.js';
import { ENTITY, FAST, PROJECT, tempLedgerDir } from './helpers.js';

let server: FakeWandbServer;
let ledger: { dir: string; remove: () => void };

beforeEach(async () => {
  server = await startFakeWandbServer();
  ledger = tempLedgerDir();
});

afterEach(async () => {
  await server.close();
  ledger.remove();
});

function syncOptions(store: MemoryBackend, ids?: string[]) {
  return { store, ...(ids ? { ids } : {}), project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir };
}

/** Logs a finished experiment into a memory store only (W&B never saw it). */
async function offlineExperiment(memory: MemoryBackend, steps: number, name: string): Promise<string> {
  const tracker = new ExperimentTracker({ backends: [memory], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
  const id = await tracker.startExperiment({ lr: 0.1, name }, { name, notes: `notes of ${name}`, tags: { kind: 'offline' }, group: 'g' });
  for (let step = 0; step < steps; step++) tracker.logMetrics({ loss: step === 3 ? Number.NaN : 1 / (step + 1) }, step);
  await tracker.logEvaluation('gsm8k', { metrics: { accuracy: 0.5 }, step: steps - 1 });
  await tracker.finishExperiment();
  await tracker.close();
  return id;
}

describe('syncExperimentsToWandb', () => {
  it('replays every experiment of a store when no ids are given, then finds nothing to send', async () => {
    const memory = new MemoryBackend();
    const a = await offlineExperiment(memory, 12, 'a');
    const b = await offlineExperiment(memory, 5, 'b');
    const report = await syncExperimentsToWandb(syncOptions(memory));
    expect(report.errors).toEqual([]);
    expect(report.rowsSent).toBe(17);
    expect(report.experiments.map((e) => e.experimentId)).toEqual([a, b]);
    for (const [id, steps] of [[a, 12], [b, 5]] as const) {
      const run = server.run(ENTITY, PROJECT, wandbRunId(id))!;
      expect(run.notes).toBe(`notes of ${id === a ? 'a' : 'b'}`);
      expect(run.tags).toEqual(['kind:offline']);
      expect(run.group).toBe('g');
      expect(run.complete).toBe(true);
      const rows = historyRows(run);
      expect(rows.map((r) => r._step)).toEqual(Array.from({ length: steps }, (_, i) => i));
      expect(Number.isNaN(rows[3]!.loss)).toBe(true);
      expect(rows[steps - 1]!['eval/gsm8k/accuracy']).toBe(0.5);
    }
    const again = await syncExperimentsToWandb(syncOptions(memory));
    expect(again).toMatchObject({ rowsSent: 0, skipped: [a, b], errors: [] });
  });

  it('without a ledger, re-sends lines at their offsets: they replace, nothing is duplicated', async () => {
    const memory = new MemoryBackend();
    const id = await offlineExperiment(memory, 20, 'x');
    expect((await syncExperimentsToWandb(syncOptions(memory))).rowsSent).toBe(20);
    rmSync(ledger.dir, { recursive: true, force: true }); // another machine, or the ledger was lost
    const report = await syncExperimentsToWandb(syncOptions(memory));
    expect(report.rowsSent).toBe(20);
    const run = server.run(ENTITY, PROJECT, wandbRunId(id))!;
    expect(run.history.length).toBe(20);
    expect(historyRows(run).map((r) => r._step)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await syncExperimentsToWandb(syncOptions(memory))).rowsSent).toBe(0);
  });

  it('reports an unknown id and an unreachable W&B as errors, and throws only for a missing project', async () => {
    const memory = new MemoryBackend();
    const id = await offlineExperiment(memory, 3, 'y');
    const report = await syncExperimentsToWandb(syncOptions(memory, ['exp_missing', id]));
    expect(report.errors.map((e) => [e.experimentId, e.error.code])).toEqual([['exp_missing', 'not_found']]);
    expect(report.rowsSent).toBe(3);

    await server.close();
    const down = await syncExperimentsToWandb({ ...syncOptions(memory, [id]), retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    expect(down.errors.map((e) => [e.experimentId, e.error.code])).toEqual([[id, 'unavailable']]);
    server = await startFakeWandbServer();

    const saved = process.env.WANDB_PROJECT;
    delete process.env.WANDB_PROJECT;
    try {
      await expect(syncExperimentsToWandb({ store: memory, entity: ENTITY, baseUrl: server.url, apiKey: 'k' })).rejects.toMatchObject({ code: 'invalid_input', field: 'project' });
    } finally {
      if (saved !== undefined) process.env.WANDB_PROJECT = saved;
    }
  });

  it('a run resumed in a new process continues after the rows W&B has; a sync fills the row lost in the crash', async () => {
    const memory = new MemoryBackend();
    // Process A logs steps 0..19 and dies without finishing: step 19 was still open (same-step merging).
    const trackerA = new ExperimentTracker({
      backends: [memory, new WandbBackend({ project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir, ...FAST })],
      captureGit: false,
      captureEnvironment: false,
      handleProcessEvents: false,
    });
    const id = await trackerA.startExperiment({ lr: 1 }, { name: 'resumable' });
    for (let step = 0; step < 20; step++) trackerA.logMetrics({ loss: step }, step);
    await trackerA.flush();
    const run = server.run(ENTITY, PROJECT, wandbRunId(id))!;
    expect(historyRows(run).map((r) => r._step)).toEqual(Array.from({ length: 19 }, (_, i) => i));

    // Process B resumes it and goes on from step 20.
    const errors: string[] = [];
    const trackerB = new ExperimentTracker({
      backends: [memory, new WandbBackend({ project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir, ...FAST })],
      captureGit: false,
      captureEnvironment: false,
      handleProcessEvents: false,
      onError: (error) => errors.push(error.message),
    });
    await trackerB.resumeExperiment(id);
    for (let step = 20; step < 30; step++) trackerB.logMetrics({ loss: step }, step);
    await trackerB.finishExperiment();
    await trackerB.close();
    expect(errors).toEqual([]);
    const steps = historyRows(run).map((r) => r._step);
    expect(steps).toEqual([...Array.from({ length: 19 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
    expect(run.complete).toBe(true);

    // The sync puts step 19 in its place; every step once, in order.
    const report = await syncExperimentsToWandb(syncOptions(memory, [id]));
    expect(report.errors).toEqual([]);
    expect(report.rowsSent).toBe(11); // offsets 19..29: step 19 and the rows after it, each moved one line down
    expect(historyRows(run).map((r) => r._step)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(historyRows(run).map((r) => r.loss)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect((await syncExperimentsToWandb(syncOptions(memory, [id]))).rowsSent).toBe(0);
    // trackerA is left as a crashed process leaves it: never finished, never closed (its timers are unref'd).
  });

  it('a process attached to another\'s run (another rank) sends nothing live; the sync delivers its points', async () => {
    const memory = new MemoryBackend();
    const make = (rank: number) => {
      const wandb = new WandbBackend({ project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir, ...FAST });
      const errors: string[] = [];
      const tracker = new ExperimentTracker({ backends: [memory, wandb], rank, captureGit: false, captureEnvironment: false, handleProcessEvents: false, onError: (e, c) => errors.push(`${c.operation}:${e.code}`) });
      return { wandb, tracker, errors };
    };
    const owner = make(0);
    const id = await owner.tracker.startExperiment({});
    const saved = process.env.EXPTRACK_EXPERIMENT_ID;
    process.env.EXPTRACK_EXPERIMENT_ID = id;
    const worker = make(1);
    try {
      expect(await worker.tracker.startExperiment({})).toBe(id);
    } finally {
      if (saved === undefined) delete process.env.EXPTRACK_EXPERIMENT_ID;
      else process.env.EXPTRACK_EXPERIMENT_ID = saved;
    }
    const before = server.state.requests.length;
    for (let step = 0; step < 5; step++) worker.tracker.logMetrics({ loss: 10 + step }, step);
    await worker.tracker.finishExperiment();
    await worker.tracker.close();
    expect(server.state.requests.length).toBe(before); // the worker's W&B backend sent nothing
    expect(worker.wandb.deliveryStatus()[0]).toMatchObject({ experimentId: id, skippedPoints: 5, needsSync: true });
    expect(worker.errors).toContain('close:unavailable');

    for (let step = 0; step < 5; step++) owner.tracker.logMetrics({ loss: step }, step);
    await owner.tracker.finishExperiment();
    await owner.tracker.close();
    const run = server.run(ENTITY, PROJECT, wandbRunId(id))!;
    expect(historyRows(run).map((r) => [r._step, r.loss, r['rank_1/loss']])).toEqual(Array.from({ length: 5 }, (_, i) => [i, i, undefined]));

    const report = await syncExperimentsToWandb(syncOptions(memory, [id]));
    expect(report.rowsSent).toBe(5);
    expect(historyRows(run).map((r) => [r._step, r.loss, r['rank_1/loss']])).toEqual(Array.from({ length: 5 }, (_, i) => [i, i, 10 + i]));
  });
});
