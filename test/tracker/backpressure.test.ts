import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

const storedPoints = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM metric_points').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('backpressure', () => {
  it('a loop that logs far faster than the store writes, and never yields, waits for the store: what is not committed stays within the bound', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-bp-')), 'runs.db');
    const tracker = new ExperimentTracker({
      backends: [new SqliteBackend({ path })],
      captureGit: false,
      captureEnvironment: false,
      handleProcessEvents: false,
      maxBufferedPoints: 5_000,
      maxPointsInFlight: 20_000,
    });
    await tracker.startExperiment({});
    tracker.logMetrics({ loss: 0 }, 0);
    await tracker.flush(); // the write thread is up

    const logged = 300_000;
    for (let step = 1; step < logged; step++) tracker.logMetrics({ loss: 1 / step }, step);
    // Still inside the same synchronous turn: the write thread committed all but the bound.
    const stored = storedPoints(path);
    expect(stored).toBeGreaterThanOrEqual(logged - 20_000 - 5_000);

    await tracker.finishExperiment();
    await tracker.close();
    expect(storedPoints(path)).toBe(logged);
  });
});
