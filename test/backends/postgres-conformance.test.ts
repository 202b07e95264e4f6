import { afterAll, describe, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { backendConformanceCases } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

describe.skipIf(!available)(available ? 'postgres backend: conformance' : `postgres backend: conformance (skipped: ${PG_SKIP_REASON})`, () => {
  const create = () => {
    const schema = freshName();
    schemas.push(schema);
    return new PostgresBackend({ connectionString: PG_URL, schema });
  };
  for (const c of backendConformanceCases({ create })) it(c.name, c.run);
});
