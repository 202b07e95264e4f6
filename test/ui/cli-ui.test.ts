// `exptrack ui` through the CLI: it opens the store named by --db, prints the URL, serves until
// SIGINT, then closes and exits 0.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';
import { buildCli } from '../../src/cli/build-cli.js';
import { cliIo as io, started } from './fixtures.js';
import { cli, cliAsync } from '../cli/helpers.js';


describe('exptrack ui', () => {
  it('serves the store until SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-ui-cli-'));
    const db = join(dir, 'runs.db');
    const store = new SqliteBackend({ path: db });
    await store.init();
    await store.write([started('exp_cli', { learning_rate: 0.1 }, { name: 'from the cli' })]);
    await store.close();
    const assets = join(dir, 'ui');
    execFileSync(process.execPath, ['scripts/build-ui.mjs', '--outdir', assets]);

    const t = io({ EXPTRACK_UI_ASSETS: assets });
    const run = buildCli(t.io).run(['ui', '--db', db, '--port', '0']);
    for (let i = 0; i < 200 && !t.out().includes('http://'); i++) await new Promise((r) => setTimeout(r, 25));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(t.out())?.[0];
    expect(url, t.err()).toBeDefined();
    expect(t.err()).toMatch(/read-only/);
    const page = (await (await fetch(`${url}api/experiments`)).json()) as { experiments: { name: string }[] };
    expect(page.experiments.map((e) => e.name)).toEqual(['from the cli']);
    expect(await (await fetch(url as string)).text()).toContain('/assets/app.js');
    process.emit('SIGINT');
    expect(await run).toBe(0);
    await expect(fetch(`${url}api/info`)).rejects.toThrow();
  });

  it('refuses a short token and a missing store', async () => {
    const a = io({});
    expect(await buildCli(a.io).run(['ui', '--db', '/nonexistent/runs.db', '--token', 'short'])).toBe(2);
    expect(a.err()).toMatch(/--token must be at least 8 characters/);
    const b = io({});
    expect(await buildCli(b.io).run(['ui', '--db', '/nonexistent/runs.db'])).toBe(1);
    expect(b.err()).toMatch(/no exptrack store/);
  });

  it('names a busy port and a directory given as --db as user errors, with what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-ui-cli-'));
    const db = join(dir, 'runs.db');
    const store = new SqliteBackend({ path: db });
    await store.init();
    await store.close();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      // The built CLI, in a child process, as a user runs it.
      const a = await cliAsync(['ui', '--db', db, '--port', String(port)]).done;
      expect(a.code).toBe(1);
      expect(a.stderr).toBe(`exptrack: port ${port} on 127.0.0.1 is in use: pass another --port, or --port 0 to pick a free one\n`);
    } finally {
      busy.close();
    }
    const b = cli(['ui', '--db', dir]);
    expect(b.status).toBe(1);
    expect(b.stderr).toBe(`exptrack: ${dir} is a directory, not an exptrack store: pass --db FILE (for example --db ${join(dir, 'exptrack.db')})\n`);
  });
});
