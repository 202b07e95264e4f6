// The tracking server: ingestion throughput through `exptrack server` for 1 and 8 writer processes,
// as a ratio to the same writers logging straight into the same kind of store in the same run
// (targets: >= 0.5 for 1 writer, >= 0.7 aggregate for 8 writers over Postgres), the CPU per point of
// the writers and of the server, and the latency of a `list` read over HTTP on a 10,000-run store
// (target: p90 < 100 ms). Each comparison runs `repeats` times, direct and through the server in
// turn, and reports the median ratio with its spread; the CPU figures hold up on a loaded machine
// where the wall-clock ratios do not. Ends with each target, its measured value and HOLDS or MISSED.
// Prints numbers; asserts nothing.
//   npx tsx bench/server.ts [points per writer = 200000] [repeats = 3]   (EXPTRACK_TEST_PG_URL picks the Postgres server)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ExperimentTracker } from 'exptrack';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { makeExperiment } from 'exptrack/testing';

const here = import.meta.dirname;
const root = join(here, '..');
const pgUrl = process.env.EXPTRACK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const perWriter = Number(process.argv[2] ?? 200_000);
const repeats = Math.max(1, Number(process.argv[3] ?? 3));
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

interface WriterRun {
  started: number;
  finished: number;
  cpuMs: number;
}

/** One measurement: aggregate points per second over the span from the first start to the last finish, and CPU spent. */
interface Measured {
  rate: number;
  /** CPU of the writer processes while they logged, in microseconds per point. */
  writerCpu: number;
}

/** Runs `n` writers at once. */
async function writers(n: number, kind: string, target: (i: number) => string): Promise<Measured> {
  const outs = await Promise.all(Array.from({ length: n }, (_, i) => run([join(here, 'children/writer.ts'), kind, target(i), String(perWriter)])));
  const spans = outs.map((o) => JSON.parse(o) as WriterRun);
  const wall = Math.max(...spans.map((s) => s.finished)) - Math.min(...spans.map((s) => s.started));
  const cpuMs = spans.reduce((sum, s) => sum + s.cpuMs, 0);
  return { rate: (n * perWriter) / (wall / 1000), writerCpu: (cpuMs * 1000) / (n * perWriter) };
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

/**
 * One small run through a fresh server before it is measured: a server runs for days, and what its
 * first batch costs once (loading modules, starting the store's write thread, compiling) is no part
 * of its cost per point.
 */
async function warmUp(url: string): Promise<void> {
  const tracker = new ExperimentTracker({ backends: [new HttpBackend({ url })], captureGit: false, captureEnvironment: false, handleProcessEvents: false, systemMetrics: false });
  await tracker.startExperiment({ warmUp: true });
  for (let step = 0; step < 20_000; step++) tracker.logMetrics({ loss: 1 / (step + 1) }, step);
  const reports = await tracker.finishExperiment();
  await tracker.close();
  if (reports.some((r) => !r.ok)) throw new Error(`the warm-up run failed: ${JSON.stringify(reports)}`);
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

/** What one comparison found over its repeats. */
interface Comparison {
  label: string;
  target: number | undefined;
  ratios: number[];
}

const results: Comparison[] = [];

/**
 * Runs the same writers straight into a store and through a server in front of an identical store,
 * `repeats` times, alternating, so that a change of the machine's load falls on both sides.
 */
async function compare(label: string, n: number, target: number | undefined, direct: (r: number, i: number) => [string, string], serverDb: (r: number) => string): Promise<void> {
  const rows: Array<{ straight: Measured; through: Measured; serverCpu: number }> = [];
  for (let r = 0; r < repeats; r++) {
    const straight = await writers(n, direct(r, 0)[0], (i) => direct(r, i)[1]);
    const server = await startServer(serverDb(r));
    await warmUp(server.url);
    const cpuBefore = cpuSeconds(server.child.pid!);
    const through = await writers(n, 'http', () => server.url);
    const serverCpu = ((cpuSeconds(server.child.pid!) - cpuBefore) * 1e6) / (n * perWriter);
    await stop(server.child);
    rows.push({ straight, through, serverCpu });
  }
  const ratios = rows.map((row) => row.through.rate / row.straight.rate);
  results.push({ label, target, ratios });
  const med = (pick: (row: (typeof rows)[number]) => number) => median(rows.map(pick));
  const pts = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
  console.log(
    `${label.padEnd(20)} direct ${pts(med((row) => row.straight.rate))} pts/s   via server ${pts(med((row) => row.through.rate))} pts/s   ` +
      `ratio median ${median(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}; ${ratios.map((x) => x.toFixed(2)).join(' ')})` +
      `${target === undefined ? '' : `   target >= ${target}`}`,
  );
  console.log(
    `${''.padEnd(20)} CPU per point: direct writer ${med((row) => row.straight.writerCpu).toFixed(2)} µs; via server writer ${med((row) => row.through.writerCpu).toFixed(2)} µs + server ${med((row) => row.serverCpu).toFixed(2)} µs (= ${med((row) => row.serverCpu).toFixed(2)} s per million points); ` +
      `CPU ratio ${median(rows.map((row) => row.straight.writerCpu / (row.through.writerCpu + row.serverCpu))).toFixed(2)} (the throughput ratio of a machine where CPU is the limit; the database's own CPU is not counted)`,
  );
}

function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** The q-quantile by linear interpolation between order statistics. */
function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
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
  for (let i = 0; i < 5; i++) await client.getMetricSummaries((await client.getAllExperiments({ limit: 51 })).map((r) => r.id)); // warm-up, unmeasured
  const cpuBefore = cpuSeconds(server.child.pid!);
  const requests = 30 * repeats;
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    // What `exptrack list` reads: a page of runs (and one more, to say whether there are more) and their metric summaries.
    const runs = await client.getAllExperiments({ limit: 51 });
    await client.getMetricSummaries(runs.map((r) => r.id));
    times.push(performance.now() - started);
  }
  const serverMs = ((cpuSeconds(server.child.pid!) - cpuBefore) * 1000) / requests;
  const count = await client.countExperiments();
  await client.close();
  await stop(server.child);
  const p90 = quantile(times, 0.9);
  results.push({ label: 'list over HTTP (p90)', target: -100, ratios: [p90] });
  console.log(
    `list over HTTP, ${count.toLocaleString('en-US')}-run store, ${requests} requests: p50 ${quantile(times, 0.5).toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, p99 ${quantile(times, 0.99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; server CPU ${serverMs.toFixed(1)} ms per list   target p90 < 100 ms`,
  );
}

