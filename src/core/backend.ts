/**
 * The contract between the tracker and a store. Version 1.
 * @module
 */
import type {
  CheckpointRecord,
  EvaluationRecord,
  Experiment,
  ExperimentStatus,
  JsonValue,
  MetricColumns,
  MetricOutline,
  MetricOutlineQuery,
  MetricPoint,
  MetricSummary,
  RecordedError,
  StoreStats,
  StoredEvaluationSample,
} from './types.js';
import type { EvaluationSample } from './types.js';
import type { FilterExpression } from './filter.js';
import type { ArtifactEvent, ArtifactReader } from './artifacts.js';

/** What changes on an experiment after it started. Tags and summary merge into what is there. */
export interface ExperimentChanges {
  status?: ExperimentStatus;
  endedAt?: number | null;
  heartbeatAt?: number;
  name?: string;
  notes?: string;
  /** Merged into the stored tags; a key mapped to null is removed. */
  tags?: Record<string, string | null>;
  /** Merged into the stored summary. */
  summary?: Record<string, JsonValue>;
  error?: RecordedError | null;
  /**
   * Keys added to the config (hyperparameters logged after the start, as MLflow's `log_param`
   * does); a key the config already has keeps its value: a logged value never changes.
   */
  config?: Record<string, JsonValue>;
}

/**
 * One write the tracker hands to its backends. Writes are batched: a backend receives them in
 * order, in arrays, and should apply one array in one transaction.
 */
export type TrackerEvent =
  | { type: 'experiment_started'; experiment: Experiment }
  | { type: 'experiment_updated'; experimentId: string; changes: ExperimentChanges }
  | { type: 'metrics'; experimentId: string; points: MetricColumns }
  | {
      type: 'evaluation';
      experimentId: string;
      evaluation: Omit<EvaluationRecord, 'experimentId' | 'sampleCount'>;
      samples: readonly EvaluationSample[];
    }
  | { type: 'checkpoint'; experimentId: string; checkpoint: CheckpointRecord }
  | ArtifactEvent;

/** What a backend can do. */
export interface BackendCapabilities {
  /** It implements {@link ExperimentReader}. */
  read: boolean;
  /** What it stores outlives the process. */
  persistent: boolean;
  /** Several processes may write into the same store at once. */
  multiProcess: boolean;
  /** It implements {@link ResponseCacheStore}. */
  responseCache: boolean;
  /**
   * `write` may be called again before the previous call settled: the backend applies batches in
   * the order of the calls. The tracker then hands a full buffer over at once, even from inside a
   * synchronous loop, instead of waiting for the previous write.
   */
  pipelinedWrites?: boolean;
  /** It keeps the bytes of artifacts and media and implements {@link ArtifactReader}. */
  artifacts?: boolean;
  /**
   * `write` honours {@link WriteOptions.batch}: a batch whose identity the store already recorded is
   * skipped, so a batch retried after its first attempt was committed is applied once.
   */
  idempotentBatches?: boolean;
  /** It keeps a catalog of named groups and implements `GroupCatalog`. */
  groupCatalog?: boolean;
}

/**
 * The identity of a batch, for stores that apply each batch at most once: a writer session (one
 * per sending backend instance) and the batch's number in it, increasing by at least 1 per batch.
 * A store records the highest number it applied per session in the same transaction as the batch,
 * and skips a batch whose number is not higher.
 *
 * @example
 * ```ts
 * const batch: BatchIdentity = { session: crypto.randomUUID(), sequence: 1 };
 * await store.write(events, { batch });
 * ```
 */
export interface BatchIdentity {
  /** The sending session: at most 200 characters. */
  session: string;
  /** The batch's number in the session: a safe integer >= 1. */
  sequence: number;
}

/**
 * How a batch is written (see {@link Backend.write}).
 *
 * @example
 * ```ts
 * const options: WriteOptions = { batch: { session: 'f3a1…', sequence: 42 } };
 * ```
 */
