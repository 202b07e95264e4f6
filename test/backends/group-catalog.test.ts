// The group catalog of the SQL stores (migration 0004): ids assigned in order, names unique
// (deleted records included), renames keep the group, tags merge, and records outlive the process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExptrackError, hasGroupCatalog, type Backend, type GroupCatalog } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { MemoryBackend } from 'exptrack/memory';
import { dropSchemas, freshName, PG_SKIP_REASON, PG_URL, probePostgres } from '../fixtures/pg-test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-groups-'));
const schemas: string[] = [];
const pg = await probePostgres();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pg) await dropSchemas(schemas);
});

const kinds: Array<[string, () => Backend & GroupCatalog, string]> = [
  ['SQLite', () => new SqliteBackend({ path: join(dir, 'groups.db') }), ''],
  [
    'Postgres',
    () => {
      if (schemas.length === 0) schemas.push(freshName());
      return new PostgresBackend({ connectionString: PG_URL, schema: schemas[0]! });
    },
    pg ? '' : ` (skipped: ${PG_SKIP_REASON})`,
  ],
];

for (const [kind, open, skip] of kinds) {
  describe.skipIf(skip !== '')(`the group catalog on ${kind}${skip}`, () => {
    it('creates, refuses a taken name, renames, retags, deletes, restores and keeps it all', async () => {
      const store = open();
      await store.init();
      try {
        const a = await store.createGroupRecord({ name: 'mnist', tags: { owner: 'ana' } });
        const b = await store.createGroupRecord({ name: 'cifar', tags: {} });
        expect([a.id, b.id].map(Number)).toEqual([Number(a.id), Number(a.id) + 1]);
        expect(a).toMatchObject({ name: 'mnist', group: 'mnist', deleted: false, tags: { owner: 'ana' } });
        const taken = await store.createGroupRecord({ name: 'mnist', tags: {} }).catch((e: unknown) => e);
        expect(ExptrackError.is(taken) && taken.code).toBe('already_exists');
        await store.updateGroupRecord(a.id, { deleted: true });
        const takenWhileDeleted = await store.createGroupRecord({ name: 'mnist', tags: {} }).catch((e: unknown) => e);
        expect(ExptrackError.is(takenWhileDeleted) && takenWhileDeleted.code).toBe('already_exists');
        const renamed = await store.updateGroupRecord(a.id, { name: 'mnist-v2', deleted: false, tags: { owner: null, team: 'vision' } });
        expect(renamed).toMatchObject({ id: a.id, name: 'mnist-v2', group: 'mnist', deleted: false, tags: { team: 'vision' } });
        const clash = await store.updateGroupRecord(b.id, { name: 'mnist-v2' }).catch((e: unknown) => e);
        expect(ExptrackError.is(clash) && clash.code).toBe('already_exists');
        expect(await store.updateGroupRecord('999999', { deleted: true })).toBeUndefined();
        expect(await store.updateGroupRecord('not-a-number', { deleted: true })).toBeUndefined();
      } finally {
        await store.close();
      }
      const again = open();
      await again.init();
      try {
        expect((await again.listGroupRecords()).map((r) => [r.name, r.group, r.deleted])).toEqual([
          ['mnist-v2', 'mnist', false],
          ['cifar', 'cifar', false],
        ]);
      } finally {
        await again.close();
      }
    });
  });
}

it('a store without a catalog says so', () => {
  expect(hasGroupCatalog(new MemoryBackend())).toBe(false);
  expect(hasGroupCatalog(new SqliteBackend({ path: ':memory:' }))).toBe(true);
});
