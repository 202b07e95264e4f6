import type { EvaluationSample } from '../../core/types.js';

/** Per-item scores of one evaluation: one value per item id, the mean over its attempts. */
export interface ItemScores {
  /** Item ids, in first-seen order. */
  ids: string[];
  /** The item's score, aligned with `ids`. */
  scores: number[];
  /** Item id → score. */
  byId: Map<string, number>;
  /** Every item score is 0 or 1. */
  binary: boolean;
  /** Rows that were scored (attempts count separately). */
  rows: number;
  /** The mean over rows, which is what the evaluation's metric records. */
  rowMean: number;
}

/**
 * The per-sample value that scores `metric`: `correct` as 0/1 for `accuracy` (the runner's
 * definition); the row's own value of the metric when `metadata.metrics` has it (as the eval runner
 * stores per-sample metrics: `acc_norm` of a multiple-choice row, `numeric_match` of GSM8K); else
 * `score`, falling back to `correct`. Rows with an `error` were not scored.
 */
export function sampleValue(sample: EvaluationSample, metric: string): number | undefined {
  if (sample.error != null) return undefined;
  if (metric === 'accuracy') return typeof sample.correct === 'boolean' ? Number(sample.correct) : undefined;
  const own = (sample.metadata as { metrics?: Record<string, unknown> } | null | undefined)?.metrics?.[metric];
  if (typeof own === 'number' && Number.isFinite(own)) return own;
  if (typeof sample.score === 'number' && Number.isFinite(sample.score)) return sample.score;
  return typeof sample.correct === 'boolean' ? Number(sample.correct) : undefined;
}

/** Collapses rows into item scores (attempts averaged per item), or undefined when no row scores `metric`. */
export function itemScores(samples: readonly EvaluationSample[], metric: string): ItemScores | undefined {
  const sums = new Map<string, { sum: number; count: number }>();
  let rows = 0;
  let total = 0;
  for (const sample of samples) {
    const value = sampleValue(sample, metric);
    if (value === undefined) continue;
    rows += 1;
    total += value;
    const entry = sums.get(sample.id);
    if (entry === undefined) sums.set(sample.id, { sum: value, count: 1 });
    else {
      entry.sum += value;
      entry.count += 1;
    }
  }
  if (rows === 0) return undefined;
  const ids: string[] = [];
  const scores: number[] = [];
  const byId = new Map<string, number>();
  let binary = true;
  for (const [id, { sum, count }] of sums) {
    const score = sum / count;
    ids.push(id);
    scores.push(score);
    byId.set(id, score);
    if (score !== 0 && score !== 1) binary = false;
  }
  return { ids, scores, byId, binary, rows, rowMean: total / rows };
}

/** Whether per-sample rows reproduce a recorded metric value (so they may give its error bars). */
export function samplesMatch(items: ItemScores, recorded: number): boolean {
  return Math.abs(items.rowMean - recorded) <= 1e-9 * Math.max(1, Math.abs(recorded));
}
