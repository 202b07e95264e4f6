/**
 * `EvaluationResult`: what `evaluate` returns, and how per-sample rows become metrics.
 */
import type { EvaluationInput, EvaluationSample, JsonValue } from 'exptrack';
import { meanStderr, percentile, wilsonInterval, Z95 } from './stats.js';

/**
 * Wall-clock figures of a run. Latencies are per request, over rows that got a response (a cached
 * row keeps the latency it had when it was first generated).
 *
 * @example
 * ```ts
 * import type { EvaluationTiming } from 'exptrack/eval';
 * const t: EvaluationTiming = { totalMs: 700, meanLatencyMs: 21, p50LatencyMs: 20.5, p95LatencyMs: 24, samplesPerSecond: 1428 };
 * ```
 */
export interface EvaluationTiming {
  totalMs: number;
  meanLatencyMs: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  /** Finished rows per second of wall-clock time. */
  samplesPerSecond: number;
}

/**
 * How the rows of a run ended.
 *
 * @example
 * ```ts
 * import type { EvaluationCounts } from 'exptrack/eval';
 * const c: EvaluationCounts = { samples: 10, rows: 10, scored: 9, errors: 1, unscored: 0, cached: 0 };
 * ```
 */
export interface EvaluationCounts {
  /** Distinct benchmark items. */
  samples: number;
  /** Items times repeats. */
  rows: number;
  /** Rows with a verdict (right or wrong). */
  scored: number;
  /** Rows whose request still failed after every retry: not wrong answers, counted apart. */
  errors: number;
  /** Rows with a response but no verdict (an unparseable judge verdict). */
  unscored: number;
  /** Rows served from the response cache. */
  cached: number;
}

/**
 * The plain-JSON form of an {@link EvaluationResult}.
 *
 * @example
 * ```ts
 * import type { EvaluationResultDict } from 'exptrack/eval';
 * const d: Pick<EvaluationResultDict, 'benchmark' | 'metrics'> = { benchmark: 'gsm8k', metrics: { accuracy: 0.5 } };
 * ```
 */
export interface EvaluationResultDict {
  benchmark: string;
  model: string;
  metrics: Record<string, number>;
  samples: EvaluationSample[];
  timing: EvaluationTiming;
  counts: EvaluationCounts;
  metadata: Record<string, JsonValue>;
  step: number | null;
}

/**
 * The outcome of an evaluation: flat metrics (each accuracy-like metric with `_stderr`, `_ci_lower`
 * and `_ci_upper`), per-sample rows in the shape of core's `EvaluationSample`, timing and counts.
 * It is an `EvaluationInput`, so `tracker.logEvaluation('gsm8k', result)` stores it as it is.
 *
 * @example
 * ```ts
 * import { evaluate, Gsm8kBenchmark } from 'exptrack/eval';
 * const result = await evaluate({ model: async () => '#### 18', benchmark: new Gsm8kBenchmark({ source: './gsm8k' }) });
 * result.metrics.accuracy;        // strict-match exact match
 * result.metrics.accuracy_stderr; // its standard error
 * JSON.stringify(result);         // toJSON() gives the plain dict
 * ```
 */
export class EvaluationResult implements EvaluationInput {
  readonly benchmark: string;
  readonly model: string;
  readonly metrics: Record<string, number>;
  readonly samples: EvaluationSample[];
  readonly timing: EvaluationTiming;
  readonly counts: EvaluationCounts;
  readonly metadata: Record<string, JsonValue>;
  readonly step: number | null;

  /**
   * @param fields - every field of the result
   */
  constructor(fields: EvaluationResultDict) {
    this.benchmark = fields.benchmark;
    this.model = fields.model;
    this.metrics = fields.metrics;
    this.samples = fields.samples;
    this.timing = fields.timing;
    this.counts = fields.counts;
    this.metadata = fields.metadata;
    this.step = fields.step;
  }

  /**
   * How many rows failed (their request failed after every retry, or scoring failed): the same as
   * `counts.errors`. When it equals `counts.rows`, nothing was evaluated.
   *
   * @example
   * ```ts
   * import { EvaluationResult } from 'exptrack/eval';
   * declare const result: EvaluationResult;
   * if (result.errors === result.counts.rows) throw new Error(`every request failed: ${result.firstError}`);
   * ```
   */
  get errors(): number {
    return this.counts.errors;
  }

