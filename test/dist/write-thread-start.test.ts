// Runs against the built package (dist/), as users get it: `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';

/** A prelude that makes every Worker of the process die at once, as one whose loader or flags break it would. */
const BREAK_WORKERS = `const threads = require('node:worker_threads');
const Real = threads.Worker;
threads.Worker = class extends Real { constructor() { super('process.exit(7)', { eval: true }); } };`;

const dist = join(import.meta.dirname, '../../dist');

/** A training script: 1,000 points into the store `construct` makes (with `name` from `exptrack/<subpath>`), then prints finishExperiment()'s reports. */
function script(load: (subpath: string) => string, store: { subpath: string; name: string; construct: string }): string {
  return `
const { ExperimentTracker } = ${load('index')};
const { ${store.name} } = ${load(store.subpath)};
(async () => {
  const tracker = new ExperimentTracker({ backends: [${store.construct}], captureGit: false });
  const id = await tracker.startExperiment({});
  for (let i = 0; i < 1000; i++) tracker.logMetrics({ loss: i }, i);
  const reports = await tracker.finishExperiment();
  await tracker.close();
  process.stdout.write(JSON.stringify({ id, reports }));
})();`;
}

const sqliteAt = (path: string) => ({ subpath: 'sqlite', name: 'SqliteBackend', construct: `new SqliteBackend({ path: ${JSON.stringify(path)} })` });
const postgresAt = (url: string) => ({ subpath: 'postgres', name: 'PostgresBackend', construct: `new PostgresBackend({ connectionString: ${JSON.stringify(url)} })` });

/**
 * Runs the training script for `store` in a process whose every Worker dies at once; checks that it
 * exits 0 and says once on stderr that `store.subpath`'s write thread could not start; returns what
 * it printed.
 */
function runWithBrokenWorkers(store: { subpath: string; name: string; construct: string }): { id: string; reports: Array<{ ok: boolean }> } {
  const code = `${BREAK_WORKERS}\n${script((s) => `require(${JSON.stringify(join(dist, `${s}.cjs`))})`, store)}`;
  const child = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  expect(child.stderr).toContain(`Warning: the ${store.subpath} write thread could not start (it exited with code 7 before it was ready); writing on the main thread instead`);
  expect(child.stderr.match(/could not start/g)).toHaveLength(1);
  return JSON.parse(child.stdout) as { id: string; reports: Array<{ ok: boolean }> };
}

async function storedPoints(path: string, id: string): Promise<{ status: string | undefined; points: number }> {
  const store = new SqliteBackend({ path, fileMustExist: true });
  try {
    return { status: (await store.getExperiment(id))?.status, points: (await store.getMetrics(id, 'loss')).length };
  } finally {
    await store.close();
  }
}

const tempStore = () => join(mkdtempSync(join(tmpdir(), 'exptrack-thread-')), 'runs.db');

describe('the sqlite write thread starts, or writes go on without it', { timeout: 30_000 }, () => {
  it('`node --input-type=module -e <script>`: the thread does not inherit --input-type, and every point is stored', async () => {
    const path = tempStore();
    const code = script((s) => `await import(${JSON.stringify(join(dist, `${s}.js`))})`, sqliteAt(path)).replace('(async () => {', '').replace(/\}\)\(\);$/, '');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stderr).toBe('');
    const { id, reports } = JSON.parse(child.stdout) as { id: string; reports: Array<{ ok: boolean }> };
    expect(reports).toEqual([{ backend: 'sqlite', ok: true }]);
    expect(await storedPoints(path, id)).toEqual({ status: 'completed', points: 1000 });
  });

  it('a thread that cannot start: the points are written on the main thread, and stderr says so once', async () => {
    const path = tempStore();
    const { id, reports } = runWithBrokenWorkers(sqliteAt(path));
    expect(reports).toEqual([{ backend: 'sqlite', ok: true }]);
    expect(await storedPoints(path, id)).toEqual({ status: 'completed', points: 1000 });
  });
});

const pgAvailable = await probePostgres();

async function storedPointsPg(url: string, id: string): Promise<{ status: string | undefined; points: number }> {
  const store = new PostgresBackend({ connectionString: url });
  try {
    return { status: (await store.getExperiment(id))?.status, points: (await store.getMetrics(id, 'loss')).length };
  } finally {
    await store.close();
  }
}

function schemaUrl(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

describe.skipIf(!pgAvailable)(pgAvailable ? 'the postgres write thread starts, or writes go on without it' : `the postgres write thread starts, or writes go on without it (skipped: ${PG_SKIP_REASON})`, { timeout: 60_000 }, () => {
  it('`node --input-type=module -e <script>`: the thread does not inherit --input-type, and every point is stored', async () => {
    const schema = freshName('xt_thread');
    try {
      const code = script((s) => `await import(${JSON.stringify(join(dist, `${s}.js`))})`, postgresAt(schemaUrl(schema))).replace('(async () => {', '').replace(/\}\)\(\);$/, '');
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
      expect(child.status, child.stderr).toBe(0);
      expect(child.stderr).toBe('');
      const { id, reports } = JSON.parse(child.stdout) as { id: string; reports: Array<{ ok: boolean }> };
      expect(reports).toEqual([{ backend: 'postgres', ok: true }]);
      expect(await storedPointsPg(schemaUrl(schema), id)).toEqual({ status: 'completed', points: 1000 });
    } finally {
      await dropSchemas([schema]);
    }
  });

  it('a thread that cannot start: the points are written on the main thread, and stderr says so once', async () => {
    const schema = freshName('xt_thread');
    try {
      const { id, reports } = runWithBrokenWorkers(postgresAt(schemaUrl(schema)));
      expect(reports).toEqual([{ backend: 'postgres', ok: true }]);
      expect(await storedPointsPg(schemaUrl(schema), id)).toEqual({ status: 'completed', points: 1000 });
    } finally {
      await dropSchemas([schema]);
    }
  });
});
