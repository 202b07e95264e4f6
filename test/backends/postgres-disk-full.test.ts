import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker, type ExptrackError } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { adminQuery } from '../fixtures/pg-test-server.js';
import { startPrivateCluster } from '../fixtures/private-pg-cluster.js';
import { mountTinyDisk } from '../fixtures/tiny-disk.js';

// The server's disk fills up: a private cluster whose store lives in a tablespace on a 2 MB tmpfs
// (the write-ahead log stays on the real disk, as on a server whose data volume is full).
const disk = mountTinyDisk('2m');
const cluster = 'dir' in disk ? await startPrivateCluster() : { skip: disk.skip };
afterAll(() => {
  if ('url' in cluster) cluster.remove();
  if ('dir' in disk) disk.unmount();
});

describe.skipIf(!('url' in cluster))('url' in cluster ? 'postgres: a full disk' : `postgres: a full disk (skipped: ${cluster.skip})`, { timeout: 120_000 }, () => {
  it('the loop goes on; the failure is reported through onError and by the flushes after it; the store stays consistent and keeps whole batches', async () => {
    const { url: serverUrl, giveToOwner } = cluster as Extract<typeof cluster, { url: string }>;
    const { dir } = disk as { dir: string };
    giveToOwner(dir);
    await adminQuery(`CREATE TABLESPACE tiny LOCATION '${dir}'`, [], serverUrl);
    await adminQuery('CREATE DATABASE runs', [], serverUrl);
    await adminQuery('ALTER DATABASE runs SET default_tablespace = tiny', [], serverUrl);
    const url = serverUrl.replace(/\/postgres$/, '/runs');

    const errors: ExptrackError[] = [];
    const store = new PostgresBackend({ connectionString: url, retryForMs: 1_000 });
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, systemMetrics: false, maxBufferedPoints: 1_000, onError: (error) => errors.push(error) });
    const id = await tracker.startExperiment({});
    const flushes: boolean[] = [];
    // Far more than 2 MB of rows and index entries.
    const total = 200_000;
    for (let step = 0; step < total; step++) {
      tracker.logMetrics({ loss: 1 / (step + 1) }, step);
      if ((step + 1) % 10_000 === 0) flushes.push(...(await tracker.flush()).map((r) => r.ok));
    }
    await tracker.finishExperiment();
    await tracker.close();

    // Once the disk is full, flushes report it. A later batch may still fit, into the space vacuum
    // took back from the failed ones, so not every flush after the first failure need fail.
    expect(flushes[0]).toBe(true);
    expect(flushes).toContain(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/No space left on device/);
    expect(errors.every((e) => e.backend === 'postgres')).toBe(true);

    // Consistent: the tables and their indexes pass amcheck, and every point read back is one of a whole batch.
    await adminQuery('CREATE EXTENSION IF NOT EXISTS amcheck', [], url);
    const indexes = await adminQuery<{ name: string }>(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND a.amname = 'btree'`,
      [],
      url,
    );
    expect(indexes.length).toBeGreaterThan(0);
    for (const { name } of indexes) await adminQuery(`SELECT bt_index_check('public.${name}'::regclass, true)`, [], url);
    const reader = new PostgresBackend({ connectionString: url });
    try {
      expect((await reader.getExperiment(id))?.id).toBe(id); // its status depends on whether the last, small update still fitted
      const points = await reader.getMetrics(id, 'loss');
      expect(points.length).toBeGreaterThan(0);
      expect(points.length).toBeLessThan(total);
      expect(points.length % 1_000).toBe(0); // all or nothing per batch
      expect(points.slice(0, 10_000).every((p, i) => p.step === i)).toBe(true); // the points flushed before the disk filled
      expect(points.every((p, i) => i === 0 || p.step > points[i - 1]!.step)).toBe(true); // each once
      expect(points.every((p) => p.value === 1 / (p.step + 1))).toBe(true);
    } finally {
      await reader.close();
    }
  });
});
