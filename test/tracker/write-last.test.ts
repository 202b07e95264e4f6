import { describe, expect, it } from 'vitest';
import type { Backend, TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { makeExperiment, metricColumns } from 'exptrack/testing';
import { BackendFanOut } from '../../src/tracker/backend-fan-out.js';

/** A backend with no writeSync that takes a while, like Postgres or W&B. */
class SlowAsyncBackend implements Backend {
  readonly specificationVersion = 1;
  readonly name = 'slow';
  readonly capabilities = { read: false, persistent: true, multiProcess: true, responseCache: false };
  readonly received: TrackerEvent[] = [];
  async init() {}
  async write(events: readonly TrackerEvent[]) {
    await new Promise((r) => setTimeout(r, 50));
    this.received.push(...events);
  }
  async flush() {}
  async close() {}
}

describe('the last batch of an ending process', () => {
  it('is applied synchronously where a backend can, and delivered to the others before the promise settles', async () => {
    const memory = new MemoryBackend();
    // As a store that queues its batches (the memory store itself takes them when handed over).
    Object.assign(memory, { capabilities: { ...memory.capabilities, pipelinedWrites: false } });
    const syncWrites: string[][] = [];
    const writeSync = memory.writeSync.bind(memory);
    memory.writeSync = (events) => {
      syncWrites.push(events.map((e) => e.type));
      writeSync(events);
    };
    const slow = new SlowAsyncBackend();
    const fanOut = new BackendFanOut([memory, slow], () => {}, 5_000);
    const experiment = makeExperiment();
    fanOut.write([{ type: 'experiment_started', experiment }]); // queued, not yet started
    const last: TrackerEvent[] = [{ type: 'metrics', experimentId: experiment.id, points: metricColumns([['loss', 0, 1]]) }];
    const delivered = fanOut.writeLast(last);
    // The memory backend has both batches before writeLast returned: no promise had to settle.
    expect(syncWrites).toEqual([['experiment_started'], ['metrics']]);
    expect((await memory.getMetrics(experiment.id)).length).toBe(1);
    expect(slow.received).toHaveLength(0);
    await delivered;
    expect(slow.received.map((e) => e.type)).toEqual(['experiment_started', 'metrics']);
  });
});
