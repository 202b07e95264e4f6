/**
 * Evaluations from MLflow clients: a table uploaded as the artifact `exptrack-evaluations/<benchmark>.json`
 * in the JSON that `mlflow.log_table` writes (`{ "columns": [...], "data": [[...], ...] }`; `log_dict`
 * of the same shape works without pandas), with an `id` column and a `correct` and/or `score` column,
 * also becomes an exptrack evaluation of the run with one sample per row — so `exptrack compare` and
 * `significance` can test an MLflow run against any other run item by item.
 * @module
 */
import type { EvaluationSample, JsonValue, TrackerEvent } from 'exptrack';
import { invalidValue } from './mlflow-error.js';

const PATH = /^exptrack-evaluations\/([A-Za-z0-9_.-]{1,100})\.json$/;
const MAX_ROWS = 1_000_000;

/**
 * The evaluation event of an uploaded artifact, or undefined when the path is not an evaluation table.
 *
 * @throws MlflowError 400 when the path is one but the table is not readable
 */
export function evaluationFromTable(runId: string, path: string, bytes: Uint8Array, now: number): TrackerEvent | undefined {
  const benchmark = PATH.exec(path)?.[1];
  if (benchmark === undefined) return undefined;
  let table: { columns?: unknown; data?: unknown };
  try {
    table = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof table;
  } catch {
    throw invalidValue(`${path} is not JSON: an evaluation table is { "columns": [...], "data": [[...]] }`);
  }
  const { columns, data } = table;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string') || !Array.isArray(data) || data.length > MAX_ROWS) {
    throw invalidValue(`${path} is not an evaluation table: expected { "columns": [names], "data": [rows] } with at most ${MAX_ROWS} rows`);
  }
  const at = (name: string) => columns.indexOf(name);
  if (at('id') === -1 || (at('correct') === -1 && at('score') === -1)) throw invalidValue(`${path} needs an "id" column and a "correct" or "score" column`);
  const samples: EvaluationSample[] = data.map((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) throw invalidValue(`${path}: row ${i} does not have ${columns.length} values`);
    const sample: EvaluationSample = { id: String(row[at('id')]) };
    const metadata: Record<string, JsonValue> = {};
    columns.forEach((name, c) => {
      const value = row[c] as JsonValue;
      if (name === 'id') return;
      if (name === 'correct') sample.correct = value === null ? null : value === true || value === 1 || value === 'true';
      else if (name === 'score') sample.score = typeof value === 'number' ? value : null;
      else if (['prompt', 'output', 'extracted', 'gold', 'error'].includes(name)) (sample as unknown as Record<string, unknown>)[name] = value === null ? null : String(value);
      else metadata[name] = value;
    });
    if (Object.keys(metadata).length > 0) sample.metadata = metadata;
    return sample;
  });
  const mean = (values: number[]) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
  const metrics: Record<string, number> = {};
  if (at('correct') !== -1) metrics.accuracy = mean(samples.filter((s) => typeof s.correct === 'boolean').map((s) => (s.correct ? 1 : 0)));
  if (at('score') !== -1) metrics.score = mean(samples.flatMap((s) => (typeof s.score === 'number' ? [s.score] : [])));
  return { type: 'evaluation', experimentId: runId, evaluation: { benchmark, metrics, metadata: { source: 'mlflow', artifact: path }, step: null, createdAt: now }, samples };
}
