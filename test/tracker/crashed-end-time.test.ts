import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

describe('a crashed run ends at its last write', () => {
  it('a run that stops before its first timer heartbeat is crashed with the time of its last written point, not a duration of 0', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-crash-end-')), 'runs.db');
    const writer = new SqliteBackend({ path });
    const tracker = new ExperimentTracker({ backends: [writer], captureGit: false, captureEnvironment: false, handleProcessEvents: false, onError: () => {} });
    const id = await tracker.startExperiment({});
    for (let step = 0; step < 4; step++) {
      await new Promise((r) => setTimeout(r, 100));
      tracker.logMetrics({ loss: step }, step);
      await tracker.flush();
    }
    const lastPoint = (await writer.getMetrics(id, 'loss')).at(-1)!.timestamp;
    await writer.close(); // the process "dies": no finish, no timer heartbeat (that comes after 5 s)

    await new Promise((r) => setTimeout(r, 150));
    const reader = new SqliteBackend({ path, staleAfterMs: 100 });
    const experiment = await reader.getExperiment(id);
    await reader.close();
    expect(experiment?.status).toBe('crashed');
    expect(experiment?.endedAt).toBe(lastPoint);
    expect(experiment!.endedAt! - experiment!.createdAt).toBeGreaterThanOrEqual(300);
  });
});
