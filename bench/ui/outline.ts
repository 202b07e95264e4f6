/**
 * The outline of a 1,000,000-point metric (1,400 columns, the dashboard's chart), read by the
 * Postgres store (from its outline blocks, migration 0005) and by the SQLite store, median of 5
 * after one warm-up read; also how long each store took to take the points. Target (issue 13):
 * Postgres < 300 ms; SQLite no slower than before (about 100-200 ms on a quiet machine). Prints;
 * asserts nothing. Skips Postgres when no server answers (EXPTRACK_TEST_PG_URL picks it).
 *
 * A section of `bench/ui.ts` (EXPTRACK_BENCH_OUTLINE_POINTS=200000 for a quicker look).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ExperimentTracker, type Backend, type ExperimentReader } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';

const POINTS = Number(process.env.EXPTRACK_BENCH_OUTLINE_POINTS ?? 1_000_000);
const url = process.env.EXPTRACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const load = () => readFileSync('/proc/loadavg', 'utf8').trim();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(name: string, store: Backend & ExperimentReader, target: string, limitMs?: number): Promise<void> {
  const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
  const id = await tracker.startExperiment({ bench: 'outline' });
  const t0 = performance.now();
  for (let step = 0; step < POINTS; step++) {
    tracker.logMetrics({ loss: 1 / (step + 1) + (step % 9_973 === 0 ? 5 : 0) }, step);
    if (step % 50_000 === 0) await tracker.flush();
  }
  await tracker.finishExperiment();
  const written = performance.now() - t0;
  await store.getMetricOutline(id, 'loss', { buckets: 1400 });
  const times: number[] = [];
  let drawn = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    drawn = (await store.getMetricOutline(id, 'loss', { buckets: 1400 })).steps.length;
    times.push(performance.now() - t);
  }
  await tracker.close();
  const pointsPerSecond = Math.round(POINTS / (written / 1000)).toLocaleString('en-US');
  console.log(`  ${name.padEnd(9)} outline of ${POINTS.toLocaleString('en-US')} points: median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, ${drawn} points drawn), target ${target}${limitMs === undefined ? '' : median(times) < limitMs ? ': HOLDS' : ': MISSED'}; written at ${pointsPerSecond} points/s`);
}

/** Prints the outline section of the bench: Postgres (skipped when no server answers), then SQLite. */
export async function benchOutline(): Promise<void> {
  console.log(`\noutline of a ${POINTS.toLocaleString('en-US')}-point metric (issue 13)`);
  console.log(`  load before: ${load()}`);
  const schema = `bench_outline_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  const pgUp = await admin.connect().then(() => true, () => false);
  if (pgUp) {
    try {
      await measure('postgres', new PostgresBackend({ connectionString: url, schema }), '< 300 ms', 300);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  } else console.log(`  postgres  skipped: no server answered at ${url.replace(/:[^:@/]*@/, '@')}`);
  const dir = mkdtempSync(join(tmpdir(), 'exptrack-bench-outline-'));
  await measure('sqlite', new SqliteBackend({ path: join(dir, 'runs.db') }), 'no slower than before');
  rmSync(dir, { recursive: true, force: true });
  console.log(`  load after: ${load()}`);
}
