import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { freePort, startServerProcess } from '../fixtures/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tracking server killed and restarted mid-run', () => {
  it('every point logged arrives exactly once', async () => {
    const db = join(dir, 'runs.db');
    const port = await freePort();
    let server = await startServerProcess(db, port);
    const errors: string[] = [];
    const backend = new HttpBackend({ url: `http://127.0.0.1:${port}`, flushTimeoutMs: 20_000 });
    const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, onError: (e) => errors.push(e.message) });
    const id = await tracker.startExperiment({ seed: 7 });
    const steps = 3_000;
    for (let step = 0; step < steps; step++) {
      tracker.logMetrics({ loss: 1 / (step + 1), acc: step / steps }, step);
      if (step % 250 === 249) await new Promise((r) => setTimeout(r, 20));
      if (step === 1_000) {
        server.kill('SIGKILL'); // no drain: whatever was in flight is cut
        await new Promise((r) => server.once('exit', r));
      }
      if (step === 2_000) server = await startServerProcess(db, port);
    }
    await tracker.finishExperiment();
    await tracker.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));

    const store = new SqliteBackend({ path: db });
    try {
      const points = await store.getMetrics(id);
      const perKey = (key: string) => points.filter((p) => p.key === key).map((p) => p.step);
      const expected = Array.from({ length: steps }, (_, i) => i);
      expect(perKey('loss')).toEqual(expected);
      expect(perKey('acc')).toEqual(expected);
      expect((await store.getExperiment(id))?.status).toBe('completed');
    } finally {
      await store.close();
    }
    // While the server was away, flushes reported it; nothing was refused for good.
    expect(errors.every((m) => /unreachable|still wait/.test(m))).toBe(true);
  });
});
