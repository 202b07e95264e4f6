import type { Backend, ExperimentChanges, TrackerEvent } from '../core/backend.js';
import { hasArtifacts, isReadable } from '../core/backend.js';
import type { ArtifactReader, ArtifactRecord, LoggedArtifact } from '../core/artifacts.js';
import { pickArtifactVersion } from '../artifacts/artifact-store.js';
import type { ArtifactOptions } from './artifact-input.js';
import { checkMediaLabels, prepareHistogram, prepareTable, type HistogramOptions, type ImageOptions, type TableOptions } from './media-input.js';
import { ExptrackError, invalidInput } from '../core/errors.js';
import { HEARTBEAT_INTERVAL_MS } from '../core/lifecycle.js';
import { METRIC_GOALS, metricGoalSummaryKey, type MetricGoal } from '../core/metric-goal.js';
import type { EvaluationInput, Experiment, ExperimentConfig, JsonValue, RecordedError } from '../core/types.js';
import {
  assertJson,
  validateConfig,
  validateEvaluation,
  validateKey,
  validateMetricRecord,
  validateStep,
  toExptrackError,
} from '../core/validation.js';
import { hasLoneSurrogate, LONE_SURROGATE, MAX_KEY_LENGTH, setOwn } from '../core/keys.js';
import { BackendFanOut, type BackendReport, type TrackerErrorContext, type TrackerErrorHandler } from './backend-fan-out.js';
import { newExperimentId } from './experiment-id.js';
import { MetricBuffer } from './metric-buffer.js';
import { onProcessEnd } from './process-hooks.js';
import { gpuPrice, RunCost, type GpuPrice } from './run-cost.js';
import type { SystemSampler, SystemUsage } from './system-metrics.js';
import { DefaultSystemSampler } from '../system/system-sampler.js';
import { envVar, importAtRunTime, isNodeRuntime, soon, unrefTimer, workingDirectory } from './runtime.js';
import type { CheckpointOptions, FinishOptions, StartOptions, TrackerOptions } from './tracker-options.js';

/** The run this tracker is logging to. */
interface ActiveRun {
  id: string;
  createdAt: number;
  /** The signal that asked the process to stop, if one came. */
  interruptedBy: 'SIGINT' | 'SIGTERM' | null;
  /** False when this process attached to another's run: the owner, not this tracker, sets its status. */
  owned: boolean;
  stopTimers: () => void;
  /** Samples the machine while the run is active, unless system metrics are off. */
  sampler: SystemSampler | undefined;
  /** The GPUs in use as last seen (what a dying process writes, when it cannot wait for a fresh look). */
  usage: SystemUsage;
  /**
   * Compute and dollars so far: the owner writes the run's; a process that joined writes its
   * host's when it reports that host (the owner is on another one).
   */
  cost: RunCost;
  /** The run's summary as last read from the store: the parts other hosts wrote. */
  stored: Record<string, JsonValue> | undefined;
}

const NO_GPUS: SystemUsage = { gpuCount: 0, gpuName: null };
/** Points per batch unless `maxBufferedPoints` says otherwise. */
const DEFAULT_BATCH_POINTS = 8_192;
/** How far a store that can make the loop wait (SQLite, Postgres: they write on a thread of their own) may fall behind, unless the options say otherwise (see `TrackerOptions.maxPointsInFlight`). */
const DEFAULT_MAX_POINTS_IN_FLIGHT = 200_000;
const DEFAULT_MAX_BYTES_IN_FLIGHT = 32 << 20;

/**
 * The tracker: validates what a training loop logs, records how the run can be reproduced, and
 * fans every event out to its backends. Logging never does I/O on the caller's stack: points are
 * buffered and written in batches (at least every second, on `flush()`, on finish and at exit).
 * A failing backend is reported through `onError` and never breaks the loop, unless `strict`.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { SqliteBackend } from 'exptrack/sqlite';
 *
 * await using tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: 'runs.db' })] });
 * await tracker.startExperiment({ learning_rate: 3e-4, batch_size: 32 }, { name: 'baseline' });
 * for (let step = 0; step < 100; step++) tracker.logMetrics({ loss: 1 / (step + 1) }, step);
 * await tracker.logEvaluation('gsm8k', { metrics: { accuracy: 0.73 } });
 * await tracker.finishExperiment();
 * ```
 */
export class ExperimentTracker implements AsyncDisposable {
  private readonly options: TrackerOptions;
  private readonly onError: TrackerErrorHandler;
  private readonly rank: number;
  private fanOut: BackendFanOut | undefined;
  private ready: Promise<BackendFanOut> | undefined;
  private active: ActiveRun | undefined;
  /** Points logged but not yet handed to the backends. */
  private readonly points: MetricBuffer;
  /** Events waiting for the next flush, in order. */
  private events: TrackerEvent[] = [];
  private flushScheduled = false;
  private strictFailure: ExptrackError | undefined;
  private readonly validKeys = new Set<string>();
  /** The latest version and digest of each artifact name of the running experiment. */
  private readonly artifactVersions = new Map<string, { version: number; digest: string }>();
  /** `logArtifact` calls run one after another, so versions follow the calls. */
  private artifactQueue: Promise<unknown> = Promise.resolve();
  /** The highest step `logMetrics` was given: the default step of a table. */
  private lastStep = 0;
  private readonly price: GpuPrice;
  /** Windows in which a just-finished run can still be turned failed; dispose closes after them. */
  private lateFailureWatches: Array<Promise<void>> = [];

  /**
   * @param options - backends, error handling, capture, system metrics and pricing
   * @throws ExptrackError `invalid_input` for a `pricing.gpuHourUsd` that is not a price or a map of
   *   prices, or a `systemMetrics.intervalMs` that is not a positive number of milliseconds.
   */
  constructor(options: TrackerOptions = {}) {
    this.options = options;
    this.onError = options.onError ?? warnOncePerSource();
    this.rank = options.rank ?? rankFromEnv();
    // A little room above the batch size: the call that fills a batch may bring several keys.
    this.points = new MetricBuffer(this.rank, (options.maxBufferedPoints ?? DEFAULT_BATCH_POINTS) + 256);
    const interval = options.systemMetrics ? options.systemMetrics.intervalMs : undefined;
    if (interval !== undefined && (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 100)) {
      throw invalidInput('systemMetrics.intervalMs', interval, 'must be a number of milliseconds >= 100');
    }
    this.price = options.pricing === undefined ? this.priceFromEnv() : gpuPrice(options.pricing, undefined);
  }

