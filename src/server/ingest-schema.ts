/**
 * What a client may send to the ingestion route, checked before anything reaches the store: a
 * batch identity and tracker events of known shapes with bounded sizes. Metric columns (the bulk
 * of the bytes) are checked by hand; the rest goes through zod. A failure is an `invalid_input`
 * error naming the field, answered with 400.
 * @module
 */
import { z } from 'zod';
import { artifactEventSchemas } from './ingest-artifact-schema.js';
import { invalidInput, type BatchIdentity, type JsonValue, type MetricColumns, type TrackerEvent } from 'exptrack';
import { MAX_KEY_LENGTH, unpackMetrics } from './packed-metrics.js';

/** Most events in one batch. */
export const MAX_EVENTS_PER_BATCH = 100_000;
const MAX_ID = 200;
const MAX_TEXT = 10 * 1024 * 1024;

const id = z.string().min(1).max(MAX_ID);
const key = z.string().min(1).max(MAX_KEY_LENGTH);
const time = z.number().finite();
const step = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const json = z.custom<JsonValue>((value) => isJson(value, 0), { message: 'must be JSON (finite numbers, no cycles, at most 64 levels deep)' });
const jsonRecord = z.record(z.string(), json);
/** Any number: NaN and ±Infinity are values a metric may have. */
const anyNumber = z.custom<number>((value) => typeof value === 'number', { message: 'must be a number' });
const numbers = z.record(key, anyNumber);
const status = z.enum(['running', 'completed', 'failed', 'killed', 'crashed']);
const recordedError = z.object({ message: z.string().max(MAX_TEXT), stack: z.string().max(MAX_TEXT).nullable() });

const experiment = z.object({
  id,
  name: z.string().max(MAX_TEXT),
  notes: z.string().max(MAX_TEXT),
  group: key.nullable(),
  config: jsonRecord,
  tags: z.record(key, z.string().max(MAX_TEXT)),
  status,
  createdAt: time,
  endedAt: time.nullable(),
  heartbeatAt: time.nullable(),
  git: z.record(z.string(), json).nullable(),
  environment: z.record(z.string(), json).nullable(),
  summary: jsonRecord,
  error: recordedError.nullable(),
});

const changes = z.object({
  status: status.optional(),
  endedAt: time.nullable().optional(),
  heartbeatAt: time.optional(),
  name: z.string().max(MAX_TEXT).optional(),
  notes: z.string().max(MAX_TEXT).optional(),
  tags: z.record(key, z.string().max(MAX_TEXT).nullable()).optional(),
  summary: jsonRecord.optional(),
  error: recordedError.nullable().optional(),
  config: jsonRecord.optional(),
});

const optionalText = z.string().max(MAX_TEXT).nullable().optional();
const optionalNumber = anyNumber.nullable().optional();
const sample = z.object({
  id: z.string().max(MAX_TEXT),
  prompt: optionalText,
  output: optionalText,
  extracted: optionalText,
  gold: optionalText,
  correct: z.boolean().nullable().optional(),
  score: optionalNumber,
  latencyMs: optionalNumber,
  promptTokens: optionalNumber,
  completionTokens: optionalNumber,
  error: optionalText,
  attempt: z.number().int().nonnegative().optional(),
  metadata: jsonRecord.optional(),
});

const otherEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('experiment_started'), experiment }),
  z.object({ type: z.literal('experiment_updated'), experimentId: id, changes }),
  z.object({
    type: z.literal('evaluation'),
    experimentId: id,
    evaluation: z.object({ benchmark: key, metrics: numbers, metadata: jsonRecord, step: step.nullable(), createdAt: time }),
    samples: z.array(sample).max(1_000_000),
  }),
  z.object({
    type: z.literal('checkpoint'),
    experimentId: id,
    checkpoint: z.object({
      experimentId: id,
      path: z.string().min(1).max(4096),
      step: step.nullable(),
      metrics: numbers,
      sizeBytes: z.number().int().nonnegative(),
      sha256: z.string().max(128),
      fileCount: z.number().int().nonnegative(),
      createdAt: time,
    }),
  }),
  ...artifactEventSchemas(json),
]);

/** A checked ingestion request. */
export interface IngestBatch {
  batch: BatchIdentity;
  events: TrackerEvent[];
}

