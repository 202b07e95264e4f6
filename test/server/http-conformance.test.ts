import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { backendConformanceCases } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { httpBackendOver } from '../fixtures/tracking-server.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-http-conformance-'));
let n = 0;
const available = await probePostgres();
const schemas: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (available) await dropSchemas(schemas);
});

describe('http backend -> server -> sqlite: conformance', () => {
  for (const c of backendConformanceCases({ create: () => httpBackendOver(new SqliteBackend({ path: join(dir, `store-${n++}.db`) })) })) it(c.name, c.run);
});

describe.skipIf(!available)(available ? 'http backend -> server -> postgres: conformance' : `http backend -> server -> postgres: conformance (skipped: ${PG_SKIP_REASON})`, () => {
  const create = () => {
    const schema = freshName();
    schemas.push(schema);
    return httpBackendOver(new PostgresBackend({ connectionString: PG_URL, schema }));
  };
  for (const c of backendConformanceCases({ create })) it(c.name, c.run);
});
