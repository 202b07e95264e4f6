import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWandbServer, type FakeWandbServer } from '../wandb/fake-wandb-server.js';
import { cliAsync, makeStore, requireBuild, tempDir } from './helpers.js';

let server: FakeWandbServer;
let dir: string;
let db: string;
let ids: string[];

beforeAll(async () => {
  requireBuild();
  dir = tempDir('exptrack-cli-sync-');
  db = join(dir, 'runs.db');
  ids = await makeStore(db);
  server = await startFakeWandbServer();
});

afterAll(async () => {
  await server?.close();
});

describe('exptrack sync wandb', () => {
  it('replays the runs to W&B, and a second sync sends nothing', async () => {
    const env = { WANDB_BASE_URL: server.url, WANDB_API_KEY: server.state.apiKey, EXPTRACK_WANDB_DIR: join(dir, 'ledger'), HOME: dir };
    const first = await cliAsync(['sync', 'wandb', '--all', '--project', 'cli-tests', '--entity', 'team', '--json', '--db', db], env).done;
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.errors).toEqual([]);
    expect(report.experiments.map((e: { experimentId: string }) => e.experimentId).sort()).toEqual([...ids].sort());
    expect(report.rowsSent).toBeGreaterThanOrEqual(150);
    expect(server.state.runs.size).toBe(3);

    const again = await cliAsync(['sync', 'wandb', ids[0] as string, '--project', 'cli-tests', '--entity', 'team', '--db', db], env).done;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 rows sent; 1 experiment already up to date; 0 failed/);
  });

  it('without an API key or ids it fails with one line', async () => {
    const noKey = await cliAsync(['sync', 'wandb', '--all', '--project', 'p', '--db', db], { WANDB_BASE_URL: server.url, HOME: dir, EXPTRACK_WANDB_DIR: join(dir, 'ledger2') }).done;
    expect(noKey.code).toBe(1);
    expect(noKey.stderr.trim().split('\n')).toHaveLength(1);
    expect(noKey.stderr).toMatch(/^exptrack: .*API key/i);
    const nothing = await cliAsync(['sync', 'wandb', '--db', db]).done;
    expect(nothing.code).toBe(2);
    const noProject = await cliAsync(['sync', 'wandb', '--all', '--db', db], { WANDB_BASE_URL: server.url, WANDB_API_KEY: 'k' }).done;
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toBe('exptrack: give --project NAME or set WANDB_PROJECT\n');
  });
});
