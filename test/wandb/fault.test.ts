/**
 * The fault test of issue 6: W&B answers 503 and then goes away in the middle of a run. Training
 * must not notice (logMetrics never throws or blocks, the local store has everything), and
 * `syncExperimentsToWandb` later delivers the rest exactly once; a second sync sends nothing.
 * And W&B unreachable from the start: the same, with everything left to the sync.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { syncExperimentsToWandb, wandbRunId } from 'exptrack/wandb';
import { historyRows, newFakeWandbState, parseWandbJson, startFakeWandbServer, type FakeWandbServer } from './fake-wandb-server.js';
import { freePort } from '../fixtures/server-process.js';
import { ENTITY, PROJECT, tempLedgerDir, tick, trackerWithWandb } from './helpers.js';

const STEPS = 300;

describe('W&B fails', () => {
  let server: FakeWandbServer | undefined;
  const ledger = tempLedgerDir();
  afterEach(async () => {
    await server?.close();
    ledger.remove();
  });

  it('training is unaffected, and sync delivers the rest exactly once', async () => {
    // A port below the ephemeral range: W&B comes back on it, and no other test's listen(0) takes it meanwhile.
    const port = await freePort();
    server = await startFakeWandbServer({ port });
    const state = server.state;
    // A generous flush deadline: the flush at step 80 must see rows 0..79 delivered even on a slow machine.
    const { tracker, memory, wandb, errors } = trackerWithWandb(server, ledger.dir, { flushTimeoutMs: 10_000, closeTimeoutMs: 600 });
    const id = await tracker.startExperiment({ learning_rate: 0.01 }, { name: 'fault', notes: 'W&B goes away', tags: ['fault-test'] });
    const runId = wandbRunId(id);

    let slowest = 0;
    let thrown = 0;
    for (let step = 0; step < STEPS; step++) {
      const t0 = performance.now();
      try {
        tracker.logMetrics({ loss: 1 / (step + 1), acc: step / STEPS }, step);
      } catch {
        thrown++;
      }
      slowest = Math.max(slowest, performance.now() - t0);
      if (step === 80) await tracker.flush(); // W&B is healthy: rows up to 79 are delivered live
      if (step === 100) server.fail(503); // W&B answers 503 to everything
      if (step === 150) await server.close(); // ... and then goes away
      if (step % 50 === 49) await tracker.logEvaluation('gsm8k', { metrics: { accuracy: step / 1000 }, step });
      await tick(step % 10 === 0 ? 2 : 0);
    }
    const t0 = Date.now();
    await tracker.finishExperiment();
    await tracker.close();
    const endTime = Date.now() - t0;

    // Training was unaffected.
    expect(thrown).toBe(0);
    expect(slowest).toBeLessThan(100);
    expect(endTime).toBeLessThan(5_000);
    expect((await memory.getMetrics(id)).length).toBe(STEPS * 2);
    expect((await memory.getEvaluationResults(id)).length).toBe(STEPS / 50);
    expect((await memory.getExperiment(id))?.status).toBe('completed');
    // The failure was reported (never thrown), only for W&B, and close names the sync to run.
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => e.context.backend !== 'wandb').map((e) => [e.context, e.error.message])).toEqual([]);
    expect(errors.map((e) => e.error.code)).toContain('unavailable');
    expect(errors.some((e) => e.context.operation === 'close' && e.error.message.includes(`exptrack sync wandb ${id}`))).toBe(true);

    const run = state.runs.get(`${ENTITY}/${PROJECT}/${runId}`)!;
    const liveRows = run.history.length;
    expect(liveRows).toBeGreaterThanOrEqual(80);
    expect(liveRows).toBeLessThan(STEPS);
    expect(run.complete).toBe(false);
    const status = wandb.deliveryStatus()[0]!;
    expect(status.deliveredRows).toBe(liveRows);
    expect(status.needsSync).toBe(true);
    expect(status.lastError?.code).toBe('unavailable');

    // W&B comes back (same address, same data); the sync delivers the rest from the local store.
    server = await startFakeWandbServer({ state, port });
    const postsBefore = state.requests.filter((r) => r.operation === 'file_stream').length;
    const options = { store: memory, ids: [id], project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: state.apiKey, ledgerDir: ledger.dir };
    const report = await syncExperimentsToWandb(options);
    expect(report.errors).toEqual([]);
    expect(report.rowsSent).toBe(STEPS - liveRows);
    expect(report.experiments[0]).toMatchObject({ experimentId: id, runId, rowsTotal: STEPS, completed: true, upToDate: false });

    const rows = historyRows(run);
    expect(rows.map((r) => r._step)).toEqual(Array.from({ length: STEPS }, (_, i) => i)); // each step once, in order
    for (const p of await memory.getMetrics(id)) expect(rows[p.step]![p.key]).toBe(p.value);
    expect(rows[249]!['eval/gsm8k/accuracy']).toBe(0.249);
    expect(parseWandbJson(run.summary!)).toMatchObject({ loss: 1 / STEPS, 'eval/gsm8k/accuracy': 0.299, 'exptrack/status': 'completed' });
    expect(run.complete).toBe(true);
    expect(run.exitCode).toBe(0);
    expect(run.tags).toEqual(['fault-test']);
    expect(run.notes).toBe('W&B goes away');

    // A second sync finds nothing missing and sends no row.
    const postsAfterFirst = state.requests.filter((r) => r.operation === 'file_stream').length;
    expect(postsAfterFirst).toBeGreaterThan(postsBefore);
    const again = await syncExperimentsToWandb(options);
    expect(again).toEqual({ experiments: [expect.objectContaining({ experimentId: id, rowsSent: 0, upToDate: true })], rowsSent: 0, skipped: [id], errors: [] });
    expect(state.requests.filter((r) => r.operation === 'file_stream').length).toBe(postsAfterFirst);
    expect(run.history.length).toBe(STEPS);
  });

  it('unreachable from the start: training is unaffected, the failure is reported, and sync delivers everything once it answers', async () => {
    // Port 1 of the loopback: nobody listens there. (A port freed by closing a server could be taken
    // by another test's server before the run: with parallel workers, that happened.)
    const state = newFakeWandbState();
    const gone = await startFakeWandbServer({ state });
    await gone.close();
    const { tracker, memory, wandb, errors } = trackerWithWandb(gone, ledger.dir, { closeTimeoutMs: 600, baseUrl: 'http://127.0.0.1:1' });
    const id = await tracker.startExperiment({ learning_rate: 0.01 }, { name: 'offline' });

    let slowest = 0;
    let thrown = 0;
    for (let step = 0; step < STEPS; step++) {
      const t0 = performance.now();
      try {
        tracker.logMetrics({ loss: 1 / (step + 1) }, step);
      } catch {
        thrown++;
      }
      slowest = Math.max(slowest, performance.now() - t0);
      await tick(step % 10 === 0 ? 2 : 0);
    }
    await tracker.finishExperiment();
    await tracker.close();

    expect(thrown).toBe(0);
    expect(slowest).toBeLessThan(100);
    expect((await memory.getMetrics(id)).length).toBe(STEPS);
    expect((await memory.getExperiment(id))?.status).toBe('completed');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => e.context.backend !== 'wandb').map((e) => [e.context, e.error.message])).toEqual([]);
    expect(errors.map((e) => e.error.code)).toContain('unavailable');
    expect(errors.some((e) => e.context.operation === 'close' && e.error.message.includes(`exptrack sync wandb ${id}`))).toBe(true);
    expect(wandb.deliveryStatus()[0]).toMatchObject({ deliveredRows: 0, needsSync: true });
    expect(state.requests).toEqual([]);

    server = await startFakeWandbServer({ state });
    const report = await syncExperimentsToWandb({ store: memory, ids: [id], project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: state.apiKey, ledgerDir: ledger.dir });
    expect(report.errors).toEqual([]);
    expect(report.rowsSent).toBe(STEPS);
    const run = state.runs.get(`${ENTITY}/${PROJECT}/${wandbRunId(id)}`)!;
    expect(historyRows(run).map((r) => r._step)).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    expect(run.complete).toBe(true);
    expect(run.exitCode).toBe(0);
  });
});