  /** The id of the running experiment, or undefined. */
  get experimentId(): string | undefined {
    return this.active?.id;
  }

  /** The backends, once the first experiment started (the default one is created lazily). */
  get backends(): readonly Backend[] {
    return this.fanOut?.backends ?? this.options.backends ?? [];
  }

  /**
   * Starts an experiment and returns its id (`exp_20250123_143022_a1b2c3`). Records the config,
   * the git state and the environment, writes the run at once, and starts its heartbeat.
   *
   * @param config - the hyperparameters; immutable once logged
   * @param options - name, notes, tags, group
   * @returns the new experiment's id
   * @throws ExptrackError `invalid_input` for a config that is not JSON or has a mistyped known key,
   *   and when this tracker already runs an experiment. These are checked before anything is written.
   */
  async startExperiment(config: ExperimentConfig = {}, options: StartOptions = {}): Promise<string> {
    this.throwStrictFailure();
    if (this.active) throw invalidInput('startExperiment', this.active.id, 'is not allowed while an experiment is running; finish it first');
    const parentId = envVar('EXPTRACK_EXPERIMENT_ID');
    if (parentId && this.options.attachToParent !== false) return this.attach(parentId);
    const checkedConfig = validateConfig(config);
    const tags = normaliseTags(options.tags);
    if (options.name !== undefined && typeof options.name !== 'string') throw invalidInput('options.name', options.name, 'must be a string');
    if (options.group !== undefined) validateKey(options.group, 'options.group');

    const cwd = this.options.cwd ?? workingDirectory() ?? '.';
    const wantsGit = this.options.captureGit !== false;
    const wantsEnvironment = this.options.captureEnvironment !== false;
    // Capture needs Node: it loads only when asked for, and is skipped (with a note in the run) elsewhere.
    const capture = (wantsGit || wantsEnvironment) && isNodeRuntime() ? await this.loadCapture() : undefined;
    const [fanOut, git] = await Promise.all([
      this.backendsReady(),
      wantsGit && capture ? capture.captureGit(cwd).catch((error: unknown) => this.reportAndReturn(error, 'captureGit', null)) : null,
    ]);
    const now = Date.now();
    const id = newExperimentId(new Date(now));
    const experiment: Experiment = {
      id,
      name: options.name ?? id,
      notes: options.notes ?? '',
      group: options.group ?? null,
      config: checkedConfig,
      tags,
      status: 'running',
      createdAt: now,
      endedAt: null,
      heartbeatAt: now,
      git,
      environment: wantsEnvironment && capture ? capture.captureEnvironment({ cwd, ...(this.options.redact ? { redact: this.options.redact } : {}) }) : null,
      summary: (wantsGit || wantsEnvironment) && !capture ? { capture: CAPTURE_SKIPPED } : {},
      error: null,
    };
    this.events.push({ type: 'experiment_started', experiment });
    this.activate(id, now, fanOut, true, {});
    await this.flush();
    return id;
  }

  /**
   * Continues an existing experiment, after a crash or in a new process: it is running again, and
   * this tracker owns it (finishing it sets its status). Reads it from the first readable backend.
   *
   * @param id - the experiment to continue
   * @returns the id
   * @throws ExptrackError `not_found` when no readable backend knows the id.
   */
  async resumeExperiment(id: string): Promise<string> {
    this.throwStrictFailure();
    if (this.active) throw invalidInput('resumeExperiment', this.active.id, 'is not allowed while an experiment is running; finish it first');
    const { fanOut, experiment } = await this.findExperiment(id);
    this.activate(id, experiment.createdAt, fanOut, true, experiment.summary);
    this.enqueue({ type: 'experiment_updated', experimentId: id, changes: { status: 'running', endedAt: null, heartbeatAt: Date.now(), error: null } });
    await this.flush();
    return id;
  }

  /**
   * Joins another process's running experiment (what `startExperiment` does when
   * `EXPTRACK_EXPERIMENT_ID` is set): this process logs into it under its own rank, and leaves its
   * status to the owner.
   */
  private async attach(id: string): Promise<string> {
    const { fanOut, experiment } = await this.findExperiment(id);
    this.activate(id, experiment.createdAt, fanOut, false, experiment.summary);
    return id;
  }

  private async findExperiment(id: string): Promise<{ fanOut: BackendFanOut; experiment: Experiment }> {
    const fanOut = await this.backendsReady();
    const reader = fanOut.backends.find(isReadable);
    const experiment = reader ? await reader.getExperiment(id) : undefined;
    if (!experiment) throw new ExptrackError(`no experiment with id ${id} in ${reader ? `backend ${reader.name}` : 'any readable backend'}`, { code: 'not_found', field: 'id', value: id });
    return { fanOut, experiment };
  }

