import type { TrackerEvent } from '../../core/backend.js';
import { encodeNumbers } from '../../core/json-numbers.js';
import type { CheckpointRecord, EvaluationSample, Experiment } from '../../core/types.js';
import type { StoreValues } from './store-dialect.js';

/**
 * The values both SQL stores insert for an event, in the column order of their INSERT statements:
 * JSON as text (SQLite stores it as is, Postgres casts it to jsonb), metrics with non-finite values
 * as strings, booleans as the dialect stores them.
 */

/** `experiments`: id, name, notes, group_name, status, created_at, ended_at, heartbeat_at, config, tags, summary, git, git_commit, environment, error. */
export function experimentRow(e: Experiment): unknown[] {
  return [
    e.id, e.name, e.notes, e.group, e.status, e.createdAt, e.endedAt, e.heartbeatAt,
    JSON.stringify(e.config), JSON.stringify(e.tags), JSON.stringify(e.summary), e.git && JSON.stringify(e.git), e.git?.commit ?? null,
    e.environment && JSON.stringify(e.environment), e.error && JSON.stringify(e.error),
  ];
}

type EvaluationEvent = Extract<TrackerEvent, { type: 'evaluation' }>;

/** `evaluations`: experiment_id, benchmark, metrics, metadata, step, sample_count, created_at. */
export function evaluationRow(event: EvaluationEvent): unknown[] {
  const { evaluation, samples } = event;
  return [event.experimentId, evaluation.benchmark, JSON.stringify(encodeNumbers(evaluation.metrics)), JSON.stringify(evaluation.metadata), evaluation.step, samples.length, evaluation.createdAt];
}

/**
 * `evaluation_samples` after evaluation_id and position: sample_id, prompt, output, extracted, gold,
 * correct, score, latency_ms, prompt_tokens, completion_tokens, error, attempt, metadata.
 */
export function sampleRow(s: EvaluationSample, dialect: StoreValues): unknown[] {
  return [
    s.id,
    s.prompt ?? null,
    s.output ?? null,
    s.extracted ?? null,
    s.gold ?? null,
    dialect.writeBool(s.correct ?? null),
    s.score ?? null,
    s.latencyMs ?? null,
    s.promptTokens ?? null,
    s.completionTokens ?? null,
    s.error ?? null,
    s.attempt ?? 0,
    s.metadata === undefined ? null : JSON.stringify(s.metadata),
  ];
}

/** `checkpoints`: experiment_id, path, step, metrics, size_bytes, sha256, file_count, created_at. */
export function checkpointRow(experimentId: string, c: CheckpointRecord): unknown[] {
  return [experimentId, c.path, c.step, JSON.stringify(encodeNumbers(c.metrics)), c.sizeBytes, c.sha256, c.fileCount, c.createdAt];
}

/**
 * The positions of each series' points, in logging order, keyed by series id (consecutive points
 * of one key are looked up once). Both stores insert a batch series by series: one contiguous
 * range of the primary key at a time.
 */
export function groupBySeries(keys: ArrayLike<string>, seriesId: (key: string) => number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  let lastKey: string | undefined;
  let lastGroup: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== lastKey) {
      const id = seriesId(key);
      let group = groups.get(id);
      if (!group) groups.set(id, (group = []));
      lastKey = key;
      lastGroup = group;
    }
    lastGroup.push(i);
  }
  return groups;
}
