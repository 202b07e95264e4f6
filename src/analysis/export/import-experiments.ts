import { isReadable, type Backend, type TrackerEvent } from '../../core/backend.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import { EXPERIMENT_STATUSES, type EvaluationSample, type Experiment, type JsonValue, type MetricPoint } from '../../core/types.js';
import { decodeJson, decodeNumber, decodeNumbers, readExport, requireArray as list, requireObject, requireString as text } from './export-format.js';
import { decodeOutputs } from './import-outputs.js';
import { validateExportedExperiment } from './validate-export.js';

/**
 * Options of {@link importExperiments}.
 *
 * @example
 * ```ts
 * const options: ImportOptions = { onConflict: 'skip' };
 * ```
 */
export interface ImportOptions {
  /**
   * What to do with an experiment whose id the backend already holds (checked when the backend
   * can be read): `error` fails before anything is written, `skip` leaves it out.
   * @defaultValue `'error'`
   */
  onConflict?: 'error' | 'skip';
  /**
   * The directory `exportArtifactBlobs` wrote the export's bytes to. Without it, artifacts and
   * images are left out (and counted in `withoutBytes`); tables, histograms and lineage still come.
   */
  artifactsDir?: string;
}

/**
 * What {@link importExperiments} did.
 *
 * @example
 * ```ts
 * import { importExperiments } from 'exptrack/analysis';
 * const r = await importExperiments(backend, dump, { onConflict: 'skip' });
 * // { imported: ['exp_1'], skipped: ['exp_2'], events: 5 }
 * ```
 */
export interface ImportResult {
  /** Ids written, in the order of the export. */
  imported: string[];
  /** Ids left out because the backend held them already (`onConflict: 'skip'`). */
  skipped: string[];
  /** How many events were written. */
  events: number;
  /** Artifacts and images left out because no `artifactsDir` was given. */
  withoutBytes: number;
}

const POINTS_PER_EVENT = 10_000;

/**
 * Restores exported experiments into any backend through its write path
 * (`backend.write(events)`, one call per experiment: the experiment, its metric points, its
 * evaluations with their samples, its checkpoints). Everything comes back as it was exported:
 * ids, timestamps, status, NaN and ±Infinity.
 *
 * @param backend - The backend to write into (it need not be readable; conflicts are checked when it is).
 * @param json - An export ({@link exportExperiment}, {@link exportAll}), as an object or JSON text.
 * @param options - What to do with ids the backend holds already.
 * @returns The ids imported and skipped.
 * @throws ExptrackError `parse_error` for JSON text that does not parse; `invalid_input` naming the
 * path of a malformed or hostile field (`json.experiments[2].metrics[5].value`,
 * `json.experiments[3].experiment.createdAt`: see {@link validateExportedExperiment}); `unsupported` for an export
 * of a newer schema version; `already_exists` naming the id of a conflict with `onConflict: 'error'`
 * (nothing is written then); the backend's own error when a write fails.
 *
 * @example
 * ```ts
 * import { importExperiments } from 'exptrack/analysis';
 * import { SqliteBackend } from 'exptrack/sqlite';
 * import { readFile } from 'node:fs/promises';
 * const backend = new SqliteBackend({ path: 'runs.db' });
 * await backend.init();
 * const { imported } = await importExperiments(backend, await readFile('runs.json', 'utf8'));
 * ```
 */