/** Each target with its measured value, and whether it holds (a ratio's median; the latency's p90). */
function verdicts(): void {
  console.log('\ntargets:');
  for (const { label, target, ratios } of results) {
    if (target === undefined) continue;
    if (target < 0) {
      const value = ratios[0]!;
      console.log(`  ${label.padEnd(22)} ${value.toFixed(1).padStart(6)} ms   < ${-target} ms   ${value < -target ? 'HOLDS' : 'MISSED'}`);
      continue;
    }
    const value = median(ratios);
    const worst = Math.min(...ratios);
    const verdict = value >= target ? (worst >= target ? 'HOLDS (every repeat)' : `HOLDS on the median (worst repeat ${worst.toFixed(2)})`) : 'MISSED';
    console.log(`  ${label.padEnd(22)} ${value.toFixed(2).padStart(6)}      >= ${target}      ${verdict}`);
  }
}

console.log(`points per writer: ${perWriter.toLocaleString('en-US')}; repeats: ${repeats}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
try {
  await compare('sqlite, 1 writer', 1, 0.5, (r) => ['sqlite', join(dir, `direct-1-${r}.db`)], (r) => join(dir, `server-1-${r}.db`));
  await compare('sqlite, 8 writers', 8, undefined, (r) => ['sqlite', join(dir, `direct-8-${r}.db`)], (r) => join(dir, `server-8-${r}.db`));
  if (await pgAvailable()) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    // One schema per side and repeat, shared by that side's writers.
    const schemas = new Map<string, string>();
    const at = (name: string) => {
      let schema = schemas.get(name);
      if (schema === undefined) schemas.set(name, (schema = `bench_${name}_${randomBytes(3).toString('hex')}`));
      return `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=${schema}`;
    };
    try {
      await compare('postgres, 1 writer', 1, 0.5, (r) => ['postgres', at(`direct1_${r}`)], (r) => at(`server1_${r}`));
      await compare('postgres, 8 writers', 8, 0.7, (r) => ['postgres', at(`direct8_${r}`)], (r) => at(`server8_${r}`));
    } finally {
      for (const schema of schemas.values()) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  } else {
    console.log(`postgres: skipped (no server answered at ${pgUrl.replace(/:[^:@/]*@/, '@')})`);
  }
  await listLatency();
  verdicts();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