  /**
   * Logs training metrics at a step. Returns at once: the points are buffered and written in a
   * batch. NaN and ±Infinity are kept exactly. A repeated (key, step) is kept, not replaced.
   *
   * @param metrics - metric names to numbers
   * @param step - the training step, an integer >= 0
   * @throws ExptrackError only in strict mode; otherwise bad input goes to `onError` and the valid
   *   keys of the call are still logged.
   */
  logMetrics(metrics: Record<string, number>, step: number): void {
    const run = this.activeOrReport('logMetrics');
    if (!run) return;
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
      this.rejectInput(invalidInput('step', step, 'must be a finite integer >= 0'), 'logMetrics');
      return;
    }
    if (typeof metrics !== 'object' || metrics === null) {
      this.rejectInput(invalidInput('metrics', metrics, 'must be an object of metric names to numbers'), 'logMetrics');
      return;
    }
    if (step > this.lastStep) this.lastStep = step;
    const timestamp = Date.now();
    const points = this.points;
    for (const key in metrics) {
      const value = metrics[key];
      if (typeof value !== 'number') {
        this.rejectInput(invalidInput(`metrics.${key}`, value, 'must be a number (NaN and ±Infinity are allowed)'), 'logMetrics');
        continue;
      }
      if (!this.validKeys.has(key)) {
        if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
          this.rejectInput(invalidInput('metrics key', key, `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`), 'logMetrics');
          continue;
        }
        if (hasLoneSurrogate(key)) {
          this.rejectInput(invalidInput('metrics key', key, LONE_SURROGATE), 'logMetrics');
          continue;
        }
        this.validKeys.add(key);
      }
      points.push(key, step, value, timestamp);
    }
    // A full buffer goes at once; so does one that waited a flush interval, for a loop that never
    // yields (the flush timer cannot fire): what was logged reaches the store within seconds.
    if (points.length >= (this.options.maxBufferedPoints ?? DEFAULT_BATCH_POINTS) || (points.length > 0 && timestamp - points.firstTimestamp >= (this.options.flushIntervalMs ?? 1_000))) this.handOver();
  }

  /**
   * Logs an evaluation: its metrics and, when given, its per-sample rows (which let two runs be
   * compared item by item). Only rank 0 logs evaluations in a multi-process run.
   *
   * @param benchmark - the benchmark's name, e.g. `gsm8k`
   * @param result - `{ metrics, samples?, metadata?, step? }`; an `EvaluationResult` fits
   */
  async logEvaluation(benchmark: string, result: EvaluationInput): Promise<void> {
    const run = this.activeOrReport('logEvaluation');
    if (!run || this.rank !== 0) return;
    let checked: ReturnType<typeof validateEvaluation>;
    try {
      checked = validateEvaluation(benchmark, result);
    } catch (error) {
      this.rejectInput(error as ExptrackError, 'logEvaluation');
      return;
    }
    const { input } = checked;
    if (run.owned) {
      run.cost.addEvaluation(input.metrics);
      this.enqueue({ type: 'experiment_updated', experimentId: run.id, changes: { summary: run.cost.evaluationSummary() } });
    }
    this.enqueue({
      type: 'evaluation',
      experimentId: run.id,
      evaluation: { benchmark: checked.benchmark, metrics: input.metrics, metadata: input.metadata ?? {}, step: input.step ?? null, createdAt: Date.now() },
      samples: input.samples ?? [],
    });
    await this.flush();
  }

  /**
   * Records a checkpoint with the size and SHA-256 of its file or directory.
   *
   * @param path - a file or directory
   * @param options - the step and the metrics at that step
   */
  async logCheckpoint(path: string, options: CheckpointOptions = {}): Promise<void> {
    const run = this.activeOrReport('logCheckpoint');
    if (!run) return;
    let checkpoint;
    try {
      const step = options.step === undefined ? null : validateStep(options.step, 'options.step');
      const metrics = options.metrics === undefined ? {} : validateMetricRecord(options.metrics, 'options.metrics');
      if (!isNodeRuntime()) throw new ExptrackError('logCheckpoint needs Node.js: it reads the file to hash it', { code: 'unsupported', field: 'path', value: path });
      const [{ resolve }, { hashPathFor }] = await Promise.all([importAtRunTime<typeof import('node:path')>('node:path'), this.loadCapture()]);
      const absolute = resolve(path);
      const hash = await hashPathFor('logCheckpoint', absolute);
      checkpoint = { experimentId: run.id, path: absolute, step, metrics, ...hash, createdAt: Date.now() };
    } catch (error) {
      this.rejectInput(error as ExptrackError, 'logCheckpoint');
      return;
    }
    this.enqueue({ type: 'checkpoint', experimentId: run.id, checkpoint });
    await this.flush();
  }

  /**
   * Stores a file or a directory with the run, content-addressed: the same bytes are kept once in
   * the store, whichever runs log them. Logging a name again with other bytes makes its next
   * version (1, 2, …); with the same bytes as its latest version, it returns that version and
   * writes nothing. Files are hashed and copied as streams: a large file is never read whole.
   * Waits until every backend has the bytes; a failure goes to `onError` (unless `strict`), never
   * into the loop.
   *
   * @param path - a file, or a directory (its regular files, symlinks to files followed)
   * @param options - name (default: the file or directory name), type, metadata, step
   * @returns name, version, digest (`sha256:` of the file, or of the directory's canonical
   *   manifest), size and files; undefined when the input was rejected
   *
   * @example
   * ```ts
   * const model = await tracker.logArtifact('out/model.bin', { name: 'model', type: 'model' });
   * model?.version; // 1
   * ```
   */
  logArtifact(path: string, options: ArtifactOptions = {}): Promise<LoggedArtifact | undefined> {
    let run: ActiveRun | undefined;
    try {
      run = this.activeOrReport('logArtifact');
    } catch (error) {
      return Promise.reject(error);
    }
    if (!run) return Promise.resolve(undefined);
    const active = run;
    const task = this.artifactQueue.then(() => this.logArtifactNow(active, path, options));
    this.artifactQueue = task.catch(() => undefined);
    return task;
  }

  private async logArtifactNow(run: ActiveRun, path: string, options: ArtifactOptions): Promise<LoggedArtifact | undefined> {
    let prepared;
    try {
      // Reading files is Node-only: it loads with the capture subpath, as hashing a checkpoint does.
      prepared = await (await this.loadCapture()).prepareArtifact(path, options);
    } catch (error) {
      this.rejectInput(toExptrackError(error), 'logArtifact');
      return undefined;
    }
    const { sources, ...record } = prepared;
    const logged = (version: number): LoggedArtifact => ({ name: record.name, version, digest: record.digest, size: record.size, files: structuredClone(record.files) });
    const latest = await this.latestArtifactVersion(run.id, record.name);
    if (latest?.digest === record.digest) return logged(latest.version);
    const version = (latest?.version ?? 0) + 1;
    this.artifactVersions.set(record.name, { version, digest: record.digest });
    this.enqueue({ type: 'artifact', experimentId: run.id, artifact: { ...record, experimentId: run.id, version, createdAt: Date.now() }, sources });
    await this.flush();
    return logged(version);
  }

  /** The latest version of a name in this run: remembered, or read once from a store (for a resumed run). */
  private async latestArtifactVersion(experimentId: string, name: string): Promise<{ version: number; digest: string } | undefined> {
    const known = this.artifactVersions.get(name);
    if (known) return known;
    const reader = this.artifactReader();
    if (!reader) return undefined;
    try {
      const records = (await reader.getArtifacts(experimentId)).filter((r) => r.name === name);
      const latest = records.reduce<ArtifactRecord | undefined>((a, b) => (a === undefined || b.version > a.version ? b : a), undefined);
      if (latest) this.artifactVersions.set(name, { version: latest.version, digest: latest.digest });
      return latest && { version: latest.version, digest: latest.digest };
    } catch (error) {
      this.report(toExptrackError(error), { operation: 'logArtifact', backend: (reader as unknown as Backend).name });
      return undefined;
    }
  }

  private artifactReader(): (Backend & ArtifactReader) | undefined {
    return this.fanOut?.backends.find((b): b is Backend & ArtifactReader => isReadable(b) && hasArtifacts(b));
  }

  /**
   * Records that the running experiment consumed an artifact of another run (or of itself), so
   * lineage can answer "which runs used model v2?". Reads the artifact from the first store that
   * keeps artifacts.
   *
   * @param experimentId - the run that logged the artifact
   * @param name - the artifact's name
   * @param options - the version (latest by default)
   * @returns the version used, or undefined when it was not found (reported to `onError`)
   *
   * @example
   * ```ts
   * const model = await tracker.useArtifact('exp_20250101_120000_abc123', 'model', { version: 2 });
   * ```
   */
  async useArtifact(experimentId: string, name: string, options: { version?: number } = {}): Promise<ArtifactRecord | undefined> {
    const run = this.activeOrReport('useArtifact');
    if (!run) return undefined;
    let record: ArtifactRecord;
    try {
      validateKey(experimentId, 'experimentId');
      validateKey(name, 'name');
      if (options.version !== undefined && (!Number.isSafeInteger(options.version) || options.version < 1)) throw invalidInput('options.version', options.version, 'must be an integer >= 1');
      const reader = this.artifactReader();
      if (!reader) throw new ExptrackError('useArtifact needs a backend that keeps artifacts (sqlite, postgres or memory)', { code: 'unsupported', field: 'backends' });
      record = pickArtifactVersion(await reader.getArtifacts(experimentId), experimentId, name, options.version);
    } catch (error) {
      this.rejectInput(toExptrackError(error), 'useArtifact');
      return undefined;
    }
    const use = { experimentId: run.id, sourceExperimentId: experimentId, name, version: record.version, digest: record.digest, usedAt: Date.now() };
    this.enqueue({ type: 'artifact_used', experimentId: run.id, use });
    await this.flush();
    return record;
  }

  /**
   * Logs a PNG or JPEG image under a key at a step (a gallery with a step slider in the dashboard).
   * Logging the same key and step again replaces the image. The bytes are buffered and written
   * with the next batch.
   *
   * @param key - the media key, e.g. `samples`
   * @param image - PNG or JPEG bytes, or the path of such a file (at most 32 MiB)
   * @param options - the step and a caption
   *
   * @example
   * ```ts
   * await tracker.logImage('samples', pngBytes, { step: 100, caption: 'a cat' });
   * ```
   */
  async logImage(key: string, image: Uint8Array | string, options: ImageOptions): Promise<void> {
    const run = this.activeOrReport('logImage');
    if (!run) return;
    let event: TrackerEvent;
    try {
      const labels = checkMediaLabels(key, options?.caption);
      const step = validateStep(options?.step, 'options.step');
      const { bytes, mediaType, digest } = await (await this.loadCapture()).prepareImage(image);
      event = { type: 'media', experimentId: run.id, media: { ...labels, step, kind: 'image', mediaType, size: bytes.byteLength, digest, createdAt: Date.now() }, bytes };
    } catch (error) {
      this.rejectInput(toExptrackError(error), 'logImage');
      return;
    }
    this.enqueue(event);
    this.scheduleFlush();
  }

  /**
   * Logs a table (predictions, generations) under a key at a step. Logging the same key and step
   * again replaces the table.
   *
   * @param key - the media key
   * @param table - `{ columns, rows }`: unique column names, rows of JSON cells as long as the columns
   * @param options - the step (default: the highest step given to `logMetrics`, or 0) and a caption
   *
   * @example
   * ```ts
   * tracker.logTable('predictions', { columns: ['question', 'answer', 'correct'], rows: [['2+2', '4', true]] }, { step: 10 });
   * ```
   */
  logTable(key: string, table: { columns: string[]; rows: JsonValue[][] }, options: TableOptions = {}): void {
    const run = this.activeOrReport('logTable');
    if (!run) return;
    try {
      const labels = checkMediaLabels(key, options.caption);
      const step = options.step === undefined ? this.lastStep : validateStep(options.step, 'options.step');
      this.enqueue({ type: 'media', experimentId: run.id, media: { ...labels, step, kind: 'table', value: prepareTable(table), createdAt: Date.now() } });
    } catch (error) {
      this.rejectInput(toExptrackError(error), 'logTable');
    }
  }

  /**
   * Logs the distribution of values at a step, binned now (64 equal-width bins by default, between
   * the smallest and largest finite value): the counts and edges are kept, the values not. NaN and
   * ±Infinity are counted apart.
   *
   * @param key - the media key, e.g. `weights/layer1`
   * @param values - the numbers
   * @param step - the training step
   * @param options - the number of bins and a caption
   *
   * @example
   * ```ts
   * tracker.logHistogram('weights/layer1', layer.weights, 100);
   * ```
   */
  logHistogram(key: string, values: readonly number[] | Float32Array | Float64Array, step: number, options: HistogramOptions = {}): void {
    const run = this.activeOrReport('logHistogram');
    if (!run) return;
    try {
      const labels = checkMediaLabels(key, options.caption);
      const checkedStep = validateStep(step, 'step');
      this.enqueue({ type: 'media', experimentId: run.id, media: { ...labels, step: checkedStep, kind: 'histogram', value: prepareHistogram(values, options.bins), createdAt: Date.now() } });
    } catch (error) {
      this.rejectInput(toExptrackError(error), 'logHistogram');
    }
  }

  /**
   * Sets tags on the running experiment (merged with its tags; a value of null removes a tag).
   *
   * @param tags - key/value tags, or a list of names
   */
  setTags(tags: Record<string, string | null> | readonly string[]): void {
    this.update('setTags', () => ({ tags: normaliseTags(tags) }));
  }

  /**
   * Replaces the notes of the running experiment.
   */
  setNotes(notes: string): void {
    this.update('setNotes', () => {
      if (typeof notes !== 'string') throw invalidInput('notes', notes, 'must be a string');
      return { notes };
    });
  }

  /**
   * Declares which way a metric is better for this run, stored with the run (summary key
   * `goal/<key>`). Comparisons, leaderboards, the dashboard and reports star a best run and name a
   * winner only for a metric whose goal is known: declared here, else implied by its name (loss,
   * error… minimize; accuracy, f1, reward… maximize). `none` marks a value to be seen, never ranked.
   *
   * @param key - a training metric (`lr`), or an evaluation metric as `benchmark/metric` or `metric`
   * @param options - `goal`: `maximize`, `minimize` or `none`
   * @example
   * ```ts
   * tracker.defineMetric('lr', { goal: 'none' });
   * tracker.defineMetric('val_bpb', { goal: 'minimize' });
   * ```
   */
  defineMetric(key: string, options: { goal: MetricGoal }): void {
    this.update('defineMetric', () => {
      const name = validateKey(key, 'key');
      const goal = (options as { goal?: unknown } | undefined)?.goal;
      if (!(METRIC_GOALS as readonly unknown[]).includes(goal)) throw invalidInput('options.goal', goal, "must be 'maximize', 'minimize' or 'none'");
      return { summary: { [metricGoalSummaryKey(name)]: goal as MetricGoal } };
    });
  }

  /**
   * Merges values into the run's summary (final numbers, such as the best validation loss).
   *
   * @param summary - JSON values by name
   */
  logSummary(summary: Record<string, JsonValue>): void {
    this.update('logSummary', () => {
      assertJson(summary, 'summary');
      if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) throw invalidInput('summary', summary, 'must be an object');
      return { summary: structuredClone(summary) as Record<string, JsonValue> };
    });
  }

  /**
   * Writes everything buffered and waits until each backend has it.
   *
   * @returns one report per backend
   */
  async flush(): Promise<BackendReport[]> {
    this.throwStrictFailure();
    const fanOut = this.fanOut;
    if (!fanOut) return [];
    const batch = this.takeBatch();
    if (batch.length > 0) fanOut.write(batch);
    const reports = await fanOut.flush();
    this.throwStrictFailure();
    return reports;
  }

  /**
   * Runs `body` as one experiment: starts it, ends it `completed` when `body` returns, and `failed`
   * with the error's message and stack when it throws (the error is rethrown). The one pattern that
   * sees the error itself, whatever the caller does with it afterwards.
   *
   * @param config - the hyperparameters, as for `startExperiment`
   * @param body - the training code; gets the experiment's id
   * @param options - name, notes, tags, group
   * @returns what `body` returns
   * @example
   * ```ts
   * await using tracker = new ExperimentTracker();
   * await tracker.run({ learning_rate: 3e-4 }, async () => {
   *   for (let step = 0; step < 100; step++) tracker.logMetrics({ loss: 1 / (step + 1) }, step);
   * });
   * ```
   */
  async run<T>(config: ExperimentConfig, body: (experimentId: string) => T | Promise<T>, options: StartOptions = {}): Promise<T> {
    const id = await this.startExperiment(config, options);
    let result: T;
    try {
      result = await body(id);
    } catch (error) {
      if (this.active?.id === id) await this.finishExperiment({ status: 'failed', error });
      throw error;
    }
    if (this.active?.id === id) await this.finishExperiment();
    return result;
  }

  /**
   * Ends the running experiment with a status, writes everything and stops its heartbeat. A run
   * ended `completed` by default (no `status` given) is still turned `failed` when an uncaught
   * error or a non-zero `process.exit` follows before the event loop turns: the error that left a
   * `try { } finally { await tracker.finishExperiment() }` scope.
   *
   * @param options - status (default `completed`, or `killed` after SIGINT/SIGTERM) and error
   * @returns one report per backend; a backend that failed since the last report has `ok: false`
   */
  async finishExperiment(options: FinishOptions = {}): Promise<BackendReport[]> {
    const run = this.activeOrReport('finishExperiment');
    if (!run) return [];
    const status = options.status ?? (run.interruptedBy ? 'killed' : 'completed');
    run.usage = this.usageOf(run);
    // The totals add other hosts' parts as stored now; a process that joined writes its host's last part.
    if (run.owned || run.usage.host !== undefined) await this.readStored(run);
    // Points a backend that fell behind was not given: counted in the run's record, said at the end.
    const dropped = this.fanOut?.takeDropped() ?? {};
    const droppedSummary = Object.keys(dropped).length > 0 ? { _exptrack_dropped_points: dropped } : undefined;
    const changes: ExperimentChanges = run.owned
      ? { ...endChanges(status, options.error), ...this.costChanges(run, Date.now()) }
      : run.usage.host !== undefined ? this.costChanges(run, Date.now()) : {};
    if (droppedSummary) changes.summary = { ...changes.summary, ...droppedSummary };
    if (run.owned || Object.keys(changes).length > 0) this.enqueue({ type: 'experiment_updated', experimentId: run.id, changes });
    // The owner forgets the host's GPU claims of the run; the sampler's child ends in any case.
    // Awaited: a run resumed at once on this host must not see its new claims removed by the old session.
    await run.sampler?.stop({ releaseHost: run.owned }).catch(() => {});
    const fanOut = this.fanOut;
    const watch = run.owned && options.status === undefined && status === 'completed' && fanOut && this.options.handleProcessEvents !== false
      ? watchForLateFailure(run.id, fanOut)
      : undefined;
    this.deactivate();
    try {
      const reports = withDroppedPoints(await this.flush(), dropped);
      this.reportDownBackends(run.id, reports);
      return reports;
    } finally {
      // The error leaving the caller's scope surfaces within this turn of the event loop.
      if (watch) this.lateFailureWatches.push(new Promise((resolve) => setImmediate(() => resolve(watch())).unref()));
    }
  }

  /** Finishes the running experiment, if any, and closes the backends now. */
  async close(): Promise<BackendReport[]> {
    if (this.active) await this.finishExperiment();
    const fanOut = this.fanOut;
    if (!fanOut) return [];
    await this.flush();
    return fanOut.close();
  }

  /**
   * `await using tracker = new ExperimentTracker()` finishes the run and closes the backends on
   * scope exit. Dispose cannot see an error leaving the scope, so the run is written `completed`
   * and the backends stay open until the event loop turns: an uncaught error (or a non-zero
   * `process.exit`) that follows turns the run `failed` with its message and stack.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.active) await this.finishExperiment();
    const fanOut = this.fanOut;
    if (!fanOut) return;
    await this.flush();
    const watches = this.lateFailureWatches.splice(0);
    setImmediate(() => {
      void Promise.all(watches).then(() => fanOut.close());
    });
  }

  /**
   * A backend that failed on the way to the end of a run is said where the user looks: one line per
   * failed backend through `onError` (stderr by default), and in the run's summary on the stores that work.
   */
  private reportDownBackends(id: string, reports: readonly BackendReport[]): void {
    const down = reports.filter((r) => !r.ok);
    if (down.length === 0) return;
    const failures = Object.fromEntries(down.map((r) => [r.backend, r.error?.message ?? 'failed']));
    const kept = reports.filter((r) => r.ok).map((r) => r.backend);
    const where = kept.length > 0 ? `the run is complete in ${kept.join(', ')}` : 'no store has the whole run';
    // One line per failed backend, named in the context like every other backend failure.
    for (const { backend, error } of down) {
      this.report(
        new ExptrackError(`experiment ${id} finished, but backend ${backend} failed: ${error?.message ?? 'failed'}; ${where}`, { code: 'unavailable', value: id }),
        { operation: 'endOfRun', backend },
      );
    }
    if (kept.length > 0 && this.fanOut) {
      this.fanOut.write([{ type: 'experiment_updated', experimentId: id, changes: { summary: { _exptrack_backend_failures: failures } } }]);
    }
  }

  /** The capture code (`exptrack/capture`), loaded on first use so that the root entry needs no `node:` module. */
  private loadCapture(): Promise<typeof import('exptrack/capture')> {
    return importAtRunTime<typeof import('exptrack/capture')>('exptrack/capture');
  }

  private backendsReady(): Promise<BackendFanOut> {
    this.ready ??= (async () => {
      const backends = this.options.backends ?? [await defaultBackend()];
      // A store that cannot make the loop wait (a backend of your own, or Postgres without its write thread) is cut off only at bounds the user set:
      // by default nothing is dropped, and its queue grows while the loop outruns it.
      const { maxPointsInFlight = Infinity, maxBytesInFlight = Infinity } = this.options;
      const fanOut = new BackendFanOut(backends, (error, context) => this.report(error, context), this.options.backendTimeoutMs ?? 30_000, { maxPoints: maxPointsInFlight, maxBytes: maxBytesInFlight });
      await fanOut.init();
      this.fanOut = fanOut;
      return fanOut;
    })();
    return this.ready;
  }

  private activate(id: string, createdAt: number, fanOut: BackendFanOut, owned: boolean, summary: Experiment['summary']): void {
    this.artifactVersions.clear();
    this.lastStep = 0;
    const flushTimer = setInterval(() => this.scheduleFlush(), this.options.flushIntervalMs ?? 1_000);
    const heartbeat = setInterval(() => {
      const run = this.active;
      if (!run) return;
      // The heartbeat carries the compute so far (the owner's, or a host's), so that a run that crashes keeps it.
      run.usage = this.usageOf(run);
      const beat = () => {
        if (this.active !== run) return;
        this.enqueue({ type: 'experiment_updated', experimentId: id, changes: { heartbeatAt: Date.now(), ...this.costChanges(run, Date.now()) } });
        this.scheduleFlush();
      };
      if (run.owned || run.usage.host !== undefined) void this.readStored(run).then(beat);
      else beat();
    }, HEARTBEAT_INTERVAL_MS);
    unrefTimer(flushTimer);
    unrefTimer(heartbeat);
    const unsubscribe = this.options.handleProcessEvents === false ? () => {} : onProcessEnd(this.processEndHandlers(fanOut));
    const sampler = this.systemSampler();
    const run: ActiveRun = {
      id,
      createdAt,
      interruptedBy: null,
      owned,
      sampler,
      usage: NO_GPUS,
      cost: new RunCost(summary, Date.now(), this.price),
      stored: undefined,
      stopTimers: () => {
        clearInterval(flushTimer);
        clearInterval(heartbeat);
        unsubscribe();
        void sampler?.stop().catch(() => {});
      },
    };
    this.active = run;
    try {
      sampler?.start({
        experimentId: id,
        rank: this.rank,
        owned,
        intervalMs: this.systemMetricsInterval(),
        // System series are logged at the seconds since the run began, so a resumed run goes on.
        log: (metrics) => {
          if (this.active === run) this.logMetrics(metrics, Math.max(0, Math.floor((Date.now() - createdAt) / 1000)));
        },
      });
    } catch (error) {
      this.report(toExptrackError(error), { operation: 'systemMetrics' });
    }
  }

  /** The sampler for a new run: the configured one, the default one, or none when turned off. */
  private systemSampler(): SystemSampler | undefined {
    const option = this.options.systemMetrics;
    // Sampling reads this process and its host's GPUs: Node only (a browser or an edge worker has neither).
    if (option === false || envVar('EXPTRACK_SYSTEM_METRICS') === '0' || (option?.sampler === undefined && !isNodeRuntime())) return undefined;
    return option?.sampler ?? new DefaultSystemSampler();
  }

  private systemMetricsInterval(): number {
    return (this.options.systemMetrics || undefined)?.intervalMs ?? 10_000;
  }

  /** The GPUs of the run now; the last known ones when the sampler cannot say. */
  private usageOf(run: ActiveRun): SystemUsage {
    if (!run.sampler) return NO_GPUS;
    try {
      return run.sampler.usage();
    } catch (error) {
      this.report(toExptrackError(error), { operation: 'systemMetrics' });
      return run.usage;
    }
  }

  /**
   * The compute and cost keys at `now`: the owner's summary, or the host's part of a process that
   * reports its host; nothing from other processes.
   */
  private costChanges(run: ActiveRun, now: number): ExperimentChanges {
    if (run.owned) return { summary: run.cost.computeSummary(now, run.usage, run.stored) };
    const summary = run.cost.hostSummary(now, run.usage, run.stored);
    return Object.keys(summary).length > 0 ? { summary } : {};
  }

  /**
   * Reads the run's summary from the first readable backend into `run.stored` (the parts other
   * hosts wrote). A read that fails or takes over 2 s leaves the last one: the compute written
   * then misses at most other hosts' latest heartbeat.
   */
  private async readStored(run: ActiveRun): Promise<void> {
    const reader = this.fanOut?.backends.find(isReadable);
    if (!reader) return;
    let timer: Parameters<typeof clearTimeout>[0];
    try {
      const experiment = await Promise.race([
        reader.getExperiment(run.id),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), 2_000);
          unrefTimer(timer);
        }),
      ]);
      if (experiment) run.stored = experiment.summary;
    } catch {
      // The backend's own failures are reported where it writes; the totals keep the last read.
    } finally {
      clearTimeout(timer);
    }
  }

  private priceFromEnv(): GpuPrice {
    try {
      return gpuPrice(undefined, envVar('EXPTRACK_GPU_HOUR_USD'));
    } catch (error) {
      if (this.options.strict) throw error;
      this.report(error as ExptrackError, { operation: 'pricing' });
      return () => undefined;
    }
  }

  private deactivate(): void {
    this.sealPoints();
    this.active?.stopTimers();
    this.active = undefined;
  }

  private processEndHandlers(fanOut: BackendFanOut) {
    // Each handler runs where no promise will settle again: it writes synchronously where it can.
    const endNow = (changes: ExperimentChanges): Promise<unknown> => {
      const run = this.active;
      if (!run) return Promise.resolve();
      run.usage = this.usageOf(run);
      const cost = this.costChanges(run, Date.now()).summary;
      if (run.owned) {
        this.enqueue({ type: 'experiment_updated', experimentId: run.id, changes: cost ? { ...changes, summary: { ...cost, ...changes.summary } } : changes });
      } else if (cost) {
        this.enqueue({ type: 'experiment_updated', experimentId: run.id, changes: { summary: cost } });
      }
      return fanOut.writeLast(this.takeBatch());
    };
    return {
      onFatalError: (error: unknown) => {
        void endNow(endChanges('failed', error));
        this.deactivate();
      },
      onSignal: (signal: 'SIGINT' | 'SIGTERM') => {
        if (this.active) this.active.interruptedBy = signal;
        return endNow({ ...endChanges('killed'), summary: { interrupted_by: signal } });
      },
      onBeforeExit: () => {
        const run = this.active;
        if (!run) return;
        const exitCode = Number(process.exitCode ?? 0) || 0;
        const status = run.interruptedBy ? 'killed' : exitCode === 0 ? 'completed' : 'failed';
        if (run.owned) this.report(
          new ExptrackError(`experiment ${run.id} was not finished before the process exited; marking it ${status}`, { code: 'not_started', value: run.id }),
          { operation: 'exit' },
        );
        void this.finishExperiment(status === 'failed' ? { status, error: new Error(`process exited with code ${exitCode}`) } : { status });
      },
      onExit: (code: number) => {
        const run = this.active;
        if (!run) return;
        const status = run.interruptedBy ? 'killed' : code === 0 ? 'completed' : 'failed';
        void endNow(endChanges(status, status === 'failed' ? new Error(`process exited with code ${code}`) : undefined));
        this.deactivate();
      },
    };
  }

  private update(operation: string, changes: () => ExperimentChanges): void {
    const run = this.activeOrReport(operation);
    if (!run) return;
    try {
      this.enqueue({ type: 'experiment_updated', experimentId: run.id, changes: changes() });
    } catch (error) {
      this.rejectInput(error as ExptrackError, operation);
    }
  }

  private enqueue(event: TrackerEvent): void {
    this.sealPoints();
    this.events.push(event);
  }

  /** Turns the buffered points into one event, keeping their order relative to other events. */
  private sealPoints(beat = true): void {
    const run = this.active;
    if (this.points.length === 0 || !run) return;
    const lastTimestamp = this.points.lastTimestamp;
    this.events.push({ type: 'metrics', experimentId: run.id, points: this.points.seal() });
    // A write proves the run alive: a run that crashes later ends at its last write, not at its last
    // timer beat. (Full buffers handed over inside a tight loop skip it: the flush each second carries it.)
    if (run.owned && beat) this.events.push({ type: 'experiment_updated', experimentId: run.id, changes: { heartbeatAt: lastTimestamp } });
  }

  private takeBatch(beat = true): TrackerEvent[] {
    this.sealPoints(beat);
    const batch = this.events;
    this.events = [];
    return batch;
  }

  /**
   * A full buffer goes to the backends now: one that pipelines writes (SQLite's write thread) starts
   * on it while the loop goes on; the others queue it until the event loop turns.
   */
  private handOver(): void {
    const fanOut = this.fanOut;
    if (fanOut) {
      fanOut.write(this.takeBatch(false));
      // Bounded: when the store falls behind, the loop waits for it instead of growing without end.
      const { maxPointsInFlight = DEFAULT_MAX_POINTS_IN_FLIGHT, maxBytesInFlight = DEFAULT_MAX_BYTES_IN_FLIGHT, backendTimeoutMs = 30_000 } = this.options;
      fanOut.waitForCapacity(maxPointsInFlight, maxBytesInFlight, backendTimeoutMs);
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    soon(() => {
      this.flushScheduled = false;
      this.flush().catch(() => {
        // In strict mode the failure is kept and thrown from the caller's next tracker call.
      });
    });
  }

  private activeOrReport(operation: string): ActiveRun | undefined {
    this.throwStrictFailure();
    if (!this.active) this.rejectInput(new ExptrackError(`${operation} needs a running experiment: call startExperiment first`, { code: 'not_started' }), operation);
    return this.active;
  }

  private rejectInput(error: ExptrackError, operation: string): void {
    if (this.options.strict) throw error;
    this.report(error, { operation });
  }

  private report(error: ExptrackError, context: TrackerErrorContext): void {
    if (this.options.strict && context.backend !== undefined) this.strictFailure ??= error;
    try {
      this.onError(error, context);
    } catch {
      // The handler must not throw into the caller's loop.
    }
  }

  private reportAndReturn<T>(error: unknown, operation: string, value: T): T {
    this.report(toExptrackError(error), { operation });
    return value;
  }

  private throwStrictFailure(): void {
    const failure = this.strictFailure;
    if (failure) {
      this.strictFailure = undefined;
      throw failure;
    }
  }
}

