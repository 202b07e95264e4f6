import type { Backend } from '../core/backend.js';
import type { TrackerErrorHandler } from './backend-fan-out.js';
import type { RedactionRules } from '../capture/redact-secrets.js';
import type { PricingOptions, SystemMetricsOptions } from './system-metrics.js';

/**
 * Options of {@link ExperimentTracker}.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { SqliteBackend } from 'exptrack/sqlite';
 * const tracker = new ExperimentTracker({
 *   backends: [new SqliteBackend({ path: 'runs.db' })],
 *   onError: (error, context) => myLogger.warn(error.message, context),
 * });
 * ```
 */
export interface TrackerOptions {
  /**
   * Where to write. Default: one SQLite store at `EXPTRACK_DB` or `./exptrack.db`, loaded on the
   * first start, so that importing `exptrack` loads no driver.
   */
  backends?: readonly Backend[];
  /**
   * Throw instead of reporting: invalid input throws at the call, and a backend failure throws
   * from the next tracker call. Default false: nothing the tracker does throws into a training loop.
   */
  strict?: boolean;
  /** Receives what is not thrown. Default: one console warning per backend and per kind of bad input. */
  onError?: TrackerErrorHandler;
  /**
   * How long buffered metrics may wait before they are written: a timer flushes them, and a
   * `logMetrics` call hands them over itself once the oldest waited this long (for a loop that never
   * yields, where the timer cannot fire). @defaultValue 1000
   */
  flushIntervalMs?: number;
  /**
   * A flush starts as soon as this many points are buffered. The points are packed for the store as
   * they are logged, so handing a full buffer over costs the call that fills it the same at any size
   * (nothing is copied or encoded then).
   * @defaultValue 8192
   */
  maxBufferedPoints?: number;
  /**
   * Backpressure: at most this many points handed to a backend and not yet committed. How a store
   * keeps to it:
   * - SQLite and Postgres (each commits on a thread of its own): the `logMetrics` call that hands a
   *   full buffer over waits, synchronously, until the store committed enough (this bound, and at
   *   most what the store's thread commits in 0.25 s), and also while a batch handed over more than
   *   0.5 s ago is not committed (so a SIGKILL loses at most about the last 2 s). Nothing is dropped.
   * - memory and W&B take each batch when it is handed over: nothing waits for them (W&B bounds its
   *   own delivery queue with `maxQueuedRows`).
   * - A store whose writes need the event loop (a backend of your own, or Postgres where its write
   *   thread could not start): a loop cannot wait for it. By
   *   default nothing is dropped and its queue grows while the loop outruns it. Only when this
   *   option (or `maxBytesInFlight`) is set, later points past the bound are not given to it, and
   *   that is reported through `onError`, in `finishExperiment()`'s result (`ok: false`) and in the
   *   run's summary (`_exptrack_dropped_points`, points per backend). The other stores still get
   *   every point.
   * @defaultValue 200000
   */
  maxPointsInFlight?: number;
  /** Backpressure by size: at most this many bytes of points in flight (see `maxPointsInFlight`). @defaultValue 33554432 (32 MiB) */
  maxBytesInFlight?: number;
  /** A backend call that takes longer is reported as hung (and the tracker moves on). @defaultValue 30000 */
  backendTimeoutMs?: number;
  /** Record the git state of `cwd`. @defaultValue true */
  captureGit?: boolean;
  /** Record the machine, process and package versions. @defaultValue true */
  captureEnvironment?: boolean;
  /**
   * More secrets to keep out of the recorded command line and environment, on top of the built-in
   * rules (credential flags, URL user-info, credential query parameters: docs/CAPTURE.md).
   */
  redact?: RedactionRules;
  /** The directory whose git state is recorded. @defaultValue process.cwd() */
  cwd?: string;
  /** This writer's rank in a multi-process run. @defaultValue the RANK environment variable, else 0 */
  rank?: number;
  /** Mark the run failed, killed or completed when the process ends. @defaultValue true */
  handleProcessEvents?: boolean;
  /**
   * When `EXPTRACK_EXPERIMENT_ID` is set (by a parent process), `startExperiment` joins that
   * experiment instead of starting one: points are logged under this process's rank, and the
   * status is left to the parent. @defaultValue true
   */
  attachToParent?: boolean;
  /**
   * Sample this process's CPU and memory and the host's GPUs while a run is active, as the
   * `system/…` metric series (see docs/COST.md). `false` (or `EXPTRACK_SYSTEM_METRICS=0`) turns
   * it off. @defaultValue `{ intervalMs: 10000 }`
   */
  systemMetrics?: false | SystemMetricsOptions;
  /**
   * What a GPU-hour costs, for the run's `cost/compute_usd` and `cost/usd` summary keys.
   * @defaultValue `EXPTRACK_GPU_HOUR_USD`, else no price (GPU-hours are still recorded)
   */
  pricing?: PricingOptions;
}

/**
 * Options of `startExperiment`.
 *
 * @example
 * ```ts
 * await tracker.startExperiment({ learning_rate: 3e-4 }, { name: 'lr-3e-4', tags: { stage: 'sft' }, group: 'sweep-1' });
 * ```
 */
export interface StartOptions {
  /** A readable name. @defaultValue the experiment id */
  name?: string;
  notes?: string;
  /** Key/value tags; a list of strings becomes tags with empty values. */
  tags?: Record<string, string> | readonly string[];
  /** Runs that belong together, such as seeds of one configuration. */
  group?: string;
}

/**
 * Options of `finishExperiment`.
 *
 * @example
 * ```ts
 * await tracker.finishExperiment({ status: 'failed', error: new Error('diverged') });
 * ```
 */
export interface FinishOptions {
  /** @defaultValue 'completed' (or 'killed' after SIGINT/SIGTERM) */
  status?: 'completed' | 'failed' | 'killed';
  /** Recorded with a failed run. */
  error?: unknown;
}

/**
 * Options of `logCheckpoint`.
 *
 * @example
 * ```ts
 * await tracker.logCheckpoint('ckpt/step-1000.json', { step: 1000, metrics: { loss: 0.12 } });
 * ```
 */
export interface CheckpointOptions {
  step?: number;
  metrics?: Record<string, number>;
}