export interface WriteOptions {
  /** Apply the batch at most once (stores with `capabilities.idempotentBatches`; others ignore it). */
  batch?: BatchIdentity;
}

/**
 * A store the tracker writes to. Implement it to add a backend; run the conformance suite of
 * `exptrack/testing` against it.
 *
 * @example
 * ```ts
 * import type { Backend, TrackerEvent } from 'exptrack';
 * class ConsoleBackend implements Backend {
 *   readonly specificationVersion = 1;
 *   readonly name = 'console';
 *   readonly capabilities = { read: false, persistent: false, multiProcess: true, responseCache: false };
 *   async init() {}
 *   async write(events: readonly TrackerEvent[]) { for (const e of events) console.log(e.type); }
 *   async flush() {}
 *   async close() {}
 * }
 * ```
 */
export interface Backend {
  /** The version of this contract the backend implements. */
  readonly specificationVersion: 1;
  /** A short name for messages: `sqlite`, `memory`, `postgres`. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** Opens connections and creates or upgrades the schema. Idempotent. */
  init(): Promise<void>;
  /**
   * Applies a batch of events, in order; all or nothing where the store allows it. With
   * `options.batch`, a store that has `capabilities.idempotentBatches` applies the batch at most
   * once; it resolves without writing when that batch was already applied.
   */
  write(events: readonly TrackerEvent[], options?: WriteOptions): Promise<void>;
  /** Resolves when everything written so far is durable. */
  flush(): Promise<void>;
  /** Flushes and releases connections. Idempotent. */
  close(): Promise<void>;
  /**
   * Applies events synchronously, for the last words of a dying process (an `exit` handler cannot
   * wait for a promise). Backends whose driver is synchronous implement it; others rely on the
   * heartbeat to mark the run crashed.
   */
  writeSync?(events: readonly TrackerEvent[]): void;
  /**
   * Blocks the calling thread until the points this backend was handed but has not committed are
   * at most `maxPoints` and `maxBytes`, or `timeoutMs` passed: the tracker's backpressure. Only a
   * backend that commits on another thread can implement it (a wait on the caller's thread would
   * stop the very work it waits for).
   */
  waitForCapacity?(maxPoints: number, maxBytes: number, timeoutMs: number): void;
}

/**
 * Which experiments a read selects: every condition given must hold.
 *
 * @example
 * ```ts
 * const selection: ExperimentSelection = { status: 'completed', group: 'sweep-3' };
 * await store.countExperiments(selection);
 * ```
 */
export interface ExperimentSelection {
  status?: ExperimentStatus | readonly ExperimentStatus[];
  group?: string;
  ids?: readonly string[];
  /** A parsed filter (see `parseFilter` of `exptrack/analysis`). */
  where?: FilterExpression;
}

/**
 * A column experiments can be listed by. `name` ignores the case of ASCII letters; `duration` is
 * the end minus the start (for a running experiment, now minus the start); `commit` is the git
 * commit. Experiments without a group or a commit come last in either direction.
 *
 * @example
 * ```ts
 * const sort: ExperimentSortKey = 'duration';
 * ```
 */
export type ExperimentSortKey = 'created' | 'name' | 'status' | 'group' | 'duration' | 'commit';

/**
 * Which experiments to list, in what order, and which page of them.
 *
 * @example
 * ```ts
 * const query: ExperimentQuery = { status: 'completed', sort: 'name', limit: 50, offset: 100 };
 * const oldestFirst: ExperimentQuery = { sort: 'created', direction: 'asc' };
 * ```
 */
