import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExptrackError, ExperimentTracker } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { WandbBackend, syncExperimentsToWandb, wandbRunId } from 'exptrack/wandb';
import { historyRows, parseWandbJson, startFakeWandbServer, type FakeRun, type FakeWandbServer } from './fake-wandb-server.js';
import { ENTITY, FAST, PROJECT, tempLedgerDir, tick, trackerWithWandb } from './helpers.js';

/** A 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

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

function runOf(id: string): FakeRun {
  const run = server.run(ENTITY, PROJECT, wandbRunId(id));
  if (!run) throw new Error(`no W&B run for ${id}`);
  return run;
}

function fileStreamPosts(): number {
  return server.state.requests.filter((r) => r.operation === 'file_stream').length;
}

describe('WandbBackend through ExperimentTracker', () => {
  it('delivers config, tags, notes, group and every metric, merged by step and in step order', async () => {
    const { tracker, memory, wandb, errors } = trackerWithWandb(server, ledger.dir);
    const id = await tracker.startExperiment(
      { learning_rate: 1e-3, batch_size: 32, model: 'mlp', hidden: [64, 64] },
      { name: 'baseline', notes: 'first try', tags: { stage: 'sft', quick: '' }, group: 'sweep-1' },
    );
    for (let step = 0; step < 40; step++) {
      tracker.logMetrics({ loss: 1 / (step + 1), acc: step / 40 }, step);
      if (step % 10 === 9) {
        tracker.logMetrics({ lr: 1e-3 * (1 - step / 40) }, step); // a second call at the same step
        await tracker.logEvaluation('gsm8k', { metrics: { accuracy: step / 100 }, step });
      }
      if (step % 7 === 0) await tick(1);
    }
    tracker.logMetrics({ loss: Number.NaN, grad_norm: Number.POSITIVE_INFINITY, margin: Number.NEGATIVE_INFINITY }, 40);
    await tracker.logEvaluation('math', { metrics: { accuracy: 0.25 } }); // no step: summary only
    tracker.setTags({ extra: 'yes', quick: null });
    tracker.setNotes('updated notes');
    tracker.logSummary({ best_loss: 0.025 });
    const reports = await tracker.finishExperiment();
    expect(reports.every((r) => r.ok)).toBe(true);
    await tracker.close();
    expect(errors).toEqual([]);

    const run = runOf(id);
    expect(run.displayName).toBe('baseline');
    expect(run.group).toBe('sweep-1');
    expect(run.notes).toBe('updated notes');
    expect(run.tags).toEqual(['extra:yes', 'stage:sft']);
    expect(run.config).toEqual({
      learning_rate: { value: 1e-3, desc: null },
      batch_size: { value: 32, desc: null },
      model: { value: 'mlp', desc: null },
      hidden: { value: [64, 64], desc: null },
    });

    const rows = historyRows(run);
    expect(rows.map((r) => r._step)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    // Every point in the local store is in W&B, at its step.
    const points = await memory.getMetrics(id);
    expect(points.length).toBe(40 * 2 + 4 + 3);
    for (const p of points) expect(Object.is(rows[p.step]![p.key], p.value), `${p.key}@${p.step}`).toBe(true);
    // Same-step calls merged into one row: metrics and the evaluation.
    expect(rows[19]).toMatchObject({ _step: 19, loss: 1 / 20, acc: 19 / 40, 'eval/gsm8k/accuracy': 0.19 });
    expect(rows[19]!.lr).toBeCloseTo(1e-3 * (1 - 19 / 40));
    expect(Number.isNaN(rows[40]!.loss)).toBe(true);
    expect(rows[40]!.grad_norm).toBe(Number.POSITIVE_INFINITY);
    expect(rows[40]!.margin).toBe(Number.NEGATIVE_INFINITY);
    // The raw line carries W&B's NaN/Infinity tokens.
    expect(run.history[40]).toContain('"loss":NaN');
    expect(run.history[40]).toContain('"grad_norm":Infinity');

    const summary = parseWandbJson(run.summary!) as Record<string, unknown>;
    expect(Number.isNaN(summary.loss)).toBe(true);
    expect(summary.grad_norm).toBe(Number.POSITIVE_INFINITY);
    expect(summary).toMatchObject({ best_loss: 0.025, acc: 39 / 40, 'eval/gsm8k/accuracy': 0.39, 'eval/math/accuracy': 0.25, 'exptrack/status': 'completed', 'exptrack/experiment_id': id });
    expect(run.complete).toBe(true);
    expect(run.exitCode).toBe(0);
    expect(wandb.deliveryStatus()).toEqual([
      expect.objectContaining({ experimentId: id, deliveredRows: 41, pendingRows: 0, latePoints: 0, summaryDelivered: true, completed: true, needsSync: false, lastError: null }),
    ]);
    // A sync right after a clean live run has nothing to send.
    const report = await syncExperimentsToWandb({ store: memory, ids: [id], project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir });
    expect(report).toMatchObject({ rowsSent: 0, skipped: [id], errors: [] });
  });

  it('records checkpoints as metadata and a failed run with exit code 1', async () => {
    const { tracker, errors } = trackerWithWandb(server, ledger.dir);
    const id = await tracker.startExperiment({ seed: 1 });
    tracker.logMetrics({ loss: 1 }, 0);
    await tracker.logCheckpoint(new URL(import.meta.url).pathname, { step: 0, metrics: { loss: 1 } });
    await tracker.finishExperiment({ status: 'failed', error: new Error('diverged') });
    await tracker.close();
    expect(errors).toEqual([]);
    const run = runOf(id);
    const summary = JSON.parse(run.summary!) as Record<string, unknown>;
    expect(summary['exptrack/checkpoints']).toEqual([expect.objectContaining({ step: 0, metrics: { loss: 1 }, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(summary['exptrack/status']).toBe('failed');
    expect(run.exitCode).toBe(1);
  });

  it('uploads images and tables as run files (CreateRunFiles, then PUT) and references media from history as the W&B SDK does', async () => {
    const { tracker, wandb, errors } = trackerWithWandb(server, ledger.dir);
    const id = await tracker.startExperiment({ seed: 1 });
    await tracker.logImage('samples', PNG, { step: 1, caption: 'first' });
    tracker.logTable('preds', { columns: ['q', 'score'], rows: [['<b>x</b>', 0.5]] }, { step: 1 });
    tracker.logHistogram('w', [1, 2, 2, 3], 2);
    tracker.logMetrics({ loss: 0.5 }, 2);
    await tracker.finishExperiment();
    await tracker.close();
    expect(errors).toEqual([]);
    const run = runOf(id);
    const [row1, row2] = historyRows(run);
    expect(row1).toMatchObject({ _step: 1, samples: { _type: 'image-file', format: 'png', width: 1, height: 1, size: PNG.length, caption: 'first' }, preds: { _type: 'table-file', ncols: 2, nrows: 1 } });
    const image = row1!.samples as { path: string; sha256: string };
    expect(image.path).toMatch(/^media\/images\/samples_1_[0-9a-f]{20}\.png$/);
    expect(run.files.get(image.path)?.equals(PNG)).toBe(true);
    const table = row1!.preds as { path: string; sha256: string };
    expect(JSON.parse(run.files.get(table.path)!.toString('utf8'))).toEqual({ columns: ['q', 'score'], data: [['<b>x</b>', 0.5]] });
    expect(createHash('sha256').update(run.files.get(table.path)!).digest('hex')).toBe(table.sha256);
    expect(row2).toMatchObject({ _step: 2, loss: 0.5, w: { _type: 'histogram', values: expect.any(Array), bins: expect.any(Array) } });
    expect((row2!.w as { values: number[] }).values.reduce((a, b) => a + b, 0)).toBe(4);
    expect([...run.uploaded].sort()).toEqual([image.path, table.path].sort());
    expect(wandb.deliveryStatus()[0]).toMatchObject({ unsentOutputs: 0, pendingFiles: 0, completed: true, needsSync: false });
  });

  it('keeps run files queued while W&B is down, says so in the ledger, and uploads them when it is back', async () => {
    const { tracker, wandb, errors } = trackerWithWandb(server, ledger.dir, { closeTimeoutMs: 300 });
    const id = await tracker.startExperiment({});
    await tracker.flush();
    server.fail(503);
    await tracker.logImage('samples', PNG, { step: 0 });
    await tracker.flush();
    expect(wandb.deliveryStatus()[0]).toMatchObject({ pendingFiles: 1 });
    expect(errors.length).toBeGreaterThan(0);
    await tracker.finishExperiment();
    await expect(wandb.close()).rejects.toThrow(/exptrack sync wandb/);
    const ledgerFile = readdirSync(ledger.dir, { recursive: true }).map(String).find((f) => f.endsWith('.json'))!;
    const state = JSON.parse(readFileSync(join(ledger.dir, ledgerFile), 'utf8')) as { undeliveredFiles: string[]; needsSync: boolean };
    expect(state.needsSync).toBe(true);
    expect(state.undeliveredFiles).toEqual([expect.stringMatching(/^media\/images\/samples_0_/)]);
    expect(runOf(id).files.size).toBe(0);

    // A live backend retries: once W&B answers again, the file goes up.
    server.fail(null);
    const again = trackerWithWandb(server, ledger.dir);
    const id2 = await again.tracker.startExperiment({});
    server.failNext(2, 503);
    await again.tracker.logImage('samples', PNG, { step: 0 });
    await again.tracker.finishExperiment();
    await again.tracker.close();
    expect([...runOf(id2).files.keys()]).toEqual([expect.stringMatching(/^media\/images\/samples_0_/)]);
    expect(again.wandb.deliveryStatus()[0]).toMatchObject({ pendingFiles: 0, completed: true });
  });

  it('retries 429 and 503 answers with backoff and delivers everything', async () => {
    const { tracker, errors } = trackerWithWandb(server, ledger.dir);
    server.failNext(2, 429);
    const id = await tracker.startExperiment({});
    for (let step = 0; step < 10; step++) tracker.logMetrics({ loss: step }, step);
    await tracker.flush();
    server.failNext(2, 503);
    for (let step = 10; step < 20; step++) tracker.logMetrics({ loss: step }, step);
    await tracker.finishExperiment();
    await tracker.close();
    expect(errors).toEqual([]);
    expect(server.state.requests.filter((r) => r.status === 429).length).toBe(2);
    expect(server.state.requests.filter((r) => r.status === 503).length).toBe(2);
    expect(historyRows(runOf(id)).map((r) => r.loss)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps late out-of-order points for the sync instead of sending a lower step', async () => {
    const { tracker, memory, wandb, errors } = trackerWithWandb(server, ledger.dir);
    const id = await tracker.startExperiment({});
    for (let step = 0; step < 10; step++) tracker.logMetrics({ loss: step }, step);
    await tracker.flush(); // steps 0..8 are sent; 9 stays open
    tracker.logMetrics({ loss: 100 }, 3); // step 3 was sent already: W&B would drop it
    tracker.logMetrics({ late_metric: 7 }, 5);
    await tracker.finishExperiment();
    await tracker.close();

    const run = runOf(id);
    expect(historyRows(run).map((r) => r._step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(historyRows(run)[3]!.loss).toBe(3);
    const status = wandb.deliveryStatus()[0]!;
    expect(status).toMatchObject({ latePoints: 2, needsSync: true });
    // Not silent: close reports that a sync is needed.
    expect(errors.map((e) => [e.context.operation, e.error.code])).toContainEqual(['close', 'unavailable']);
    expect(errors.find((e) => e.context.operation === 'close')!.error.message).toContain(`exptrack sync wandb ${id}`);

    const report = await syncExperimentsToWandb({ store: memory, ids: [id], project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir });
    expect(report.errors).toEqual([]);
    expect(report.rowsSent).toBe(7); // from step 3 (offset 3) to the end, in place
    const rows = historyRows(run);
    expect(rows.map((r) => r._step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows[3]!.loss).toBe(100); // the last value logged at step 3, as the store has it
    expect(rows[5]!.late_metric).toBe(7);
    const again = await syncExperimentsToWandb({ store: memory, ids: [id], project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir });
    expect(again).toMatchObject({ rowsSent: 0, skipped: [id], errors: [] });
  });

  it('a server that never answers: write returns at once, flush and close keep their deadlines', async () => {
    const { tracker, memory, errors } = trackerWithWandb(server, ledger.dir, { requestTimeoutMs: 150, flushTimeoutMs: 200, closeTimeoutMs: 400 });
    server.hang(true);
    const id = await tracker.startExperiment({});
    let slowest = 0;
    for (let step = 0; step < 500; step++) {
      const t0 = performance.now();
      tracker.logMetrics({ loss: step }, step);
      slowest = Math.max(slowest, performance.now() - t0);
      if (step % 100 === 0) await tick(5);
    }
    const t0 = Date.now();
    await tracker.finishExperiment();
    await tracker.close();
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(slowest).toBeLessThan(100);
    expect((await memory.getMetrics(id)).length).toBe(500);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.context.backend === 'wandb')).toBe(true);
  });

  it('bounds memory while W&B is down: past maxQueuedRows live history stops, and the sync sends it all', async () => {
    const { tracker, memory, wandb, errors } = trackerWithWandb(server, ledger.dir, { maxQueuedRows: 10 });
    server.fail(503);
    const id = await tracker.startExperiment({});
    for (let step = 0; step < 50; step++) {
      tracker.logMetrics({ loss: step }, step);
      if (step % 10 === 0) await tick(5);
    }
    expect(wandb.deliveryStatus()[0]!.pendingRows).toBeLessThanOrEqual(11); // at most 10 queued + 1 open
    server.fail(null);
    await tracker.finishExperiment();
    await tracker.close();
    const status = wandb.deliveryStatus()[0]!;
    expect(status.detachedRows).toBe(50);
    expect(status.needsSync).toBe(true);
    expect(errors.some((e) => e.context.operation === 'close' && e.error.code === 'unavailable')).toBe(true);
    const run = runOf(id);
    expect(run.history.length).toBe(0);
    expect(run.complete).toBe(true); // the run's fields, summary and end did arrive

    const report = await syncExperimentsToWandb({ store: memory, ids: [id], project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir: ledger.dir });
    expect(report.rowsSent).toBe(50);
    expect(historyRows(run).map((r) => r.loss)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('without an API key: init fails and is reported, the run and the local store go on', async () => {
    const saved = { key: process.env.WANDB_API_KEY, netrc: process.env.NETRC };
    delete process.env.WANDB_API_KEY;
    process.env.NETRC = `${ledger.dir}/no-netrc`;
    try {
      const memory = new MemoryBackend();
      const reported: string[] = [];
      const tracker = new ExperimentTracker({
        backends: [memory, new WandbBackend({ project: PROJECT, entity: ENTITY, baseUrl: server.url, ledgerDir: ledger.dir, ...FAST })],
        captureGit: false,
        captureEnvironment: false,
        handleProcessEvents: false,
        onError: (error, context) => reported.push(`${context.operation}:${error.code}:${error.field ?? ''}`),
      });
      const id = await tracker.startExperiment({});
      tracker.logMetrics({ loss: 1 }, 0);
      await tracker.finishExperiment();
      await tracker.close();
      expect(reported).toContain('init:invalid_input:apiKey');
      expect((await memory.getExperiment(id))?.status).toBe('completed');
      expect(server.state.requests).toEqual([]);
    } finally {
      if (saved.key === undefined) delete process.env.WANDB_API_KEY;
      else process.env.WANDB_API_KEY = saved.key;
      if (saved.netrc === undefined) delete process.env.NETRC;
      else process.env.NETRC = saved.netrc;
    }
  });

  it('needs a project', () => {
    const saved = process.env.WANDB_PROJECT;
    delete process.env.WANDB_PROJECT;
    try {
      expect(() => new WandbBackend({ entity: ENTITY })).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'project' }));
    } finally {
      if (saved !== undefined) process.env.WANDB_PROJECT = saved;
    }
    expect(ExptrackError.is(new ExptrackError('x', { code: 'invalid_input' }))).toBe(true);
  });
});
