// The dashboard's speed: `npx tsx bench/ui.ts`. A SQLite store of 10,000 experiments (each with an
// evaluation and a loss curve) plus one run with a 1,000,000-point metric; the server on a random
// port; the list API timed cold (its 2 s cache expired) and warm; the 1,000,000-point metric read
// through the API (the store outlines it, getMetricOutline) and the store call alone; with Chromium
// present, the experiments page until interactive and the 1,000,000-point chart until drawn.
// Targets (issue 7): list API < 100 ms, experiments page interactive < 1 s, 1M-point metric < 1 s.
// Then two sections of issue 13 (bench/ui/): the outline of a 1,000,000-point metric on Postgres and
// SQLite (Postgres < 300 ms), and a 20,000,000-point store: /api/info while 16 window reads are in
// flight (< 200 ms) and the peak RSS of `export --all` and `import` (<= 300 MB each).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TrackerEvent } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { startDashboard } from '../src/ui/server.js';
import { benchBigStore } from './ui/big-store.js';
import { benchOutline } from './ui/outline.js';

const EXPERIMENTS = 10_000;
const BIG = 1_000_000;
const CHROMIUM = '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'exptrack-ui-bench-'));
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const verdict = (ms: number, target: number) => (ms < target ? `ok (< ${target} ms)` : `OVER the ${target} ms target`);

function events(): TrackerEvent[] {
  const list: TrackerEvent[] = [];
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < EXPERIMENTS; i++) {
    const id = `exp_${String(i).padStart(5, '0')}`;
    const accuracy = Math.round((0.3 + 0.5 * random()) * 500) / 500;
    list.push({
      type: 'experiment_started',
      experiment: {
        id, name: `run-${i}`, notes: '', group: `sweep-${i % 50}`, config: { learning_rate: [1e-4, 3e-4, 1e-3, 3e-3][i % 4] as number, batch_size: 32, seed: i % 5, model: i % 2 ? 'mlp' : 'cnn' },
        tags: { stage: i % 3 ? 'sft' : 'rl' }, status: 'completed', createdAt: 1_767_225_600_000 + i * 1000, endedAt: 1_767_225_600_000 + i * 1000 + 600_000, heartbeatAt: null, git: null, environment: null, summary: {}, error: null,
      },
    });
    list.push({ type: 'evaluation', experimentId: id, evaluation: { benchmark: 'gsm8k', metrics: { accuracy, accuracy_stderr: Math.sqrt((accuracy * (1 - accuracy)) / 500) }, metadata: {}, step: null, createdAt: 1_767_300_000_000 + i }, samples: [] });
    const steps = Array.from({ length: 20 }, (_, s) => s * 50);
    list.push({ type: 'metrics', experimentId: id, points: { keys: steps.map(() => 'loss'), steps, values: steps.map((s) => 2 / (1 + s / 100) + random() * 0.05), timestamps: steps.map(() => 0), rank: 0 } });
  }
  return list;
}

