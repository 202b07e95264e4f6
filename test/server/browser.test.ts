// A page bundled with esbuild for the browser imports exptrack + exptrack/http and logs a run to a
// tracking server of another origin, in Chromium: no node: module, no native code.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';
import { serve } from '../fixtures/tracking-server.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'exptrack-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAGE_SCRIPT = `
import { ExperimentTracker } from 'exptrack';
import { HttpBackend } from 'exptrack/http';
const server = new URL(location.href).searchParams.get('server');
const tracker = new ExperimentTracker({ backends: [new HttpBackend({ url: server })] });
try {
  const id = await tracker.startExperiment({ learning_rate: 0.01 }, { name: 'from-chromium' });
  for (let step = 0; step < 200; step++) tracker.logMetrics({ loss: 1 / (step + 1), weird: step === 7 ? NaN : step }, step);
  await tracker.logEvaluation('toy', { metrics: { accuracy: 0.5 }, samples: [{ id: 'a', correct: true }, { id: 'b', correct: false }] });
  await tracker.finishExperiment();
  await tracker.close();
  window.__result = { id };
} catch (error) {
  window.__result = { error: String(error && error.stack || error) };
}
`;

describe.skipIf(!hasChromium)(`exptrack + exptrack/http in Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} is missing)`}`, () => {
  it('a bundled page logs a run through the tracking server', async () => {
    const bundle = await build({
      stdin: { contents: PAGE_SCRIPT, resolveDir: dir, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      alias: { exptrack: join(root, 'src/index.ts'), 'exptrack/http': join(root, 'src/entries/http.ts') },
    });
    const script = bundle.outputFiles[0]!.text;
    expect(script).not.toMatch(/from\s*["']node:|require\(["']node:/);

    // The page comes from one origin, the tracking server answers on another (CORS allowed for the page's).
    const page = await new Promise<Server>((resolve) => {
      const s = createServer((req, res) => {
        if (req.url?.startsWith('/app.js')) {
          res.writeHead(200, { 'content-type': 'text/javascript' });
          res.end(script);
        } else {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<!doctype html><title>exptrack in a browser</title><script type="module" src="/app.js"></script>');
        }
      });
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const pageOrigin = `http://127.0.0.1:${(page.address() as { port: number }).port}`;
    const served = await serve(new SqliteBackend({ path: join(dir, 'runs.db') }), { corsOrigins: [pageOrigin] });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const tab = await browser.newPage();
      await tab.goto(`${pageOrigin}/?server=${encodeURIComponent(served.server.url)}`);
      await tab.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, { timeout: 20_000 });
      const result = (await tab.evaluate(() => (window as { __result?: unknown }).__result)) as { id?: string; error?: string };
      expect(result.error).toBeUndefined();
      const experiment = await served.store.getExperiment(result.id!);
      expect(experiment).toMatchObject({ name: 'from-chromium', status: 'completed', git: null, environment: null, config: { learning_rate: 0.01 } });
      expect(experiment!.summary.capture).toMatch(/skipped: git and environment capture need Node/);
      const loss = await served.store.getMetrics(result.id!, 'loss');
      expect(loss.map((p) => p.step)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(Number.isNaN((await served.store.getMetrics(result.id!, 'weird'))[7]!.value)).toBe(true);
      expect((await served.store.getEvaluationSamples(result.id!, 'toy')).map((s) => s.correct)).toEqual([true, false]);
    } finally {
      await browser.close();
      await served.stop();
      await new Promise((r) => page.close(r));
    }
  });
});