/**
 * Until the returned function is called, an uncaught error or a non-zero exit turns the just
 * finished run `failed` (written synchronously where a backend can). One-shot.
 */
function watchForLateFailure(id: string, fanOut: BackendFanOut): () => void {
  let unsubscribe = (): void => {};
  const fail = (error: unknown): void => {
    unsubscribe();
    void fanOut.writeLast([{ type: 'experiment_updated', experimentId: id, changes: endChanges('failed', error) }]);
  };
  unsubscribe = onProcessEnd({
    onFatalError: fail,
    onSignal: () => Promise.resolve(),
    onBeforeExit: () => {},
    onExit: (code) => {
      if (code !== 0) fail(new Error(`process exited with code ${code}`));
    },
  });
  return () => unsubscribe();
}

/** A backend that was not given some of the run's points did not store the whole run: its report says so. */
function withDroppedPoints(reports: BackendReport[], dropped: Record<string, number>): BackendReport[] {
  return reports.map((report) => {
    const points = dropped[report.backend];
    if (points === undefined) return report;
    const error = new ExptrackError(`${points} points were not written to ${report.backend}: it fell behind a loop that did not yield (see maxPointsInFlight)`, { code: 'unavailable', backend: report.backend, value: points, cause: report.error });
    return { backend: report.backend, ok: false, error };
  });
}

