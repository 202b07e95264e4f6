// The dashboard in Debian's Chromium, driven by playwright-core: the experiments page with its
// filter, an experiment's charts, the compare page's per-sample view, the leaderboard, and markup
// stored in every field never running. Screenshots go to temp/screenshots/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { MemoryBackend } from 'exptrack/memory';
import type { DashboardServer } from '../../src/ui/server.js';
import { curve, demoStore, evaluation, serve, solidPng, started } from './fixtures.js';
import { PAYLOADS, xssStore } from './xss-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SHOTS = join(process.cwd(), 'temp', 'screenshots');

/** Builds the real front end into a temporary directory (the shared dist/ may be mid-rebuild). */
function buildAssets(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exptrack-ui-build-'));
  execFileSync(process.execPath, ['scripts/build-ui.mjs', '--outdir', dir], { stdio: 'pipe' });
  return dir;
}

async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** How many pixels of the chart's canvas are neither transparent nor white. */
function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if ((data[i + 3] as number) > 0 && ((data[i] as number) < 240 || (data[i + 1] as number) < 240 || (data[i + 2] as number) < 240)) n++;
    return n;
  });
}

describe.skipIf(!hasChromium)(`dashboard in Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is missing; apt-get install chromium)`}`, () => {
  let assets: string;
  let browser: Browser;
  let store: MemoryBackend;
  let ui: DashboardServer;
  const errors: string[] = [];

  const open = async (hash = ''): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ui.url}${hash}`);
    return page;
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    assets = buildAssets();
    store = await demoStore();
    ui = await serve({ store, assetsDir: assets });
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await store?.close();
  });

  it('lists experiments, filters them, and shows a filter error inline', async () => {
    const page = await open();
    await page.waitForSelector('[data-testid=experiments] tbody tr');
    expect(await page.locator('[data-testid=experiments] tbody tr').count()).toBe(3);
    await page.waitForFunction(() => document.querySelector('[data-testid=summary]')?.textContent === '1–3 of 3 experiments');

    await page.fill('[data-testid=filter]', 'group = "g1" and params.learning_rate < 0.005');
    await page.press('[data-testid=filter]', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=experiments] tbody tr').length === 1);
    expect(await page.locator('[data-testid=experiments] tbody tr').getAttribute('data-id')).toBe('exp_b');

    await page.fill('[data-testid=filter]', 'params.learning_rate <');
    await page.press('[data-testid=filter]', 'Enter');
    const error = page.locator('[data-testid=filter-error]');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/invalid filter at column 23/);
    await page.screenshot({ path: join(SHOTS, 'experiments-filter-error.png') });

    await page.fill('[data-testid=filter]', '');
    await page.press('[data-testid=filter]', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=experiments] tbody tr').length === 3);
    await page.click('th[data-sort=name]');
    await page.waitForFunction(() => location.hash.includes('sort=name'));
    await page.waitForSelector('[data-testid=experiments] tbody tr');
    const names = await page.$$eval('[data-testid=experiments] tbody tr a.name', (as) => as.map((a) => a.textContent));
    expect(names).toEqual(['baseline', 'live', 'slower']);
    await page.screenshot({ path: join(SHOTS, 'experiments.png') });
    await page.close();
  });

  it('opens an experiment and draws its metric chart; zoom and log scale redraw it', async () => {
    const page = await open();
    await page.waitForSelector('[data-testid=experiments] tbody tr');
    await page.click('tr[data-id=exp_a] a.name');
    await page.waitForSelector('.chart[data-metric=loss] canvas');
    await page.waitForFunction(() => document.querySelector('.chart[data-metric=loss] .chart-status')?.textContent?.includes('points drawn'));
    expect(await inkedPixels(page, '.chart[data-metric=loss] canvas')).toBeGreaterThan(500);
    expect(await page.textContent('.chart[data-metric=loss] .chart-status')).toMatch(/of 4,999 points drawn.*1 NaN/);
    expect(await page.textContent('main')).toContain('learning_rate');
    expect(await page.textContent('[data-testid=eval-bars]')).toContain('qa/accuracy');

    // Drag across the middle of the plot: the zoomed window is fetched at full detail.
    const over = page.locator('.chart[data-metric=loss] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('.chart[data-metric=loss] .chart-status')?.textContent?.includes('zoomed'));
    expect(await inkedPixels(page, '.chart[data-metric=loss] canvas')).toBeGreaterThan(200);

    // Hover shows the value under the cursor in the legend.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.waitForFunction(() => /\d/.test(document.querySelector('.chart[data-metric=loss] .u-legend .u-series:nth-child(2) .u-value')?.textContent ?? ''));

    await page.check('[data-testid=log-scale]');
    await page.waitForFunction(() => document.querySelector('.chart[data-metric=loss] .chart-status')?.textContent?.includes('points drawn'));
    expect(await inkedPixels(page, '.chart[data-metric=loss] canvas')).toBeGreaterThan(200);
    await page.screenshot({ path: join(SHOTS, 'experiment.png'), fullPage: true });
    await page.close();
  });

  it('refreshes a running experiment\'s charts while it logs', async () => {
    const page = await open('#/e/exp_c');
    await page.waitForFunction(() => document.querySelector('.chart[data-metric=loss] .chart-status')?.textContent?.startsWith('3 of 3 points'));
    expect(await page.textContent('main h1')).toMatch(/live.*running.*● live/);
    await store.write([curve('exp_c', 'loss', [3, 4, 5], [0.7, 0.6, 0.5]), { type: 'experiment_updated', experimentId: 'exp_c', changes: { heartbeatAt: Date.now() } }]);
    await page.waitForFunction(() => document.querySelector('.chart[data-metric=loss] .chart-status')?.textContent?.startsWith('6 of 6 points'), undefined, { timeout: 10_000 });
    await page.close();
  });

  it('compares two selected runs: significance, overlaid curves, and the items A gets right and B wrong', async () => {
    const page = await open();
    await page.waitForSelector('[data-testid=experiments] tbody tr');
    await page.check('tr[data-id=exp_a] input[type=checkbox]');
    await page.check('tr[data-id=exp_b] input[type=checkbox]');
    await page.click('[data-testid=compare-selected]');
    await page.waitForSelector('[data-testid=sample-rows] tbody tr');
    expect(await page.textContent('[data-testid=compare-metrics]')).toMatch(/mcnemar \(40 paired\)/);
    expect(await page.textContent('[data-testid=config-diff]')).toContain('learning_rate');
    expect(await page.locator('[data-testid=sample-rows] tbody tr').count()).toBe(20);

    await page.selectOption('[data-testid=sample-view]', 'a_only');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sample-rows] tbody tr').length === 10);
    const first = page.locator('[data-testid=sample-rows] tbody tr').first();
    const cells = await first.locator('td').allTextContents();
    expect(cells[0]).toBe('item-0');
    expect(cells[1]).toBe('What is 0 + 0?');
    expect(cells[2]).toMatch(/✓ right.*The answer is 0/);
    expect(cells[3]).toMatch(/✗ wrong.*The answer is 1/);
    expect(cells[4]).toBe('0');

    await page.fill('[data-testid=sample-search]', 'item-7');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sample-rows] tbody tr').length === 1);
    await page.fill('[data-testid=sample-search]', '');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=sample-rows] tbody tr').length === 10);

    await page.waitForFunction(() => document.querySelector('[data-testid=compare-charts] .chart-status')?.textContent?.includes('points drawn'));
    expect(await inkedPixels(page, '[data-testid=compare-charts] .chart canvas')).toBeGreaterThan(500);
    expect(await page.locator('[data-testid=compare-charts] .u-legend .u-series').count()).toBe(3); // step + two runs
    await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
    await page.close();
  });

  it('draws the leaderboard with error bars, and aggregated by group', async () => {
    const page = await open('#/leaderboard?benchmark=qa');
    await page.waitForSelector('[data-testid=lb-bars] svg');
    expect(await page.locator('[data-testid=lb-bars] svg circle').count()).toBe(2);
    expect(await page.locator('[data-testid=lb-bars] svg line.whisker').count()).toBe(6);
    await page.screenshot({ path: join(SHOTS, 'leaderboard.png'), fullPage: true });
    await page.goto(`${ui.url}#/leaderboard?benchmark=qa&groupBy=group`);
    await page.waitForFunction(() => document.querySelector('[data-testid=leaderboard]')?.textContent?.includes('t-across-runs') || document.querySelector('[data-testid=leaderboard]')?.textContent?.includes('pooled'));
    expect(await page.locator('[data-testid=lb-bars] svg circle').count()).toBe(1);
    await page.close();
    expect(errors).toEqual([]);
  });

  it('draws a run\'s System section and the leaderboard\'s score-vs-cost scatter with its Pareto front', async () => {
    // Three priced runs on their own benchmark: cheap and good (front), dear and best (front), dear and worse (off).
    const cost = (usd: number, gpuHours: number) => ({ summary: { 'compute/wall_hours': gpuHours / 2, 'compute/gpu_count': 2, 'compute/gpu_hours': gpuHours, 'compute/gpu_name': 'NVIDIA A100-SXM4-80GB', 'cost/compute_usd': usd, 'cost/usd': usd } });
    const seconds = Array.from({ length: 60 }, (_, i) => i * 10);
    await store.write([
      started('exp_s1', { lr: 0.01 }, { name: 'cheap', ...cost(2, 0.8) }),
      started('exp_s2', { lr: 0.003 }, { name: 'best', ...cost(6, 2.4) }),
      started('exp_s3', { lr: 0.1 }, { name: 'dear', ...cost(8, 3.2) }),
      evaluation('exp_s1', 'costbench', { accuracy: 0.7 }, []),
      evaluation('exp_s2', 'costbench', { accuracy: 0.8 }, []),
      evaluation('exp_s3', 'costbench', { accuracy: 0.6 }, []),
      curve('exp_s1', 'loss', [0, 1, 2], [1, 0.5, 0.25]),
      curve('exp_s1', 'system/cpu_percent', seconds, seconds.map((s) => 95 + 5 * Math.sin(s))),
      curve('exp_s1', 'system/gpu/0/utilization_percent', seconds, seconds.map((s) => 80 + 10 * Math.cos(s / 30))),
    ]);
    const page = await open('#/e/exp_s1');
    await page.waitForSelector('[data-testid=system] .chart[data-metric="system/gpu/0/utilization_percent"] canvas');
    await page.waitForFunction(() => document.querySelector('[data-testid=system] .chart[data-metric="system/cpu_percent"] .chart-status')?.textContent?.includes('points drawn'));
    expect(await inkedPixels(page, '[data-testid=system] .chart[data-metric="system/cpu_percent"] canvas')).toBeGreaterThan(300);
    const section = (await page.textContent('[data-testid=system]')) ?? '';
    expect(section).toContain('compute/gpu_hours');
    expect(section).toContain('NVIDIA A100-SXM4-80GB');
    // System series stay out of the training charts, and loss stays out of System.
    expect(await page.locator('[data-testid=charts] .chart').count()).toBe(1);
    expect(await page.locator('[data-testid=system] .chart').count()).toBe(2);
    await page.locator('[data-testid=system]').screenshot({ path: join(SHOTS, 'system.png') });

    await page.goto(`${ui.url}#/leaderboard?benchmark=costbench`);
    await page.waitForSelector('[data-testid=lb-cost] svg');
    expect(await page.locator('[data-testid=lb-cost] svg circle').count()).toBe(3);
    expect(await page.locator('[data-testid=lb-cost] svg circle[data-front="1"]').count()).toBe(2);
    const front = await page.$$eval('[data-testid=lb-cost] svg circle[data-front="1"] title', (ts) => ts.map((t) => t.textContent ?? '').sort());
    expect(front).toEqual(['best: 0.8 for $6 (Pareto front)', 'cheap: 0.7 for $2 (Pareto front)']);
    expect(await page.locator('[data-testid=pareto-line]').count()).toBe(1);
    expect(await page.textContent('[data-testid=leaderboard] table')).toContain('score/$');
    await page.locator('[data-testid=lb-cost]').screenshot({ path: join(SHOTS, 'cost-scatter.png') });
    await page.close();
    expect(errors).toEqual([]);
  });
});

