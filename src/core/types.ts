/**
 * The data model every part of exptrack shares: experiments, metric points, evaluations,
 * samples and checkpoints, as the tracker writes them and the backends return them.
 * @module
 */

/** A JSON value: what configs, summaries and metadata may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The life of a run: `running`, then `completed`, `failed` (an uncaught error), `killed` (SIGINT or
 * SIGTERM) or `crashed` (the process vanished: its heartbeat stopped).
 */
export type ExperimentStatus = 'running' | 'completed' | 'failed' | 'killed' | 'crashed';

/** Every status, in lifecycle order. */
export const EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['running', 'completed', 'failed', 'killed', 'crashed'];

/**
 * The hyperparameters of a run. The common ones are typed; any other JSON value is accepted.
 * Immutable once logged.
 *
 * @example
 * ```ts
 * const config: ExperimentConfig = { learning_rate: 3e-4, batch_size: 32, model: 'mlp', hidden: [64, 64] };
 * ```
 */
export interface ExperimentConfig {
  learning_rate?: number;
  batch_size?: number;
  num_steps?: number;
  num_epochs?: number;
  lora_rank?: number;
  seed?: number;
  model?: string;
  optimizer?: string;
  weight_decay?: number;
  warmup_steps?: number;
  [key: string]: JsonValue | undefined;
}

/**
 * The git state of the code a run was started from, read without writing to `.git`.
 * `dirty` means tracked files were modified or staged; untracked files are counted apart.
 */
export interface GitInfo {
  /** The HEAD commit, 40 hex characters. */
  commit: string;
  /** The checked-out branch, or null on a detached HEAD. */
  branch: string | null;
  /** The `origin` remote (or the first remote) with any credentials removed. */
  remoteUrl: string | null;
  /** Whether tracked files differ from HEAD (modified, staged or deleted). */
  dirty: boolean;
  /** Tracked files that differ from HEAD, relative to the repository root. */
  changedFiles: string[];
  /** How many untracked, non-ignored files the work tree has. */
  untrackedCount: number;
  /** A unified diff of the changed tracked files against HEAD, capped at 1 MiB; null when clean. */
  patch: string | null;
  /** Whether `patch` was cut at the cap (the tree can then not be restored exactly). */
  patchTruncated: boolean;
  /** The repository root. */
  root: string;
  /** How the state was read: `git-cli` (fast path) or `isomorphic-git`. */
  via: 'git-cli' | 'isomorphic-git';
}

/** The machine and process a run ran in. Secrets are never recorded. */
export interface EnvironmentInfo {
  /** The command that reproduces the run: `process.execPath`, then the script and its arguments. */
  argv: string[];
  cwd: string;
  nodeVersion: string;
  platform: string;
  osRelease: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  hostname: string;
  user: string | null;
  pid: number;
  /** Versions of the dependencies named in the nearest package.json, as installed. */
  packages: Record<string, string>;
  /** Allow-listed environment variables (never a name containing KEY, TOKEN, SECRET or PASSWORD). */
  env: Record<string, string>;
}

/** An error recorded on a failed run. */
export interface RecordedError {
  message: string;
  stack: string | null;
}

/**
 * One experiment (a run), as stored.
 *
 * @example
 * ```ts
 * const exp = await backend.getExperiment(id);
 * console.log(exp?.status, exp?.config.learning_rate);
 * ```
 */
export interface Experiment {
  id: string;
  name: string;
  notes: string;
  group: string | null;
  config: ExperimentConfig;
  tags: Record<string, string>;
  status: ExperimentStatus;
  /** Milliseconds since the epoch. */
  createdAt: number;
  endedAt: number | null;
  /** The last sign of life of a running experiment. */
  heartbeatAt: number | null;
  git: GitInfo | null;
  environment: EnvironmentInfo | null;
  summary: Record<string, JsonValue>;
  error: RecordedError | null;
}

/** One logged value of a training metric. `value` may be NaN or ±Infinity. */
export interface MetricPoint {
  key: string;
  step: number;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** The writer's rank in a multi-process run (0 for a single process). */
  rank: number;
}

/**
 * Metric points in columns, as the tracker hands them to backends: point i is
 * (`keys[i]`, `steps[i]`, `values[i]`, `timestamps[i]`), all written by one `rank`. Columns cost far
 * less than one object per point on the logging hot path. In a batch from the tracker, each array is
 * built the first time it is read (the tracker keeps points in typed arrays until then); after that
 * it is an ordinary array the backend may keep or change.
 *
 * @example
 * ```ts
 * const columns: MetricColumns = { keys: ['loss', 'acc'], steps: [1, 1], values: [0.5, NaN], timestamps: [Date.now(), Date.now()], rank: 0 };
 * ```
 */
export interface MetricColumns {
  keys: string[];
  steps: number[];
  values: number[];
  timestamps: number[];
  rank: number;
}

/**
 * Which steps of a metric to outline, and in how many columns (see
 * `ExperimentReader.getMetricOutline`).
 *
 * @example
 * ```ts
 * const whole: MetricOutlineQuery = { buckets: 1400 };
 * const zoomed: MetricOutlineQuery = { fromStep: 400_000, toStep: 410_000, buckets: 1400 };
 * ```
 */
