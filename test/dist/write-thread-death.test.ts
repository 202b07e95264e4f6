// A write thread that ends mid-run (a crash of its own, or terminated): the batches it had answered
// stay written, later batches are written on the main thread, and the process is told once.
// Runs against the built package (dist/), as users get it: `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';

const dist = join(import.meta.dirname, '../../dist');

interface Outcome {
  id: string;
  flushedBeforeDeath: Array<{ ok: boolean }>;
  /** The flush whose batch the thread held when it died (the holding script only). */
  heldFlushed?: Array<{ ok: boolean }>;
  reports: Array<{ ok: boolean }>;
  finishMs: number;
  errors: string[];
  threads: number;
}

/** The store a script logs into: its subpath, its class and the expression that constructs it. */
interface StoreUnderTest {
  subpath: string;
  name: string;
  construct: string;
}

/** Runs a script in a fresh Node process (at most 25 s: a hang fails the test instead of stalling it). */
function runChild(code: string): { outcome: Outcome; stderr: string } {
  const child = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 25_000 });
  expect(child.status, child.stderr).toBe(0);
  return { outcome: JSON.parse(child.stdout) as Outcome, stderr: child.stderr };
}

/** Records every worker thread the script starts, in `started`. */
const trackWorkers = `
const threads = require('node:worker_threads');
const Real = threads.Worker;
const started = [];
threads.Worker = class extends Real { constructor(...args) { super(...args); started.push(this); } };`;

/**
 * A training script: 1,000 points and a flush, then `middle` (which sets `threads`, and may set
 * `heldFlushed`), then the points up to `lastStep` and the end of the run.
 */
function trainingScript(store: StoreUnderTest, workers: string, middle: string, lastStep: number): string {
  return `${workers}
const { ExperimentTracker } = require(${JSON.stringify(join(dist, 'index.cjs'))});
const { ${store.name} } = require(${JSON.stringify(join(dist, `${store.subpath}.cjs`))});
(async () => {
  const errors = [];
  const tracker = new ExperimentTracker({ backends: [${store.construct}], captureGit: false, systemMetrics: false, onError: (e) => errors.push(e.message) });
  const id = await tracker.startExperiment({});
  for (let i = 0; i < 1000; i++) tracker.logMetrics({ loss: i }, i);
  const flushedBeforeDeath = await tracker.flush();
  let heldFlushed;
  ${middle}
  for (let i = ${lastStep - 1000}; i < ${lastStep}; i++) tracker.logMetrics({ loss: i }, i);
  const t0 = Date.now();
  const reports = await tracker.finishExperiment();
  const finishMs = Date.now() - t0;
  await tracker.close();
  process.stdout.write(JSON.stringify({ id, flushedBeforeDeath, heldFlushed, reports, finishMs, errors, threads }));
})();`;
}

/** 1,000 points, a flush, then every worker thread of the process is terminated, then 1,000 more points. */
function runWithThreadDeath(store: StoreUnderTest): { outcome: Outcome; stderr: string } {
  const middle = `const threads = started.length;
  await Promise.all(started.map((worker) => worker.terminate()));`;
  return runChild(trainingScript(store, trackWorkers, middle, 2000));
}

/**
 * The write thread's port, relayed through the main thread so that a test can lose what crosses it:
 * `drop = 'requests'` (the thread dies before it sees a batch) or `'replies'` (it commits the batch,
 * and dies before its answer arrives).
 */
const relayWorkers = `
const threads = require('node:worker_threads');
const Real = threads.Worker;
const started = [];
let drop = 'nothing';
threads.Worker = class extends Real {
  constructor(script, options) {
    const tracker = options.workerData.port;
    const { port1: relay, port2: thread } = new threads.MessageChannel();
    tracker.on('message', (m) => { if (drop !== 'requests') relay.postMessage(m); });
    relay.on('message', (m) => { if (drop !== 'replies') tracker.postMessage(m); });
    tracker.unref();
    relay.unref();
    super(script, { ...options, workerData: { ...options.workerData, port: thread }, transferList: [thread] });
    started.push(this);
  }
};`;

/**
 * A training script whose write thread dies holding a batch: 1,000 points stored, then 1,000 points
 * handed over while the relay loses the requests or the replies, the thread terminated, and 1,000
 * more points to end the run.
 */
