import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../fixtures/server-process.js';
import { cli, cliAsync, makeStore, requireBuild, tempDir } from './helpers.js';

requireBuild();
const TOKEN = 'cli-test-token-0123456789';

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('exptrack server and --db http://', () => {
  it('serves a SQLite store to the read commands of another CLI, with the token from EXPTRACK_TOKEN, and stops on SIGTERM', async () => {
    const db = join(tempDir(), 'runs.db');
    const ids = await makeStore(db);
    const port = await freePort();
    const server = cliAsync(['server', '--db', db, '--port', String(port)], { EXPTRACK_SERVER_TOKEN: TOKEN });
    try {
      await waitFor(() => server.output().stderr.includes('exptrack server: http://'), 'the server to listen');
      const url = `http://127.0.0.1:${port}`;
      const read = async (args: string[], env: Record<string, string> = { EXPTRACK_TOKEN: TOKEN }) => (await cliAsync([...args, '--db', url], env).done);

      const direct = cli(['list', '--json', '--db', db]);
      const viaServer = await read(['list', '--json']);
      expect(viaServer.code).toBe(0);
      expect(JSON.parse(viaServer.stdout)).toEqual(JSON.parse(direct.stdout));
      expect(JSON.parse(viaServer.stdout).experiments.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());

      const board = await read(['leaderboard', '--benchmark', 'gsm8k', '--metric', 'accuracy', '--json']);
      expect(board.code).toBe(0);
      expect(JSON.parse(board.stdout)).toEqual(JSON.parse(cli(['leaderboard', '--benchmark', 'gsm8k', '--metric', 'accuracy', '--json', '--db', db]).stdout));

      const noToken = await read(['list', '--json'], {});
      expect(noToken.code).not.toBe(0);
      expect(noToken.stderr).toMatch(/401/);
    } finally {
      server.child.kill('SIGTERM');
    }
    const stopped = await server.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('exptrack server: stopped');
    const log = stopped.stdout.trim().split('\n').map((line) => JSON.parse(line) as { path: string; status: number });
    expect(log.some((e) => e.path === '/api/v1/experiments' && e.status === 200)).toBe(true);
    expect(log.some((e) => e.status === 401)).toBe(true);
  });

  it('refuses to bind another address than loopback without a token', () => {
    const r = cli(['server', '--db', join(tempDir(), 'x.db'), '--host', '0.0.0.0', '--port', '0']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/without a token/);
  });
});
