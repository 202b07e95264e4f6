import { ExptrackError, invalidInput } from '../../core/errors.js';
import type { JsonValue } from '../../core/types.js';
import { setOwn } from '../../core/keys.js';

/**
 * The version of the export format {@link exportExperiment} writes and {@link importExperiments} reads.
 *
 * @example
 * ```ts
 * import { EXPORT_SCHEMA_VERSION, exportAll } from 'exptrack/analysis';
 * (await exportAll(store)).schemaVersion === EXPORT_SCHEMA_VERSION; // true
 * ```
 */
export const EXPORT_SCHEMA_VERSION = 1;

/**
 * A number in a numeric field of an export: a finite number as is, NaN and ±Infinity as the strings
 * `"NaN"`, `"Infinity"` and `"-Infinity"` (JSON has no spelling for them).
 *
 * @example
 * ```ts
 * import type { ExportedNumber } from 'exptrack/analysis';
 * const values: ExportedNumber[] = [0.5, 'NaN', 'Infinity', '-Infinity'];
 * ```
 */
export type ExportedNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/**
 * A JSON value of a free-form field (config, summary, metadata, environment) in an export: as is,
 * except that a non-finite number becomes `{ "$number": "NaN" }` (or `"Infinity"`, `"-Infinity"`),
 * since a string there is a real string. An object whose only key is `$number` is reserved.
 *
 * @example
 * ```ts
 * import type { ExportedJson } from 'exptrack/analysis';
 * const summary: ExportedJson = { best_loss: { $number: 'NaN' }, note: 'NaN is just text here' };
 * ```
 */
export type ExportedJson = JsonValue;

/**
 * A metric point in an export.
 *
 * @example
 * ```ts
 * import type { ExportedMetricPoint } from 'exptrack/analysis';
 * const p: ExportedMetricPoint = { key: 'loss', step: 7, value: 'NaN', timestamp: 1767225600000, rank: 0 };
 * ```
 */
export interface ExportedMetricPoint {
  key: string;
  step: number;
  value: ExportedNumber;
  timestamp: number;
  rank: number;
}

/**
 * A per-sample row in an export (the fields of `EvaluationSample`, numbers encoded).
 *
 * @example
 * ```ts
 * import type { ExportedSample } from 'exptrack/analysis';
 * const s: ExportedSample = { id: 'gsm8k-17', correct: true, score: 1, latencyMs: 812 };
 * ```
 */
export interface ExportedSample {
  id: string;
  prompt?: string | null;
  output?: string | null;
  extracted?: string | null;
  gold?: string | null;
  correct?: boolean | null;
  score?: ExportedNumber | null;
  latencyMs?: ExportedNumber | null;
  promptTokens?: ExportedNumber | null;
  completionTokens?: ExportedNumber | null;
  error?: string | null;
  attempt?: number;
  metadata?: Record<string, ExportedJson>;
}

/**
 * An evaluation in an export, with its samples.
 *
 * @example
 * ```ts
 * import type { ExportedEvaluation } from 'exptrack/analysis';
 * const e: ExportedEvaluation = { benchmark: 'gsm8k', metrics: { accuracy: 0.5 }, metadata: {}, step: null, createdAt: 0, samples: [] };
 * ```
 */
export interface ExportedEvaluation {
  benchmark: string;
  metrics: Record<string, ExportedNumber>;
  metadata: Record<string, ExportedJson>;
  step: number | null;
  createdAt: number;
  samples: ExportedSample[];
}

/**
 * A checkpoint in an export.
 *
 * @example
 * ```ts
 * import type { ExportedCheckpoint } from 'exptrack/analysis';
 * const c: ExportedCheckpoint = { path: 'ckpt/1', step: 1, metrics: { loss: 'Infinity' }, sizeBytes: 10, sha256: 'ab'.repeat(32), fileCount: 1, createdAt: 0 };
 * ```
 */
export interface ExportedCheckpoint {
  path: string;
  step: number | null;
  metrics: Record<string, ExportedNumber>;
  sizeBytes: number;
  sha256: string;
  fileCount: number;
  createdAt: number;
}

/**
 * One experiment and everything logged to it.
 *
 * @example
 * ```ts
 * import { exportExperiment } from 'exptrack/analysis';
 * const [run] = (await exportExperiment(store, id)).experiments;
 * run?.metrics.length; run?.evaluations[0]?.samples.length;
 * ```
 */
