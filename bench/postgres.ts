// Throughput of metric logging into Postgres: through the tracker and PostgresBackend, against raw
// `pg` multi-row INSERTs of the same rows into a table of the same shape, in one run. Prints
// numbers and the ratio (target: at least 0.7); asserts nothing.
//   npx tsx bench/postgres.ts [points]      (EXPTRACK_TEST_PG_URL picks the server)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ExperimentTracker } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';

const url = process.env.EXPTRACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const points = Number(process.argv[2] ?? 400_000);
const rounds = 3;
const schema = `bench_${randomBytes(4).toString('hex')}`;
const BATCH = 50_000; // the tracker's default maxBufferedPoints: one transaction per batch
const ROWS_PER_INSERT = 1_000; // 6 000 parameters per statement

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
await admin.query(`CREATE TABLE ${schema}.raw_points (series_id bigint NOT NULL, step bigint NOT NULL, writer_id bigint NOT NULL,
  seq bigint NOT NULL, value double precision NOT NULL, ts_offset bigint NOT NULL, PRIMARY KEY (series_id, step, writer_id, seq))`);

/** Two metrics per step, as a training loop logs them. */
const value = (i: number) => 1 / (i + 1);

async function tracker(): Promise<number> {
  const store = new PostgresBackend({ connectionString: url, schema });
  const t = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
  await t.startExperiment({ bench: true });
  const started = performance.now();
  for (let step = 0; step < points / 2; step++) t.logMetrics({ loss: value(step), acc: -value(step) }, step);
  const reports = await t.finishExperiment();
  const elapsed = performance.now() - started;
  if (reports.some((r) => !r.ok)) throw new Error(`the tracker reported a failure: ${JSON.stringify(reports)}`);
  await t.close();
  return elapsed;
}

/** Raw pg: the same rows, 1 000 per multi-row INSERT ... VALUES, one transaction per 50 000. */
async function rawValues(writerId: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const row = (k: number) => `($${k + 1}, $${k + 2}, $${k + 3}, $${k + 4}, $${k + 5}, $${k + 6})`;
  const full = `INSERT INTO ${schema}.raw_points VALUES ${Array.from({ length: ROWS_PER_INSERT }, (_, r) => row(r * 6)).join(', ')}`;
  const started = performance.now();
  const t0 = Date.now();
  for (let from = 0; from < points; from += BATCH) {
    await client.query('BEGIN');
    for (let chunk = from; chunk < Math.min(from + BATCH, points); chunk += ROWS_PER_INSERT) {
      const n = Math.min(ROWS_PER_INSERT, points - chunk);
      const params: unknown[] = [];
      for (let i = chunk; i < chunk + n; i++) {
        const step = i >> 1;
        params.push(1 + (i & 1), step, writerId, i, (i & 1 ? -1 : 1) * value(step), Date.now() - t0);
      }
      const text = n === ROWS_PER_INSERT ? full : `INSERT INTO ${schema}.raw_points VALUES ${Array.from({ length: n }, (_, r) => row(r * 6)).join(', ')}`;
      await client.query(n === ROWS_PER_INSERT ? { name: 'raw_insert', text, values: params } : { text, values: params });
    }
    await client.query('COMMIT');
  }
  const elapsed = performance.now() - started;
  await client.end();
  return elapsed;
}

const rate = (ms: number) => Math.round(points / (ms / 1000));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const trackerMs: number[] = [];
const rawMs: number[] = [];
try {
  await tracker(); // warm-up: migrations, JIT, prepared statements
  for (let r = 0; r < rounds; r++) {
    rawMs.push(await rawValues(r + 1));
    trackerMs.push(await tracker());
  }
  const t = median(trackerMs);
  const raw = median(rawMs);
  console.log(`points per run: ${points} (2 metrics x ${points / 2} steps), ${rounds} rounds, medians`);
  console.log(`raw pg multi-row INSERT (${ROWS_PER_INSERT} rows/statement, ${BATCH}/transaction): ${rate(raw).toLocaleString('en')} points/s (${raw.toFixed(0)} ms)`);
  console.log(`tracker + PostgresBackend (logMetrics ... finishExperiment):     ${rate(t).toLocaleString('en')} points/s (${t.toFixed(0)} ms)`);
  console.log(`ratio tracker / raw: ${(raw / t).toFixed(2)}x (target >= 0.7x)`);
  console.log(`every round, ms: raw ${rawMs.map((x) => x.toFixed(0)).join(' ')} | tracker ${trackerMs.map((x) => x.toFixed(0)).join(' ')}`);
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
