import type { MetricColumns } from './types.js';

/**
 * A batch of metric points already encoded for a trip to another thread: keys as indices into a
 * table of the batch's distinct keys, numbers in typed arrays. The tracker fills it point by point
 * as `logMetrics` is called, beside the plain columns every backend reads, so a store that writes on
 * a thread of its own (SQLite, Postgres) hands a full batch over by moving its buffers, not by
 * encoding it on the caller's stack. Internal to the package: not part of the Backend contract.
 */
export interface PackedColumns {
  /** Valid points: the first `length` entries of the arrays (they may be longer). */
  length: number;
  keyTable: string[];
  keyIndex: Uint32Array;
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
}

/** Shared by every copy of the package (the ESM and the CommonJS build), unlike a module's WeakMap. */
const PACKED = Symbol.for('exptrack.packedColumns');

/**
 * Attaches the packed form to a batch of columns (a property nobody enumerates, clones or
 * serialises).
 *
 * @example
 * ```ts
 * attachPacked(columns, packed);
 * ```
 */
export function attachPacked(columns: MetricColumns, packed: PackedColumns): void {
  Object.defineProperty(columns, PACKED, { value: packed, enumerable: false, configurable: true });
}

/**
 * The packed form of a batch, or undefined when it has none, it no longer matches the columns (they
 * were changed after sealing) or its buffers were already moved to another thread.
 *
 * @example
 * ```ts
 * const packed = packedColumnsOf(event.points) ?? packSlowly(event.points);
 * ```
 */
export function packedColumnsOf(columns: MetricColumns): PackedColumns | undefined {
  const packed = (columns as unknown as Record<symbol, PackedColumns | undefined>)[PACKED];
  if (packed === undefined || packed.length !== columns.keys.length || packed.steps.buffer.byteLength === 0) return undefined;
  return packed;
}
