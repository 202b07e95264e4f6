// Wide tables at a 1400 px viewport, in Chromium: the experiments list with 8 metric columns and
// long names, and the compare page with two Δ columns. Every column must be reachable by scrolling
// the table sideways, with the run's name (the first column) staying in view. Screenshots go to
// temp/screenshots/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import type { DashboardServer } from '../../src/ui/server.js';
import { curve, evaluation, qaSamples, serve, started } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SHOTS = join(process.cwd(), 'temp', 'screenshots');
const METRICS = Array.from({ length: 7 }, (_, i) => `train/a_rather_long_metric_name_${i}`);

function wideEvents(): TrackerEvent[] {
  const events: TrackerEvent[] = [];
  for (const [k, lr] of [0.01, 0.003, 0.001].entries()) {
    const id = `exp_wide_${k}`;
    const environment = { argv: ['node', 'train.js'], cwd: '/work', nodeVersion: 'v20.20.2', platform: 'linux', osRelease: '6.1', arch: 'x64', cpuModel: 'cpu', cpuCount: 2, totalMemoryBytes: 2 ** 34, hostname: 'gpu-host-1', user: null, pid: 1, packages: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`package-${i}`, '1.0.0'])), env: {} };
    events.push(started(id, { learning_rate: lr, optimizer: 'adam', warmup_steps: 100 * k }, { name: `lora-r${8 << k}-a-long-descriptive-run-name-${k}`, group: 'wide', createdAt: 1_767_225_600_000 + k, environment }));
    for (const key of METRICS) events.push(curve(id, key, [0, 1, 2], [1 + k, 0.5 + k, 0.25 + k]));
    events.push(evaluation(id, 'qa', { accuracy: (20 + 5 * k) / 40 }, qaSamples(40, (i) => i < 20 + 5 * k)));
  }
  return events;
}

/** Scrolls a table box so that each header cell comes into view; returns the headers never fully visible, and whether the first column stayed put. */
function reachability(page: Page, box: string) {
  return page.$eval(box, (el) => {
    const container = el as HTMLElement;
    const viewport = { left: 0, right: window.innerWidth };
    const heads = Array.from(container.querySelectorAll('thead th')) as HTMLElement[];
    const unreachable: string[] = [];
    for (const th of heads) {
      th.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      const r = th.getBoundingClientRect();
      const boxRect = container.getBoundingClientRect();
      const inside = r.left >= Math.max(viewport.left, boxRect.left) - 1 && r.right <= Math.min(viewport.right, boxRect.right) + 1;
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!inside || hit === null || !(th === hit || th.contains(hit) || th.querySelector('*') === hit)) {
        if (th !== heads[0]) unreachable.push(th.textContent ?? '');
      }
    }
    container.scrollLeft = container.scrollWidth;
    const first = container.querySelector('tbody tr td') as HTMLElement;
    const firstLeft = first.getBoundingClientRect().left - container.getBoundingClientRect().left;
    return { columns: heads.length, overflows: container.scrollWidth > container.clientWidth, unreachable, firstLeft, scrolled: container.scrollLeft };
  });
}

describe.skipIf(!hasChromium)(`wide tables at 1400 px in Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is missing)`}`, () => {
  let browser: Browser;
  let store: MemoryBackend;
  let ui: DashboardServer;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const assets = mkdtempSync(join(tmpdir(), 'exptrack-ui-build-'));
    execFileSync(process.execPath, ['scripts/build-ui.mjs', '--outdir', assets], { stdio: 'pipe' });
    store = new MemoryBackend();
    await store.init();
    await store.write(wideEvents());
    ui = await serve({ store, assetsDir: assets });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await store?.close();
  });

  it('the experiments table scrolls sideways to every one of its 8 metric columns, the run column staying in view', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${ui.url}#/`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=experiments] tbody tr').length === 3);
    const metricHeads = await page.locator('[data-testid=experiments] th[data-sort^="metric:"]').allTextContents();
    expect(metricHeads).toHaveLength(8);
    await page.screenshot({ path: join(SHOTS, 'experiments-1400.png') });
    const r = await reachability(page, '[data-testid=experiments-box]');
    expect(r.overflows).toBe(true);
    expect(r.unreachable).toEqual([]);
    expect(r.scrolled).toBeGreaterThan(0);
    expect(Math.abs(r.firstLeft)).toBeLessThan(2); // sticky: still at the box's left edge
    await page.close();
  });

  it('the compare page scrolls to its second Δ column', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${ui.url}#/compare/exp_wide_0,exp_wide_1,exp_wide_2`);
    await page.waitForSelector('[data-testid=compare-metrics] tbody tr');
    const heads = await page.locator('[data-testid=compare-metrics] thead th').allTextContents();
    expect(heads.filter((t) => t.startsWith('Δ'))).toHaveLength(2);
    const r = await reachability(page, '[data-testid=compare-metrics-box]');
    expect(r.unreachable).toEqual([]);
    expect(Math.abs(r.firstLeft)).toBeLessThan(2);
    await page.screenshot({ path: join(SHOTS, 'compare-1400.png'), fullPage: true });
    await page.close();
  });

  it("a run's page puts its curves and evaluations first, and folds the 40-package environment to one line", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${ui.url}#/e/exp_wide_1`);
    await page.waitForSelector('[data-testid=fold-environment]');
    const top = (selector: string) => page.$eval(selector, (el) => el.getBoundingClientRect().top);
    expect(await top('[data-testid=training]')).toBeLessThan(await top('h2:text("Evaluations")'));
    expect(await top('h2:text("Evaluations")')).toBeLessThan(await top('h2:text("Config")'));
    expect(await page.$eval('[data-testid=fold-environment]', (el) => (el as HTMLDetailsElement).open)).toBe(false);
    expect(await page.locator('[data-testid=fold-environment] summary').textContent()).toContain('40 packages');
    expect(await page.locator('text=package-39').isVisible()).toBe(false);
    await page.click('[data-testid=fold-environment] summary');
    expect(await page.locator('text=package package-39').isVisible()).toBe(true);
    await page.close();
  });
});