export async function importExperiments(backend: Backend, json: unknown, options: ImportOptions = {}): Promise<ImportResult> {
  if (typeof backend !== 'object' || backend === null || typeof (backend as Partial<Backend>).write !== 'function') {
    throw invalidInput('backend', backend, 'must be a backend (it has write(events))');
  }
  const onConflict = options.onConflict ?? 'error';
  if (onConflict !== 'error' && onConflict !== 'skip') throw invalidInput('onConflict', onConflict, "must be 'error' or 'skip'");
  const { experiments } = readExport(json);
  // Check and decode everything first: a malformed or hostile export writes nothing.
  experiments.forEach((entry, i) => validateExportedExperiment(entry, `json.experiments[${i}]`));
  const batches = experiments.map((entry, i) => decodeExperiment(entry, `json.experiments[${i}]`));
  let withoutBytes = 0;
  for (const [i, batch] of batches.entries()) {
    const outputs = await decodeOutputs(experiments[i] as Record<string, unknown>, batch.id, `json.experiments[${i}]`, options.artifactsDir);
    batch.events.push(...outputs.events);
    withoutBytes += outputs.withoutBytes;
  }
  const seen = new Set<string>();
  for (const batch of batches) {
    if (seen.has(batch.id)) throw new ExptrackError(`the export holds experiment ${batch.id} twice`, { code: 'invalid_input', field: 'json.experiments', value: batch.id });
    seen.add(batch.id);
  }
  const existing = new Set<string>();
  if (isReadable(backend)) {
    for (const batch of batches) if ((await backend.getExperiment(batch.id)) !== undefined) existing.add(batch.id);
    const first = batches.find((b) => existing.has(b.id));
    if (first !== undefined && onConflict === 'error') {
      throw new ExptrackError(`experiment ${first.id} exists already in ${backend.name}; nothing was imported (use onConflict: 'skip')`, {
        code: 'already_exists',
        field: 'id',
        value: first.id,
        backend: backend.name,
      });
    }
  }
  const result: ImportResult = { imported: [], skipped: [], events: 0, withoutBytes };
  for (const batch of batches) {
    if (existing.has(batch.id)) {
      result.skipped.push(batch.id);
      continue;
    }
    await backend.write(batch.events);
    result.imported.push(batch.id);
    result.events += batch.events.length;
  }
  return result;
}

function decodeExperiment(entry: unknown, path: string): { id: string; events: TrackerEvent[] } {
  const root = requireObject(entry, path);
  const experiment = readExperiment(decodeJson(requireObject(root.experiment, `${path}.experiment`)) as Record<string, JsonValue>, `${path}.experiment`);
  const id = experiment.id;
  const events: TrackerEvent[] = [{ type: 'experiment_started', experiment }];
  const points = list(root.metrics, `${path}.metrics`).map((p, i): MetricPoint => {
    const at = `${path}.metrics[${i}]`;
    const point = requireObject(p, at);
    return {
      key: text(point.key, `${at}.key`),
      step: num(point.step, `${at}.step`),
      value: decodeNumber(point.value, `${at}.value`),
      timestamp: num(point.timestamp, `${at}.timestamp`),
      rank: num(point.rank, `${at}.rank`),
    };
  });
  // Events carry columns written by one rank: cut the points into runs of one rank, in order.
  for (let start = 0; start < points.length; ) {
    const rank = (points[start] as MetricPoint).rank;
    let end = start + 1;
    while (end < points.length && end - start < POINTS_PER_EVENT && (points[end] as MetricPoint).rank === rank) end += 1;
    const run = points.slice(start, end);
    events.push({
      type: 'metrics',
      experimentId: id,
      points: { keys: run.map((p) => p.key), steps: run.map((p) => p.step), values: run.map((p) => p.value), timestamps: run.map((p) => p.timestamp), rank },
    });
    start = end;
  }
  list(root.evaluations, `${path}.evaluations`).forEach((e, i) => {
    const at = `${path}.evaluations[${i}]`;
    const evaluation = requireObject(e, at);
    events.push({ type: 'evaluation', experimentId: id, evaluation: decodeEvaluation(evaluation, at), samples: list(evaluation.samples ?? [], `${at}.samples`).map((s, k) => readSample(s, `${at}.samples[${k}]`)) });
  });
  list(root.checkpoints ?? [], `${path}.checkpoints`).forEach((c, i) => events.push(decodeCheckpoint(c, id, `${path}.checkpoints[${i}]`)));
  return { id, events };
}

