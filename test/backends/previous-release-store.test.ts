// A store written by the previous release (committed fixtures made at commit 9acee1e, see
// test/fixtures/previous-release/make-fixtures.ts) opens with today's code, reads back exactly what
// that release read back, takes new writes, and has the schema a store created today has.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { makeExperiment, metricColumns } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, adminQuery, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { readBack } from '../fixtures/previous-release/store-contents.js';

const fixtures = join(import.meta.dirname, '../fixtures/previous-release');
const expected = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as unknown;

/** Writes a run to a store and reads it back: the upgraded store takes new data. */
async function writesAfterUpgrade(store: SqliteBackend | PostgresBackend): Promise<void> {
  const run = makeExperiment({ id: 'exp_after_upgrade', createdAt: 1_760_000_000_000, status: 'completed', endedAt: 1_760_000_001_000 });
  await store.write([
    { type: 'experiment_started', experiment: run },
    { type: 'metrics', experimentId: run.id, points: metricColumns([['loss', 0, 1], ['loss', 1, NaN]], 1_760_000_000_500) },
  ]);
  expect((await store.getMetrics(run.id)).map((p) => [p.step, p.value])).toEqual([[0, 1], [1, NaN]]);
  expect(await store.countExperiments()).toBe(4);
  // The previous release's runs are untouched by the new write.
  expect((await store.getMetricSummaries('exp_20250615_150000_aaaaaa')).map((s) => [s.key, s.count])).toEqual([['loss', 62], ['throughput', 1], ['val/accuracy', 6]]);
}

describe('a SQLite store file written by the previous release', () => {
  const copy = () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-previous-')), 'store.db');
    copyFileSync(join(fixtures, 'store.db'), path);
    return path;
  };

  it('opens, reads back exactly what that release read back, and takes new writes', async () => {
    const store = new SqliteBackend({ path: copy() });
    expect(await readBack(store)).toEqual(expected('sqlite-read-back.json'));
    await writesAfterUpgrade(store);
    await store.close();
  });

  it('once upgraded, has the tables, columns and indexes of a store created today; the shipped ones unchanged', async () => {
    const today = join(mkdtempSync(join(tmpdir(), 'exptrack-today-')), 'store.db');
    const store = new SqliteBackend({ path: today });
    await store.init();
    await store.close();
    const ddl = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
      } finally {
        db.close();
      }
    };
    const file = copy();
    const previous = ddl(file);
    expect(previous.length).toBeGreaterThan(10);
    const upgrading = new SqliteBackend({ path: file });
    await upgrading.init();
    await upgrading.close();
    const upgraded = ddl(file);
    expect(upgraded).toEqual(ddl(today));
    // Later migrations only add: every table and index of the previous release is there, as it was.
    for (const entry of previous) expect(upgraded).toContainEqual(entry);
  });
});

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

/** Restores the committed pg_dump of the previous release's store into a fresh schema. */
async function restoredSchema(): Promise<string> {
  const schema = freshName('prev');
  schemas.push(schema);
  const dump = readFileSync(join(fixtures, 'postgres-dump.sql'), 'utf8')
    .replace(/^\\.*$/gm, '') // psql meta-commands (\restrict), which the server does not take
    .replaceAll('exptrack_previous_release', schema);
  await adminQuery(dump);
  return schema;
}

/** The catalog's description of a schema's tables, with the schema's name taken out. */
async function describeSchema(schema: string): Promise<unknown> {
  const columns = await adminQuery(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity, identity_generation
       FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name`,
    [schema],
  );
  const constraints = await adminQuery(
    `SELECT cl.relname AS table_name, co.conname, pg_get_constraintdef(co.oid) AS definition
       FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
      WHERE n.nspname = $1 ORDER BY cl.relname, co.conname`,
    [schema],
  );
  const indexes = await adminQuery('SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname', [schema]);
  return JSON.parse(JSON.stringify({ columns, constraints, indexes }).replaceAll(schema, '<schema>'));
}

describe.skipIf(!available)(available ? 'a Postgres schema written by the previous release' : `a Postgres schema written by the previous release (skipped: ${PG_SKIP_REASON})`, () => {
  it('opens, reads back exactly what that release read back, and takes new writes', async () => {
    const store = new PostgresBackend({ connectionString: PG_URL, schema: await restoredSchema() });
    expect(await readBack(store)).toEqual(expected('postgres-read-back.json'));
    await writesAfterUpgrade(store);
    await store.close();
  });

  it('has the tables, columns, constraints and indexes of a schema created today', async () => {
    const today = freshName('today');
    schemas.push(today);
    const store = new PostgresBackend({ connectionString: PG_URL, schema: today });
    await store.init();
    await store.close();
    const previous = await describeSchema(await restoredSchema());
    expect((previous as { columns: unknown[] }).columns.length).toBeGreaterThan(50);
    expect(await describeSchema(today)).toEqual(previous);
  });
});
