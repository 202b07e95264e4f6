import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker, type ExperimentReader, type MetricPoint } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { runChild } from './helpers.js';

const WRITERS = 8;
const POINTS = 50_000;
const available = await probePostgres();
const dir = mkdtempSync(join(tmpdir(), 'exptrack-mp-'));
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (available) await dropSchemas(schemas);
});

/** Every step 0..n-1 exactly once, each with the value the writer logged. */
function expectEveryPointOnce(points: MetricPoint[], n: number): void {
  expect(points).toHaveLength(n);
  const seen = new Uint8Array(n);
  let wrong = 0;
  for (const p of points) {
    seen[p.step]! += 1;
    if (p.value !== p.step / n || p.rank !== 0) wrong++;
  }
  expect(seen.every((c) => c === 1)).toBe(true);
  expect(wrong).toBe(0);
}

async function checkWriters(store: ExperimentReader, results: Array<{ id: string; errors: string[] }>): Promise<void> {
  expect(results.flatMap((r) => r.errors)).toEqual([]);
  expect(new Set(results.map((r) => r.id)).size).toBe(WRITERS);
  for (const { id } of results) {
    expectEveryPointOnce(await store.getMetrics(id, 'loss'), POINTS);
    expect((await store.getExperiment(id))?.status).toBe('completed');
  }
  expect((await store.getStats()).metricPoints).toBe(WRITERS * POINTS);
}

/** A parent starts a run; 4 workers join it with RANK 1-4 while the parent logs as rank 0. */
async function checkRanks(store: ExperimentReader & { close(): Promise<void> }, parent: ExperimentTracker, childArgs: string[]): Promise<void> {
  const n = 2_000;
  const id = await parent.startExperiment({ learning_rate: 0.1 }, { name: 'ranked' });
  const children = [1, 2, 3, 4].map((rank) => runChild('pg-rank-child.ts', [...childArgs, String(n)], { EXPTRACK_EXPERIMENT_ID: id, RANK: String(rank) }));
  for (let step = 0; step < n; step++) parent.logMetrics({ loss: step }, step);
  await parent.logEvaluation('toy', { metrics: { accuracy: 0 }, samples: [{ id: 'from-rank-0' }] });
  const results = await Promise.all(children);
  expect(results.map((r) => r.id)).toEqual([id, id, id, id]);
  expect(results.flatMap((r) => r.errors)).toEqual([]);
  expect((await store.getExperiment(id))?.status).toBe('running'); // workers leave the status to the owner
  await parent.finishExperiment();

  const points = await store.getMetrics(id, 'loss');
  expect(points).toHaveLength(5 * n);
  const byRank = new Map<number, Set<number>>();
  for (const p of points) {
    expect(p.value).toBe(p.rank * 1e6 + p.step); // every point carries the rank that logged it
    let steps = byRank.get(p.rank);
    if (!steps) byRank.set(p.rank, (steps = new Set()));
    steps.add(p.step);
  }
  expect([...byRank.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
  for (const steps of byRank.values()) expect(steps.size).toBe(n);
  const evaluations = await store.getEvaluationResults(id);
  expect(evaluations.map((e) => e.metrics.accuracy)).toEqual([0]); // only rank 0 logs evaluations
  expect((await store.getEvaluationSamples(id)).map((s) => s.id)).toEqual(['from-rank-0']);
  expect((await store.getExperiment(id))?.status).toBe('completed');
}

describe('several processes, one SQLite file', { timeout: 300_000 }, () => {
  it(`${WRITERS} writers x ${POINTS} points: every point exactly once, no "database is locked", all exit`, async () => {
    const path = join(dir, 'shared.db');
    // The file is created (and migrated) before the writers start: several processes migrating a new
    // SQLite file at once race ("table experiments already exists"), reported to the SQLite owner.
    const setup = new SqliteBackend({ path });
    await setup.init();
    await setup.close();
    const results = await Promise.all(Array.from({ length: WRITERS }, () => runChild('pg-writer-child.ts', ['sqlite', path, String(POINTS)])));
    const store = new SqliteBackend({ path });
    await checkWriters(store, results);
    await store.close();
  });

  it('EXPTRACK_EXPERIMENT_ID + RANK: 4 workers join the parent run; ranks kept; only rank 0 evaluates', async () => {
    const path = join(dir, 'ranks.db');
    const store = new SqliteBackend({ path });
    const parent = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, rank: 0 });
    await checkRanks(store, parent, ['sqlite', path]);
    await parent.close();
  });
});

describe.skipIf(!available)(available ? 'several processes, one Postgres database' : `several processes, one Postgres database (skipped: ${PG_SKIP_REASON})`, { timeout: 300_000 }, () => {
  it(`${WRITERS} writers x ${POINTS} points: every point exactly once, no deadlock, all exit`, async () => {
    const schema = freshName();
    schemas.push(schema);
    const results = await Promise.all(Array.from({ length: WRITERS }, () => runChild('pg-writer-child.ts', ['postgres', PG_URL, schema, String(POINTS)])));
    const store = new PostgresBackend({ connectionString: PG_URL, schema });
    await checkWriters(store, results);
    await store.close();
  });

  it('EXPTRACK_EXPERIMENT_ID + RANK: 4 workers join the parent run; ranks kept; only rank 0 evaluates', async () => {
    const schema = freshName();
    schemas.push(schema);
    const store = new PostgresBackend({ connectionString: PG_URL, schema });
    const parent = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, rank: 0 });
    await checkRanks(store, parent, ['postgres', PG_URL, schema]);
    await parent.close();
  });
});
