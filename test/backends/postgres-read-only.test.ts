// PostgresBackend({ readOnly: true }): a read never writes. A role that may only read can read; a
// read by any role leaves the store as it was, while a run whose heartbeat stopped reads as crashed;
// a store an older release wrote is read without being upgraded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { makeExperiment } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, adminQuery, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { pgStoreWithStaleRun, readOnlyRole, storeSnapshot } from '../fixtures/pg-read-only-store.js';
import { readBack } from '../fixtures/previous-release/store-contents.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

const schemaForTest = (): string => {
  const schema = freshName('ro');
  schemas.push(schema);
  return schema;
};

/** Every read the CLI and the dashboard make of a run and of the store. */
async function readEverything(store: PostgresBackend, id: string): Promise<void> {
  await store.getAllExperiments({ sort: 'duration' });
  await store.getAllExperiments({ status: 'running' });
  await store.countExperiments({ status: 'crashed' });
  await store.getExperiment(id);
  await store.findExperimentIds('exp_', 10);
  await store.getMetrics(id);
  await store.getMetricPage(id, { limit: 3 });
  await store.getMetricOutline(id, 'loss', { buckets: 4 });
  await store.getMetricSummaries(id);
  await store.getMetricValues({ metric: 'loss' }, { status: 'crashed' });
  await store.getEvaluationResults(id);
  await store.getEvaluationSamples(id);
  await store.getCheckpoints(id);
  await store.getArtifacts(id);
  await store.getMediaKeys(id);
  await store.getStats();
  await store.getCachedResponse('nothing');
  await store.listGroupRecords();
}

describe.skipIf(!available)(available ? 'postgres backend opened readOnly' : `postgres backend opened readOnly (skipped: ${PG_SKIP_REASON})`, () => {
  it('a role with only USAGE on the schema and SELECT on its tables reads everything; a write is refused as unsupported', async () => {
    const schema = schemaForTest();
    const { finished, vanished } = await pgStoreWithStaleRun(schema);
    const reader = await readOnlyRole(schema);
    const store = new PostgresBackend({ connectionString: reader.url, schema, readOnly: true });
    try {
      await readEverything(store, finished);
      expect((await store.getAllExperiments()).map((e) => [e.id, e.status])).toEqual([
        [vanished, 'crashed'],
        [finished, 'completed'],
      ]);
      expect((await store.getMetrics(finished)).map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await expect(store.write([{ type: 'experiment_started', experiment: makeExperiment() }])).rejects.toMatchObject({ code: 'unsupported', backend: 'postgres', message: expect.stringMatching(/opened for reading only \(readOnly: true\)/) });
      await expect(store.deleteExperiment(finished)).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/opened for reading only/) });
    } finally {
      await store.close();
      await reader.drop();
    }
  });

  it('a read by a role that may write leaves every row as it was (not one UPDATE), while the run whose heartbeat stopped reads as crashed everywhere', async () => {
    const schema = schemaForTest();
    const { vanished, stoppedAt } = await pgStoreWithStaleRun(schema);
    const before = await storeSnapshot(schema);
    const store = new PostgresBackend({ connectionString: PG_URL, schema, readOnly: true });
    try {
      await readEverything(store, vanished);
      const shown = await store.getExperiment(vanished);
      expect([shown?.status, shown?.endedAt]).toEqual(['crashed', stoppedAt]);
      expect((await store.getAllExperiments()).find((e) => e.id === vanished)?.status).toBe('crashed');
      expect((await store.getAllExperiments({ status: 'running' })).map((e) => e.id)).toEqual([]);
      expect((await store.getAllExperiments({ status: 'crashed' })).map((e) => e.id)).toEqual([vanished]);
      expect((await store.getAllExperiments({ where: { kind: 'compare', field: { scope: 'attribute', name: 'status' }, op: '=', value: 'crashed' } })).map((e) => e.id)).toEqual([vanished]);
      expect(await store.countExperiments({ status: ['crashed', 'completed'] })).toBe(2);
      expect((await store.getMetricValues({ metric: 'loss' }, { status: 'crashed' })).map((v) => v.experimentId)).toEqual([vanished]);
      const { byStatus } = await store.getStats();
      expect([byStatus.running, byStatus.crashed, byStatus.completed]).toEqual([0, 1, 1]);
    } finally {
      await store.close();
    }
    expect(await storeSnapshot(schema)).toEqual(before);
    // The store itself still says running: marking it is a writer's job.
    const [row] = await adminQuery<{ status: string }>(`SELECT status FROM "${schema}".experiments WHERE id = $1`, [vanished]);
    expect(row?.status).toBe('running');
  });

  it('its sessions are read-only: a write that has no guard of its own (the response cache, the group catalog) is refused by the server, as unsupported', async () => {
    const schema = schemaForTest();
    await pgStoreWithStaleRun(schema);
    const before = await storeSnapshot(schema);
    const store = new PostgresBackend({ connectionString: PG_URL, schema, readOnly: true });
    try {
      const refused = { code: 'unsupported', message: expect.stringMatching(/opened for reading only/) };
      await expect(store.putCachedResponse('k', 'v')).rejects.toMatchObject(refused);
      await expect(store.createGroupRecord({ name: 'sweep', tags: {} })).rejects.toMatchObject(refused);
      expect(await store.getCachedResponse('k')).toBeUndefined();
    } finally {
      await store.close();
    }
    expect(await storeSnapshot(schema)).toEqual(before);
  });

  it('a schema without an exptrack store is not_found, and nothing is created (not even the schema)', async () => {
    const schema = freshName('ro_none');
    const store = new PostgresBackend({ connectionString: PG_URL, schema, readOnly: true });
    await expect(store.getAllExperiments()).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no exptrack store here/) });
    await store.close();
    expect(await adminQuery('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([]);
  });
});

const fixtures = join(import.meta.dirname, '../fixtures/previous-release');

/** Restores the committed pg_dump of the previous release's store into a fresh schema. */
async function restoredPreviousRelease(): Promise<string> {
  const schema = schemaForTest();
  const dump = readFileSync(join(fixtures, 'postgres-dump.sql'), 'utf8')
    .replace(/^\\.*$/gm, '') // psql meta-commands (\restrict), which the server does not take
    .replaceAll('exptrack_previous_release', schema);
  await adminQuery(dump);
  return schema;
}

describe.skipIf(!available)(available ? 'a Postgres store the previous release wrote, opened readOnly' : `a Postgres store the previous release wrote, opened readOnly (skipped: ${PG_SKIP_REASON})`, () => {
  it('reads back what that release read back, without migrating it; a read that needs a newer table says to open it once with a writer', async () => {
    const schema = await restoredPreviousRelease();
    const before = await storeSnapshot(schema);
    const reader = await readOnlyRole(schema);
    const store = new PostgresBackend({ connectionString: reader.url, schema, readOnly: true });
    try {
      expect(await readBack(store)).toEqual(JSON.parse(readFileSync(join(fixtures, 'postgres-read-back.json'), 'utf8')));
      await expect(store.getArtifacts('exp_20250615_150000_aaaaaa')).rejects.toMatchObject({
        code: 'unsupported',
        message: expect.stringMatching(/written by an older exptrack release and lacks 0002_write_sessions, 0003_artifacts, 0004_group_records, 0005_outline_blocks .*open it once with a writer of this release/),
      });
    } finally {
      await store.close();
      await reader.drop();
    }
    expect(await storeSnapshot(schema)).toEqual(before);
  });
});
