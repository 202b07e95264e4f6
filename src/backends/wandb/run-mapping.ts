/**
 * How an exptrack experiment maps onto a W&B run: the run id, the UpsertBucket fields, history
 * rows merged by step, the summary and the exit code. Shared by the live backend and the sync, so
 * both produce the same bytes for the same data (which is what makes a sync idempotent).
 */
import { createHash } from 'node:crypto';
import type { CheckpointRecord, Experiment, ExperimentStatus, JsonValue } from '../../core/types.js';
import type { UpsertBucketVariables } from './wandb-client.js';

/**
 * The W&B run id of an experiment: the experiment id itself when it is a valid W&B id (letters,
 * digits, `_` and `-`, at most 64 characters), otherwise a cleaned prefix plus a hash of the id.
 * Deterministic, so every sync of an experiment writes to the same run.
 *
 * @param experimentId - the exptrack experiment id
 * @returns the W&B run id
 * @example
 * ```ts
 * import { wandbRunId } from 'exptrack/wandb';
 * wandbRunId('exp_20250123_143022_a1b2c3'); // 'exp_20250123_143022_a1b2c3'
 * wandbRunId('my run/1');                   // 'my-run-1-' + 8 hex characters
 * ```
 */
export function wandbRunId(experimentId: string): string {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(experimentId)) return experimentId;
  const hash = createHash('sha256').update(experimentId).digest('hex').slice(0, 8);
  return `${experimentId.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 55)}-${hash}`;
}

/** The history key of a training metric: as logged for rank 0, `rank_<r>/<key>` for other ranks. */
export function metricHistoryKey(key: string, rank: number): string {
  return rank === 0 ? key : `rank_${rank}/${key}`;
}

/** The history and summary key of an evaluation metric. */
export function evalHistoryKey(benchmark: string, metric: string): string {
  return `eval/${benchmark}/${metric}`;
}

/**
 * JSON as W&B's history and summary parsers read it: standard JSON, except that NaN, Infinity and
 * -Infinity are written as those bare tokens (what the Python SDK emits for float values).
 */
export function encodeWandbJson(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => encodeWandbJson(v === undefined ? null : v)).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) if (v !== undefined) parts.push(`${JSON.stringify(k)}:${encodeWandbJson(v)}`);
  return `{${parts.join(',')}}`;
}

/** A short fingerprint of a line, kept in the ledger to tell what W&B already has. */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** One history row: everything logged at one step. */
export interface HistoryRow {
  step: number;
  values: Map<string, number>;
  /** Media logged at the step, as W&B's history holds them (`image-file`, `table-file`, `histogram` objects). */
  media?: Map<string, Record<string, unknown>>;
  /** The latest timestamp of the row's points, ms. */
  timestamp: number;
}

/** Adds a value to the row of `step` (a repeated key keeps the last value). */
export function addToRow(rows: Map<number, HistoryRow>, step: number, key: string, value: number, timestamp: number): void {
  let row = rows.get(step);
  if (!row) rows.set(step, (row = { step, values: new Map(), timestamp }));
  row.values.set(key, value);
  if (timestamp > row.timestamp) row.timestamp = timestamp;
}

/** The history line of a row: `_step`, `_runtime` (s since the run started), `_timestamp` (s), then the keys in sorted order. */
export function encodeHistoryLine(row: HistoryRow, createdAt: number): string {
  const out: Record<string, number> = {
    _step: row.step,
    _runtime: Math.max(0, row.timestamp - createdAt) / 1000,
    _timestamp: row.timestamp / 1000,
  };
  for (const key of [...row.values.keys()].sort()) out[key] = row.values.get(key)!;
  if (row.media) for (const key of [...row.media.keys()].sort()) (out as Record<string, unknown>)[key] = row.media.get(key)!;
  return encodeWandbJson(out);
}

/** The run's summary, built the same way from live events and from a store. */
export class SummaryState {
  private readonly last = new Map<string, { step: number; value: number }>();
  private readonly evaluations = new Map<string, Record<string, number>>();
  private readonly checkpoints: Array<Record<string, JsonValue>> = [];
  user: Record<string, JsonValue> = {};
  status: ExperimentStatus = 'running';

  constructor(private readonly experimentId: string) {}

