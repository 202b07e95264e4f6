// The metric endpoint reads the store's outline of the window asked for, never every point, and
// reuses it while the metric does not change.
import { describe, expect, it } from 'vitest';
import type { MetricOutlineQuery } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { DashboardApi } from '../../src/ui/api.js';
import { Query } from '../../src/server/http.js';
import { curve, demoEvents } from './fixtures.js';

/** A memory store that records its metric reads. */
class RecordingStore extends MemoryBackend {
  readonly outlines: MetricOutlineQuery[] = [];
  fullReads = 0;

  override getMetricOutline(id: string, key: string, query: MetricOutlineQuery) {
    this.outlines.push(query);
    return super.getMetricOutline(id, key, query);
  }

  override getMetrics(id: string, key?: string) {
    this.fullReads++;
    return super.getMetrics(id, key);
  }
}

const query = (text: string) => new Query(new URLSearchParams(text));

describe('dashboard metric endpoint', () => {
  it('asks the store for the outline of the window, once per window while the metric is unchanged', async () => {
    const store = new RecordingStore();
    await store.write(demoEvents());
    const api = new DashboardApi(store);

    const full = await api.metric('exp_a', query('key=loss&points=200'));
    expect(store.outlines).toEqual([{ buckets: 200 }]);
    expect(full).toMatchObject({ total: 5000, inWindow: 5000, nonFinite: 1, method: 'lttb' });
    expect(full.x).toHaveLength(200);

    // Smoothing works on the outline already read: no new read.
    const smooth = await api.metric('exp_a', query('key=loss&points=200&smoothing=0.9'));
    expect(store.outlines).toHaveLength(1);
    expect(smooth.y).not.toEqual(full.y);

    // A zoom reads its window, in half as many columns for minmax.
    await api.metric('exp_a', query('key=loss&points=200&from=1000&to=3000&method=minmax'));
    expect(store.outlines.at(-1)).toEqual({ buckets: 100, fromStep: 1000, toStep: 3000 });

    // A new point changes the metric's summary: the window is read again and shows it.
    await store.write([curve('exp_a', 'loss', [5000], [123])]);
    const grown = await api.metric('exp_a', query('key=loss&points=200'));
    expect(store.outlines).toHaveLength(3);
    expect(grown).toMatchObject({ total: 5001, inWindow: 5001 });
    expect((grown.y as number[]).at(-1)).toBe(123);
    expect(store.fullReads).toBe(0);
  });

  it('keeps a spike of a long metric whichever reduction is asked for', async () => {
    const store = new MemoryBackend();
    const steps = Array.from({ length: 100_000 }, (_, i) => i);
    await store.write([...demoEvents().slice(0, 1), curve('exp_a', 'spiky', steps, steps.map((s) => (s === 54_321 ? 50 : Math.sin(s / 100))))]);
    const api = new DashboardApi(store);
    for (const method of ['lttb', 'minmax']) {
      const answer = await api.metric('exp_a', query(`key=spiky&points=300&method=${method}`));
      expect((answer.x as number[]).length).toBeLessThanOrEqual(302);
      expect(answer.x as number[]).toContain(54_321);
      expect(answer.method).toBe(method);
    }
  });
});
