// A write thread that ends mid-run (a crash of its own, or terminated): the batches it had answered
// stay written, later batches are written on the main thread, and the process is told once.
// Runs against the built package (dist/), as users get it: `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';

const dist = join(import.meta.dirname, '../../dist');

interface Outcome {
  id: string;
  flushedBeforeDeath: Array<{ ok: boolean }>;
  reports: Array<{ ok: boolean }>;
  finishMs: number;
  errors: string[];
  threads: number;
}

/**
 * A training script: 1,000 points, a flush, then every worker thread of the process is terminated,
 * then 1,000 more points and the end of the run.
 */
function runWithThreadDeath(store: { subpath: string; name: string; construct: string }): { outcome: Outcome; stderr: string } {
  const code = `
const threads = require('node:worker_threads');
const Real = threads.Worker;
const started = [];
threads.Worker = class extends Real { constructor(...args) { super(...args); started.push(this); } };
const { ExperimentTracker } = require(${JSON.stringify(join(dist, 'index.cjs'))});
const { ${store.name} } = require(${JSON.stringify(join(dist, `${store.subpath}.cjs`))});
(async () => {
  const errors = [];
  const tracker = new ExperimentTracker({ backends: [${store.construct}], captureGit: false, systemMetrics: false, onError: (e) => errors.push(e.message) });
  const id = await tracker.startExperiment({});
  for (let i = 0; i < 1000; i++) tracker.logMetrics({ loss: i }, i);
  const flushedBeforeDeath = await tracker.flush();
  const threads = started.length;
  await Promise.all(started.map((worker) => worker.terminate()));
  for (let i = 1000; i < 2000; i++) tracker.logMetrics({ loss: i }, i);
  const t0 = Date.now();
  const reports = await tracker.finishExperiment();
  const finishMs = Date.now() - t0;
  await tracker.close();
  process.stdout.write(JSON.stringify({ id, flushedBeforeDeath, reports, finishMs, errors, threads }));
})();`;
  const child = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return { outcome: JSON.parse(child.stdout) as Outcome, stderr: child.stderr };
}

function expectCarriedOn({ outcome, stderr }: { outcome: Outcome; stderr: string }, store: string): void {
  expect(outcome.threads).toBeGreaterThan(0);
  expect(outcome.flushedBeforeDeath).toEqual([{ backend: store, ok: true }]);
  expect(outcome.reports).toEqual([{ backend: store, ok: true }]);
  expect(outcome.errors).toEqual([]);
  // Nothing waited for a thread that is gone (a backend's time limit is 30 s).
  expect(outcome.finishMs).toBeLessThan(10_000);
  expect(stderr).toContain(`Warning: the ${store} write thread stopped (exit code 1); writing on the main thread instead`);
}

describe('the sqlite write thread ends mid-run', { timeout: 30_000 }, () => {
  it('the points before stay stored, the points after are written on the main thread, and stderr says so', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-thread-death-')), 'runs.db');
    const run = runWithThreadDeath({ subpath: 'sqlite', name: 'SqliteBackend', construct: `new SqliteBackend({ path: ${JSON.stringify(path)} })` });
    expectCarriedOn(run, 'sqlite');
    const store = new SqliteBackend({ path, fileMustExist: true });
    try {
      expect((await store.getExperiment(run.outcome.id))?.status).toBe('completed');
      expect((await store.getMetrics(run.outcome.id, 'loss')).map((p) => p.step)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    } finally {
      await store.close();
    }
  });
});

const pgAvailable = await probePostgres();

describe.skipIf(!pgAvailable)(pgAvailable ? 'the postgres write thread ends mid-run' : `the postgres write thread ends mid-run (skipped: ${PG_SKIP_REASON})`, { timeout: 60_000 }, () => {
  it('the points before stay stored, the points after are written on the main thread, and stderr says so', async () => {
    const schema = freshName('xt_thread_death');
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    try {
      const run = runWithThreadDeath({ subpath: 'postgres', name: 'PostgresBackend', construct: `new PostgresBackend({ connectionString: ${JSON.stringify(url.toString())} })` });
      expectCarriedOn(run, 'postgres');
      const store = new PostgresBackend({ connectionString: url.toString() });
      try {
        expect((await store.getExperiment(run.outcome.id))?.status).toBe('completed');
        expect((await store.getMetrics(run.outcome.id, 'loss')).map((p) => p.step)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      } finally {
        await store.close();
      }
    } finally {
      await dropSchemas([schema]);
    }
  });
});
