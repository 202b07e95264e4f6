/**
 * The foundation's numbers: logging throughput through the tracker into SQLite against the raw
 * limit of better-sqlite3 on this machine, bytes on disk per stored point, the overhead on a
 * training loop, and the latency of one logMetrics call. Prints a table; asserts nothing.
 *
 * Run: `npx tsx bench/logging.ts` (or `npm run bench -- logging`).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

const STEPS = 50_000;
const KEYS = 10;
const POINTS = STEPS * KEYS;
const keys = Array.from({ length: KEYS }, (_, i) => `metric_${i}`);
const dirs: string[] = [];
const tempFile = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'exptrack-bench-'));
  dirs.push(dir);
  return join(dir, name);
};
const fileSize = (path: string) => [path, `${path}-wal`].reduce((sum, p) => sum + (statSync(p, { throwIfNoEntry: false })?.size ?? 0), 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quiet = { captureGit: false, handleProcessEvents: false, onError: () => {} } as const;

/** The physical limit: single-row prepared inserts into an unindexed 5-column table, 1,000 steps a transaction. */
function rawInsertRate(): number {
  const db = new Database(tempFile('raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE m (run_id TEXT, key TEXT, step INTEGER, value REAL, ts INTEGER)');
  const insert = db.prepare('INSERT INTO m VALUES (?, ?, ?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let s = from; s < to; s++) {
      const ts = Date.now();
      for (const k of keys) insert.run('run', k, s, Math.random(), ts);
    }
  });
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s += 1000) batch(s, s + 1000);
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return POINTS / seconds;
}

/** The same points through the tracker, until flush() resolved; also the store's size. */
async function trackerRate(): Promise<{ rate: number; bytesPerPoint: number }> {
  const path = tempFile('tracker.db');
  const tracker = new ExperimentTracker({ ...quiet, backends: [new SqliteBackend({ path })] });
  await tracker.startExperiment({ learning_rate: 1e-3 });
  const row: Record<string, number> = {};
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s++) {
    for (const k of keys) row[k] = Math.random();
    tracker.logMetrics(row, s);
  }
  await tracker.flush();
  const seconds = (performance.now() - t0) / 1000;
  await tracker.close();
  // Checkpoint the WAL into the file, so the size is the table's and its index's.
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { rate: POINTS / seconds, bytesPerPoint: fileSize(path) / POINTS };
}

/** ~1 ms of CPU work, like a tiny training step. */
function work(iterations: number): number {
  let x = 0;
  for (let i = 0; i < iterations; i++) x += Math.sqrt(i) * Math.sin(i);
  return x;
}

async function loopOverhead(): Promise<{ overhead: number; p50: number; p99: number; plainMs: number }> {
  // Calibrate once the work function is optimised: time 200 calls and scale to 1 ms a step.
  for (let i = 0; i < 2000; i++) work(10_000);
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) work(10_000);
  const iterations = Math.round((10_000 * 200) / (performance.now() - t0));
  const steps = 2000;
  const keys = Array.from({ length: 10 }, (_, k) => `m${k}`);
  // Both loops build the same metrics object each step; only the tracked one logs it.
  const metricsOf = (loss: number) => {
    const metrics: Record<string, number> = {};
    for (let k = 0; k < 10; k++) metrics[keys[k]!] = loss + k;
    return metrics;
  };
  let sink = 0;
  const plain = async () => {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      sink += metricsOf(work(iterations)).m0!;
      if (s % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    return performance.now() - t0;
  };
  const tracker = new ExperimentTracker({ ...quiet, backends: [new SqliteBackend({ path: tempFile('loop.db') })] });
  await tracker.startExperiment({});
  const latencies: number[] = [];
  const tracked = async () => {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const metrics = metricsOf(work(iterations));
      const c0 = performance.now();
      tracker.logMetrics(metrics, s);
      latencies.push((performance.now() - c0) * 1000);
      if (s % 100 === 0) await new Promise((r) => setImmediate(r)); // a real loop yields (data loading, awaits)
    }
    await tracker.flush();
    return performance.now() - t0;
  };
  const plainRuns: number[] = [];
  const trackedRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    plainRuns.push(await plain());
    trackedRuns.push(await tracked());
  }
  if (sink === 42) console.log(sink); // keeps the plain loop's work observable
  await tracker.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))]!;
  return { overhead: median(trackedRuns) / median(plainRuns) - 1, p50: at(0.5), p99: at(0.99), plainMs: median(plainRuns) / steps };
}

const raws: number[] = [];
const tracked: Array<{ rate: number; bytesPerPoint: number }> = [];
for (let i = 0; i < 3; i++) {
  raws.push(rawInsertRate());
  tracked.push(await trackerRate());
}
const raw = median(raws);
const through = median(tracked.map((t) => t.rate));
const bytes = median(tracked.map((t) => t.bytesPerPoint));
const loop = await loopOverhead();
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });

const rows: Array<[string, string, string]> = [
  ['raw better-sqlite3 inserts (unindexed, 1,000-step transactions)', `${Math.round(raw).toLocaleString('en')} rows/s`, ''],
  ['tracker -> SQLite, until flush() resolved (indexed)', `${Math.round(through).toLocaleString('en')} points/s`, ''],
  ['tracker / raw', (through / raw).toFixed(2), '>= 0.70'],
  ['disk per million points (table + index)', `${(bytes).toFixed(1)} MB`, '<= 32 MB'],
  [`training loop overhead (${loop.plainMs.toFixed(2)} ms/step, 10 scalars/step)`, `${(loop.overhead * 100).toFixed(2)} %`, '< 1 %'],
  ['logMetrics latency p50 / p99', `${loop.p50.toFixed(2)} / ${loop.p99.toFixed(2)} µs`, ''],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`logging (${POINTS.toLocaleString('en')} points, median of 3)`);
for (const [name, value, target] of rows) console.log(`  ${name.padEnd(width)}  ${value.padStart(18)}  ${target}`);
