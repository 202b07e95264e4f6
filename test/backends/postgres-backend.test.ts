import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kysely, type PostgresPool } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ExptrackError } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { splitSchemaParameter } from '../../src/backends/postgres/connection-url.js';
import { SchemaScopedPostgresDialect } from '../../src/backends/postgres/schema-scoped-dialect.js';
import { makeExperiment, metricColumns } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, adminQuery, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

const fresh = (options: { staleAfterMs?: number } = {}) => {
  const schema = freshName();
  schemas.push(schema);
  return new PostgresBackend({ connectionString: PG_URL, schema, ...options });
};

describe('postgres backend: configuration (no server needed)', () => {
  it('refuses a missing connection string and a schema that is not a plain identifier', () => {
    expect(() => new PostgresBackend({} as never)).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'connectionString' }));
    for (const schema of ['Runs', 'a b', 'x;drop', '', '1abc', 'x'.repeat(64)]) {
      expect(() => new PostgresBackend({ connectionString: PG_URL, schema })).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'schema' }));
    }
  });

  it('takes the schema from a ?schema= parameter of the connection string, which the driver never sees', () => {
    const store = new PostgresBackend({ connectionString: 'postgres://me:pw@db.internal:5432/ml?schema=runs&sslmode=disable' });
    expect(store.schema).toBe('runs');
    expect(new PostgresBackend({ connectionString: 'postgres://db.internal/ml?schema=runs', schema: 'runs' }).schema).toBe('runs');
    expect(() => new PostgresBackend({ connectionString: 'postgres://db.internal/ml?schema=runs', schema: 'other' })).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'schema' }));
    expect(() => new PostgresBackend({ connectionString: 'postgres://db.internal/ml?schema=Bad-Name' })).toThrow(expect.objectContaining({ code: 'invalid_input', field: 'schema' }));
    expect(splitSchemaParameter('postgres://me:pw@db.internal:5432/ml?schema=runs&sslmode=disable')).toEqual({ connectionString: 'postgres://me:pw@db.internal:5432/ml?sslmode=disable', schema: 'runs' });
    expect(splitSchemaParameter('postgres://db.internal/ml?schema=runs')).toEqual({ connectionString: 'postgres://db.internal/ml', schema: 'runs' });
    expect(splitSchemaParameter('postgres://db.internal/ml')).toEqual({ connectionString: 'postgres://db.internal/ml', schema: undefined });
  });

  it('says what it can do: read, persistent, multi-process, response cache, batches at most once, artifacts, group catalog; no writeSync before its write thread runs', () => {
    const store = new PostgresBackend({ connectionString: PG_URL });
    expect(store.capabilities).toEqual({ read: true, persistent: true, multiProcess: true, responseCache: true, idempotentBatches: true, artifacts: true, groupCatalog: true });
    expect(store.name).toBe('postgres');
    expect(store.schema).toBe('public');
    expect(store.writeSync).toBeUndefined();
  });
});

