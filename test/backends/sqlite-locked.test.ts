import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ExperimentTracker, type ExptrackError } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

/** A store with a running experiment, and a connection of "another process" that can lock it. */
async function lockedStore(lockRetryMs: number) {
  const path = join(mkdtempSync(join(tmpdir(), 'exptrack-locked-')), 'runs.db');
  const errors: ExptrackError[] = [];
  const store = new SqliteBackend({ path, busyTimeoutMs: 50, lockRetryMs });
  const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, onError: (e) => errors.push(e) });
  const id = await tracker.startExperiment({});
  tracker.logMetrics({ loss: 0 }, 0);
  await tracker.flush();
  const other = new Database(path);
  other.exec('BEGIN EXCLUSIVE');
  return { path, id, tracker, other, errors };
}

describe('a SQLite store locked by another process for longer than the busy timeout', () => {
  it('a lock held for 0.5 s (10 busy timeouts): writes wait and retry, nothing is lost, nothing is reported', async () => {
    const { path, id, tracker, other, errors } = await lockedStore(10_000);
    setTimeout(() => other.exec('COMMIT'), 500);
    for (let step = 1; step < 1000; step++) tracker.logMetrics({ loss: step }, step);
    const reports = await tracker.finishExperiment();
    await tracker.close();
    other.close();
    expect(reports).toEqual([{ backend: 'sqlite', ok: true }]);
    expect(errors.map((e) => e.message)).toEqual([]);
    const reader = new SqliteBackend({ path, readOnly: true });
    expect((await reader.getMetrics(id, 'loss')).length).toBe(1000);
    expect((await reader.getExperiment(id))?.status).toBe('completed');
    await reader.close();
  });

  it('a lock held for longer than lockRetryMs: the failure is reported as locked and in finishExperiment()\'s result', async () => {
    const { tracker, other, errors } = await lockedStore(300);
    for (let step = 1; step < 1000; step++) tracker.logMetrics({ loss: step }, step);
    const reports = await tracker.finishExperiment();
    other.exec('COMMIT');
    other.close();
    await tracker.close();
    expect(reports).toMatchObject([{ backend: 'sqlite', ok: false, error: { code: 'locked' } }]);
    expect(errors.map((e) => e.code)).toContain('locked');
    expect(errors.at(-1)?.message).toMatch(/finished, but backend sqlite failed: .*locked/);
  });
});
