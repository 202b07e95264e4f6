// A 20,000,000-point store (issue 13, defects 6 and 7), a section of `bench/ui.ts`
// (`EXPTRACK_BENCH_POINTS=2000000` for a quick run). Builds one run of that many points through the
// store's own writer in big batches, then measures:
//  - the dashboard's /api/info latency while 16 distinct window requests on that metric are in
//    flight (target < 200 ms; the outlines run on the store's read threads);
//  - `exptrack export --all` and `exptrack import` of the store, each as a child process, its peak
//    RSS from /usr/bin/time (target <= 300 MB each, however large the store).
// Needs `npm run build` (the CLI runs from dist/); skipped with a line saying so without it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TrackerEvent } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { startDashboard } from '../../src/ui/server.js';

const POINTS = Number(process.env.EXPTRACK_BENCH_POINTS ?? 20_000_000);
const BATCH = 500_000;
const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bin.js');
const out = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' ');

async function build(path: string): Promise<void> {
  const store = new SqliteBackend({ path });
  await store.init();
  const t = performance.now();
  await store.write([{ type: 'experiment_started', experiment: { id: 'exp_big', name: 'big', notes: '', group: null, config: { lr: 1e-3 }, tags: {}, status: 'completed', createdAt: 1_767_225_600_000, endedAt: 1_767_229_200_000, heartbeatAt: null, git: null, environment: null, summary: {}, error: null } }]);
  for (let start = 0; start < POINTS; start += BATCH) {
    const n = Math.min(BATCH, POINTS - start);
    const steps = new Array<number>(n);
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      steps[i] = start + i;
      values[i] = 1 / Math.sqrt(1 + (start + i) / 1000) + 0.01 * Math.sin(i);
    }
    const event: TrackerEvent = { type: 'metrics', experimentId: 'exp_big', points: { keys: new Array<string>(n).fill('loss'), steps, values, timestamps: new Array<number>(n).fill(1_767_225_600_000 + start), rank: 0 } };
    await store.write([event]);
  }
  await store.close();
  out(`  store: ${POINTS.toLocaleString('en-US')} points written in ${((performance.now() - t) / 1000).toFixed(1)} s, ${mb(statSync(path).size)} on disk`);
}

async function infoUnderLoad(path: string, work: string): Promise<void> {
  const store = new SqliteBackend({ path, readOnly: true });
  await store.init();
  const assets = mkdtempSync(join(work, 'ui-'));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(assets, 'index.html'), '<!doctype html>');
  const ui = await startDashboard({ store, port: 0, assetsDir: assets });
  const base = ui.url.replace(/\/$/, '');
  let pending = 16;
  const t = performance.now();
  const windows = Array.from({ length: 16 }, (_, i) =>
    fetch(`${base}/api/experiments/exp_big/metric?key=loss&points=1400&from=${i * 1000}&to=${POINTS - i * 1000}`).then(async (res) => {
      await res.arrayBuffer();
      pending--;
    }),
  );
  const latencies: number[] = [];
  await new Promise((r) => setTimeout(r, 200));
  while (pending > 0 && latencies.length < 20) {
    const start = performance.now();
    await (await fetch(`${base}/api/info`)).json();
    latencies.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 250));
  }
  const during = latencies.length;
  await Promise.all(windows);
  const worst = Math.max(...latencies);
  out(`  /api/info during 16 concurrent window reads of the ${POINTS.toLocaleString('en-US')}-point metric: max ${worst.toFixed(1)} ms over ${during} requests  ${worst < 200 ? 'ok (< 200 ms)' : 'OVER the 200 ms target'}`);
  out(`    (the 16 windows took ${((performance.now() - t) / 1000).toFixed(1)} s in all, ${store.readsOffThread} on read threads)`);
  await ui.close();
  await store.close();
}

function peakRss(label: string, args: string[]): void {
  const t = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const kb = Number(/maxrss_kb=(\d+)/.exec(run.stderr)?.[1] ?? NaN);
  if (run.status !== 0) out(`  ${label}: FAILED (exit ${run.status}): ${run.stderr.slice(-500)}`);
  const verdict = kb * 1024 <= 300e6 ? 'ok (<= 300 MB)' : 'OVER the 300 MB target';
  out(`  ${label.padEnd(44)} peak RSS ${mb(kb * 1024).padStart(7)}  ${verdict}  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
}

/** Builds the big store in a temporary folder, prints its section of the bench, removes the folder. */
export async function benchBigStore(): Promise<void> {
  out(`\n${POINTS.toLocaleString('en-US')}-point store (issue 13)`);
  if (!existsSync(BIN)) {
    out(`  skipped: ${BIN} is missing (run npm run build first)`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'exptrack-big-store-'));
  const path = join(work, 'big.db');
  await build(path);
  await infoUnderLoad(path, work);
  const file = join(work, 'big.jsonl');
  peakRss('exptrack export --all', ['export', '--all', '--db', path, '-o', file]);
  out(`  (the export is ${mb(statSync(file).size)})`);
  peakRss('exptrack import', ['import', file, '--db', join(work, 'copy.db')]);
  out(`  load average ${loadAverage()} on ${cpus().length} cores`);
  rmSync(work, { recursive: true, force: true });
}
