import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, ExperimentReader, TrackerEvent } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { SqliteBackend } from 'exptrack/sqlite';
import { makeExperiment, metricColumns } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { tempDir } from '../cli/helpers.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

// An exiting process's last batch may hold an image's bytes, which no store can take synchronously:
// the rows around it are written, the image is left out, and the throw says so.
async function lastWordsWithAnImage(store: Backend & ExperimentReader): Promise<void> {
  const e = makeExperiment();
  await store.write([{ type: 'experiment_started', experiment: e }]); // starts the write thread
  const bytes = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const image: TrackerEvent = { type: 'media', experimentId: e.id, media: { key: 'sample', step: 0, kind: 'image', mediaType: 'image/png', size: bytes.length, digest, createdAt: 1 }, bytes };
  const batch: TrackerEvent[] = [
    { type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 0.5]]) },
    image,
    { type: 'experiment_updated', experimentId: e.id, changes: { status: 'failed', endedAt: Date.now(), error: { message: 'boom', stack: null } } },
  ];
  expect(store.writeSync).toBeTypeOf('function');
  expect(() => store.writeSync!(batch)).toThrow(expect.objectContaining({ code: 'unavailable', message: expect.stringMatching(/^1 artifact or image events could not be stored while the process exited/) }));
  expect((await store.getExperiment(e.id))?.status).toBe('failed');
  expect((await store.getMetrics(e.id, 'loss')).map((p) => p.value)).toEqual([0.5]);
  await store.close();
}

describe('writeSync of a batch that carries bytes', () => {
  it('sqlite: writes the rows, leaves the image out and says so', async () => {
    await lastWordsWithAnImage(new SqliteBackend({ path: join(tempDir('exptrack-write-sync-'), 'runs.db') }));
  });

  it.skipIf(!available)(available ? 'postgres: writes the rows, leaves the image out and says so' : `postgres (skipped: ${PG_SKIP_REASON})`, async () => {
    const schema = freshName();
    schemas.push(schema);
    await lastWordsWithAnImage(new PostgresBackend({ connectionString: PG_URL, schema }));
  });
});