/** @internal An exported evaluation's record (without its samples), checked. */
export function decodeEvaluation(evaluation: Record<string, unknown>, at: string): Extract<TrackerEvent, { type: 'evaluation' }>['evaluation'] {
  return {
    benchmark: text(evaluation.benchmark, `${at}.benchmark`),
    metrics: decodeNumbers(evaluation.metrics, `${at}.metrics`),
    metadata: decodeJson(requireObject(evaluation.metadata ?? {}, `${at}.metadata`)) as Record<string, JsonValue>,
    step: evaluation.step === null || evaluation.step === undefined ? null : num(evaluation.step, `${at}.step`),
    createdAt: num(evaluation.createdAt, `${at}.createdAt`),
  };
}

/** @internal An exported checkpoint as the event that stores it, checked. */
export function decodeCheckpoint(raw: unknown, id: string, at: string): TrackerEvent {
  const checkpoint = requireObject(raw, at);
  return {
    type: 'checkpoint',
    experimentId: id,
    checkpoint: {
      experimentId: id,
      path: text(checkpoint.path, `${at}.path`),
      step: checkpoint.step === null || checkpoint.step === undefined ? null : num(checkpoint.step, `${at}.step`),
      metrics: decodeNumbers(checkpoint.metrics ?? {}, `${at}.metrics`),
      sizeBytes: num(checkpoint.sizeBytes, `${at}.sizeBytes`),
      sha256: text(checkpoint.sha256, `${at}.sha256`),
      fileCount: num(checkpoint.fileCount, `${at}.fileCount`),
      createdAt: num(checkpoint.createdAt, `${at}.createdAt`),
    },
  };
}

/** @internal An exported experiment record, decoded, as the tracker stores it. */
export function readExperiment(raw: Record<string, JsonValue>, path: string): Experiment {
  const status = raw.status;
  if (typeof status !== 'string' || !(EXPERIMENT_STATUSES as readonly string[]).includes(status)) {
    throw invalidInput(`${path}.status`, status, `must be one of ${EXPERIMENT_STATUSES.join(', ')}`);
  }
  const tags = requireObject(raw.tags ?? {}, `${path}.tags`);
  for (const [key, value] of Object.entries(tags)) text(value, `${path}.tags.${key}`);
  const nullableNumber = (field: string) => (raw[field] === null || raw[field] === undefined ? null : num(raw[field], `${path}.${field}`));
  return {
    id: text(raw.id, `${path}.id`),
    name: text(raw.name, `${path}.name`),
    notes: raw.notes === undefined ? '' : text(raw.notes, `${path}.notes`),
    group: raw.group === null || raw.group === undefined ? null : text(raw.group, `${path}.group`),
    config: requireObject(raw.config, `${path}.config`) as Experiment['config'],
    tags: tags as Record<string, string>,
    status: status as Experiment['status'],
    createdAt: num(raw.createdAt, `${path}.createdAt`),
    endedAt: nullableNumber('endedAt'),
    heartbeatAt: nullableNumber('heartbeatAt'),
    git: raw.git === null || raw.git === undefined ? null : (requireObject(raw.git, `${path}.git`) as unknown as Experiment['git']),
    environment: raw.environment === null || raw.environment === undefined ? null : (requireObject(raw.environment, `${path}.environment`) as unknown as Experiment['environment']),
    summary: requireObject(raw.summary ?? {}, `${path}.summary`) as Record<string, JsonValue>,
    error: raw.error === null || raw.error === undefined ? null : (requireObject(raw.error, `${path}.error`) as unknown as Experiment['error']),
  };
}

/** @internal An exported sample, checked and decoded. */
export function readSample(raw: unknown, path: string): EvaluationSample {
  const sample = requireObject(raw, path);
  const out: EvaluationSample = { ...(sample as Record<string, unknown>), id: text(sample.id, `${path}.id`) } as EvaluationSample;
  for (const field of ['score', 'latencyMs', 'promptTokens', 'completionTokens'] as const) {
    const value = sample[field];
    if (value !== undefined && value !== null) out[field] = decodeNumber(value, `${path}.${field}`);
  }
  if (sample.metadata !== undefined) out.metadata = decodeJson(requireObject(sample.metadata, `${path}.metadata`)) as Record<string, JsonValue>;
  return out;
}

/** @internal A finite number, or an error naming the field. */
export function num(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidInput(path, value, 'must be a finite number');
  return value;
}
