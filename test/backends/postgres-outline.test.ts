import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { PostgresBackend } from 'exptrack/postgres';
import { PG_SKIP_REASON, PG_URL, adminQuery, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

/** A deterministic sequence in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

describe.skipIf(!available)(available ? 'Postgres outline from the outline blocks' : `Postgres outline from the outline blocks (skipped: ${PG_SKIP_REASON})`, () => {
  it('gives the outline the points themselves give (the memory store\'s), over batches that revisit blocks, repeated steps, ties, NaN and ±Infinity, for any window', async () => {
    const schema = freshName();
    schemas.push(schema);
    const postgres = new PostgresBackend({ connectionString: PG_URL, schema });
    const memory = new MemoryBackend();
    const tracker = new ExperimentTracker({ backends: [postgres, memory], captureGit: false, captureEnvironment: false, handleProcessEvents: false, maxBufferedPoints: 700 });
    const id = await tracker.startExperiment({});
    const next = random(7);
    const value = () => {
      const r = next();
      if (r < 0.01) return NaN;
      if (r < 0.015) return r < 0.0125 ? Infinity : -Infinity;
      return Math.round(next() * 40) / 40; // few distinct values: many ties, broken by step then seq
    };
    // Forwards, then backwards over the same steps (later batches fold into blocks already stored),
    // then a second point at some steps, and a far step (a sparse tail).
    for (let step = 0; step < 6_000; step++) tracker.logMetrics({ loss: value() }, step);
    for (let step = 5_999; step >= 0; step -= 3) tracker.logMetrics({ loss: value() }, step);
    for (let step = 100; step < 3_000; step += 7) tracker.logMetrics({ loss: value() }, step);
    tracker.logMetrics({ loss: 0.5 }, 70_000);
    await tracker.finishExperiment();

    const [{ blocks }] = (await adminQuery<{ blocks: string }>(`SELECT count(*) AS blocks FROM "${schema}".metric_outline_blocks`)) as [{ blocks: string }];
    expect(Number(blocks)).toBeGreaterThan(0);
    const windows = [
      { buckets: 300 },
      { buckets: 7 },
      { buckets: 1 },
      { fromStep: 17, toStep: 4_321, buckets: 90 },
      { fromStep: 4_095, toStep: 4_097, buckets: 1 },
      { fromStep: 255, toStep: 70_000, buckets: 33 },
      { fromStep: 1_000, toStep: 1_200, buckets: 50 },
    ];
    for (const query of windows) {
      expect(await postgres.getMetricOutline(id, 'loss', query), JSON.stringify(query)).toEqual(await memory.getMetricOutline(id, 'loss', query));
    }
    await tracker.close();
  });

  it('a store whose points were written before the blocks existed is folded in by the migration', async () => {
    const schema = freshName();
    schemas.push(schema);
    const postgres = new PostgresBackend({ connectionString: PG_URL, schema });
    const tracker = new ExperimentTracker({ backends: [postgres], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    const id = await tracker.startExperiment({});
    for (let step = 0; step < 5_000; step++) tracker.logMetrics({ loss: Math.sin(step / 50) }, step);
    await tracker.finishExperiment();
    const before = await postgres.getMetricOutline(id, 'loss', { buckets: 64 });
    await tracker.close();
    // As a store of the previous release: no blocks, no trigger, no record of the migration.
    await adminQuery(`DROP TABLE "${schema}".metric_outline_blocks; DROP FUNCTION "${schema}".exptrack_fold_outline_blocks() CASCADE; DROP TYPE "${schema}".exptrack_outline_point;
      DELETE FROM "${schema}".exptrack_migration WHERE name = '0005_outline_blocks'`);
    const reopened = new PostgresBackend({ connectionString: PG_URL, schema });
    expect(await reopened.getMetricOutline(id, 'loss', { buckets: 64 })).toEqual(before);
    await reopened.close();
  });
});