  /** A history value: the summary keeps the value at the highest step (the last one logged there). */
  addPoint(key: string, step: number, value: number): void {
    const current = this.last.get(key);
    if (current === undefined || step >= current.step) this.last.set(key, { step, value });
  }

  /** An evaluation: its metrics under `eval/<benchmark>/<metric>`, the latest evaluation of a benchmark winning. */
  addEvaluation(benchmark: string, metrics: Record<string, number>, step: number | null): void {
    if (step !== null) for (const [metric, value] of Object.entries(metrics)) this.addPoint(evalHistoryKey(benchmark, metric), step, value);
    this.evaluations.set(benchmark, { ...metrics });
  }

  /** A checkpoint, recorded as metadata (the file itself is not uploaded). */
  addCheckpoint(checkpoint: CheckpointRecord): void {
    this.checkpoints.push({
      path: checkpoint.path,
      step: checkpoint.step,
      sha256: checkpoint.sha256,
      size_bytes: checkpoint.sizeBytes,
      file_count: checkpoint.fileCount,
      metrics: { ...checkpoint.metrics },
      created_at: checkpoint.createdAt,
    });
  }

  /** Merges the user's summary (`logSummary`). */
  mergeUser(summary: Record<string, JsonValue>): void {
    this.user = { ...this.user, ...summary };
  }

  /** The summary as the wandb-summary.json line. */
  encode(): string {
    const out: Record<string, unknown> = {};
    for (const key of [...this.last.keys()].sort()) out[key] = this.last.get(key)!.value;
    for (const benchmark of [...this.evaluations.keys()].sort()) {
      const metrics = this.evaluations.get(benchmark)!;
      for (const metric of Object.keys(metrics).sort()) out[evalHistoryKey(benchmark, metric)] = metrics[metric];
    }
    for (const key of Object.keys(this.user).sort()) out[key] = this.user[key];
    out['exptrack/experiment_id'] = this.experimentId;
    out['exptrack/status'] = this.status;
    if (this.checkpoints.length > 0) out['exptrack/checkpoints'] = this.checkpoints;
    return encodeWandbJson(out);
  }
}

/**
 * The exit code W&B is told when a run ends: 0 for `completed`, 1 for `failed`, 128 + the signal
 * number for `killed` (130 for SIGINT, 143 for SIGTERM; 130 when the signal is unknown). A
 * `running` or `crashed` run gets none: W&B marks a run whose heartbeat stops as crashed itself.
 */
export function exitCodeFor(status: ExperimentStatus, summary: Record<string, JsonValue>): number | null {
  switch (status) {
    case 'completed':
      return 0;
    case 'failed':
      return 1;
    case 'killed':
      return summary.interrupted_by === 'SIGTERM' ? 143 : 130;
    default:
      return null;
  }
}

/** W&B tags from exptrack tags: `key` for a tag without a value, `key:value` otherwise, sorted. */
export function wandbTags(tags: Record<string, string>): string[] {
  return Object.entries(tags)
    .map(([key, value]) => (value === '' ? key : `${key}:${value}`))
    .sort();
}

/** W&B's stored config format: `{ key: { value, desc: null } }`. */
export function wandbConfig(config: Record<string, JsonValue | undefined>): string {
  const out: Record<string, { value: JsonValue; desc: null }> = {};
  for (const [key, value] of Object.entries(config)) if (value !== undefined) out[key] = { value, desc: null };
  return encodeWandbJson(out);
}

/** The UpsertBucket fields of an experiment. */
export function upsertVariables(experiment: Experiment, target: { entity: string; project: string; jobType?: string }): UpsertBucketVariables {
  const vars: UpsertBucketVariables = {
    name: wandbRunId(experiment.id),
    entity: target.entity,
    project: target.project,
    displayName: experiment.name,
    notes: experiment.notes,
    config: wandbConfig(experiment.config),
    tags: wandbTags(experiment.tags),
  };
  if (experiment.group !== null) vars.groupName = experiment.group;
  const jobType = target.jobType ?? experiment.tags.job_type;
  if (jobType) vars.jobType = jobType;
  if (experiment.git) {
    vars.commit = experiment.git.commit;
    if (experiment.git.remoteUrl) vars.repo = experiment.git.remoteUrl;
  }
  if (experiment.environment) {
    vars.host = experiment.environment.hostname;
    const program = experiment.environment.argv[1];
    if (program) vars.program = program;
  }
  return vars;
}
