/**
 * Backpressure and loss under a loop that logs faster than the store writes (issue 13): for a
 * 10,000,000-point tight loop into SQLite, the throughput, the peak RSS, the slowest single
 * `logMetrics` call at 100,000 points/s and at full speed, and the SIGKILL lag (points stored
 * against points logged 2 s before the kill). Each run is its own process. Prints; asserts nothing.
 *
 * Run: `npm run bench -- backpressure` (BENCH_POINTS=1000000 for a quicker look).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const POINTS = Number(process.env.BENCH_POINTS ?? 10_000_000);
const child = join(import.meta.dirname, 'children/logging-loop.ts');
const dir = mkdtempSync(join(tmpdir(), 'exptrack-bench-bp-'));
const load = () => (spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout ?? '').trim();

interface Result {
  points: number;
  loggedMs: number;
  pointsPerSecond: number;
  slowestCallMs: number;
  callsOver1ms: number;
  callsOver2ms: number;
  peakRssMb: number;
}

function run(name: string, points: number, rate: number): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, join(dir, `${name}.db`), String(points), String(rate)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"result"'));
  if (!line) throw new Error(`${name} failed: ${r.stderr}`);
  return (JSON.parse(line) as { result: Result }).result;
}

function storedPoints(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM metric_points').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Logs at full speed, SIGKILLs the loop after `afterMs`, and compares what was stored with what had been logged 2 s earlier. */
async function killLag(afterMs: number): Promise<{ loggedAtKill: number; logged2sBefore: number; stored: number }> {
  const path = join(dir, 'kill.db');
  const p = spawn(process.execPath, ['--import', 'tsx', child, path, String(100_000_000), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const progress: Array<{ logged: number; at: number }> = [];
  let started: () => void = () => {};
  const running = new Promise<void>((resolve) => (started = resolve));
  let buffered = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) {
      const m = JSON.parse(l) as { id?: string; logged?: number; at?: number };
      if (m.id !== undefined) started();
      if (m.logged !== undefined) progress.push({ logged: m.logged, at: m.at! });
    }
  });
  await running;
  await new Promise((r) => setTimeout(r, afterMs));
  const killedAt = Date.now();
  p.kill('SIGKILL');
  await new Promise((r) => p.on('exit', r));
  const before = progress.filter((x) => x.at <= killedAt - 2_000).at(-1)?.logged ?? 0;
  return { loggedAtKill: progress.at(-1)?.logged ?? 0, logged2sBefore: before, stored: storedPoints(path) };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`load before: ${load()}`);
const full = run('full', POINTS, 0);
const calls = (r: Result) => `slowest logMetrics ${r.slowestCallMs.toFixed(2)} ms (${fmt(r.callsOver1ms)} calls > 1 ms, ${fmt(r.callsOver2ms)} > 2 ms)`;
console.log(`${fmt(POINTS)} points, tight loop:   ${fmt(full.pointsPerSecond)} points/s to committed, peak RSS ${full.peakRssMb.toFixed(0)} MB, ${calls(full)}`);
const pacedPoints = Math.min(POINTS, 1_000_000);
const paced = run('paced', pacedPoints, 100_000);
console.log(`${fmt(pacedPoints)} points at 100k/s:  ${calls(paced)}, peak RSS ${paced.peakRssMb.toFixed(0)} MB`);
const lag = await killLag(5_000);
console.log(`SIGKILL after 5 s at full speed: ${fmt(lag.loggedAtKill)} logged, ${fmt(lag.logged2sBefore)} logged 2 s before the kill, ${fmt(lag.stored)} stored (${lag.stored >= lag.logged2sBefore ? 'ok' : 'LOST'})`);
console.log(`load after: ${load()}`);
rmSync(dir, { recursive: true, force: true });