function endChanges(status: Experiment['status'], error?: unknown): ExperimentChanges {
  const now = Date.now();
  return { status, endedAt: now, heartbeatAt: now, ...(error === undefined ? {} : { error: recordError(error) }) };
}

function recordError(error: unknown): RecordedError {
  if (error instanceof Error) return { message: error.message, stack: error.stack ?? null };
  return { message: String(error), stack: null };
}

function normaliseTags(tags: Record<string, string | null> | readonly string[] | undefined): Record<string, string> {
  if (tags === undefined) return {};
  const entries: Array<[string, unknown]> = Array.isArray(tags) ? tags.map((t) => [t, '']) : Object.entries(tags);
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    validateKey(key, 'tags key');
    if (value !== null && typeof value !== 'string') throw invalidInput(`tags.${key}`, value, 'must be a string (or null to remove the tag)');
    setOwn(out, key, value as string);
  }
  return out;
}

/** What the summary of a run says when git and environment capture were wanted but this runtime has no Node. */
const CAPTURE_SKIPPED = 'skipped: git and environment capture need Node.js, and this runtime is not Node';

function rankFromEnv(): number {
  const rank = Number(envVar('RANK') ?? 0);
  return Number.isSafeInteger(rank) && rank >= 0 ? rank : 0;
}

