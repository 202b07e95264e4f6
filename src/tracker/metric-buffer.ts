import type { MetricColumns } from '../core/types.js';
import { columnsFromPacked, type PackedColumns } from '../core/packed-columns.js';

/**
 * The points `logMetrics` accepted and the tracker has not handed over yet, kept once, packed
 * (typed arrays, keys as indices), as they arrive. A point costs the same whatever the batch's
 * size, and allocates nothing on the JavaScript heap once the batch's arrays exist: sealing a full
 * batch copies or encodes nothing, and a loop that logs makes little garbage for the collector.
 */
export class MetricBuffer {
  private packed: PackedColumns;
  private positions = new Map<string, number>();

  constructor(
    private readonly rank: number,
    /** The typed arrays' first size: the tracker's batch size, so that a full batch fits without growing. */
    private readonly capacity: number,
  ) {
    this.packed = emptyPacked();
  }

  get length(): number {
    return this.packed.length;
  }

  /** The first point's timestamp; only called on a buffer that holds points. */
  get firstTimestamp(): number {
    return this.packed.timestamps[0]!;
  }

  /** The last point's timestamp; only called on a buffer that holds points. */
  get lastTimestamp(): number {
    return this.packed.timestamps[this.packed.length - 1]!;
  }

  push(key: string, step: number, value: number, timestamp: number): void {
    const { packed } = this;
    const i = packed.length;
    if (i === packed.steps.length) this.grow();
    let position = this.positions.get(key);
    if (position === undefined) this.positions.set(key, (position = packed.keyTable.push(key) - 1));
    packed.keyIndex[i] = position;
    packed.steps[i] = step;
    packed.values[i] = value;
    packed.timestamps[i] = timestamp;
    packed.length = i + 1;
  }

  /** The buffered points as one batch (plain columns built from the packed form when read); the buffer starts empty again. */
  seal(): MetricColumns {
    const sealed = columnsFromPacked(this.packed, this.rank);
    this.packed = emptyPacked();
    this.positions = new Map();
    return sealed;
  }

  /**
   * The first point of a batch allocates its typed arrays (an empty batch costs nothing); a call with
   * more keys than the room left doubles them (amortised over the points).
   */
  private grow(): void {
    const { packed } = this;
    const size = Math.max(this.capacity, packed.steps.length * 2);
    const keyIndex = new Uint32Array(size);
    keyIndex.set(packed.keyIndex);
    const steps = new Float64Array(size);
    steps.set(packed.steps);
    const values = new Float64Array(size);
    values.set(packed.values);
    const timestamps = new Float64Array(size);
    timestamps.set(packed.timestamps);
    Object.assign(packed, { keyIndex, steps, values, timestamps });
  }
}

function emptyPacked(): PackedColumns {
  return { length: 0, holders: 0, keyTable: [], keyIndex: new Uint32Array(0), steps: new Float64Array(0), values: new Float64Array(0), timestamps: new Float64Array(0) };
}