  /**
   * The error message of the first failed row, in row order, or null when no row failed
   * (`"ModelRequestError [unavailable]: request to http://127.0.0.1:9/v1/completions failed: fetch failed"`).
   *
   * @example
   * ```ts
   * import { EvaluationResult } from 'exptrack/eval';
   * declare const result: EvaluationResult;
   * if (result.errors > 0) console.warn(`${result.errors} rows failed, first: ${result.firstError}`);
   * ```
   */
  get firstError(): string | null {
    for (const row of this.samples) if (typeof row.error === 'string' && row.error !== '') return row.error;
    return null;
  }

  /**
   * The result as a plain JSON-safe object (a deep copy).
   *
   * @returns the dict
   * @example
   * ```ts
   * import { EvaluationResult } from 'exptrack/eval';
   * declare const result: EvaluationResult;
   * const dict = result.toDict();
   * ```
   */
  toDict(): EvaluationResultDict {
    return JSON.parse(JSON.stringify(this.plain())) as EvaluationResultDict;
  }

  /**
   * Used by `JSON.stringify`.
   *
   * @returns the same as {@link EvaluationResult.toDict}
   * @example
   * ```ts
   * import { EvaluationResult } from 'exptrack/eval';
   * declare const result: EvaluationResult;
   * const text = JSON.stringify(result);
   * ```
   */
  toJSON(): EvaluationResultDict {
    return this.toDict();
  }

  private plain(): EvaluationResultDict {
    return {
      benchmark: this.benchmark,
      model: this.model,
      metrics: this.metrics,
      samples: this.samples,
      timing: this.timing,
      counts: this.counts,
      metadata: this.metadata,
      step: this.step,
    };
  }
}

/**
 * One finished row as the runner keeps it: the stored sample plus its per-sample metric values.
 *
 * @example
 * ```ts
 * import { aggregateRows, type ScoredRow } from 'exptrack/eval';
 * const row: ScoredRow = { row: { id: '1', attempt: 0, correct: true, score: 1 }, metrics: {}, costUsd: null, cached: false };
 * aggregateRows([row], 1, 10).metrics.accuracy; // 1
 * ```
 */
export interface ScoredRow {
  row: EvaluationSample & { attempt: number };
  /** Per-sample metric values from the benchmark's score (absent on error rows). */
  metrics: Record<string, number>;
  costUsd: number | null;
  cached: boolean;
}

/**
 * Adds `name`, `name_stderr`, `name_ci_lower` and `name_ci_upper` for per-sample values: the Wilson
 * interval when every value is 0 or 1, else the normal interval mean +- 1.96 stderr. With one value
 * only the mean is added (no standard error exists).
 *
 * @param metrics - the record to add to
 * @param name - the metric name
 * @param values - the per-sample values (at least one)
 * @example
 * ```ts
 * import { addMeanMetric } from 'exptrack/eval';
 * const m: Record<string, number> = {};
 * addMeanMetric(m, 'accuracy', [1, 0, 1, 1]); // m.accuracy = 0.75, m.accuracy_stderr = 0.25, ...
 * ```
 */
export function addMeanMetric(metrics: Record<string, number>, name: string, values: readonly number[]): void {
  if (values.length === 0) return;
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  metrics[name] = mean;
  const se = meanStderr(values);
  if (se === undefined) return;
  metrics[`${name}_stderr`] = se;
  if (values.every((v) => v === 0 || v === 1)) {
    const ci = wilsonInterval(values.filter((v) => v === 1).length, n);
    metrics[`${name}_ci_lower`] = ci.lower;
    metrics[`${name}_ci_upper`] = ci.upper;
  } else {
    metrics[`${name}_ci_lower`] = mean - Z95 * se;
    metrics[`${name}_ci_upper`] = mean + Z95 * se;
  }
}

/**
 * Turns finished rows into the flat metrics record of a result.
 *
 * @param rows - every row of the run, errors included
 * @param repeats - how many times each sample was run
 * @param totalMs - the wall-clock time of the run
 * @returns metrics, timing and counts
 * @example
 * ```ts
 * import { aggregateRows } from 'exptrack/eval';
 * const { metrics } = aggregateRows([], 1, 0);
 * metrics.n_rows; // 0
 * ```
 */
