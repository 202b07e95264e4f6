// The dashboard's sweep pages in Chromium: the list of sweeps, and one sweep's parallel-coordinates
// plot (an axis per parameter and one for the objective, a line per trial, the best darkest), the
// parameter-importance bars and the trials table. Also the API the pages read. Screenshots go to
// temp/screenshots/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ExperimentTracker } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { Sweep, choice, logUniform, uniform } from 'exptrack/sweep';
import type { DashboardServer } from '../../src/ui/server.js';
import { fakeAssets, serve } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SHOTS = join(process.cwd(), 'temp', 'screenshots');

describe('dashboard sweep pages', () => {
  let store: MemoryBackend;
  let ui: DashboardServer;
  let sweepId: string;
  let assets: string;

  beforeAll(async () => {
    store = new MemoryBackend();
    await store.init();
    const space = { learning_rate: logUniform(1e-5, 1e-1), dropout: uniform(0, 0.5), optimizer: choice(['adam', 'sgd']) };
    const sweep = new Sweep({
      space,
      direction: 'minimize',
      seed: 7,
      sampler: 'random',
      tracker: () => new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false }),
    });
    // The objective depends mostly on the learning rate, a little on dropout, not on the optimizer.
    await sweep.optimize(({ learning_rate, dropout }) => (Math.log10(learning_rate) + 3) ** 2 + 0.1 * dropout, { trials: 16 });
    sweepId = sweep.id;
    // The real front end for Chromium; without it the API tests need only a page to serve.
    assets = hasChromium ? mkdtempSync(join(tmpdir(), 'exptrack-ui-build-')) : fakeAssets();
    if (hasChromium) execFileSync(process.execPath, ['scripts/build-ui.mjs', '--outdir', assets], { stdio: 'pipe' });
    ui = await serve({ store, assetsDir: assets });
  }, 60_000);
  afterAll(async () => {
    await ui?.close();
    await store?.close();
  });

  it('the API lists the sweep and gives its trials, best trial and importance', async () => {
    const list = (await (await fetch(new URL('/api/sweeps', ui.url))).json()) as { sweeps: { id: string; trials: number; direction: string }[] };
    expect(list.sweeps).toHaveLength(1);
    expect(list.sweeps[0]).toMatchObject({ id: sweepId, trials: 16, direction: 'minimize' });
    const one = (await (await fetch(new URL(`/api/sweeps/${sweepId}`, ui.url))).json()) as { trials: unknown[]; importance: { name: string }[]; best: { number: number } };
    expect(one.trials).toHaveLength(16);
    expect(one.importance[0]?.name).toBe('learning_rate');
    expect(typeof one.best.number).toBe('number');
    expect((await fetch(new URL('/api/sweeps/nope', ui.url))).status).toBe(404);
  });

  it.skipIf(!hasChromium)(`draws the parallel coordinates and the importance in Chromium${hasChromium ? '' : ' (skipped: no /usr/bin/chromium)'}`, async () => {
    mkdirSync(SHOTS, { recursive: true });
    const { chromium } = await import('playwright-core');
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${ui.url}#/sweeps`);
      await page.click(`[data-testid=sweeps] a:text("${sweepId}")`);
      await page.waitForSelector('[data-testid=parallel] svg');
      expect(await page.locator('[data-testid=parallel] svg line.axis-line').count()).toBe(4); // 3 parameters + the objective
      expect(await page.locator('[data-testid=parallel] svg polyline.trial').count()).toBe(16);
      expect(await page.locator('[data-testid=parallel] svg text.axis-name').allTextContents()).toEqual(['dropout', 'learning_rate (log)', 'optimizer', 'objective (log)']); // the objective spans more than two decades
      // The best trial's line is the darkest and drawn last (on top).
      const best = Number((await page.textContent('[data-testid=best-trial] strong'))?.replace(/\D+/g, ''));
      expect(await page.locator('[data-testid=parallel] svg polyline.trial').last().getAttribute('data-trial')).toBe(String(best));
      expect(await page.locator('[data-testid=importance] svg rect.bar').count()).toBe(3);
      expect(await page.locator('[data-testid=importance] svg rect.bar').first().getAttribute('data-param')).toBe('learning_rate');
      expect(await page.locator('[data-testid=trials] tbody tr').count()).toBe(16);
      await page.screenshot({ path: join(SHOTS, 'sweep.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