export interface MetricOutlineQuery {
  /** The first step of the window, included (a fraction is rounded up). @defaultValue the metric's first step */
  fromStep?: number;
  /** The last step of the window, included (a fraction is rounded down). @defaultValue the metric's last step */
  toStep?: number;
  /** How many columns the window is drawn in, such as a chart's width in pixels: an integer, 1..100,000. */
  buckets: number;
}

/**
 * The points of one metric in a step window, reduced to what `buckets` columns can show, with the
 * counts a chart needs to say "2,800 of 1,000,000 points drawn".
 *
 * When the window holds at most `2 × buckets` finite points, `steps`/`values` hold every one of
 * them (`reduced` false), in the order `getMetrics` returns them. Otherwise the window's steps,
 * from `firstStep` to `lastStep`, are split into `buckets` equal integer ranges, and each range
 * contributes two points (`reduced` true): the first with its lowest value and the first with its
 * highest, in step order (the lower first when both share a step; once when they are the same
 * point); the window's first and last finite point are kept too, so the curve spans the window.
 * So every spike survives, and at most `2 × buckets + 2` points come back.
 *
 * NaN and ±Infinity are counted in `count` and `nonFinite` but never drawn. Several points at one
 * step (two ranks logging the same step, or a step logged twice) are separate points: all are kept
 * when the window is not reduced, and each competes for its range's lowest and highest.
 *
 * @example
 * ```ts
 * const outline: MetricOutline = {
 *   key: 'loss', count: 1_000_000, nonFinite: 3, firstStep: 0, lastStep: 999_999, reduced: true,
 *   steps: [0, 512, 714, 1001], values: [2.3, 1.9, 2.0, 1.7], // ... two points per column
 * };
 * ```
 */
export interface MetricOutline {
  key: string;
  /** Points in the window, non-finite ones included. */
  count: number;
  /** How many of them are NaN or ±Infinity (counted, never in `steps`/`values`). */
  nonFinite: number;
  /** The lowest step of the window's points, or null when it holds none. */
  firstStep: number | null;
  /** The highest step of the window's points, or null when it holds none. */
  lastStep: number | null;
  /** True when the points were reduced to each range's lowest and highest. */
  reduced: boolean;
  /** The steps of the drawn points, in order (one step may repeat). */
  steps: number[];
  /** Their values, all finite. */
  values: number[];
}

/**
 * One scored item of an evaluation. Every field but `id` is optional.
 *
 * @example
 * ```ts
 * const row: EvaluationSample = { id: 'gsm8k-17', output: '... #### 18', extracted: '18', gold: '18', correct: true };
 * ```
 */
export interface EvaluationSample {
  /** The item's id, stable across runs, so two runs can be paired item by item. */
  id: string;
  prompt?: string | null;
  /** The raw model output. */
  output?: string | null;
  /** The answer extracted from the output. */
  extracted?: string | null;
  gold?: string | null;
  correct?: boolean | null;
  /** A graded score (0..1 or any scale); for binary scorers 1 or 0. */
  score?: number | null;
  latencyMs?: number | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  /** Why the item could not be scored (the request failed); such items are not wrong answers. */
  error?: string | null;
  /** Which of k repeats this row is (0-based). */
  attempt?: number;
  /** Anything else worth keeping per item (cluster, subject, level, judge rationale). */
  metadata?: Record<string, JsonValue>;
}

/**
 * What `tracker.logEvaluation(benchmark, result)` accepts. An `EvaluationResult` of `exptrack/eval`
 * fits this shape.
 *
 * @example
 * ```ts
 * await tracker.logEvaluation('gsm8k', { metrics: { accuracy: 0.73 }, samples: [{ id: '1', correct: true }] });
 * ```
 */
export interface EvaluationInput {
  metrics: Record<string, number>;
  samples?: readonly EvaluationSample[];
  metadata?: Record<string, JsonValue>;
  /** The training step the evaluation belongs to, if any. */
  step?: number | null;
}

/** An evaluation as stored (its samples are read apart, with `getEvaluationSamples`). */
export interface EvaluationRecord {
  experimentId: string;
  benchmark: string;
  metrics: Record<string, number>;
  metadata: Record<string, JsonValue>;
  step: number | null;
  sampleCount: number;
  createdAt: number;
}

/** A sample as stored, with the evaluation it belongs to. */
export interface StoredEvaluationSample extends EvaluationSample {
  experimentId: string;
  benchmark: string;
}

/** A saved checkpoint: where it is, and the size and SHA-256 it had when logged. */
export interface CheckpointRecord {
  experimentId: string;
  path: string;
  step: number | null;
  metrics: Record<string, number>;
  sizeBytes: number;
  /** SHA-256 of the file, or of the sorted (relative path, file hash) list of a directory. */
  sha256: string;
  fileCount: number;
  createdAt: number;
}

/** Per-key figures of a training metric, kept up to date as points arrive. */
export interface MetricSummary {
  experimentId: string;
  key: string;
  count: number;
  firstStep: number;
  lastStep: number;
  /** The value at the highest step (the last logged one when a step repeats). */
  last: number;
  /** Min and max over the finite and infinite values; NaN when every value was NaN. */
  min: number;
  max: number;
}

/** Counts and sizes of a store. */
export interface StoreStats {
  experiments: number;
  byStatus: Record<ExperimentStatus, number>;
  metricPoints: number;
  evaluations: number;
  samples: number;
  checkpoints: number;
  /** Bytes on disk (SQLite: the file and its WAL), or null where unknown. */
  sizeBytes: number | null;
  oldest: number | null;
  newest: number | null;
}
