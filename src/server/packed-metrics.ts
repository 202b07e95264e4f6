/**
 * Metric columns as `HttpBackend` packs them (see `backends/http/pack-events.ts`: distinct key names
 * and an index per point, timestamps as differences, values as base64 float64), unpacked into the
 * store's columns and checked in the same pass: one walk over the points, not a decode then a check.
 * @module
 */
import { invalidInput, type MetricColumns } from 'exptrack';

/** Longest metric key: the tracker's limit. */
export const MAX_KEY_LENGTH = 250;

/**
 * Unpacks and checks packed metric columns.
 *
 * @param packed - the `packed` field of a metrics event
 * @param field - where it is, for messages (`events[3].packed`)
 * @returns the store's columns
 * @throws ExptrackError `invalid_input` naming the first bad field (`events[3].packed.step[17]`)
 * @example
 * ```ts
 * unpackMetrics({ rank: 0, names: ['loss'], key: [0], step: [1], timeDiff: [1767225600000], value: [0.5] }, 'events[0].packed');
 * ```
 */
export function unpackMetrics(packed: unknown, field: string): MetricColumns {
  if (typeof packed !== 'object' || packed === null) throw invalidInput(field, packed, 'must be packed metric columns { rank, names, key, step, time or timeDiff, value or value64 }');
  const { rank, names, key, step, time, timeDiff, value, value64 } = packed as Record<string, unknown>;
  if (typeof rank !== 'number' || !Number.isSafeInteger(rank) || rank < 0) throw invalidInput(`${field}.rank`, rank, 'must be an integer >= 0');
  if (!Array.isArray(names) || !Array.isArray(key) || !Array.isArray(step)) throw invalidInput(field, undefined, 'names, key and step must be arrays');
  for (let i = 0; i < names.length; i++) {
    const k: unknown = names[i];
    if (typeof k !== 'string' || k.length === 0 || k.length > MAX_KEY_LENGTH) throw invalidInput(`${field}.names[${i}]`, k, `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
  }
  const n = key.length;
  if (step.length !== n) throw invalidInput(`${field}.step`, step.length, `must have one entry per point (${n})`);
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const at: unknown = key[i];
    if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= names.length) throw invalidInput(`${field}.key[${i}]`, at, `must be an index into names (0 to ${names.length - 1})`);
    keys[i] = names[at] as string;
    const s: unknown = step[i];
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) throw invalidInput(`${field}.step[${i}]`, s, 'must be an integer >= 0');
  }
  return { keys, steps: step as number[], values: valuesOf(value, value64, n, field), timestamps: timestampsOf(time, timeDiff, n, field), rank };
}

function timestampsOf(time: unknown, timeDiff: unknown, n: number, field: string): number[] {
  if (Array.isArray(timeDiff)) {
    if (timeDiff.length !== n) throw invalidInput(`${field}.timeDiff`, timeDiff.length, `must have one entry per point (${n})`);
    const out = new Array<number>(n);
    let t = 0;
    for (let i = 0; i < n; i++) {
      const d: unknown = timeDiff[i];
      if (typeof d !== 'number' || !Number.isSafeInteger(d)) throw invalidInput(`${field}.timeDiff[${i}]`, d, 'must be an integer');
      t += d;
      if (!Number.isSafeInteger(t)) throw invalidInput(`${field}.timeDiff[${i}]`, d, 'sums to a timestamp beyond the safe integers');
      out[i] = t;
    }
    return out;
  }
  if (!Array.isArray(time)) throw invalidInput(`${field}.time`, time, 'time or timeDiff must be an array');
  if (time.length !== n) throw invalidInput(`${field}.time`, time.length, `must have one entry per point (${n})`);
  for (let i = 0; i < n; i++) {
    const t: unknown = time[i];
    if (typeof t !== 'number' || !Number.isFinite(t)) throw invalidInput(`${field}.time[${i}]`, t, 'must be a finite number');
  }
  return time as number[];
}

function valuesOf(value: unknown, value64: unknown, n: number, field: string): number[] {
  if (typeof value64 === 'string') {
    // Node's decoder skips characters outside the alphabet: with the exact length, any such character leaves the bytes short.
    if (value64.length !== Math.ceil((n * 8) / 3) * 4) {
      throw invalidInput(`${field}.value64`, value64.length, `must be the base64 of ${n} float64 values (${Math.ceil((n * 8) / 3) * 4} characters)`);
    }
    const bytes = Buffer.from(value64, 'base64');
    if (bytes.length !== n * 8) throw invalidInput(`${field}.value64`, bytes.length, `must decode to ${n * 8} bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
    return out;
  }
  if (!Array.isArray(value)) throw invalidInput(`${field}.value`, value, 'value or value64 must be given');
  if (value.length !== n) throw invalidInput(`${field}.value`, value.length, `must have one entry per point (${n})`);
  for (let i = 0; i < n; i++) if (typeof value[i] !== 'number') throw invalidInput(`${field}.value[${i}]`, value[i], 'must be a number');
  return value as number[];
}