describe.skipIf(!available)(available ? 'postgres backend' : `postgres backend (skipped: ${PG_SKIP_REASON})`, () => {
  it('migrates seeing only its own schema: the tables of other schemas are never listed', async () => {
    // Kysely's own introspector listed every column of every schema, with each column's sequence: a
    // table another client altered or dropped meanwhile failed the migration of an unrelated store
    // ("column "created_at" of relation "blobs" does not exist", seen in a full test run).
    const [own, other] = [freshName(), freshName()];
    schemas.push(own, other);
    await adminQuery(`CREATE SCHEMA "${other}"; CREATE TABLE "${other}".blobs (id serial PRIMARY KEY, created_at bigint)`);
    const store = new PostgresBackend({ connectionString: PG_URL, schema: own });
    await store.init();
    await store.close();
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    const kysely = new Kysely({ dialect: new SchemaScopedPostgresDialect({ pool: pool as unknown as PostgresPool }, own) });
    try {
      const tables = await kysely.introspection.getTables();
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['exptrack_migration', 'exptrack_migration_lock', 'experiments', 'metric_points']));
      expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([own]));
      expect(await kysely.introspection.getSchemas()).toEqual([{ name: own }]);
    } finally {
      await kysely.destroy();
    }
  });

  it('stores JSON as jsonb and values as double precision, NaN and ±Infinity natively', async () => {
    const store = fresh();
    const e = makeExperiment();
    await store.write([{ type: 'experiment_started', experiment: e }, { type: 'metrics', experimentId: e.id, points: metricColumns([['x', 0, NaN], ['x', 1, Infinity], ['x', 2, -Infinity], ['x', 3, 5e-324]]) }]);
    const columns = await adminQuery<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND column_name IN ('config', 'tags', 'summary', 'value', 'metrics') AND table_name <> 'response_cache'`,
      [store.schema],
    );
    expect(Object.fromEntries(columns.map((c) => [`${c.table_name}.${c.column_name}`, c.data_type]))).toEqual({
      'experiments.config': 'jsonb', 'experiments.tags': 'jsonb', 'experiments.summary': 'jsonb', 'metric_points.value': 'double precision',
      'evaluations.metrics': 'jsonb', 'checkpoints.metrics': 'jsonb', 'media.value': 'text', // tables hold any string; jsonb refuses \u0000
      'group_records.tags': 'jsonb',
    });
    const stored = await adminQuery<{ v: string }>(`SELECT value::text AS v FROM "${store.schema}".metric_points ORDER BY step`);
    expect(stored.map((r) => r.v)).toEqual(['NaN', 'Infinity', '-Infinity', '5e-324']);
    expect((await store.getMetrics(e.id, 'x')).map((p) => p.value)).toEqual([NaN, Infinity, -Infinity, 5e-324]);
    await store.close();
  });

  it('takes a batch synchronously once its write thread runs (writeSync): committed when the call returns, in order after what came before', async () => {
    const store = fresh();
    const e = makeExperiment();
    await store.write([{ type: 'experiment_started', experiment: e }]);
    store.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['x', 0, 1]]) }]).catch(() => undefined);
    const writeSync = store.writeSync;
    expect(writeSync).toBeTypeOf('function');
    writeSync!([{ type: 'metrics', experimentId: e.id, points: metricColumns([['x', 1, 2]]) }, { type: 'experiment_updated', experimentId: e.id, changes: { status: 'failed', endedAt: Date.now(), error: { message: 'boom', stack: null } } }]);
    const rows = await adminQuery<{ status: string }>(`SELECT status FROM "${store.schema}".experiments WHERE id = $1`, [e.id]);
    expect(rows).toEqual([{ status: 'failed' }]);
    expect((await store.getMetrics(e.id, 'x')).map((p) => [p.step, p.value])).toEqual([[0, 1], [1, 2]]);
    await store.close();
  });

  it('marks a running experiment whose heartbeat is older than staleAfterMs as crashed, and no other', async () => {
    const store = fresh({ staleAfterMs: 20_000 });
    const now = Date.now();
    const stale = makeExperiment({ createdAt: now - 90_000, heartbeatAt: now - 60_000 });
    const alive = makeExperiment({ createdAt: now - 90_000, heartbeatAt: now }); // read well within 20 s, even on a loaded machine
    const done = makeExperiment({ createdAt: now - 90_000, heartbeatAt: now - 60_000, status: 'completed', endedAt: now - 60_000 });
    await store.write([stale, alive, done].map((experiment) => ({ type: 'experiment_started' as const, experiment })));
    const byId = new Map((await store.getAllExperiments()).map((e) => [e.id, e]));
    expect([byId.get(stale.id)?.status, byId.get(stale.id)?.endedAt]).toEqual(['crashed', now - 60_000]);
    expect(byId.get(alive.id)?.status).toBe('running');
    expect(byId.get(done.id)?.status).toBe('completed');
    await store.close();
  });

  it('a process killed with SIGKILL: what it committed stays, and its run is marked crashed once the heartbeat is stale', { timeout: 120_000 }, async () => {
    // Longer than the 5 s heartbeat interval, so the run looks alive for as long as the child lives.
    const store = fresh({ staleAfterMs: 8_000 });
    await store.init();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/pg-killed-child.ts'), PG_URL, store.schema], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const id = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code} before logging: ${stderr}`)));
    });
    expect((await store.getExperiment(id))?.status).toBe('running');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const killedAt = Date.now();
    let run = await store.getExperiment(id);
    while (run?.status === 'running' && Date.now() - killedAt < 40_000) {
      await new Promise((r) => setTimeout(r, 500));
      run = await store.getExperiment(id);
    }
    expect(run?.status).toBe('crashed');
    expect(run?.endedAt).toBe(run?.heartbeatAt); // ended at its last sign of life
    expect((await store.getMetrics(id, 'loss')).length).toBeGreaterThanOrEqual(1_000);
    await store.close();
  });

  it('commits the good events of a batch and reports the one that failed', async () => {
    const store = fresh();
    const e = makeExperiment();
    await store.write([{ type: 'experiment_started', experiment: e }]);
    const failure = await store
      .write([
        { type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 1]]) },
        { type: 'metrics', experimentId: 'exp_missing', points: metricColumns([['loss', 0, 1]]) },
        { type: 'experiment_updated', experimentId: e.id, changes: { notes: 'kept' } },
      ])
      .catch((error: unknown) => error);
    expect(ExptrackError.is(failure) && failure.code).toBe('not_found');
    expect(await store.getMetrics(e.id)).toHaveLength(1);
    expect((await store.getExperiment(e.id))?.notes).toBe('kept');
    await store.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 1, 2]]) }]);
    expect((await store.getMetrics(e.id)).map((p) => p.step)).toEqual([0, 1]);
    await store.close();
  });

  it('keeps schemas apart: two stores in one database do not see each other', async () => {
    const a = fresh();
    const b = fresh();
    await a.write([{ type: 'experiment_started', experiment: makeExperiment({ id: 'exp_in_a' }) }]);
    await b.write([{ type: 'experiment_started', experiment: makeExperiment({ id: 'exp_in_b' }) }]);
    expect((await a.getAllExperiments()).map((e) => e.id)).toEqual(['exp_in_a']);
    expect((await b.getAllExperiments()).map((e) => e.id)).toEqual(['exp_in_b']);
    expect((await a.getStats()).sizeBytes).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('opens one new schema from many backends at once (migrations under an advisory lock)', async () => {
    const schema = freshName();
    schemas.push(schema);
    const stores = Array.from({ length: 6 }, () => new PostgresBackend({ connectionString: PG_URL, schema }));
    await Promise.all(stores.map((s) => s.init()));
    await Promise.all(stores.map((s, i) => s.write([{ type: 'experiment_started', experiment: makeExperiment({ id: `exp_${i}` }) }])));
    expect(await stores[0]!.findExperimentIds('exp_')).toEqual(['exp_0', 'exp_1', 'exp_2', 'exp_3', 'exp_4', 'exp_5']);
    await Promise.all(stores.map((s) => s.close()));
  });

  it("refuses a schema holding another application's experiments table, and leaves it untouched", async () => {
    const schema = freshName();
    schemas.push(schema);
    await adminQuery(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.experiments (id int PRIMARY KEY, budget numeric); INSERT INTO ${schema}.experiments VALUES (1, 9.5)`);
    const store = new PostgresBackend({ connectionString: PG_URL, schema });
    await expect(store.init()).rejects.toMatchObject({ code: 'not_an_exptrack_store', field: 'schema', value: schema });
    expect(await adminQuery(`SELECT id, budget::text FROM ${schema}.experiments`)).toEqual([{ id: 1, budget: '9.5' }]);
    expect(await adminQuery('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema])).toEqual([{ table_name: 'experiments' }]);
    await store.close();
  });

  it("lives next to an application's own Kysely migrations in one schema without touching them", async () => {
    const schema = freshName();
    schemas.push(schema);
    await adminQuery(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.kysely_migration (name varchar(255) PRIMARY KEY, timestamp varchar(255) NOT NULL);
      INSERT INTO ${schema}.kysely_migration VALUES ('2024_01_app_users', '2024-01-01T00:00:00.000Z')`);
    const store = new PostgresBackend({ connectionString: PG_URL, schema });
    await store.write([{ type: 'experiment_started', experiment: makeExperiment({ id: 'exp_shared' }) }]);
    expect(await store.findExperimentIds('exp_')).toEqual(['exp_shared']);
    expect(await adminQuery(`SELECT name FROM ${schema}.kysely_migration`)).toEqual([{ name: '2024_01_app_users' }]);
    await store.close();
  });

  it('reopens after close, and close is idempotent', async () => {
    const store = fresh();
    const e = makeExperiment();
    await store.write([{ type: 'experiment_started', experiment: e }]);
    await store.close();
    await store.close();
    expect((await store.getExperiment(e.id))?.id).toBe(e.id);
    await store.close();
  });
});