function runWithThreadDeathHolding(store: StoreUnderTest, drop: 'requests' | 'replies'): { outcome: Outcome; stderr: string } {
  const middle = `drop = ${JSON.stringify(drop)};
  for (let i = 1000; i < 2000; i++) tracker.logMetrics({ loss: i }, i);
  const flushing = tracker.flush();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const threads = started.length;
  await Promise.all(started.map((worker) => worker.terminate()));
  heldFlushed = await flushing;`;
  return runChild(trainingScript(store, relayWorkers, middle, 3000));
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

/** The held batch: written on the main thread, its flush reported ok, and stderr says so. */
function expectHeldBatchWritten(run: { outcome: Outcome; stderr: string }, store: string): void {
  expectCarriedOn(run, store);
  expect(run.outcome.heldFlushed).toEqual([{ backend: store, ok: true }]);
  expect(run.stderr).toMatch(new RegExp(`Warning: the ${store} write thread stopped \\(exit code 1\\); writing on the main thread instead; the \\d+ batch\\(es\\) it held are written there, each at most once`));
}

const steps = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Where the batch was when the thread died: not yet seen by it, or committed with its answer lost (the store skips it then). */
const DROPS = [
  ['requests', 'before it saw it'],
  ['replies', 'after committing it, its answer lost'],
] as const;

describe('the sqlite write thread ends mid-run', { timeout: 30_000 }, () => {
  const sqlite = (path: string): StoreUnderTest => ({ subpath: 'sqlite', name: 'SqliteBackend', construct: `new SqliteBackend({ path: ${JSON.stringify(path)} })` });
  const stored = async (path: string, id: string) => {
    const store = new SqliteBackend({ path, fileMustExist: true });
    try {
      return { status: (await store.getExperiment(id))?.status, steps: (await store.getMetrics(id, 'loss')).map((p) => p.step) };
    } finally {
      await store.close();
    }
  };

  it('the points before stay stored, the points after are written on the main thread, and stderr says so', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-thread-death-')), 'runs.db');
    const run = runWithThreadDeath(sqlite(path));
    expectCarriedOn(run, 'sqlite');
    expect(await stored(path, run.outcome.id)).toEqual({ status: 'completed', steps: steps(2000) });
  });

  for (const [drop, what] of DROPS) {
    it(`a batch the thread held when it died ${what} is written on the main thread, once`, async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'exptrack-thread-death-')), 'runs.db');
      const run = runWithThreadDeathHolding(sqlite(path), drop);
      expectHeldBatchWritten(run, 'sqlite');
      expect(await stored(path, run.outcome.id)).toEqual({ status: 'completed', steps: steps(3000) });
    });
  }
});

const pgAvailable = await probePostgres();

describe.skipIf(!pgAvailable)(pgAvailable ? 'the postgres write thread ends mid-run' : `the postgres write thread ends mid-run (skipped: ${PG_SKIP_REASON})`, { timeout: 60_000 }, () => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(schemas));
  const postgres = (): { url: string; store: StoreUnderTest } => {
    const schema = freshName('xt_thread_death');
    schemas.push(schema);
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    return {
      url: url.toString(),
      store: { subpath: 'postgres', name: 'PostgresBackend', construct: `new PostgresBackend({ connectionString: ${JSON.stringify(url.toString())} })` },
    };
  };
  const stored = async (url: string, id: string) => {
    const store = new PostgresBackend({ connectionString: url });
    try {
      return { status: (await store.getExperiment(id))?.status, steps: (await store.getMetrics(id, 'loss')).map((p) => p.step) };
    } finally {
      await store.close();
    }
  };

  it('the points before stay stored, the points after are written on the main thread, and stderr says so', async () => {
    const { url, store } = postgres();
    const run = runWithThreadDeath(store);
    expectCarriedOn(run, 'postgres');
    expect(await stored(url, run.outcome.id)).toEqual({ status: 'completed', steps: steps(2000) });
  });

  for (const [drop, what] of DROPS) {
    it(`a batch the thread held when it died ${what} is written on the main thread, once`, async () => {
      const { url, store } = postgres();
      const run = runWithThreadDeathHolding(store, drop);
      expectHeldBatchWritten(run, 'postgres');
      expect(await stored(url, run.outcome.id)).toEqual({ status: 'completed', steps: steps(3000) });
    });
  }
});
