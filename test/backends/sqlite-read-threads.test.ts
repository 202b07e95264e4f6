// Long SQLite reads run on read threads: the thread that asked keeps running meanwhile, at most
// `size` reads run at once, and a large metric's outline comes from a read thread, equal to the
// outline read on the calling thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrackerEvent } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { ReadPool } from '../../src/backends/sqlite/read-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-read-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite read threads', () => {
  it('run slow reads off the calling thread, at most `size` at once, the rest queued', async () => {
    const counters = new Int32Array(new SharedArrayBuffer(8));
    const pool = new ReadPool({ ms: 300, counters }, 2, new URL('../fixtures/slow-read-worker.mjs', import.meta.url));
    try {
      const order: string[] = [];
      const reads = Array.from({ length: 6 }, (_, i) => pool.run({ kind: 'outline', experimentId: 'e', key: `k${i}`, query: { buckets: 10 } }).then(() => order.push(`read ${i}`)));
      // Each read blocks its thread for 300 ms; this thread's timer fires first.
      await new Promise((resolve) => setTimeout(resolve, 20)).then(() => order.push('timer'));
      await Promise.all(reads);
      expect(order[0]).toBe('timer');
      expect(order).toHaveLength(7);
      expect(Atomics.load(counters, 1)).toBe(2);
      expect(pool.answered).toBe(6);
    } finally {
      await pool.close();
    }
  });

  it('read a large metric outline on a read thread, the same outline as on the calling thread', async () => {
    const path = join(dir, 'big.db');
    const writer = new SqliteBackend({ path });
    await writer.init();
    const events: TrackerEvent[] = [{ type: 'experiment_started', experiment: { id: 'exp_big', name: 'big', notes: '', group: null, config: {}, tags: {}, status: 'completed', createdAt: 1, endedAt: 2, heartbeatAt: null, git: null, environment: null, summary: {}, error: null } }];
    for (let start = 0; start < 80_000; start += 20_000) {
      const steps = Array.from({ length: 20_000 }, (_, i) => start + i);
      events.push({ type: 'metrics', experimentId: 'exp_big', points: { keys: steps.map(() => 'loss'), steps, values: steps.map((s) => (s === 77 ? NaN : Math.sin(s / 100))), timestamps: steps.map(() => 5), rank: 0 } });
    }
    events.push({ type: 'metrics', experimentId: 'exp_big', points: { keys: ['small'], steps: [1], values: [1], timestamps: [5], rank: 0 } });
    await writer.write(events);
    await writer.close();

    const threaded = new SqliteBackend({ path, readOnly: true });
    const inline = new SqliteBackend({ path, readOnly: true, readThreads: 0 });
    try {
      const query = { buckets: 300, fromStep: 100, toStep: 70_000 };
      const offThread = await threaded.getMetricOutline('exp_big', 'loss', query);
      expect(threaded.readsOffThread).toBe(1);
      expect(offThread).toEqual(await inline.getMetricOutline('exp_big', 'loss', query));
      expect(offThread).toMatchObject({ reduced: true, count: 69_901, nonFinite: 0 });
      // A small metric is read on the calling thread: no thread for it.
      await threaded.getMetricOutline('exp_big', 'small', { buckets: 10 });
      expect(threaded.readsOffThread).toBe(1);
      // A bad query fails the same way either way.
      await expect(threaded.getMetricOutline('exp_big', 'loss', { buckets: 0 })).rejects.toMatchObject({ code: 'invalid_input', field: 'buckets' });
      expect(inline.readsOffThread).toBe(0);
      expect(() => new SqliteBackend({ path, readThreads: -1 })).toThrow(/readThreads/);
    } finally {
      await threaded.close();
      await inline.close();
    }
  });
});