export interface ExportedExperiment {
  /** The experiment record (config, tags, status, git, environment, summary, error), JSON-encoded as {@link ExportedJson}. */
  experiment: Record<string, ExportedJson>;
  /** Every metric point, ordered by key, step, then logging order. */
  metrics: ExportedMetricPoint[];
  /** Evaluations in logging order, each with its per-sample rows. */
  evaluations: ExportedEvaluation[];
  checkpoints: ExportedCheckpoint[];
}

/**
 * A JSON export of experiments: what {@link exportExperiment} and {@link exportAll} return and
 * {@link importExperiments} reads. `JSON.stringify` of it loses nothing.
 *
 * @example
 * ```ts
 * import { exportAll } from 'exptrack/analysis';
 * const dump: ExptrackExport = await exportAll(store);
 * dump.schemaVersion; // 1
 * ```
 */
export interface ExptrackExport {
  format: 'exptrack-export';
  schemaVersion: typeof EXPORT_SCHEMA_VERSION;
  /** When the export was made, ISO 8601. */
  exportedAt: string;
  experiments: ExportedExperiment[];
}

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/** A number as an {@link ExportedNumber}. */
export function encodeNumber(value: number): ExportedNumber {
  return Number.isFinite(value) ? value : (String(value) as ExportedNumber);
}

/** An {@link ExportedNumber} as a number. */
export function decodeNumber(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NON_FINITE.has(value)) return Number(value);
  throw invalidInput(path, value, 'must be a number, "NaN", "Infinity" or "-Infinity"');
}

/** Encodes every number of a record of numbers. */
export function encodeNumbers(record: Readonly<Record<string, number>>): Record<string, ExportedNumber> {
  const out: Record<string, ExportedNumber> = {};
  for (const [key, value] of Object.entries(record)) setOwn(out, key, encodeNumber(value));
  return out;
}

/** Decodes a record of {@link ExportedNumber}. */
export function decodeNumbers(record: unknown, path: string): Record<string, number> {
  const object = requireObject(record, path);
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(object)) setOwn(out, key, decodeNumber(value, `${path}.${key}`));
  return out;
}

/** Encodes a free-form JSON value: non-finite numbers become `{ $number: "NaN" }`. */
export function encodeJson(value: unknown): ExportedJson {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : encodeJson(v)));
  if (typeof value === 'object') {
    const out: Record<string, ExportedJson> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) setOwn(out, key, encodeJson(v));
    return out;
  }
  return null;
}

/** Decodes a free-form JSON value written by {@link encodeJson}. */
export function decodeJson(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(decodeJson);
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    const tag = (value as Record<string, unknown>).$number;
    if (keys.length === 1 && typeof tag === 'string' && NON_FINITE.has(tag)) return Number(tag);
    const out: Record<string, JsonValue> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) setOwn(out, key, decodeJson(v));
    return out;
  }
  return value as JsonValue;
}

/** Throws unless `value` is an array. */
export function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw invalidInput(path, value, 'must be an array');
  return value;
}

/** Throws unless `value` is a string. */
export function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalidInput(path, value, 'must be a string');
  return value;
}

/** Throws unless `value` is a plain object. */
export function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput(path, value, 'must be an object');
  return value as Record<string, unknown>;
}

/** Reads an export: a parsed object or JSON text; checks its format and version. */
export function readExport(input: unknown): { experiments: unknown[] } {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ExptrackError(`the export is not valid JSON: ${(error as Error).message}`, { code: 'parse_error', field: 'json', cause: error });
    }
  }
  const root = requireObject(value, 'json');
  if (root.format !== 'exptrack-export') throw invalidInput('json.format', root.format, 'must be "exptrack-export" (not an exptrack export)');
  if (root.schemaVersion !== EXPORT_SCHEMA_VERSION) {
    if (typeof root.schemaVersion === 'number' && root.schemaVersion > EXPORT_SCHEMA_VERSION) {
      throw new ExptrackError(`the export has schemaVersion ${root.schemaVersion}; this version of exptrack reads ${EXPORT_SCHEMA_VERSION}: upgrade exptrack`, {
        code: 'unsupported',
        field: 'json.schemaVersion',
        value: root.schemaVersion,
      });
    }
    throw invalidInput('json.schemaVersion', root.schemaVersion, `must be ${EXPORT_SCHEMA_VERSION}`);
  }
  if (!Array.isArray(root.experiments)) throw invalidInput('json.experiments', root.experiments, 'must be an array');
  return { experiments: root.experiments };
}
