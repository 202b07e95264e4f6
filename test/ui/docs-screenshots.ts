// Regenerates the screenshots of docs/DASHBOARD.md from a store of the example's runs:
//   npx tsx examples/train-with-tracking.ts --db /tmp/ui.db --checkpoint-dir /tmp/ckpt --learning-rate 0.01 --experiment-name lr-0.01
//   npx tsx examples/train-with-tracking.ts --db /tmp/ui.db --checkpoint-dir /tmp/ckpt --learning-rate 0.003 --experiment-name lr-0.003
//   npx tsx test/ui/docs-screenshots.ts /tmp/ui.db
// Needs Debian's Chromium at /usr/bin/chromium. Not a test: vitest runs *.test.ts only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { SqliteBackend } from 'exptrack/sqlite';
import { startDashboard } from '../../src/ui/server.js';

const db = process.argv[2];
if (db === undefined) throw new Error('usage: npx tsx test/ui/docs-screenshots.ts STORE.db');
const assets = mkdtempSync(join(tmpdir(), 'exptrack-ui-shots-'));
execFileSync(process.execPath, ['scripts/build-ui.mjs', '--outdir', assets]);
const store = new SqliteBackend({ path: db, fileMustExist: true });
await store.init();
const ui = await startDashboard({ store, port: 0, assetsDir: assets, version: '0.1.0' });
const base = ui.url;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
page.on('pageerror', (e) => process.stderr.write(`pageerror: ${e.message}\n`));
await page.goto(base);
await page.waitForSelector('[data-testid=experiments] tbody tr');
await page.waitForFunction(() => !document.querySelector('[data-testid=summary]')?.textContent?.includes('counting'));
await page.screenshot({ path: 'docs/images/dashboard-experiments.png' });
await page.fill('[data-testid=filter]', 'params.learning_rate < and metrics.addition.accuracy > 0.3');
await page.press('[data-testid=filter]', 'Enter');
await page.waitForSelector('[data-testid=filter-error]:not([hidden])');
await page.screenshot({ path: 'docs/images/dashboard-filter-error.png', clip: { x: 0, y: 0, width: 1280, height: 260 } });
await page.goto(base);
await page.waitForSelector('[data-testid=experiments] tbody tr');
const ids = await page.$$eval('[data-testid=experiments] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-id')));
await page.goto(`${base}#/e/${ids[1]}`);
await page.waitForSelector('.chart canvas');
await page.waitForTimeout(1000);
await page.screenshot({ path: 'docs/images/dashboard-experiment.png', fullPage: true });
// zoomed + smoothed chart
await page.locator('[data-testid=smoothing]').fill('0.8');
await page.waitForTimeout(1200);
const charts = page.locator('.chart[data-metric=batch_accuracy]');
await charts.scrollIntoViewIfNeeded();
await charts.screenshot({ path: 'docs/images/dashboard-chart-smoothing.png' });
await page.goto(`${base}#/compare/${ids[1]},${ids[0]}`);
await page.waitForSelector('[data-testid=sample-rows] tbody tr');
await page.waitForTimeout(1200);
await page.screenshot({ path: 'docs/images/dashboard-compare.png' });
await page.selectOption('[data-testid=sample-view]', 'a_only');
await page.waitForTimeout(800);
await page.evaluate(() => document.querySelector('[data-testid=samples]')!.scrollIntoView({ block: 'start' }));
await page.screenshot({ path: 'docs/images/dashboard-samples.png' });
await page.goto(`${base}#/leaderboard?benchmark=addition`);
await page.waitForSelector('[data-testid=lb-bars] svg');
await page.screenshot({ path: 'docs/images/dashboard-leaderboard.png' });
await browser.close();
await ui.close();
await store.close();