/**
 * Checks an ingestion body: `{ session, sequence, events }`.
 *
 * @param body - the decoded request body
 * @returns the batch identity and the events, with unknown fields dropped
 * @throws ExptrackError `invalid_input` naming the first bad field (`events[3].points.steps[17]`)
 * @example
 * ```ts
 * const { batch, events } = parseIngestBatch({ session: 's1', sequence: 1, events: [] });
 * ```
 */
export function parseIngestBatch(body: unknown): IngestBatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidInput('body', body, 'must be an object { session, sequence, events }');
  const { session, sequence, events } = body as Record<string, unknown>;
  if (typeof session !== 'string' || !/^[\w.:-]{1,200}$/.test(session)) throw invalidInput('session', session, 'must be 1 to 200 letters, digits or . _ : -');
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) throw invalidInput('sequence', sequence, 'must be an integer >= 1');
  if (!Array.isArray(events) || events.length > MAX_EVENTS_PER_BATCH) throw invalidInput('events', Array.isArray(events) ? events.length : events, `must be an array of at most ${MAX_EVENTS_PER_BATCH} events`);
  return { batch: { session, sequence }, events: events.map((event, i) => parseEvent(event, `events[${i}]`)) };
}

function parseEvent(event: unknown, field: string): TrackerEvent {
  if (typeof event === 'object' && event !== null && (event as { type?: unknown }).type === 'metrics') return parseMetrics(event as Record<string, unknown>, field);
  const parsed = otherEvent.safeParse(event);
  if (parsed.success) return parsed.data as TrackerEvent;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  throw invalidInput(`${field}${path}`, valueAt(event, issue.path), issue.message.toLowerCase());
}

/** Metric columns (plain or packed), checked by hand: a batch may hold hundreds of thousands of points. */
function parseMetrics(event: Record<string, unknown>, field: string): TrackerEvent {
  const { experimentId, points } = event;
  if (typeof experimentId !== 'string' || experimentId.length === 0 || experimentId.length > MAX_ID) throw invalidInput(`${field}.experimentId`, experimentId, `must be a string of 1 to ${MAX_ID} characters`);
  if (points === undefined && event.packed !== undefined) return { type: 'metrics', experimentId, points: unpackMetrics(event.packed, `${field}.packed`) };
  if (typeof points !== 'object' || points === null) throw invalidInput(`${field}.points`, points, 'must be metric columns { keys, steps, values, timestamps, rank }');
  const { keys, steps, values, timestamps, rank } = points as Record<string, unknown>;
  if (!Array.isArray(keys) || !Array.isArray(steps) || !Array.isArray(values) || !Array.isArray(timestamps)) {
    throw invalidInput(`${field}.points`, undefined, 'keys, steps, values and timestamps must be arrays');
  }
  const n = keys.length;
  if (steps.length !== n || values.length !== n || timestamps.length !== n) throw invalidInput(`${field}.points`, n, 'keys, steps, values and timestamps must have the same length');
  if (typeof rank !== 'number' || !Number.isSafeInteger(rank) || rank < 0) throw invalidInput(`${field}.points.rank`, rank, 'must be an integer >= 0');
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (typeof k !== 'string' || k.length === 0 || k.length > MAX_KEY_LENGTH) throw invalidInput(`${field}.points.keys[${i}]`, k, `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
    const s = steps[i];
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) throw invalidInput(`${field}.points.steps[${i}]`, s, 'must be an integer >= 0');
    if (typeof values[i] !== 'number') throw invalidInput(`${field}.points.values[${i}]`, values[i], 'must be a number');
    const t = timestamps[i];
    if (typeof t !== 'number' || !Number.isFinite(t)) throw invalidInput(`${field}.points.timestamps[${i}]`, t, 'must be a finite number');
  }
  return { type: 'metrics', experimentId, points: { keys, steps, values, timestamps, rank } as MetricColumns };
}

function isJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth >= 64) return false;
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  for (const item of Object.values(value)) if (!isJson(item, depth + 1)) return false;
  return true;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const p of path) node = (node as Record<PropertyKey, unknown> | undefined)?.[p];
  return typeof node === 'object' ? undefined : node;
}