export interface ExperimentQuery extends ExperimentSelection {
  /**
   * The column to sort by. Ties go newest first (then by id).
   * @defaultValue `'created'`
   */
  sort?: ExperimentSortKey;
  /**
   * @defaultValue `'desc'` (newest first) for `created`, `'asc'` for every other column
   */
  direction?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/**
 * A metric to read for many runs at once (see {@link ExperimentReader.getMetricValues}): with
 * `benchmark`, a metric of the benchmark's latest evaluation (the one logged last); without, a
 * training metric's `last` value (at the highest step), its `min` or its `max`.
 *
 * @example
 * ```ts
 * const accuracy: MetricSelector = { benchmark: 'gsm8k', metric: 'accuracy' };
 * const bestLoss: MetricSelector = { metric: 'val_loss', value: 'min' };
 * ```
 */
export interface MetricSelector {
  metric: string;
  benchmark?: string;
  /**
   * Training metrics only. `min` and `max` skip NaN; a series of NaN only has NaN for both.
   * @defaultValue `'last'`
   */
  value?: 'last' | 'min' | 'max';
}

/**
 * One run's value of a {@link MetricSelector}, with what ranking it needs of the run.
 *
 * @example
 * ```ts
 * const [first]: MetricValue[] = await store.getMetricValues({ benchmark: 'gsm8k', metric: 'accuracy' });
 * first; // { experimentId: 'exp_…', createdAt: 1767225600000, group: null, value: 0.71 }
 * ```
 */
export interface MetricValue {
  experimentId: string;
  /** When the run started, in milliseconds since the epoch. */
  createdAt: number;
  group: string | null;
  /** The value; NaN and ±Infinity as stored. */
  value: number;
}

/**
 * Which page of an experiment's metric points {@link ExperimentReader.getMetricPage} reads.
 *
 * @example
 * ```ts
 * const first: MetricPageQuery = { limit: 10_000 };
 * const next: MetricPageQuery = { limit: 10_000, after: page.next };
 * ```
 */
export interface MetricPageQuery {
  /** The `next` cursor of the previous page; absent for the first page. Opaque: pass it back as it came. */
  after?: string | null;
  /**
   * At most this many points, 1..100,000.
   * @defaultValue 10,000
   */
  limit?: number;
}

/**
 * A page of an experiment's metric points, and where the next page starts.
 *
 * @example
 * ```ts
 * const page: MetricPage = await store.getMetricPage!(id, { limit: 10_000 });
 * page.points.length; // up to 10,000
 * page.next; // null on the last page
 * ```
 */
export interface MetricPage {
  /** Ordered by key (byte order), step, then logging order: the order of `getMetrics`. */
  points: MetricPoint[];
  /** The cursor of the next page, or null when this page is the last. */
  next: string | null;
}

/**
 * The read side of a store, used by analysis, the CLI and the dashboard.
 *
 * @example
 * ```ts
 * const runs = await store.getAllExperiments({ status: 'completed', limit: 10 });
 * const loss = await store.getMetrics(runs[0].id, 'loss');
 * const scores = await store.getMetricValues({ benchmark: 'gsm8k', metric: 'accuracy' }, { status: 'completed' });
 * ```
 */
export interface ExperimentReader {
  getAllExperiments(query?: ExperimentQuery): Promise<Experiment[]>;
  /** How many experiments the selection picks, counted by the store without reading them. */
  countExperiments(selection?: ExperimentSelection): Promise<number>;
  /**
   * One metric of every selected run that has it, in no particular order: what a leaderboard
   * ranks, read in one query instead of one per run.
   */
  getMetricValues(metric: MetricSelector, selection?: ExperimentSelection): Promise<MetricValue[]>;
  /** The experiment, or undefined when no experiment has that id. */
  getExperiment(id: string): Promise<Experiment | undefined>;
  /** Ids that start with `prefix`, at most `limit` of them. */
  findExperimentIds(prefix: string, limit?: number): Promise<string[]>;
  /** Points ordered by key, step, then logging order. */
  getMetrics(id: string, key?: string): Promise<MetricPoint[]>;
  /**
   * The experiment's points a page at a time, in the order of `getMetrics`: what reads a
   * 20,000,000-point run with bounded memory (`exptrack export`). Optional: a reader without it is
   * read with `getMetrics`, one key at a time.
   *
   * @param id - the experiment
   * @param query - the cursor of the previous page and the page size
   * @returns the page and the cursor of the next one
   * @throws ExptrackError `invalid_input` for a limit out of 1..100,000 or a cursor this store did not give.
   *
   * @example
   * ```ts
   * for (let page = await store.getMetricPage!(id); ; page = await store.getMetricPage!(id, { after: page.next })) {
   *   console.log(page.points.length);
   *   if (page.next === null) break;
   * }
   * ```
   */
  getMetricPage?(id: string, query?: MetricPageQuery): Promise<MetricPage>;
  /**
   * One metric in a step window, reduced in the store to what `buckets` columns can show: every
   * finite point when the window holds at most `2 × buckets` of them, else the lowest and the
   * highest point of each of `buckets` equal step ranges; NaN and ±Infinity counted, never drawn
   * (see {@link MetricOutline}). A chart of a 1,000,000-point metric reads a few thousand points,
   * not a million. An unknown experiment or key gives an empty outline.
   *
   * @param id - the experiment
   * @param key - the metric
   * @param query - the window (`fromStep`..`toStep`, both included) and the number of columns
   * @returns the outline
   * @throws ExptrackError `invalid_input` when `buckets` is not an integer in 1..100,000 or a step
   *   bound is NaN.
   *
   * @example
   * ```ts
   * const loss = await store.getMetricOutline(id, 'loss', { buckets: 1400 });
   * console.log(`${loss.steps.length} of ${loss.count - loss.nonFinite} points drawn`);
   * const zoomed = await store.getMetricOutline(id, 'loss', { fromStep: 4000, toStep: 5000, buckets: 1400 });
   * ```
   */
  getMetricOutline(id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline>;
  /** Summaries by experiment then key; pass several ids to read many runs in one query. */
  getMetricSummaries(id: string | readonly string[]): Promise<MetricSummary[]>;
  /** Evaluations in the order they were logged (the last of a benchmark is its latest); several ids read many runs in one query. */
  getEvaluationResults(id: string | readonly string[], benchmark?: string): Promise<EvaluationRecord[]>;
  /** Samples in logging order. */
  getEvaluationSamples(id: string, benchmark?: string): Promise<StoredEvaluationSample[]>;
  getCheckpoints(id: string): Promise<CheckpointRecord[]>;
  getStats(): Promise<StoreStats>;
  /** Deletes the experiment and everything logged to it; false when there was none. */
  deleteExperiment(id: string): Promise<boolean>;
}

/** A store of model responses, keyed by a hash, for the evaluation runner's cache and resume. */
export interface ResponseCacheStore {
  getCachedResponse(key: string): Promise<string | undefined>;
  putCachedResponse(key: string, value: string): Promise<void>;
}

/** A backend that can also be read. */
export type ReadableBackend = Backend & ExperimentReader;

/**
 * Whether a backend implements the read API.
 *
 * @example
 * ```ts
 * if (isReadable(backend)) console.log(await backend.getAllExperiments());
 * ```
 */
export function isReadable(backend: Backend): backend is ReadableBackend {
  return backend.capabilities.read;
}

/**
 * Whether a backend can cache model responses.
 *
 * @example
 * ```ts
 * const cache = hasResponseCache(backend) ? backend : undefined;
 * ```
 */
export function hasResponseCache(backend: Backend): backend is Backend & ResponseCacheStore {
  return backend.capabilities.responseCache;
}

/**
 * Whether a backend keeps artifacts and media and can read them back.
 *
 * @example
 * ```ts
 * if (hasArtifacts(store)) console.log(await store.getArtifacts(id));
 * ```
 */
export function hasArtifacts(backend: Backend): backend is Backend & ArtifactReader {
  return backend.capabilities.artifacts === true;
}