describe.skipIf(!hasChromium)(`escaping in Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is missing)`}`, () => {
  it('shows <script> and <img onerror> payloads stored in every field as text, and none runs', async () => {
    const assets = buildAssets();
    const store = await xssStore();
    const ui = await serve({ store, assetsDir: assets, allowEdit: true });
    const browser = await launch();
    try {
      // With the Content-Security-Policy bypassed, only the escaping stands between the payloads and the page.
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const ran = () => page.evaluate(() => (window as unknown as { __xss?: number }).__xss ?? 0);
      const visits: [hash: string, ready: string][] = [
        ['', '[data-testid=experiments] tbody tr'],
        ['#/e/xss_a', '.chart canvas'],
        ['#/compare/xss_a,xss_b', '[data-testid=sample-rows] tbody tr'],
        ['#/leaderboard', '[data-testid=lb-bars] svg'],
      ];
      for (const [hash, ready] of visits) {
        await page.goto(`${ui.url}${hash}`);
        await page.waitForSelector(ready);
        await page.waitForTimeout(300);
        const text = await page.textContent('body');
        expect(text, hash).toContain('<img src=x onerror=');
        expect(await page.locator('main img, main script, main iframe, main svg[onload]').count(), hash).toBe(0);
        expect(await ran(), hash).toBe(0);
      }
      await page.goto(`${ui.url}#/compare/xss_a,xss_b`);
      await page.waitForSelector('[data-testid=sample-rows] tbody tr');
      await page.selectOption('[data-testid=sample-view]', 'all');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=sample-rows] tbody tr').length === 10);
      const body = (await page.textContent('[data-testid=sample-rows]')) ?? '';
      for (const p of PAYLOADS) expect(body).toContain(p);
      await page.goto(`${ui.url}#/e/xss_a`);
      await page.waitForSelector('[data-testid=notes-input]');
      expect(await page.inputValue('[data-testid=notes-input]')).toBe(PAYLOADS.join('\n'));
      await page.screenshot({ path: join(SHOTS, 'escaping.png'), fullPage: true });
      expect(await ran()).toBe(0);
      expect(dialogs).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
      await ui.close();
      await store.close();
    }
  }, 60_000);
});

