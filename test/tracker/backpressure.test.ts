import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ExperimentTracker, type Backend, type TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { PostgresBackend } from 'exptrack/postgres';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';

const storedPoints = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM metric_points').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('backpressure', () => {
  it('a loop that logs far faster than the store writes, and never yields, waits for the store: what is not committed stays within the bound', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-bp-')), 'runs.db');
    const tracker = new ExperimentTracker({
      backends: [new SqliteBackend({ path })],
      captureGit: false,
      captureEnvironment: false,
      handleProcessEvents: false,
      maxBufferedPoints: 5_000,
      maxPointsInFlight: 20_000,
    });
    await tracker.startExperiment({});
    tracker.logMetrics({ loss: 0 }, 0);
    await tracker.flush(); // the write thread is up

    const logged = 300_000;
    for (let step = 1; step < logged; step++) tracker.logMetrics({ loss: 1 / step }, step);
    // Still inside the same synchronous turn: the write thread committed all but the bound.
    const stored = storedPoints(path);
    expect(stored).toBeGreaterThanOrEqual(logged - 20_000 - 5_000);

    await tracker.finishExperiment();
    await tracker.close();
    expect(storedPoints(path)).toBe(logged);
  });
});

/**
 * The metric points a Postgres schema holds, counted by another process: the test's own thread may
 * be inside a loop that never yields, where no query of its own could run.
 */
const storedPointsPg = (schema: string): number => {
  const code = `const pg = require('pg');
const client = new pg.Client({ connectionString: process.argv[1] });
client.connect().then(() => client.query('SELECT count(*)::int AS n FROM "${schema}".metric_points')).then((r) => { process.stdout.write(String(r.rows[0].n)); return client.end(); });`;
  const child = spawnSync(process.execPath, ['-e', code, PG_URL], { encoding: 'utf8', cwd: import.meta.dirname });
  if (child.status !== 0) throw new Error(`counting the points of ${schema} failed: ${child.stderr}`);
  return Number(child.stdout);
};

const pgAvailable = await probePostgres();

describe.skipIf(!pgAvailable)(pgAvailable ? 'backpressure on Postgres' : `backpressure on Postgres (skipped: ${PG_SKIP_REASON})`, { timeout: 180_000 }, () => {
  it('a loop that logs far faster than Postgres writes, and never yields, waits for its write thread: what is not committed stays within the bound, and no point is dropped', async () => {
    const schema = freshName('xt_bp');
    try {
      const errors: string[] = [];
      const store = new PostgresBackend({ connectionString: PG_URL, schema });
      const tracker = new ExperimentTracker({
        backends: [store],
        captureGit: false,
        captureEnvironment: false,
        handleProcessEvents: false,
        maxBufferedPoints: 5_000,
        maxPointsInFlight: 20_000,
        backendTimeoutMs: 120_000, // a loaded machine is not what this test is about
        onError: (error) => errors.push(error.message),
      });
      const id = await tracker.startExperiment({});
      tracker.logMetrics({ loss: 0 }, 0);
      await tracker.flush(); // the write thread is up

      const logged = 200_000;
      for (let step = 1; step < logged; step++) tracker.logMetrics({ loss: 1 / step }, step);
      // Still inside the same synchronous turn: the write thread committed all but the bound.
      expect(storedPointsPg(schema)).toBeGreaterThanOrEqual(logged - 20_000 - 5_000);

      const reports = await tracker.finishExperiment();
      const summary = (await store.getExperiment(id))?.summary;
      await tracker.close();
      expect(errors).toEqual([]);
      expect(reports).toEqual([{ backend: 'postgres', ok: true }]);
      expect(summary?._exptrack_dropped_points).toBeUndefined();
      expect(storedPointsPg(schema)).toBe(logged);
    } finally {
      await dropSchemas([schema]);
    }
  });
});

/** A store whose writes need the event loop (as a network store's do), slower than the loop logs. */
class SlowNetworkBackend implements Backend {
  readonly specificationVersion = 1;
  readonly name = 'slow-network';
  readonly capabilities = { read: false, persistent: true, multiProcess: true, responseCache: false };
  received = 0;
  async init() {}
  async write(events: readonly TrackerEvent[]) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const event of events) if (event.type === 'metrics') this.received += event.points.keys.length;
  }
  async flush() {}
  async close() {}
}