async function main(): Promise<void> {
  const store = new SqliteBackend({ path: join(work, 'bench.db') });
  await store.init();
  let t = performance.now();
  const all = events();
  for (let i = 0; i < all.length; i += 3000) await store.write(all.slice(i, i + 3000));
  out(`store: ${EXPERIMENTS.toLocaleString()} experiments written in ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  const bigId = 'exp_big_metric';
  await store.write([{ type: 'experiment_started', experiment: { id: bigId, name: 'one million points', notes: '', group: null, config: {}, tags: {}, status: 'completed', createdAt: 1_700_000_000_000, endedAt: 1_700_000_100_000, heartbeatAt: null, git: null, environment: null, summary: {}, error: null } }]);
  for (let start = 0; start < BIG; start += 100_000) {
    const steps = Array.from({ length: 100_000 }, (_, i) => start + i);
    await store.write([{ type: 'metrics', experimentId: bigId, points: { keys: steps.map(() => 'loss'), steps, values: steps.map((s) => 1 / Math.sqrt(1 + s / 1000) + 0.05 * Math.sin(s / 37) + (s % 99_991 === 0 ? 1 : 0)), timestamps: steps.map(() => 0), rank: 0 } }]);
  }
  await store.flush();
  out(`store: a ${BIG.toLocaleString()}-point metric written in ${(performance.now() - t).toFixed(0)} ms`);

  const assets = join(work, 'ui');
  execFileSync(process.execPath, ['scripts/build-ui.mjs', '--outdir', assets]);
  const ui = await startDashboard({ store, port: 0, assetsDir: assets });
  const get = async (path: string) => {
    const start = performance.now();
    const url = `${ui.url.replace(/\/$/, '')}${path}`;
    // A kept-alive socket the server closed while the bench itself read the store: one retry.
    const res = await fetch(url).catch(() => fetch(url));
    const body = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${String(body.error)}`);
    return { ms: performance.now() - start, body };
  };

  out('');
  out('API (HTTP round trip on 127.0.0.1, the store on disk)');
  const cases: [label: string, path: string][] = [
    ['list, newest first, 50 rows (the page\'s default)', '/api/experiments?limit=50'],
    ['list, filtered (lr < 5e-4 and gsm8k accuracy > 0.5)', `/api/experiments?limit=50&filter=${encodeURIComponent('params.learning_rate < 5e-4 and metrics.gsm8k.accuracy > 0.5')}`],
    ['list, sorted by name', '/api/experiments?limit=50&sort=name'],
    ['list, sorted by duration, page 100', '/api/experiments?limit=50&sort=duration&offset=4950'],
    ['list, sorted by gsm8k accuracy', `/api/experiments?limit=50&sort=${encodeURIComponent('metric:gsm8k/accuracy')}&order=desc`],
  ];
  for (const [label, path] of cases) {
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      await sleep(2100); // past the list cache
      cold.push((await get(path)).ms);
    }
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) warm.push((await get(path)).ms);
    out(`  ${label.padEnd(54)} cold median ${median(cold).toFixed(1).padStart(6)} ms (max ${Math.max(...cold).toFixed(1)})  warm median ${median(warm).toFixed(1).padStart(5)} ms  ${verdict(median(cold), 100)}`);
  }
  // The server's outline cache is empty: its first read asks the store.
  const firstMetric = await get(`/api/experiments/${bigId}/metric?key=loss&points=1400`);
  const again: number[] = [];
  for (let i = 0; i < 10; i++) again.push((await get(`/api/experiments/${bigId}/metric?key=loss&points=1400&smoothing=${i % 2 ? 0.9 : 0}`)).ms);
  const zoom = await get(`/api/experiments/${bigId}/metric?key=loss&points=1400&from=400000&to=410000`);
  const outlineTimes: number[] = [];
  let outline: Awaited<ReturnType<typeof store.getMetricOutline>> | undefined;
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    outline = await store.getMetricOutline(bigId, 'loss', { buckets: 1400 });
    outlineTimes.push(performance.now() - t);
  }
  t = performance.now();
  const raw = await store.getMetrics(bigId, 'loss');
  const readMs = performance.now() - t;
  out(`  ${'1,000,000-point metric to 1,400 points, first read'.padEnd(54)} ${firstMetric.ms.toFixed(0).padStart(6)} ms  ${verdict(firstMetric.ms, 1000)} (${String(firstMetric.body.method)}, ${(firstMetric.body.x as number[]).length} points)`);
  out(`  ${'store.getMetricOutline alone (1,400 columns)'.padEnd(54)} ${median(outlineTimes).toFixed(0).padStart(6)} ms  median of 5 (${outline?.steps.length ?? 0} points of ${outline?.count.toLocaleString() ?? 0})`);
  out(`  ${'same, outline cached (median of 10, half smoothed)'.padEnd(54)} ${median(again).toFixed(1).padStart(6)} ms  ${verdict(median(again), 1000)}`);
  out(`  ${'zoomed window of 10,001 steps, first read'.padEnd(54)} ${zoom.ms.toFixed(1).padStart(6)} ms`);
  out(`  ${`store.getMetrics, for reference (${raw.length.toLocaleString()} points)`.padEnd(54)} ${readMs.toFixed(0).padStart(6)} ms`);
  out(`  (load average ${loadAverage()})`);

  if (!existsSync(CHROMIUM)) {
    out(`\nbrowser: skipped (${CHROMIUM} is missing; apt-get install chromium)`);
  } else {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    out('');
    out('browser (headless Chromium, 1400x1000)');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(ui.url); // warm-up: the browser's first page
    await page.waitForSelector('[data-testid=experiments] tbody tr');
    const pageTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(2100);
      const start = performance.now();
      await page.goto(`${ui.url}?run=${i}`);
      await page.waitForSelector('[data-testid=experiments] tbody tr');
      await page.click('th[data-sort=status]', { trial: true });
      pageTimes.push(performance.now() - start);
    }
    out(`  ${'experiments page (10,000 runs) until the table is interactive'.padEnd(62)} median ${median(pageTimes).toFixed(0).padStart(5)} ms  ${verdict(median(pageTimes), 1000)}`);
    // A second server: its outline cache is empty, so its first chart asks the store to outline the 1,000,000 points.
    const fresh = await startDashboard({ store, port: 0, assetsDir: assets });
    let start = performance.now();
    await page.goto(`${fresh.url}#/e/${bigId}`);
    await page.waitForFunction(() => document.querySelector('.chart[data-metric=loss] .chart-status')?.textContent?.includes('points drawn'));
    const coldChart = performance.now() - start;
    await fresh.close();
    const chartTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      start = performance.now();
      await page.goto(`${ui.url}?run=c${i}#/e/${bigId}`);
      await page.waitForFunction(() => document.querySelector('.chart[data-metric=loss] .chart-status')?.textContent?.includes('points drawn'));
      chartTimes.push(performance.now() - start);
    }
    out(`  ${'experiment page until its 1,000,000-point chart is drawn'.padEnd(62)} median ${median(chartTimes).toFixed(0).padStart(5)} ms  ${verdict(median(chartTimes), 1000)} (outline in the server's memory)`);
    out(`  ${'same, the server reading the outline from the store first'.padEnd(62)} ${coldChart.toFixed(0).padStart(12)} ms  ${verdict(coldChart, 1000)}`);
    // Responsiveness: a zoom (drag) on the big chart until the window is drawn.
    const over = (await page.locator('.chart[data-metric=loss] .u-over').boundingBox())!;
    start = performance.now();
    await page.mouse.move(over.x + over.width * 0.3, over.y + 50);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.35, over.y + 50, { steps: 3 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('.chart[data-metric=loss] .chart-status')?.textContent?.includes('zoomed'));
    out(`  ${'zoom on the 1,000,000-point chart until redrawn'.padEnd(62)} ${(performance.now() - start).toFixed(0).padStart(5)} ms`);
    await browser.close();
  }
  out(`\nload average ${loadAverage()} on ${cpus().length} cores`);
  await ui.close();
  await store.close();
  rmSync(work, { recursive: true, force: true });
  await benchOutline();
  await benchBigStore();
}

await main();
