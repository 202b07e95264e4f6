import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { POINTS, WRITERS, checkRanks, checkWriters } from './checks.js';
import { runChild } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-mp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('several processes, one SQLite file', { timeout: 300_000 }, () => {
  it(`${WRITERS} writers x ${POINTS} points: every point exactly once, no "database is locked", all exit`, async () => {
    const path = join(dir, 'shared.db');
    // The file is created (and migrated) before the writers start: several processes migrating a new
    // SQLite file at once race ("table experiments already exists"), reported to the SQLite owner.
    const setup = new SqliteBackend({ path });
    await setup.init();
    await setup.close();
    const results = await Promise.all(Array.from({ length: WRITERS }, () => runChild('pg-writer-child.ts', ['sqlite', path, String(POINTS)])));
    const store = new SqliteBackend({ path });
    await checkWriters(store, results);
    await store.close();
  });

  it('EXPTRACK_EXPERIMENT_ID + RANK: 4 workers join the parent run; ranks kept; only rank 0 evaluates', async () => {
    const path = join(dir, 'ranks.db');
    const store = new SqliteBackend({ path });
    const parent = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, rank: 0 });
    await checkRanks(store, parent, ['sqlite', path]);
    await parent.close();
  });
});

