import { ExptrackError } from './errors.js';
import type { MetricColumns } from './types.js';

/**
 * A batch of metric points as the tracker keeps it while `logMetrics` is called: keys as indices
 * into a table of the batch's distinct keys, numbers in typed arrays. A store that writes on a
 * thread of its own (SQLite, Postgres) sends these arrays as they are; the plain columns every
 * other backend reads are built from them only when one reads them. Internal to the package: not
 * part of the Backend contract.
 */
export interface PackedColumns {
  /** Valid points: the first `length` entries of the arrays (they may be longer). */
  length: number;
  keyTable: string[];
  keyIndex: Uint32Array;
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
  /**
   * The backends that were handed the batch and have not said they are done with it (see
   * {@link releasePacked}); its buffers are freed when the last one is. 0: not counted, never freed early.
   */
  holders: number;
}

/** Shared by every copy of the package (the ESM and the CommonJS build), unlike a module's WeakMap. */
const PACKED = Symbol.for('exptrack.packedColumns');

type PlainColumn = 'keys' | 'steps' | 'values' | 'timestamps';

/**
 * The plain columns of a packed batch, each built from the typed arrays the first time it is read
 * (then an ordinary array the reader may change). A batch that only a write thread reads is never
 * kept twice, and nothing is built on the caller's stack. The packed form stays attached (a property
 * nobody enumerates, clones or serialises) for {@link packedColumnsOf}.
 *
 * @example
 * ```ts
 * const columns = columnsFromPacked(packed, 0);
 * columns.keys; // built now, from packed.keyTable and packed.keyIndex
 * ```
 */
export function columnsFromPacked(packed: PackedColumns, rank: number): MetricColumns {
  const columns = {} as MetricColumns;
  const settle = <K extends PlainColumn>(name: K, value: MetricColumns[K]) => {
    Object.defineProperty(columns, name, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  const built = <K extends PlainColumn>(name: K, build: () => MetricColumns[K]): PropertyDescriptor => ({
    get: () => {
      refuseReleased(packed);
      return settle(name, build());
    },
    set: (value: MetricColumns[K]) => settle(name, value),
    enumerable: true,
    configurable: true,
  });
  const valid = (column: Float64Array) => Array.from(column.subarray(0, packed.length));
  Object.defineProperties(columns, {
    keys: built('keys', () => Array.from(packed.keyIndex.subarray(0, packed.length), (i) => packed.keyTable[i]!)),
    steps: built('steps', () => valid(packed.steps)),
    values: built('values', () => valid(packed.values)),
    timestamps: built('timestamps', () => valid(packed.timestamps)),
    rank: { value: rank, writable: true, enumerable: true, configurable: true },
    [PACKED]: { value: packed, enumerable: false, configurable: true },
  });
  return columns;
}

/**
 * The packed form of a batch, or undefined when it has none or it no longer matches the columns
 * (they were changed after they were built). Throws for a batch whose buffers were released.
 *
 * @example
 * ```ts
 * const packed = packedColumnsOf(event.points) ?? packSlowly(event.points);
 * ```
 */
export function packedColumnsOf(columns: MetricColumns): PackedColumns | undefined {
  const packed = attached(columns);
  if (packed === undefined) return undefined;
  refuseReleased(packed);
  const keysBuilt = Object.getOwnPropertyDescriptor(columns, 'keys')?.get === undefined;
  return keysBuilt && packed.length !== columns.keys.length ? undefined : packed;
}

/**
 * The number of points in a batch, without building its plain columns.
 *
 * @example
 * ```ts
 * let points = 0;
 * for (const event of events) if (event.type === 'metrics') points += pointCount(event.points);
 * ```
 */
export function pointCount(columns: MetricColumns): number {
  return packedColumnsOf(columns)?.length ?? columns.keys.length;
}

/**
 * Says one holder of a batch is done with it: when every backend the batch was handed to is (see
 * `PackedColumns.holders`), its buffers are freed now instead of at a later collection, which a
 * loop that does not yield may not reach for a while. Only a backend that never reads the batch
 * again may call it, once; a batch whose holders were not counted is left to the collector.
 *
 * @example
 * ```ts
 * for (const event of answered) if (event.type === 'metrics') releasePacked(event.points);
 * ```
 */
export function releasePacked(columns: MetricColumns): void {
  const packed = attached(columns);
  if (packed === undefined || packed.holders <= 0 || --packed.holders > 0) return;
  // The buffers move (a transfer, no copy) to a clone nobody keeps: their memory goes now.
  structuredClone(null, { transfer: [packed.keyIndex.buffer, packed.steps.buffer, packed.values.buffer, packed.timestamps.buffer] as ArrayBuffer[] });
}

function attached(columns: MetricColumns): PackedColumns | undefined {
  return (columns as unknown as Record<symbol, PackedColumns | undefined>)[PACKED];
}

/** A batch touched after every holder said it was done (see {@link releasePacked}): loud, never read as empty. */
function refuseReleased(packed: PackedColumns): void {
  if (packed.length > 0 && packed.keyIndex.buffer.byteLength === 0) {
    throw new ExptrackError(`a batch of ${packed.length} metric points was read after every backend holding it released it`, { code: 'backend_failed' });
  }
}
