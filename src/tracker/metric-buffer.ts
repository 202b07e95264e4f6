import type { MetricColumns } from '../core/types.js';
import { attachPacked, type PackedColumns } from '../core/packed-columns.js';

/**
 * The points `logMetrics` accepted and the tracker has not handed over yet, kept twice as they
 * arrive: as the plain columns every backend reads, and packed (typed arrays, keys as indices) for a
 * store that writes on another thread. Both grow by a constant amount per point, so sealing a full
 * batch costs the same for 10 points as for 50,000: nothing is copied or encoded at the hand-off.
 */
export class MetricBuffer {
  private columns: MetricColumns;
  private packed: PackedColumns;
  private positions = new Map<string, number>();

  constructor(
    private readonly rank: number,
    /** The typed arrays' first size: the tracker's batch size, so that a full batch fits without growing. */
    private readonly capacity: number,
  ) {
    this.columns = this.emptyColumns();
    this.packed = this.emptyPacked();
  }

  get length(): number {
    return this.columns.keys.length;
  }

  /** The first point's timestamp; only called on a buffer that holds points. */
  get firstTimestamp(): number {
    return this.columns.timestamps[0]!;
  }

  /** The last point's timestamp; only called on a buffer that holds points. */
  get lastTimestamp(): number {
    const { timestamps } = this.columns;
    return timestamps[timestamps.length - 1]!;
  }

  push(key: string, step: number, value: number, timestamp: number): void {
    const { columns, packed } = this;
    const i = columns.keys.length;
    columns.keys.push(key);
    columns.steps.push(step);
    columns.values.push(value);
    columns.timestamps.push(timestamp);
    if (i === packed.steps.length) this.grow();
    let position = this.positions.get(key);
    if (position === undefined) this.positions.set(key, (position = packed.keyTable.push(key) - 1));
    packed.keyIndex[i] = position;
    packed.steps[i] = step;
    packed.values[i] = value;
    packed.timestamps[i] = timestamp;
    packed.length = i + 1;
  }

  /** The buffered points as one batch (their packed form attached); the buffer starts empty again. */
  seal(): MetricColumns {
    const sealed = this.columns;
    attachPacked(sealed, this.packed);
    this.columns = this.emptyColumns();
    this.packed = this.emptyPacked();
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

  private emptyColumns(): MetricColumns {
    return { keys: [], steps: [], values: [], timestamps: [], rank: this.rank };
  }

  private emptyPacked(): PackedColumns {
    return { length: 0, keyTable: [], keyIndex: new Uint32Array(0), steps: new Float64Array(0), values: new Float64Array(0), timestamps: new Float64Array(0) };
  }
}
