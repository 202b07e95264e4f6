import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentTracker, type Backend, type MetricColumns, type TrackerEvent } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { columnsFromPacked, packedColumnsOf, releasePacked } from '../../src/core/packed-columns.js';
import { MetricBuffer } from '../../src/tracker/metric-buffer.js';
import { packEvents } from '../../src/backends/sql/write-messages.js';

/** Keeps the batches it is given and reads their points only when asked, long after the write thread answered. */
class LateReader implements Backend {
  readonly specificationVersion = 1;
  readonly name = 'late-reader';
  readonly capabilities = { read: false, persistent: false, multiProcess: false, responseCache: false };
  readonly batches: MetricColumns[] = [];
  async init() {}
  async write(events: readonly TrackerEvent[]) {
    for (const event of events) if (event.type === 'metrics') this.batches.push(event.points);
  }
  async flush() {}
  async close() {}
  values(key: string): number[] {
    return this.batches.flatMap((b) => b.values.filter((_, i) => b.keys[i] === key));
  }
}

const valueAt = (step: number) => (step % 1_000 === 1 ? NaN : step % 1_000 === 2 ? Infinity : step % 1_000 === 3 ? -Infinity : 1 / (step + 1));

describe('a batch handed to several backends', () => {
  it('a write-thread store and a store that reads the batch later each get every point, NaN and ±Infinity kept', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-shared-')), 'runs.db');
    const sqlite = new SqliteBackend({ path });
    const late = new LateReader();
    const tracker = new ExperimentTracker({ backends: [sqlite, late], captureGit: false, captureEnvironment: false, handleProcessEvents: false, maxBufferedPoints: 2_000 });
    const id = await tracker.startExperiment({});
    const logged = 25_000;
    for (let step = 0; step < logged; step++) tracker.logMetrics({ loss: valueAt(step), lr: 0.1 }, step);
    const reports = await tracker.finishExperiment();
    expect(reports.every((r) => r.ok)).toBe(true);

    // Read only now: every batch's write-thread answer has come, and the reader still sees its points.
    const expected = Array.from({ length: logged }, (_, step) => valueAt(step));
    expect(late.values('loss')).toEqual(expected);
    expect(late.values('lr')).toHaveLength(logged);
    const stored = await sqlite.getMetrics(id, 'loss');
    expect(stored.map((p) => p.value)).toEqual(expected);
    await tracker.close();
  });
});

describe('releasePacked', () => {
  const sealed = () => {
    const buffer = new MetricBuffer(0, 8);
    for (let i = 0; i < 5; i++) buffer.push('loss', i, i / 2, 1_000 + i);
    return buffer.seal();
  };

  it('frees a batch\'s buffers when the last of its holders is done with it, not before', () => {
    const columns = sealed();
    const packed = packedColumnsOf(columns)!;
    packed.holders = 2;
    releasePacked(columns);
    expect(packed.values.buffer.byteLength).toBeGreaterThan(0);
    expect(columns.values).toEqual([0, 0.5, 1, 1.5, 2]);
    releasePacked(columns);
    expect(packed.values.buffer.byteLength).toBe(0);
    expect(columns.values).toEqual([0, 0.5, 1, 1.5, 2]); // read before: a plain array of its own
    expect(() => columns.keys).toThrow(/a batch of 5 metric points was read after every backend holding it released it/); // never read before: loud, not empty
    expect(() => packEvents([{ type: 'metrics', experimentId: 'exp_1', points: columns }])).toThrow(/released it/); // nor sent to a thread as an empty batch
  });

  it('leaves a batch whose holders were not counted to the collector', () => {
    const columns = sealed();
    releasePacked(columns);
    releasePacked(columns);
    expect(packedColumnsOf(columns)!.steps.buffer.byteLength).toBeGreaterThan(0);
    expect(columns.steps).toEqual([0, 1, 2, 3, 4]);
    releasePacked({ keys: ['a'], steps: [1], values: [2], timestamps: [3], rank: 0 }); // no packed form: nothing to do
  });

  it('columnsFromPacked reads only the valid points of longer arrays', () => {
    const packed = { length: 2, holders: 0, keyTable: ['a', 'b'], keyIndex: Uint32Array.of(1, 0, 0), steps: Float64Array.of(4, 5, 6), values: Float64Array.of(NaN, -Infinity, 9), timestamps: Float64Array.of(7, 8, 9) };
    const columns = columnsFromPacked(packed, 2);
    expect(columns).toEqual({ keys: ['b', 'a'], steps: [4, 5], values: [NaN, -Infinity], timestamps: [7, 8], rank: 2 });
  });
});