describe('backpressure for stores that cannot make the loop wait', () => {
  it('by default a network store is given every point, however far it falls behind', async () => {
    const slow = new SlowNetworkBackend();
    const errors: string[] = [];
    const tracker = new ExperimentTracker({
      backends: [slow], captureGit: false, captureEnvironment: false, handleProcessEvents: false,
      maxBufferedPoints: 1_000, onError: (error) => errors.push(error.message),
    });
    await tracker.startExperiment({});
    const logged = 300_000; // past the 200,000 points the SQLite store holds in flight
    for (let step = 0; step < logged; step++) tracker.logMetrics({ loss: step }, step);
    const reports = await tracker.finishExperiment();
    await tracker.close();
    expect(slow.received).toBe(logged);
    expect(errors).toEqual([]);
    expect(reports.every((r) => r.ok)).toBe(true);
  });

  it('a network store that falls behind a loop that never yields holds at most maxPointsInFlight queued; the points it is not given are counted, reported once, and recorded in the run', async () => {
    const slow = new SlowNetworkBackend();
    const memory = new MemoryBackend();
    const errors: Array<[string | undefined, string, string]> = [];
    const tracker = new ExperimentTracker({
      backends: [slow, memory],
      captureGit: false,
      captureEnvironment: false,
      handleProcessEvents: false,
      maxBufferedPoints: 1_000,
      maxPointsInFlight: 10_000,
      onError: (error, context) => errors.push([context.backend, error.code, error.message]),
    });
    const id = await tracker.startExperiment({});
    const logged = 100_000;
    for (let step = 0; step < logged; step++) tracker.logMetrics({ loss: step }, step);
    // The memory store applies each batch as it is handed over: nothing queued for it.
    expect((await memory.getMetrics(id, 'loss')).length).toBe(logged);
    const reports = await tracker.finishExperiment();
    await tracker.close();

    const dropped = logged - slow.received;
    expect(slow.received).toBeGreaterThanOrEqual(10_000);
    expect(slow.received).toBeLessThanOrEqual(10_000 + 1_000);
    // Once while the loop runs, and once more in the end-of-run line.
    const fellBehind = errors.filter(([backend, , message]) => backend === 'slow-network' && message.includes('fell behind'));
    expect(fellBehind.map(([, , message]) => message.startsWith(`experiment ${id} finished, but backend slow-network failed`))).toEqual([false, true]);
    const report = reports.find((r) => r.backend === 'slow-network')!;
    expect(report.ok).toBe(false);
    expect(report.error?.message).toContain(`${dropped} points were not written to slow-network`);
    const stored = await memory.getExperiment(id);
    expect(stored?.status).toBe('completed');
    expect(stored?.summary._exptrack_dropped_points).toEqual({ 'slow-network': dropped });
    expect((await memory.getMetrics(id, 'loss')).length).toBe(logged);
  });

  it('a loop that yields keeps every point in a slow network store: nothing is dropped', async () => {
    const slow = new SlowNetworkBackend();
    const tracker = new ExperimentTracker({ backends: [slow], captureGit: false, captureEnvironment: false, handleProcessEvents: false, maxBufferedPoints: 1_000, maxPointsInFlight: 10_000, onError: () => {} });
    const id = await tracker.startExperiment({});
    for (let step = 0; step < 20_000; step++) {
      tracker.logMetrics({ loss: step }, step);
      if (step % 1_000 === 999) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const reports = await tracker.finishExperiment();
    await tracker.close();
    expect(id).toBeTruthy();
    expect(reports).toEqual([{ backend: 'slow-network', ok: true }]);
    expect(slow.received).toBe(20_000);
  });
});

describe('a loop that logs slowly and never yields', () => {
  it('hands its points over once they waited a flush interval, without waiting for a full buffer', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-bp-')), 'runs.db');
    const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path })], captureGit: false, captureEnvironment: false, handleProcessEvents: false, flushIntervalMs: 200 });
    await tracker.startExperiment({});
    tracker.logMetrics({ loss: 0 }, 0);
    await tracker.flush(); // the write thread is up
    const started = Date.now();
    let step = 1;
    // 100 points well below the buffer's 8,192, over 0.8 s, without yielding.
    while (Date.now() - started < 800) {
      tracker.logMetrics({ loss: step }, step);
      step++;
      const until = Date.now() + 8;
      while (Date.now() < until);
    }
    const handOverWait = Date.now();
    // Still in the same turn: everything logged more than a flush interval (and a commit) ago is stored.
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (storedPoints(path) < 40 && Date.now() - handOverWait < 10_000) Atomics.wait(nap, 0, 0, 50);
    expect(storedPoints(path)).toBeGreaterThanOrEqual(40);
    await tracker.finishExperiment();
    await tracker.close();
    expect(storedPoints(path)).toBe(step);
  });
});
