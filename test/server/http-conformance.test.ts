import { afterAll, describe, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { artifactConformanceCases, backendConformanceCases } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { httpBackendOver } from '../fixtures/tracking-server.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

// An in-memory SQLite store per case: no write thread to start, so the suite stays fast. The file
// store's write thread carries batch identities too (server.test.ts, restart.test.ts).
describe('http backend -> server -> sqlite: conformance', () => {
  for (const c of backendConformanceCases({ create: () => httpBackendOver(new SqliteBackend({ path: ':memory:' })) })) it(c.name, c.run);
});

describe('http backend -> server -> sqlite: artifact conformance', () => {
  for (const c of artifactConformanceCases({ create: () => httpBackendOver(new SqliteBackend({ path: ':memory:' })) })) it(c.name, c.run);
});

describe.skipIf(!available)(available ? 'http backend -> server -> postgres: conformance' : `http backend -> server -> postgres: conformance (skipped: ${PG_SKIP_REASON})`, () => {
  const create = () => {
    const schema = freshName();
    schemas.push(schema);
    return httpBackendOver(new PostgresBackend({ connectionString: PG_URL, schema }));
  };
  for (const c of backendConformanceCases({ create })) it(c.name, c.run);
  for (const c of artifactConformanceCases({ create: create })) it(c.name, c.run);
});
