import { describe, expect, it } from 'vitest';
import { packedColumnsOf } from '../../src/core/packed-columns.js';
import { MetricBuffer } from '../../src/tracker/metric-buffer.js';
import { packEvents, unpackEvents, type PackedMetrics } from '../../src/backends/sql/write-messages.js';

function filled(points: number, capacity = 8): MetricBuffer {
  const buffer = new MetricBuffer(3, capacity);
  for (let i = 0; i < points; i++) buffer.push(i % 3 === 0 ? 'loss' : 'acc', i, i === 1 ? NaN : i === 2 ? -Infinity : i / 2, 1_000 + i);
  return buffer;
}

describe('MetricBuffer', () => {
  it('keeps each point twice as it comes: the plain columns, and packed (keys as indices, numbers in typed arrays), also past its first capacity', () => {
    const columns = filled(20).seal();
    expect(columns.keys).toHaveLength(20);
    expect(columns.rank).toBe(3);
    const packed = packedColumnsOf(columns)!;
    expect(packed.length).toBe(20);
    expect(packed.keyTable).toEqual(['loss', 'acc']);
    for (let i = 0; i < 20; i++) {
      expect(packed.keyTable[packed.keyIndex[i]!]).toBe(columns.keys[i]);
      expect(packed.steps[i]).toBe(columns.steps[i]);
      expect(Object.is(packed.values[i], columns.values[i])).toBe(true);
      expect(packed.timestamps[i]).toBe(columns.timestamps[i]);
    }
    // The packed form is invisible to whoever copies or serialises the columns.
    expect(Object.keys(columns)).toEqual(['keys', 'steps', 'values', 'timestamps', 'rank']);
    expect(JSON.parse(JSON.stringify(columns)).keys).toHaveLength(20);
  });

  it('starts empty after sealing, with a key table of its own', () => {
    const buffer = filled(4);
    buffer.seal();
    expect(buffer.length).toBe(0);
    buffer.push('lr', 9, 0.1, 5);
    const next = buffer.seal();
    expect(packedColumnsOf(next)!.keyTable).toEqual(['lr']);
    expect(next.keys).toEqual(['lr']);
  });

  it('a packed form that no longer matches its columns is not used', () => {
    const columns = filled(5).seal();
    columns.keys.push('late');
    expect(packedColumnsOf(columns)).toBeUndefined();
  });
});

describe('the hand-off to the SQLite write thread', () => {
  it('moves a sealed batch\'s buffers instead of encoding it, and a second hand-off of the same batch encodes it from the columns', () => {
    const columns = filled(6, 16).seal();
    const event = { type: 'metrics' as const, experimentId: 'exp_1', points: columns };
    const transfer: ArrayBuffer[] = [];
    const [moved] = packEvents([event], transfer) as [PackedMetrics];
    expect(transfer).toHaveLength(4);
    expect(moved.keyIndex.length).toBe(6); // a view of the valid points, over the whole buffer
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(moved, transfer);
    port1.close();
    port2.close();
    expect(packedColumnsOf(columns)).toBeUndefined(); // its buffers went with the message

    const again = packEvents([event], []) as [PackedMetrics];
    const [unpacked] = unpackEvents(again) as unknown as [{ type: 'metrics'; points: { keys: string[]; values: ArrayLike<number> } }];
    expect(unpacked.points.keys).toEqual(columns.keys);
    expect(Array.from(unpacked.points.values)).toEqual(columns.values);
  });
});
