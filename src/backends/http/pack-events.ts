/**
 * How `HttpBackend` puts events on the wire. Metric columns, the bulk of what a tracker sends, go in
 * a packed form that is several times cheaper to encode and to decode than plain JSON columns:
 *
 * ```
 * { "type": "metrics", "experimentId": "…", "packed": {
 *     "rank": 0,
 *     "names": ["loss", "acc"],        distinct keys
 *     "key": [0, 1, 0, 1],             per point, an index into names
 *     "step": [1, 1, 2, 2],
 *     "timeDiff": [1767225600000, 0, 12, 0],   the first timestamp, then differences (integers only),
 *       or "time": [...]                       the timestamps as they are
 *     "value64": "…",                  base64 of the values as little-endian float64 (NaN and ±Infinity kept),
 *       or "value": [...]              the values as JSON numbers (only when all are finite)
 * } }
 * ```
 *
 * Timestamps are whole milliseconds nearly always, and their differences are small integers; the
 * values as float64 bytes skip the number-to-text conversion on both sides. Where neither `Buffer` nor
 * `Uint8Array.prototype.toBase64` exists (an older browser), values go as JSON numbers, and a batch
 * holding a non-finite value goes as plain columns. Every other event is `encodeWireJson`.
 * @module
 */
import type { TrackerEvent } from '../../core/backend.js';
import type { MetricColumns } from '../../core/types.js';
import { encodeWireJson } from '../../core/wire-json.js';

/** Events encoded for a request body, and the metric points they carry. */
export interface EncodedEvents {
  /** The events' JSON texts joined by commas (the inside of the `events` array). */
  text: string;
  points: number;
}

/**
 * Encodes events for the body of `POST /batches`.
 *
 * @param events - a batch as the tracker hands it over
 * @returns the comma-joined encoded events and their point count
 * @example
 * ```ts
 * const { text } = encodeEvents(events);
 * const body = `{"session":"s1","sequence":1,"events":[${text}]}`;
 * ```
 */
export function encodeEvents(events: readonly TrackerEvent[]): EncodedEvents {
  const parts: string[] = [];
  let points = 0;
  for (const event of events) {
    if (event.type === 'metrics') {
      points += event.points.keys.length;
      parts.push(encodeMetrics(event.experimentId, event.points));
    } else {
      parts.push(encodeWireJson(event));
    }
  }
  return { text: parts.join(','), points };
}

function encodeMetrics(experimentId: string, columns: MetricColumns): string {
  const { keys, steps, values, timestamps, rank } = columns;
  const n = keys.length;
  const value64 = base64OfFloat64(values);
  if (value64 === undefined) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i]!)) return encodeWireJson({ type: 'metrics', experimentId, points: columns });
    }
  }
  const names: string[] = [];
  const index = new Map<string, number>();
  const key = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let at = index.get(k);
    if (at === undefined) {
      at = names.length;
      names.push(k);
      index.set(k, at);
    }
    key[i] = at;
  }
  const diffs = timeDifferences(timestamps);
  const packed = {
    rank,
    names,
    key,
    step: steps,
    ...(diffs === undefined ? { time: timestamps } : { timeDiff: diffs }),
    ...(value64 === undefined ? { value: values } : { value64 }),
  };
  // Names are values here, not keys, and key, timeDiff and the base64 are plain by construction: only
  // steps and absolute times may hold what needs the wire's markers.
  const plain = diffs !== undefined && value64 !== undefined && allFinite(steps);
  return `{"type":"metrics","experimentId":${JSON.stringify(experimentId)},"packed":${plain ? JSON.stringify(packed) : encodeWireJson(packed)}}`;
}

function allFinite(numbers: readonly number[]): boolean {
  for (let i = 0; i < numbers.length; i++) if (!Number.isFinite(numbers[i])) return false;
  return true;
}

/** The first timestamp then the differences, when every timestamp is a safe integer (so the sums are exact). */
function timeDifferences(timestamps: readonly number[]): number[] | undefined {
  const n = timestamps.length;
  const out = new Array<number>(n);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const t = timestamps[i]!;
    if (!Number.isSafeInteger(t)) return undefined;
    out[i] = t - previous;
    previous = t;
  }
  return out;
}

const littleEndian = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

interface Base64Buffer {
  from(buffer: ArrayBuffer, offset: number, length: number): { toString(encoding: 'base64'): string };
}

/** Base64 of the values as little-endian float64, or undefined where the runtime has no fast base64. */
function base64OfFloat64(values: readonly number[]): string | undefined {
  if (!littleEndian) return undefined;
  const buffer = (globalThis as { Buffer?: Base64Buffer }).Buffer;
  const toBase64 = (Uint8Array.prototype as { toBase64?: () => string }).toBase64;
  if (buffer === undefined && toBase64 === undefined) return undefined;
  const floats = Float64Array.from(values);
  if (buffer !== undefined) return buffer.from(floats.buffer, 0, floats.byteLength).toString('base64');
  return toBase64!.call(new Uint8Array(floats.buffer));
}