describe.skipIf(!hasChromium)(`dashboard media and artifacts in Chromium${hasChromium ? '' : ' (skipped: no chromium)'}`, () => {
  const HOSTILE = '<img src=x onerror="window.__pwned=1">&amp;</td>';

  it('shows an image gallery with a step slider, a sortable paged table whose hostile cell is text, a histogram heatmap, artifacts with download links and lineage, and the same image key side by side', async () => {
    const assets = buildAssets();
    const { MemoryBackend } = await import('exptrack/memory');
    const { ExperimentTracker } = await import('exptrack');
    const store = new MemoryBackend();
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-ui-media-'));
    const ids: string[] = [];
    for (const [run, colour] of [[0, [37, 99, 235]], [1, [22, 163, 74]]] as const) {
      ids.push(await tracker.startExperiment({ run }, { name: `media-${run}` }));
      for (const step of [0, 100, 200]) await tracker.logImage('samples', solidPng(48, 48, [...colour], [250, 204, 21], step / 10), { step, caption: `epoch ${step / 100}` });
      tracker.logTable('predictions', { columns: ['input', 'score'], rows: [[HOSTILE, 0.25], ...Array.from({ length: 29 }, (_, i) => [`question ${i}`, i / 30])] }, { step: 200 });
      for (let step = 0; step < 10; step++) tracker.logHistogram('weights', Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * (1 + step / 5) + step / 3), step);
      writeFileSync(join(dir, 'model.bin'), `weights of run ${run}`);
      await tracker.logArtifact(join(dir, 'model.bin'), { name: 'model', type: 'model' });
      if (run === 1) await tracker.useArtifact(ids[0]!, 'model');
      await tracker.finishExperiment();
    }
    const ui = await serve({ store, assetsDir: assets });
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${ui.url}#/e/${ids[0]}`);
      await page.waitForSelector('[data-testid=media-image]');
      const naturalWidth = (selector: string) => page.$$eval(selector, (images) => images.map((img) => (img as HTMLImageElement).naturalWidth));
      await expect.poll(() => naturalWidth('[data-testid=media-image]'), { timeout: 30_000 }).toEqual([48]);
      expect(await page.textContent('[data-testid=media-card-image] [data-testid=step-label]')).toBe('step 200');
      // The slider walks back to step 0: the image reloads.
      await page.locator('[data-testid=media-card-image] [data-testid=step-slider]').fill('0');
      await expect.poll(() => page.getAttribute('[data-testid=media-image]', 'src')).toContain('step=0');
      expect(await page.textContent('[data-testid=media-image] + div')).toBe('epoch 0');

      await page.waitForSelector('[data-testid=media-table] tbody tr');
      expect(await page.locator('[data-testid=media-table] tbody tr').count()).toBe(20);
      expect(await page.locator('[data-testid=media-table] tbody tr').first().locator('td').first().textContent()).toBe(HOSTILE);
      expect(await page.locator('[data-testid=media-table] img').count()).toBe(0);
      await page.locator('[data-testid=media-table-header]', { hasText: 'score' }).click();
      await page.locator('[data-testid=media-table-header]', { hasText: 'score' }).click();
      expect(await page.locator('[data-testid=media-table] tbody tr').first().locator('td').nth(1).textContent()).toBe('0.9333');
      await page.click('[data-testid=media-table] ~ .pager button:nth-child(2)');
      expect(await page.locator('[data-testid=media-table] tbody tr').count()).toBe(10);

      await page.waitForSelector('[data-testid=histogram-heatmap]');
      expect(await inkedPixels(page, '[data-testid=histogram-heatmap]')).toBeGreaterThan(2000);

      expect(await page.textContent('[data-testid=artifacts]')).toMatch(/model\s*v1\s*model/);
      expect(await page.textContent('[data-testid=lineage]')).toContain(ids[1]);
      const href = await page.getAttribute('[data-testid=artifact-download]', 'href');
      const download = await fetch(new URL(href!, ui.url));
      expect(download.headers.get('content-disposition')).toBe('attachment; filename="model.bin"; filename*=UTF-8\'\'model.bin');
      expect(download.headers.get('x-content-type-options')).toBe('nosniff');
      expect(download.headers.get('content-type')).toBe('application/octet-stream');
      expect(await download.text()).toBe('weights of run 0');
      await page.screenshot({ path: join(SHOTS, 'media.png'), fullPage: true });

      await page.goto(`${ui.url}#/compare/${ids[0]},${ids[1]}`);
      await expect.poll(() => naturalWidth('[data-testid=compare-image]'), { timeout: 30_000 }).toEqual([48, 48]);
      expect(await page.locator('[data-testid=compare-images] .media-pair').count()).toBe(1);
      await page.locator('[data-testid=compare-images]').screenshot({ path: join(SHOTS, 'compare-images.png') });
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await ui.close();
      await tracker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
