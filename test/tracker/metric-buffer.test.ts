import { describe, expect, it } from 'vitest';
import { packedColumnsOf, pointCount } from '../../src/core/packed-columns.js';
import { MetricBuffer } from '../../src/tracker/metric-buffer.js';
import { packEvents, unpackEvents, type PackedMetrics } from '../../src/backends/sql/write-messages.js';

function filled(points: number, capacity = 8): MetricBuffer {
  const buffer = new MetricBuffer(3, capacity);
  for (let i = 0; i < points; i++) buffer.push(i % 3 === 0 ? 'loss' : 'acc', i, i === 1 ? NaN : i === 2 ? -Infinity : i / 2, 1_000 + i);
  return buffer;
}

const isBuilt = (columns: object, name: string) => Object.getOwnPropertyDescriptor(columns, name)?.get === undefined;

describe('MetricBuffer', () => {
  it('keeps each point once, packed (keys as indices, numbers in typed arrays), also past its first capacity', () => {
    const columns = filled(20).seal();
    const packed = packedColumnsOf(columns)!;
    expect(packed.length).toBe(20);
    expect(packed.keyTable).toEqual(['loss', 'acc']);
    expect(pointCount(columns)).toBe(20);
    for (const name of ['keys', 'steps', 'values', 'timestamps']) expect(isBuilt(columns, name)).toBe(false);
  });

  it('builds each plain column from the packed form when it is first read, NaN and ±Infinity kept', () => {
    const columns = filled(20).seal();
    expect(columns.rank).toBe(3);
    expect(columns.keys).toEqual(Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 'loss' : 'acc')));
    expect(isBuilt(columns, 'keys')).toBe(true);
    expect(isBuilt(columns, 'values')).toBe(false);
    expect(columns.steps).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(columns.values.slice(0, 4)).toEqual([0, NaN, -Infinity, 1.5]);
    expect(columns.timestamps[19]).toBe(1_019);
    expect(Array.isArray(columns.values)).toBe(true);
    expect(columns.keys).toBe(columns.keys); // built once
  });

  it('looks like plain columns to whoever copies or serialises them', () => {
    const columns = filled(5).seal();
    expect(Object.keys(columns)).toEqual(['keys', 'steps', 'values', 'timestamps', 'rank']);
    expect(JSON.parse(JSON.stringify(columns))).toEqual({ keys: ['loss', 'acc', 'acc', 'loss', 'acc'], steps: [0, 1, 2, 3, 4], values: [0, null, null, 1.5, 2], timestamps: [1_000, 1_001, 1_002, 1_003, 1_004], rank: 3 });
    const cloned = structuredClone(columns);
    expect(Object.is(cloned.values[1], NaN)).toBe(true);
    expect(cloned.keys).toHaveLength(5);
    expect({ ...filled(2).seal() }.keys).toEqual(['loss', 'acc']);
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
    const changed = filled(5).seal();
    changed.keys.push('late');
    expect(packedColumnsOf(changed)).toBeUndefined();
    expect(pointCount(changed)).toBe(6);
    const replaced = filled(5).seal();
    replaced.keys = ['only'];
    expect(packedColumnsOf(replaced)).toBeUndefined();
  });
});

describe('the hand-off to a write thread', () => {
  it('sends a sealed batch as views of its packed arrays, without building its plain columns, and encodes columns that have no packed form', () => {
    const columns = filled(6, 16).seal();
    const event = { type: 'metrics' as const, experimentId: 'exp_1', points: columns };
    const [sent] = packEvents([event]) as [PackedMetrics];
    expect(sent.keyIndex.length).toBe(6); // a view of the valid points, over the whole buffer
    expect(sent.values.buffer).toBe(packedColumnsOf(columns)!.values.buffer);
    expect(isBuilt(columns, 'keys')).toBe(false);

    const plain = { type: 'metrics' as const, experimentId: 'exp_1', points: { keys: ['a', 'b', 'a'], steps: [1, 2, 3], values: [0.5, NaN, Infinity], timestamps: [7, 8, 9], rank: 0 } };
    const [encoded] = packEvents([plain]) as [PackedMetrics];
    expect(encoded.keyTable).toEqual(['a', 'b']);
    expect(Array.from(encoded.keyIndex)).toEqual([0, 1, 0]);

    const [unpacked] = unpackEvents(structuredClone([sent])) as unknown as [{ type: 'metrics'; points: { keys: string[]; values: ArrayLike<number> } }];
    expect(unpacked.points.keys).toEqual(columns.keys);
    expect(Array.from(unpacked.points.values)).toEqual(columns.values);
  });
});
