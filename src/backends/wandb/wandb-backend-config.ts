/**
 * How to reach Weights & Biases, and how hard to try.
 *
 * @example
 * ```ts
 * import { WandbBackend, type WandbBackendConfig } from 'exptrack/wandb';
 * const config: WandbBackendConfig = { project: 'llm-sft', entity: 'my-team', jobType: 'train' };
 * const wandb = new WandbBackend(config);
 * ```
 */
export interface WandbBackendConfig {
  /** The W&B project. @defaultValue the `WANDB_PROJECT` environment variable (one of the two is required) */
  project?: string;
  /** The W&B entity (user or team). @defaultValue `WANDB_ENTITY`, else the API key's default entity */
  entity?: string;
  /** The API server. @defaultValue `WANDB_BASE_URL`, else `https://api.wandb.ai` */
  baseUrl?: string;
  /** The API key. @defaultValue `WANDB_API_KEY`, else the `password` of the base URL's host in `~/.netrc` (or `$NETRC`) */
  apiKey?: string;
  /** The W&B job type of every run. @defaultValue the experiment's `job_type` tag, if it has one */
  jobType?: string;
  /**
   * Where the delivery ledger lives: one JSON file per run recording which history lines,
   * summary and exit code W&B acknowledged, and what was not delivered.
   * `syncExperimentsToWandb` reads it to send only what is missing.
   * @defaultValue `EXPTRACK_WANDB_DIR`, else `~/.exptrack/wandb`
   */
  ledgerDir?: string;
  /** Retry policy of one request. */
  retry?: WandbRetryOptions;
  /** A single HTTP request is aborted after this long. @defaultValue 15000 */
  requestTimeoutMs?: number;
  /** `flush()` waits at most this long for the queue to drain. @defaultValue 5000 */
  flushTimeoutMs?: number;
  /** `close()` waits at most this long for the queue to drain. @defaultValue 15000 */
  closeTimeoutMs?: number;
  /**
   * After a request failed for good (all retries spent), the run's delivery pauses this long
   * before it tries again; the pause doubles on each further failure, up to 60 s.
   * @defaultValue 5000
   */
  reconnectDelayMs?: number;
  /** History rows sent in one file_stream request at most. @defaultValue 1000 */
  maxRowsPerRequest?: number;
  /**
   * History rows kept in memory while W&B is unreachable. Beyond this the run's live history
   * delivery stops (nothing is dropped silently: the ledger says so, and the local store still has
   * every point for `syncExperimentsToWandb`). @defaultValue 100000
   */
  maxQueuedRows?: number;
}

/**
 * Retries of one request: exponential backoff with full jitter, on HTTP 408, 429, 5xx and
 * network errors.
 *
 * @example
 * ```ts
 * import { WandbBackend } from 'exptrack/wandb';
 * new WandbBackend({ project: 'p', retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000 } });
 * ```
 */
export interface WandbRetryOptions {
  /** Attempts in all, the first included. @defaultValue 4 */
  maxAttempts?: number;
  /** The backoff before the second attempt; it doubles on each further attempt. @defaultValue 500 */
  baseDelayMs?: number;
  /** The longest backoff. @defaultValue 8000 */
  maxDelayMs?: number;
}