/** The store named by EXPTRACK_DB: a `postgres://` URL, or a SQLite file (default `./exptrack.db`). */
async function defaultBackend(): Promise<Backend> {
  const location = envVar('EXPTRACK_DB') ?? './exptrack.db';
  // Computed specifiers: a bundle of the tracker (for a browser, with an HttpBackend) holds no driver.
  if (/^postgres(ql)?:\/\//.test(location)) {
    const { PostgresBackend } = await importAtRunTime<typeof import('exptrack/postgres')>('exptrack/postgres');
    return new PostgresBackend({ connectionString: location });
  }
  const { SqliteBackend } = await importAtRunTime<typeof import('exptrack/sqlite')>('exptrack/sqlite');
  return new SqliteBackend({ path: location });
}

/** The default error handler: one console warning per backend and per kind of bad input, and every end-of-run verdict. */
function warnOncePerSource(): TrackerErrorHandler {
  const seen = new Set<string>();
  return (error, context) => {
    if (context.operation === 'endOfRun') {
      console.warn(`[exptrack] ${error.message}`);
      return;
    }
    const source = context.backend ? `backend:${context.backend}` : `${context.operation}:${error.code}:${error.field ?? ''}`;
    if (seen.has(source)) return;
    seen.add(source);
    const more = context.backend ? ` (further failures of backend ${context.backend} are not printed; pass onError to see them all)` : '';
    console.warn(`[exptrack] ${error.message}${more}`);
  };
}
