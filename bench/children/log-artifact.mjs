// One case of bench/artifacts.ts, run as a user's program runs: plain `node` on the built package
// (dist/), no TypeScript loader in its memory. Logs a small file first (unmeasured: loading the
// capture and store modules happens once per process), then the big file, and prints one JSON
// line: wall seconds, CPU seconds of the process (all its threads), RSS before the copy and the
// peak, the 1-minute load average at start and end. Arguments: sqlite|s3|http <file> <dir>
// <servers JSON: the S3 endpoint and bucket, the tracking server's URL>.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const [kind, file, dir, servers] = process.argv.slice(2);
const dist = new URL('../../dist/', import.meta.url);
const { ExperimentTracker } = await import(new URL('index.js', dist).href);
const pgUrl = process.env.EXPTRACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `bench_artifacts_${process.pid}`;

let backend;
if (kind === 'sqlite') {
  const { SqliteBackend } = await import(new URL('sqlite.js', dist).href);
  backend = new SqliteBackend({ path: join(dir, 'bench.db') });
} else if (kind === 'http') {
  const { HttpBackend } = await import(new URL('http.js', dist).href);
  backend = new HttpBackend({ url: JSON.parse(servers).trackingUrl });
} else {
  const { PostgresBackend } = await import(new URL('postgres.js', dist).href);
  const { endpoint, bucket } = JSON.parse(servers);
  backend = new PostgresBackend({ connectionString: pgUrl, schema, artifacts: { s3: { endpoint, bucket, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } } });
  try {
    await backend.init();
  } catch (error) {
    console.log(JSON.stringify(`skipped: no Postgres (${error.message})`));
    process.exit(0);
  }
}
const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false, strict: true, backendTimeoutMs: 600_000 });
await tracker.startExperiment({ bench: 'artifacts' });
const small = join(dir, `warm-up-${kind}.bin`);
writeFileSync(small, `warm-up ${kind}`);
await tracker.logArtifact(small, { name: 'warm-up' });

const loadBefore = loadavg()[0];
const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
const started = process.hrtime.bigint();
const cpuBefore = process.cpuUsage();
const logged = await tracker.logArtifact(file, { name: 'big' });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
const loadAfter = loadavg()[0];
await tracker.close();
if (kind === 's3') {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
console.log(JSON.stringify({
  bytes: logged?.size ?? 0,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  rssBeforeMb,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  loadBefore,
  loadAfter,
}));
