// The dashboard keeps answering while long metric reads are in flight: SQLite outlines of a large
// metric run on the store's read threads, so /api/info is not queued behind 16 chart requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrackerEvent } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { fakeAssets, serve } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-ui-info-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const POINTS = 200_000;

describe('dashboard under long reads', () => {
  it('answers /api/info while 16 window reads of a large metric are pending', async () => {
    const path = join(dir, 'big.db');
    const writer = new SqliteBackend({ path });
    await writer.init();
    const events: TrackerEvent[] = [{ type: 'experiment_started', experiment: { id: 'exp_big', name: 'big', notes: '', group: null, config: {}, tags: {}, status: 'completed', createdAt: 1, endedAt: 2, heartbeatAt: null, git: null, environment: null, summary: {}, error: null } }];
    for (let start = 0; start < POINTS; start += 50_000) {
      const steps = Array.from({ length: 50_000 }, (_, i) => start + i);
      events.push({ type: 'metrics', experimentId: 'exp_big', points: { keys: steps.map(() => 'loss'), steps, values: steps.map((s) => Math.cos(s / 500)), timestamps: steps.map(() => 5), rank: 0 } });
    }
    await writer.write(events);
    await writer.close();

    const store = new SqliteBackend({ path, readOnly: true });
    await store.init();
    const ui = await serve({ store, assetsDir: fakeAssets() });
    const base = ui.url.replace(/\/$/, '');
    try {
      let pending = 0;
      // Distinct windows: no two requests share a read.
      const windows = Array.from({ length: 16 }, (_, i) => {
        pending++;
        return fetch(`${base}/api/experiments/exp_big/metric?key=loss&points=1000&from=${i * 100}&to=${POINTS - i * 100}`).then(async (res) => {
          pending--;
          expect(res.status).toBe(200);
          return (await res.json()) as { inWindow: number };
        });
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const info = await fetch(`${base}/api/info`);
      const pendingWhenInfoAnswered = pending;
      expect(await info.json()).toMatchObject({ backend: 'sqlite' });
      const answers = await Promise.all(windows);
      expect(answers[3]!.inWindow).toBe(POINTS - 600 + 1);
      // With reads on the server's own thread, every earlier request would have been answered first.
      expect(pendingWhenInfoAnswered).toBeGreaterThanOrEqual(8);
      expect(store.readsOffThread).toBe(16);
    } finally {
      await ui.close();
      await store.close();
    }
  });
});
