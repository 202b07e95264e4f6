/**
 * What `log-batch` (and the single-value `log-metric`, `log-parameter`, `set-tag`) writes: MLflow's
 * limits and key rules checked, then one batch of exptrack events — metric points, params added to
 * the config, tags (`mlflow.runName` renames, `mlflow.note.content` sets the notes) and a heartbeat.
 * A param keeps the value it was first logged with: another value is a 400, as in MLflow.
 * @module
 */
import type { Experiment, ExperimentChanges, TrackerEvent } from 'exptrack';
import { invalidValue } from './mlflow-error.js';
import { readDouble } from './request-args.js';
import { NOTE_TAG, paramText, RUN_NAME_TAG } from './run-mapping.js';

/** MLflow's limits of one `log-batch` request, and of keys and values. */
export const LIMITS = { metrics: 1000, params: 100, tags: 100, entities: 1000, keyLength: 250, paramValueLength: 6000, tagValueLength: 8000 } as const;

/** A checked batch. */
export interface MlflowBatch {
  metrics: Array<{ key: string; value: number; timestamp: number; step: number }>;
  params: Array<{ key: string; value: string }>;
  tags: Array<{ key: string; value: string }>;
}

/**
 * Checks the raw `metrics`, `params` and `tags` of a request.
 *
 * @throws MlflowError `INVALID_PARAMETER_VALUE` with MLflow's wording
 */
export function checkBatch(raw: { metrics: Array<Record<string, unknown>>; params: Array<Record<string, unknown>>; tags: Array<Record<string, unknown>> }): MlflowBatch {
  limit('metrics', LIMITS.metrics, raw.metrics.length);
  limit('params', LIMITS.params, raw.params.length);
  limit('tags', LIMITS.tags, raw.tags.length);
  const total = raw.metrics.length + raw.params.length + raw.tags.length;
  if (total > LIMITS.entities) {
    throw invalidValue(`A batch logging request can contain at most ${LIMITS.entities} total metrics, params, and tags. Got ${raw.metrics.length} metrics, ${raw.params.length} params, and ${raw.tags.length} tags. Please split up metrics, params, and tags across multiple requests and try again.`);
  }
  const metrics = raw.metrics.map((m) => ({
    key: key(m.key, 'metric'),
    value: readDouble(m.value, 'value'),
    timestamp: integer(m.timestamp, 'timestamp', undefined),
    step: integer(m.step, 'step', 0),
  }));
  const params = raw.params.map((p) => ({ key: key(p.key, 'param'), value: text(p.value, 'param', LIMITS.paramValueLength) }));
  const seen = new Map<string, string>();
  for (const p of params) {
    const before = seen.get(p.key);
    if (before !== undefined && before !== p.value) throw invalidValue(`Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`);
    seen.set(p.key, p.value);
  }
  const tags = raw.tags.map((t) => ({ key: key(t.key, 'tag'), value: text(t.value, 'tag', LIMITS.tagValueLength) }));
  return { metrics, params, tags };
}

/**
 * The events that write a checked batch into a run.
 *
 * @throws MlflowError `INVALID_PARAMETER_VALUE` when a param was logged before with another value
 */
export function batchEvents(run: Experiment, batch: MlflowBatch, now: number): TrackerEvent[] {
  const events: TrackerEvent[] = [];
  if (batch.metrics.length > 0) {
    events.push({
      type: 'metrics',
      experimentId: run.id,
      points: { keys: batch.metrics.map((m) => m.key), steps: batch.metrics.map((m) => m.step), values: batch.metrics.map((m) => m.value), timestamps: batch.metrics.map((m) => m.timestamp), rank: 0 },
    });
  }
  const changes: ExperimentChanges = {};
  if (run.status === 'running' || run.status === 'crashed') changes.heartbeatAt = now;
  const config: Record<string, string> = {};
  for (const p of batch.params) {
    const logged = run.config[p.key];
    if (logged !== undefined && paramText(logged) !== p.value) {
      throw invalidValue(`Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${paramText(logged)}' for run ID='${run.id}'. Attempted logging new value '${p.value}'.`);
    }
    if (logged === undefined) config[p.key] = p.value;
  }
  if (Object.keys(config).length > 0) changes.config = config;
  const tags: Record<string, string> = {};
  for (const t of batch.tags) {
    if (t.key === RUN_NAME_TAG) changes.name = t.value;
    else if (t.key === NOTE_TAG) changes.notes = t.value;
    else tags[t.key] = t.value;
  }
  if (Object.keys(tags).length > 0) changes.tags = tags;
  if (Object.keys(changes).length > 0) events.push({ type: 'experiment_updated', experimentId: run.id, changes });
  return events;
}

function limit(entity: string, most: number, got: number): void {
  if (got > most) throw invalidValue(`A batch logging request can contain at most ${most} ${entity}. Got ${got} ${entity}. Please split up ${entity} across multiple requests and try again.`);
}

function key(value: unknown, entity: string): string {
  if (typeof value !== 'string' || value === '') throw invalidValue(`Invalid value ${JSON.stringify(value)?.slice(0, 100)} for parameter 'key' supplied: a ${entity} key must be a non-empty string`);
  if (value.length > LIMITS.keyLength) throw invalidValue(`'${value.slice(0, 100)}…' exceeds the maximum length of ${LIMITS.keyLength} characters for a ${entity} key`);
  if (!/^[\w\-./ :]+$/.test(value) || value.split('/').includes('..')) {
    throw invalidValue(`Invalid ${entity} name: '${value.slice(0, 250)}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`);
  }
  return value;
}

function text(value: unknown, entity: string, most: number): string {
  const string = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  if (typeof string !== 'string') throw invalidValue(`Invalid value ${JSON.stringify(value)?.slice(0, 100)} for parameter 'value' supplied: a ${entity} value must be a string`);
  if (string.length > most) throw invalidValue(`${entity === 'param' ? 'Param' : 'Tag'} value '${string.slice(0, 100)}…' had length ${string.length}, which exceeded length limit of ${most}`);
  return string;
}

function integer(value: unknown, name: string, fallback: number | undefined): number {
  if (value === undefined || value === null) {
    if (fallback === undefined) throw invalidValue(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);
    return fallback;
  }
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw invalidValue(`Invalid value ${JSON.stringify(value)?.slice(0, 100)} for parameter '${name}' supplied: expected an integer`);
  return number;
}
