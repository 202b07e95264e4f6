import type { BatchIdentity, TrackerEvent } from '../../core/backend.js';
import { ExptrackError, type ExptrackErrorCode } from '../../core/errors.js';
import { packedColumnsOf } from '../../core/packed-columns.js';
import type { StoreEvent } from './store-event.js';

/** What the main thread sends a store's write thread (SQLite's, Postgres'). */
export type WriteRequest =
  | { kind: 'write'; id: number; events: readonly PackedEvent[]; batch?: BatchIdentity; signal?: Int32Array; load?: InFlightLoad }
  | { kind: 'close'; id: number };

/**
 * Metric columns as they cross threads: keys as indices into a table of the distinct keys, numbers
 * in typed arrays. Copying 500,000 points this way takes a few milliseconds; as plain arrays of
 * strings and numbers it took about 400 ms to deserialise, as long as inserting them.
 */
export interface PackedMetrics {
  type: 'packed_metrics';
  experimentId: string;
  keyTable: string[];
  keyIndex: Uint32Array;
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
  rank: number;
}

export type PackedEvent = Exclude<TrackerEvent, { type: 'metrics' }> | PackedMetrics;

/**
 * Packs the metric events of a batch for the trip to the write thread; the others go as they are.
 * A batch the tracker packed while it was logged (see `PackedColumns`) costs nothing here: it goes
 * as views of its valid points, which the message then copies in one piece per array. Columns
 * without a packed form (another caller) are encoded here.
 */
export function packEvents(events: readonly TrackerEvent[]): PackedEvent[] {
  return events.map((event) => {
    if (event.type !== 'metrics') return event;
    const { rank } = event.points;
    const ready = packedColumnsOf(event.points);
    if (ready) {
      const { length, keyTable, keyIndex, steps, values, timestamps } = ready;
      return { type: 'packed_metrics', experimentId: event.experimentId, keyTable, keyIndex: keyIndex.subarray(0, length), steps: steps.subarray(0, length), values: values.subarray(0, length), timestamps: timestamps.subarray(0, length), rank };
    }
    const { keys, steps, values, timestamps } = event.points;
    const keyTable: string[] = [];
    const positions = new Map<string, number>();
    const keyIndex = new Uint32Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      let position = positions.get(key);
      if (position === undefined) positions.set(key, (position = keyTable.push(key) - 1));
      keyIndex[i] = position;
    }
    return { type: 'packed_metrics', experimentId: event.experimentId, keyTable, keyIndex, steps: Float64Array.from(steps), values: Float64Array.from(values), timestamps: Float64Array.from(timestamps), rank };
  });
}

/** The inverse of {@link packEvents}, in the write thread; the numbers stay in their typed arrays. */
export function unpackEvents(events: readonly PackedEvent[]): StoreEvent[] {
  return events.map((event) => {
    if (event.type !== 'packed_metrics') return event;
    const keys = new Array<string>(event.keyIndex.length);
    for (let i = 0; i < keys.length; i++) keys[i] = event.keyTable[event.keyIndex[i]!]!;
    const { steps, values, timestamps, rank } = event;
    return { type: 'metrics', experimentId: event.experimentId, points: { keys, steps, values, timestamps, rank } };
  });
}

/** What a batch adds to the points in flight until the write thread is done with it. */
export interface InFlightLoad {
  points: number;
  kilobytes: number;
}

/**
 * Slots of the shared in-flight counter: points, kilobytes, the id of the last committed write, and
 * the points a second the thread commits while it has work (its recent rate, 0 before it is known).
 */
export const IN_FLIGHT_POINTS = 0;
export const IN_FLIGHT_KILOBYTES = 1;
export const LAST_COMMITTED_ID = 2;
export const COMMIT_RATE = 3;
export const IN_FLIGHT_SLOTS = 4;

/** The size a batch of packed events holds in flight: its points, and roughly its bytes. */
export function inFlightLoad(events: readonly PackedEvent[]): InFlightLoad {
  let points = 0;
  let bytes = 0;
  for (const event of events) {
    if (event.type !== 'packed_metrics') {
      bytes += 1024;
      continue;
    }
    points += event.keyIndex.length;
    bytes += event.keyIndex.length * 28;
    for (const key of event.keyTable) bytes += key.length * 2;
  }
  return { points, kilobytes: Math.ceil(bytes / 1024) };
}

/** What the write thread answers: the request's id, and the error if it failed. */
export interface WriteReply {
  id: number;
  error?: SerializedError;
}

/** An error as it crosses threads (class identity does not). */
export interface SerializedError {
  message: string;
  code: ExptrackErrorCode;
  field?: string;
  value?: unknown;
}

export function serializeError(error: unknown): SerializedError {
  if (ExptrackError.is(error)) {
    const out: SerializedError = { message: error.message, code: error.code };
    if (error.field !== undefined) out.field = error.field;
    if (error.value !== undefined) {
      try {
        out.value = structuredClone(error.value);
      } catch {
        out.value = String(error.value);
      }
    }
    return out;
  }
  return { message: error instanceof Error ? error.message : String(error), code: 'backend_failed' };
}

/** The error again, on the thread that asked, as the store `backend` (`sqlite`, `postgres`) reports it. */
export function deserializeError(error: SerializedError, backend: string): ExptrackError {
  return new ExptrackError(error.message, { code: error.code, field: error.field, value: error.value, backend });
}
