import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker, type ExptrackError } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { mountTinyDisk } from '../fixtures/tiny-disk.js';

const disk = mountTinyDisk('2m');
afterAll(() => ('dir' in disk ? disk.unmount() : undefined));

describe.skipIf(!('dir' in disk))('dir' in disk ? 'a full disk' : `a full disk (skipped: ${disk.skip})`, () => {
  it('the loop goes on; the failure is reported through onError and by each flush after it; the file stays consistent and keeps whole batches', async () => {
    const path = join((disk as { dir: string }).dir, 'runs.db');
    const errors: ExptrackError[] = [];
    const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path, lockRetryMs: 1_000 })], captureGit: false, captureEnvironment: false, handleProcessEvents: false, maxBufferedPoints: 1_000, onError: (error) => errors.push(error) });
    const id = await tracker.startExperiment({});
    const flushes: boolean[] = [];
    // About 40 bytes a point on disk: 400,000 points do not fit in 2 MB.
    for (let step = 0; step < 400_000; step++) {
      tracker.logMetrics({ loss: 1 / (step + 1) }, step);
      if ((step + 1) % 20_000 === 0) flushes.push(...(await tracker.flush()).map((r) => r.ok));
    }
    await tracker.finishExperiment();
    await tracker.close();

    // The flushes once the disk was full say so (the run's last, small update may still fit).
    expect(flushes[0]).toBe(true);
    expect(flushes.at(-1)).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/full|disk/i);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = (db.prepare('SELECT count(*) AS n FROM metric_points').get() as { n: number }).n;
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(400_000);
      expect(stored % 1_000).toBe(0); // all or nothing per batch
      expect((db.prepare('SELECT id FROM experiments').get() as { id: string }).id).toBe(id);
    } finally {
      db.close();
    }
  });
});
