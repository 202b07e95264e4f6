// The tracking server: ingestion throughput through `exptrack server` for 1 and 8 writer processes,
// as a ratio to the same writers logging straight into the same kind of store in the same run
// (targets: >= 0.5 for 1 writer, >= 0.7 aggregate for 8 writers over Postgres), the server's CPU
// time per million points, and the latency of a `list` read over HTTP on a 10,000-run store
// (target: < 100 ms). Prints numbers; asserts nothing.
//   npx tsx bench/server.ts [points per writer]      (EXPTRACK_TEST_PG_URL picks the Postgres server)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { makeExperiment } from 'exptrack/testing';

const here = import.meta.dirname;
const root = join(here, '..');
const pgUrl = process.env.EXPTRACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const perWriter = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'exptrack-bench-server-'));
const TICKS = 100; // USER_HZ on Linux

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** Runs `n` writers at once; points per second over the span from the first start to the last finish. */
async function writers(n: number, kind: string, target: (i: number) => string): Promise<number> {
  const outs = await Promise.all(Array.from({ length: n }, (_, i) => run([join(here, 'children/writer.ts'), kind, target(i), String(perWriter)])));
  const spans = outs.map((o) => JSON.parse(o) as { started: number; finished: number });
  const wall = Math.max(...spans.map((s) => s.finished)) - Math.min(...spans.map((s) => s.started));
  return (n * perWriter) / (wall / 1000);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(db: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), 'server', '--db', db, '--port', String(port), '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('exptrack server: http')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the server exited ${code}: ${err}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** CPU seconds (user + system) a process used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

async function compare(label: string, n: number, direct: (i: number) => [string, string], serverDb: string): Promise<void> {
  const straight = await writers(n, direct(0)[0], (i) => direct(i)[1]);
  const server = await startServer(serverDb);
  const cpuBefore = cpuSeconds(server.child.pid!);
  const through = await writers(n, 'http', () => server.url);
  const cpu = cpuSeconds(server.child.pid!) - cpuBefore;
  await stop(server.child);
  const ratio = through / straight;
  console.log(
    `${label.padEnd(26)} direct ${Math.round(straight).toLocaleString('en-US').padStart(9)} pts/s   via server ${Math.round(through).toLocaleString('en-US').padStart(9)} pts/s   ratio ${ratio.toFixed(2)}   server CPU ${((cpu / (n * perWriter)) * 1e6).toFixed(1)} s per million points`,
  );
}

async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function listLatency(): Promise<void> {
  const path = join(dir, 'ten-thousand.db');
  const store = new SqliteBackend({ path });
  await store.init();
  const t0 = Date.UTC(2026, 0, 1);
  for (let from = 0; from < 10_000; from += 1_000) {
    await store.write(Array.from({ length: 1_000 }, (_, k) => ({ type: 'experiment_started' as const, experiment: makeExperiment({ id: `exp_${String(from + k).padStart(5, '0')}`, createdAt: t0 + from + k, status: 'completed', group: `g${(from + k) % 20}` }) })));
  }
  await store.close();
  const server = await startServer(path);
  const client = new HttpBackend({ url: server.url });
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    // What `exptrack list` reads: a page of runs (and one more, to say whether there are more) and their metric summaries.
    const runs = await client.getAllExperiments({ limit: 51 });
    await client.getMetricSummaries(runs.map((r) => r.id));
    times.push(performance.now() - started);
  }
  const count = await client.countExperiments();
  await client.close();
  await stop(server.child);
  times.sort((a, b) => a - b);
  console.log(`list over HTTP, ${count.toLocaleString('en-US')}-run store: median ${times[15]!.toFixed(1)} ms, p90 ${times[27]!.toFixed(1)} ms (target < 100 ms)`);
}

console.log(`points per writer: ${perWriter.toLocaleString('en-US')}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
try {
  await compare('sqlite, 1 writer', 1, () => ['sqlite', join(dir, 'direct-1.db')], join(dir, 'server-1.db'));
  await compare('sqlite, 8 writers', 8, () => ['sqlite', join(dir, 'direct-8.db')], join(dir, 'server-8.db'));
  if (await pgAvailable()) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const schemas = ['direct1', 'server1', 'direct8', 'server8'].map((s) => `bench_${s}_${randomBytes(3).toString('hex')}`);
    const at = (schema: string) => `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`;
    try {
      await compare('postgres, 1 writer', 1, () => ['postgres', at(schemas[0]!)], at(schemas[1]!));
      await compare('postgres, 8 writers', 8, () => ['postgres', at(schemas[2]!)], at(schemas[3]!));
    } finally {
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  } else {
    console.log(`postgres: skipped (no server answered at ${pgUrl.replace(/:[^:@/]*@/, '@')})`);
  }
  await listLatency();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
