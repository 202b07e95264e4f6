import { afterAll, describe, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { POINTS, WRITERS, checkRanks, checkWriters } from './checks.js';
import { runChild } from './helpers.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

describe.skipIf(!available)(available ? 'several processes, one Postgres database' : `several processes, one Postgres database (skipped: ${PG_SKIP_REASON})`, { timeout: 300_000 }, () => {
  it(`${WRITERS} writers x ${POINTS} points: every point exactly once, no deadlock, all exit`, async () => {
    const schema = freshName();
    schemas.push(schema);
    const results = await Promise.all(Array.from({ length: WRITERS }, () => runChild('pg-writer-child.ts', ['postgres', PG_URL, schema, String(POINTS)])));
    const store = new PostgresBackend({ connectionString: PG_URL, schema });
    await checkWriters(store, results);
    await store.close();
  });

  it('EXPTRACK_EXPERIMENT_ID + RANK: 4 workers join the parent run; ranks kept; only rank 0 evaluates', async () => {
    const schema = freshName();
    schemas.push(schema);
    const store = new PostgresBackend({ connectionString: PG_URL, schema });
    const parent = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, rank: 0 });
    await checkRanks(store, parent, ['postgres', PG_URL, schema]);
    await parent.close();
  });
});
