/**
 * Checking what `logImage`, `logTable` and `logHistogram` are given: no file system, so the tracker
 * takes media in any JavaScript runtime (reading an image from a path is Node-only, in
 * `artifact-input.ts`).
 * @module
 */
import type { HistogramValue, ImageMediaType, TableValue } from '../core/artifacts.js';
import { invalidInput } from '../core/errors.js';
import type { JsonValue } from '../core/types.js';
import { assertJson, validateKey } from '../core/validation.js';
import { binHistogram, DEFAULT_HISTOGRAM_BINS } from '../artifacts/histogram.js';

/**
 * Options of `logImage`.
 *
 * @example
 * ```ts
 * await tracker.logImage('samples', 'out/sample.png', { step: 100, caption: 'epoch 1' });
 * ```
 */
export interface ImageOptions {
  step: number;
  caption?: string;
}

/**
 * Options of `logTable`.
 *
 * @example
 * ```ts
 * tracker.logTable('predictions', { columns: ['q', 'a'], rows: [['2+2', '4']] }, { step: 10 });
 * ```
 */
export interface TableOptions {
  /** @defaultValue the highest step logged with `logMetrics` so far, or 0 */
  step?: number;
  caption?: string;
}

/**
 * Options of `logHistogram`.
 *
 * @example
 * ```ts
 * tracker.logHistogram('weights', weights, 100, { bins: 32 });
 * ```
 */
export interface HistogramOptions {
  /** @defaultValue 64 */
  bins?: number;
  caption?: string;
}

/** The largest image `logImage` takes. */
export const MAX_IMAGE_BYTES = 32 * 1024 * 1024;

/** The largest table `logTable` takes, as JSON. */
export const MAX_TABLE_JSON_BYTES = 16 * 1024 * 1024;

/** PNG or JPEG by signature, or undefined. */
export function imageType(bytes: Uint8Array): ImageMediaType | undefined {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/** Checks a table: unique string columns, rows as long as the columns, JSON cells, a bounded size. */
export function prepareTable(table: unknown): TableValue {
  if (typeof table !== 'object' || table === null) throw invalidInput('table', table, 'must be { columns, rows }');
  const { columns, rows } = table as { columns?: unknown; rows?: unknown };
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === 'string')) throw invalidInput('table.columns', columns, 'must be a non-empty array of strings');
  if (new Set(columns).size !== columns.length) throw invalidInput('table.columns', columns, 'must not repeat a name');
  if (!Array.isArray(rows)) throw invalidInput('table.rows', rows, 'must be an array of rows');
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) throw invalidInput(`table.rows[${i}]`, row, `must be an array of ${columns.length} cells`);
  });
  assertJson(rows, 'table.rows');
  const value = { columns: [...columns] as string[], rows: structuredClone(rows) as JsonValue[][] };
  const size = new TextEncoder().encode(JSON.stringify(value)).length;
  if (size > MAX_TABLE_JSON_BYTES) throw invalidInput('table', `${size} bytes of JSON`, `must be at most ${MAX_TABLE_JSON_BYTES} bytes as JSON`);
  return value;
}

/** Checks the values and bins them. */
export function prepareHistogram(values: unknown, bins: unknown = DEFAULT_HISTOGRAM_BINS): HistogramValue {
  const isNumbers = Array.isArray(values) ? values.every((v) => typeof v === 'number') : ArrayBuffer.isView(values) && !(values instanceof DataView) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array);
  if (!isNumbers) throw invalidInput('values', values, 'must be an array (or typed array) of numbers');
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 1 || bins > 10_000) throw invalidInput('options.bins', bins, 'must be an integer in 1..10000');
  return binHistogram(values as ArrayLike<number>, bins);
}

/** Checks a media key and caption. */
export function checkMediaLabels(key: unknown, caption: unknown): { key: string; caption?: string } {
  const checked = validateKey(key, 'key');
  if (caption !== undefined && typeof caption !== 'string') throw invalidInput('options.caption', caption, 'must be a string');
  return caption === undefined ? { key: checked } : { key: checked, caption };
}
