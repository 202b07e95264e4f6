import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';
import { buildCli } from '../../src/cli/build-cli.js';
import { cliIo as io, started } from './fixtures.js';

/** A raw GET (fetch would normalise the path and follow the redirect). */
function get(port: number, path: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: `127.0.0.1:${port}` } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.on('error', reject);
    req.end();
  });
}


let dir: string;
let db: string;
let assets: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exptrack-ui-token-'));
  db = join(dir, 'runs.db');
  const store = new SqliteBackend({ path: db });
  await store.init();
  await store.write([started('exp_t', {}, { name: 't' })]);
  await store.close();
  assets = join(dir, 'ui');
  execFileSync(process.execPath, ['scripts/build-ui.mjs', '--outdir', assets]);
});

async function serve(args: string[], env: NodeJS.ProcessEnv) {
  const t = io({ EXPTRACK_UI_ASSETS: assets, ...env });
  const run = buildCli(t.io).run(['ui', '--db', db, '--port', '0', ...args]);
  for (let i = 0; i < 200 && !t.out().includes('http://'); i++) await new Promise((r) => setTimeout(r, 25));
  const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(t.out())?.[1]);
  return { t, run, port };
}

const stop = async (run: Promise<number>) => {
  process.emit('SIGINT');
  expect(await run).toBe(0);
};

describe('the dashboard token', () => {
  it('is read from EXPTRACK_UI_TOKEN, so it never shows in ps', async () => {
    const { t, run, port } = await serve([], { EXPTRACK_UI_TOKEN: 'env-token-123456' });
    expect(t.out()).toContain('?token=env-token-123456');
    expect((await get(port, '/api/info')).status).toBe(401);
    expect((await get(port, '/?token=env-token-123456')).status).toBe(302);
    await stop(run);
  });

  it('is read from --token-file, and --token warns that ps shows it', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'file-token-123456\n');
    const a = await serve(['--token-file', file], {});
    expect(a.t.out()).toContain('?token=file-token-123456');
    await stop(a.run);
    const b = await serve(['--token', 'flag-token-123456'], {});
    expect(b.t.err()).toContain('--token is visible to other users of this machine (ps)');
    await stop(b.run);
  });

  it('trades ?token= for a cookie with a redirect that stays on this server', async () => {
    const { run, port } = await serve([], { EXPTRACK_UI_TOKEN: 'env-token-123456' });
    for (const path of ['/.//evil.example?token=env-token-123456', '//evil.example/?token=env-token-123456', '/%5Cevil.example?token=env-token-123456', '/runs?x=1&token=env-token-123456']) {
      const r = await get(port, path);
      expect(r.status, path).toBe(302);
      expect(r.location, path).toMatch(/^\/(?![/\\])/);
    }
    expect((await get(port, '/.//evil.example?token=env-token-123456')).location).toBe('/evil.example');
    expect((await get(port, '/runs?x=1&token=env-token-123456')).location).toBe('/runs?x=1');
    await stop(run);
  });
});