export function aggregateRows(
  rows: readonly ScoredRow[],
  repeats: number,
  totalMs: number,
): { metrics: Record<string, number>; timing: EvaluationTiming; counts: EvaluationCounts } {
  const metrics: Record<string, number> = {};
  const scored = rows.filter((r) => r.row.error == null && typeof r.row.correct === 'boolean');
  const errors = rows.filter((r) => r.row.error != null).length;
  const unscored = rows.filter((r) => r.row.error == null && typeof r.row.correct !== 'boolean').length;
  const cached = rows.filter((r) => r.cached).length;
  const sampleIds = new Set(rows.map((r) => r.row.id));

  addMeanMetric(metrics, 'accuracy', scored.map((r) => (r.row.correct ? 1 : 0)));
  addMeanMetric(metrics, 'mean_score', scored.map((r) => r.row.score ?? (r.row.correct ? 1 : 0)));

  // Per-sample metrics are averaged over every row that got a response (scored or not): a metric
  // such as judge_unparseable must see the unscored rows too.
  const answered = rows.filter((r) => r.row.error == null);
  const names: string[] = [];
  for (const r of answered) for (const k of Object.keys(r.metrics)) if (!names.includes(k)) names.push(k);
  for (const name of names) {
    const values = answered.map((r) => r.metrics[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    addMeanMetric(metrics, name, values);
  }

  if (repeats > 1) {
    const bySample = new Map<string, ScoredRow[]>();
    for (const r of scored) {
      const list = bySample.get(r.row.id) ?? [];
      list.push(r);
      bySample.set(r.row.id, list);
    }
    const pass: number[] = [];
    const maj: number[] = [];
    for (const list of bySample.values()) {
      list.sort((a, b) => a.row.attempt - b.row.attempt);
      pass.push(list.some((r) => r.row.correct === true) ? 1 : 0);
      maj.push(majorityVote(list).row.correct === true ? 1 : 0);
    }
    addMeanMetric(metrics, `maj@${repeats}`, maj);
    addMeanMetric(metrics, `pass@${repeats}`, pass);
  }

  metrics.n_samples = sampleIds.size;
  metrics.n_rows = rows.length;
  metrics.n_scored = scored.length;
  metrics.n_errors = errors;
  metrics.n_unscored = unscored;
  metrics.n_cached = cached;
  metrics.error_rate = rows.length === 0 ? 0 : errors / rows.length;

  const latencies = rows
    .map((r) => r.row.latencyMs)
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  const timing: EvaluationTiming = {
    totalMs,
    meanLatencyMs: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null,
    p50LatencyMs: latencies.length ? percentile(latencies, 50) : null,
    p95LatencyMs: latencies.length ? percentile(latencies, 95) : null,
    samplesPerSecond: totalMs > 0 ? rows.length / (totalMs / 1000) : 0,
  };
  metrics.total_time_s = totalMs / 1000;
  metrics.samples_per_second = timing.samplesPerSecond;
  if (timing.meanLatencyMs !== null) metrics.latency_mean_ms = timing.meanLatencyMs;
  if (timing.p50LatencyMs !== null) metrics.latency_p50_ms = timing.p50LatencyMs;
  if (timing.p95LatencyMs !== null) metrics.latency_p95_ms = timing.p95LatencyMs;

  const promptTokens = rows.map((r) => r.row.promptTokens).filter((v): v is number => typeof v === 'number');
  const completionTokens = rows.map((r) => r.row.completionTokens).filter((v): v is number => typeof v === 'number');
  const costs = rows.map((r) => r.costUsd).filter((v): v is number => typeof v === 'number');
  if (promptTokens.length) metrics.prompt_tokens = promptTokens.reduce((a, b) => a + b, 0);
  if (completionTokens.length) metrics.completion_tokens = completionTokens.reduce((a, b) => a + b, 0);
  if (costs.length) metrics.cost_usd = costs.reduce((a, b) => a + b, 0);

  return {
    metrics,
    timing,
    counts: { samples: sampleIds.size, rows: rows.length, scored: scored.length, errors, unscored, cached },
  };
}

/**
 * The row whose extracted answer is the most common among the attempts of one sample; ties go to
 * the answer seen first (as lm-eval's `majority_vote` filter, Python's `Counter.most_common`).
 */
function majorityVote(list: readonly ScoredRow[]): ScoredRow {
  const counts = new Map<string, { count: number; first: ScoredRow }>();
  for (const r of list) {
    const key = r.row.extracted ?? '';
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { count: 1, first: r });
  }
  let best: { count: number; first: ScoredRow } | undefined;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry;
  return best!.first;
}
