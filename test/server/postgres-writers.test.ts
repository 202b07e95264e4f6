import { afterAll, describe, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { freePort, startServerProcess } from '../fixtures/server-process.js';
import { WRITERS, checkWriters } from '../multiprocess/checks.js';

/** Points per writer: enough for many batches per writer, few enough to keep the test fast. */
const POINTS = 20_000;
import { runChild } from '../multiprocess/helpers.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

describe.skipIf(!available)(available ? 'tracking servers sharing one Postgres database' : `tracking servers sharing one Postgres database (skipped: ${PG_SKIP_REASON})`, { timeout: 300_000 }, () => {
  it(`${WRITERS} writer processes through 2 server processes: every point exactly once, all exit`, async () => {
    const schema = freshName();
    schemas.push(schema);
    const ports = [await freePort(), await freePort()];
    const servers = [];
    for (const port of ports) servers.push(await startServerProcess(PG_URL, port, schema));
    try {
      const results = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) => runChild('pg-writer-child.ts', ['http', `http://127.0.0.1:${ports[i % 2]}`, String(POINTS)])),
      );
      const store = new PostgresBackend({ connectionString: PG_URL, schema });
      try {
        await checkWriters(store, results, POINTS);
      } finally {
        await store.close();
      }
    } finally {
      for (const server of servers) server.kill('SIGTERM');
      await Promise.all(servers.map((s) => new Promise((r) => (s.exitCode === null ? s.once('exit', r) : r(null)))));
    }
  });
});
