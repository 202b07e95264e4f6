import { chmodSync, copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { adminQuery, dropSchemas, freshDatabase, freshName, PG_SKIP_REASON, PG_URL, probePostgres } from '../fixtures/pg-test-server.js';
import { pgStoreWithStaleRun, readOnlyRole, storeSnapshot } from '../fixtures/pg-read-only-store.js';
import { BIN, childEnv, cli, requireBuild, tempDir } from './helpers.js';

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A store with one finished run and one whose process vanished (its heartbeat is 1 minute old). */
async function storeWithCrashedRun(dir: string): Promise<{ path: string; finished: string; vanished: string }> {
  const path = join(dir, 'runs.db');
  const backend = new SqliteBackend({ path });
  const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
  const finished = await tracker.run({ lr: 1 }, (id) => {
    for (let step = 0; step < 10; step++) tracker.logMetrics({ loss: 1 / (step + 1) }, step);
    return id;
  });
  const vanished = await tracker.startExperiment({ lr: 2 });
  tracker.logMetrics({ loss: 1 }, 0);
  await tracker.flush();
  const stopped = Date.now() - 60_000;
  backend.writeSync([{ type: 'experiment_updated', experimentId: vanished, changes: { heartbeatAt: stopped } }]);
  await backend.close(); // the process is gone: no finish, no more heartbeats
  return { path, finished, vanished };
}

describe('a read never writes (SQLite)', () => {
  beforeAll(() => requireBuild());

  it('list, stats and show leave the file byte for byte as it was and no -wal/-shm behind; a run whose heartbeat stopped is shown crashed without being written', async () => {
    const dir = tempDir();
    const { path, vanished } = await storeWithCrashedRun(dir);
    const before = digest(path);
    const list = cli(['list', '--db', path, '--json']);
    expect(list.status, list.stderr).toBe(0);
    const shown = JSON.parse(list.stdout).experiments.find((e: { id: string }) => e.id === vanished);
    expect(shown.status).toBe('crashed');
    expect(cli(['stats', '--db', path]).status).toBe(0);
    expect(cli(['show', vanished, '--db', path]).status).toBe(0);
    expect(digest(path)).toBe(before);
    expect(readdirSync(dir)).toEqual(['runs.db']);
    // The marking is a writer's job: the store itself still says running.
    const raw = new SqliteBackend({ path, staleAfterMs: 10 * 60_000 });
    expect((await raw.getExperiment(vanished))?.status).toBe('running');
    await raw.close();
  });

  it('a user who may only read the file and its directory can list, show stats and export it', async () => {
    const dir = tempDir();
    const { path, finished } = await storeWithCrashedRun(dir);
    const asReader = (args: string[]) => {
      const isRoot = process.getuid?.() === 0;
      if (!isRoot) return cli(args);
      // root may write anything: run the CLI as `nobody`, who may only read.
      return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: childEnv(), uid: 65534, gid: 65534, cwd: '/' });
    };
    chmodSync(path, 0o444);
    chmodSync(dir, 0o555);
    // The test run's temporary root is private (0700): let `nobody` pass through it, without listing it.
    const parent = dirname(dir);
    const parentMode = statSync(parent).mode & 0o777;
    if (process.getuid?.() === 0) chmodSync(parent, parentMode | 0o001);
    try {
      const before = digest(path);
      for (const args of [['list'], ['stats'], ['show', finished], ['export', finished]]) {
        const r = asReader([...args, '--db', path]);
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        expect(r.stderr).not.toMatch(/readonly|read-only/);
      }
      expect(readdirSync(dir)).toEqual(['runs.db']);
      expect(digest(path)).toBe(before);
    } finally {
      chmodSync(dir, 0o755);
      chmodSync(parent, parentMode);
    }
  });

  it('an empty file and a SQLite file of another application are clear errors, and stay as they were', () => {
    const dir = tempDir();
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const r = cli(['list', '--db', empty]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/empty\.db is not an exptrack store \(an empty file\); it was left untouched/);
    expect(statSync(empty).size).toBe(0);
    expect(readdirSync(dir)).toEqual(['empty.db']);

    const foreign = join(dir, 'foreign.db');
    copyFileSync(empty, foreign);
    const setUp = spawnSync(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(foreign)}); d.exec('CREATE TABLE t (x)'); d.close();`], { cwd: join(import.meta.dirname, '../..') });
    expect(setUp.status).toBe(0);
    const before = digest(foreign);
    const f = cli(['stats', '--db', foreign]);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/foreign\.db is not an exptrack store; it was left untouched/);
    expect(digest(foreign)).toBe(before);
  });
});

const pg = await probePostgres();

describe.skipIf(!pg)(`a read never creates a Postgres store (${pg ? 'server found' : PG_SKIP_REASON})`, () => {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    requireBuild();
    database = await freshDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('list on a database without exptrack tables: "no exptrack store here", exit 1, and not one table created', async () => {
    const r = cli(['list', '--db', database!.url]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no exptrack store here: schema public of this Postgres database holds no exptrack tables/);
    const url = database!.url;
    const tables = await adminQuery("SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", [], url);
    expect(tables).toEqual([]);
  });
});

describe.skipIf(!pg)(`a read never writes a Postgres store (${pg ? 'server found' : PG_SKIP_REASON})`, () => {
  const schemas: string[] = [];
  beforeAll(() => requireBuild());
  afterAll(() => dropSchemas(schemas));
  const storeUrl = (url: string, schema: string) => {
    const withSchema = new URL(url);
    withSchema.searchParams.set('schema', schema);
    return withSchema.toString();
  };

  it('a role that may only read (USAGE on the schema, SELECT on its tables) can list, show, stats and export it; the stale run is listed crashed', async () => {
    const schema = freshName('cli_ro');
    schemas.push(schema);
    const { finished, vanished } = await pgStoreWithStaleRun(schema);
    const reader = await readOnlyRole(schema);
    try {
      const db = storeUrl(reader.url, schema);
      for (const args of [['list'], ['stats'], ['show', finished], ['export', finished]]) {
        const r = cli([...args, '--db', db]);
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
      const list = cli(['list', '--db', db, '--json']);
      expect(JSON.parse(list.stdout).experiments.find((e: { id: string }) => e.id === vanished).status).toBe('crashed');
      const crashed = cli(['list', '--status', 'crashed', '--db', db, '--json']);
      expect(JSON.parse(crashed.stdout).experiments.map((e: { id: string }) => e.id)).toEqual([vanished]);
    } finally {
      await reader.drop();
    }
  });

  it('list, show and stats by a role that may write leave every row as it was; the run whose heartbeat stopped is shown crashed, not stored crashed', async () => {
    const schema = freshName('cli_rw');
    schemas.push(schema);
    const { vanished } = await pgStoreWithStaleRun(schema);
    const before = await storeSnapshot(schema);
    const db = storeUrl(PG_URL, schema);
    const shown = cli(['show', vanished, '--db', db, '--json']);
    expect(shown.status, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).experiment.status).toBe('crashed');
    const stats = cli(['stats', '--db', db, '--json']);
    expect(stats.status, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).byStatus).toMatchObject({ running: 0, crashed: 1, completed: 1 });
    expect(cli(['list', '--db', db]).status).toBe(0);
    expect(await storeSnapshot(schema)).toEqual(before);
    expect(await adminQuery(`SELECT status FROM "${schema}".experiments WHERE id = $1`, [vanished])).toEqual([{ status: 'running' }]);
  });
});
