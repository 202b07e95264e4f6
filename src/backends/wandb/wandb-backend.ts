import type { ArtifactRecord, ArtifactUse, BlobSource } from '../../core/artifacts.js';
import type { Backend, BackendCapabilities, ExperimentChanges, TrackerEvent } from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import { applyExperimentChanges } from '../../core/experiment-changes.js';
import type { Experiment, ExperimentStatus } from '../../core/types.js';
import { resolveApiKey, resolveBaseUrl } from './credentials.js';
import { sendArtifact } from './artifact-upload.js';
import { artifactKey, committedArtifactId, emptyLedger, ledgerHost, ledgerPath, readLedger, resolveLedgerDir, useKey, writeLedger, type LedgerState } from './ledger.js';
import { retryPolicy, sleep } from './retry.js';
import {
  SummaryState,
  addToRow,
  encodeHistoryLine,
  evalHistoryKey,
  exitCodeFor,
  fingerprint,
  metricHistoryKey,
  upsertVariables,
  wandbRunId,
  type HistoryRow,
} from './run-mapping.js';
import type { WandbBackendConfig } from './wandb-backend-config.js';
import { WandbClient, type UpsertBucketVariables } from './wandb-client.js';
import { mapMedia, type RunFileUpload } from './media-mapping.js';

/** Summary-only posts are sent at most this often while a run is going. */
const SUMMARY_INTERVAL_MS = 2_000;
/** W&B marks a run crashed when it hears nothing for minutes; a run without new rows posts this often. */
const HEARTBEAT_INTERVAL_MS = 30_000;
const MAX_RECONNECT_DELAY_MS = 60_000;
/** Run files asked for in one `CreateRunFiles` request. */
const FILES_PER_URL_REQUEST = 20;

/**
 * How delivery of one run to W&B stands.
 *
 * @example
 * ```ts
 * import { WandbBackend } from 'exptrack/wandb';
 * const wandb = new WandbBackend({ project: 'p' });
 * for (const run of wandb.deliveryStatus()) if (run.needsSync) console.log(`exptrack sync wandb ${run.experimentId}`);
 * ```
 */
export interface WandbRunDelivery {
  /** The exptrack experiment. */
  experimentId: string;
  /** Its W&B run id (see `wandbRunId`). */
  runId: string;
  /** History rows W&B acknowledged in this process. */
  deliveredRows: number;
  /** History rows built but not acknowledged yet (queued, or held open until a higher step or the end). */
  pendingRows: number;
  /** Points that arrived after a higher step was sent; only a sync can place them. */
  latePoints: number;
  /** Rows not sent live because the queue hit `maxQueuedRows`; a sync sends them. */
  detachedRows: number;
  /**
   * Points of a run this process only attached to (`EXPTRACK_EXPERIMENT_ID`, another rank): W&B's
   * file_stream takes one writer per run, so they are not sent live; a sync of the shared local store sends them.
   */
  skippedPoints: number;
  /**
   * Artifacts and media this backend could not send: outputs of a run this process only attached
   * to, media at a step below one already sent, images and tables that could not be read when
   * their turn came, artifact versions whose files were gone or changed since they were logged, and
   * artifact uses of a version W&B is not known to have. A sync sends the artifact versions and uses
   * from the local store (see `syncExperimentsToWandb`), not the media.
   */
  unsentOutputs: number;
  /** Run files (images, tables) waiting for their upload. */
  pendingFiles: number;
  /** Artifact versions and artifact uses waiting to be sent as W&B Artifacts (`CreateArtifact` … `CommitArtifact`, `UseArtifact`). */
  pendingArtifacts: number;
  /** Whether W&B has the run's current summary. */
  summaryDelivered: boolean;
  /** Whether W&B acknowledged the run's end (`complete` with the exit code). */
  completed: boolean;
  /** Whether something is missing on W&B that only `syncExperimentsToWandb` can deliver now. */
  needsSync: boolean;
  /** The last delivery failure, if any. */
  lastError: ExptrackError | null;
}

interface QueuedLine {
  /** Position in this process's sequence of rows for the run; the offset is `base + seq`. */
  seq: number;
  row: HistoryRow;
}

interface RunState {
  experimentId: string;
  runId: string;
  /** Known when the run started in this process; null for a run resumed from elsewhere. */
  experiment: Experiment | null;
  /** This process joined another process's run: nothing is sent live for it. */
  attached: boolean;
  skippedPoints: number;
  unsentOutputs: number;
  /** Run files to upload, in order. */
  uploads: RunFileUpload[];
  /** Run files uploaded but not yet announced in a file_stream post. */
  uploadedNames: string[];
  /** Artifact versions to send as W&B Artifacts, in order. */
  artifacts: Array<{ record: ArtifactRecord; sources: readonly BlobSource[] }>;
  /** Artifact uses to send (`UseArtifact`), in order. */
  uses: ArtifactUse[];
  /** Artifact versions ({@link artifactKey}) and uses ({@link useKey}) given up on: only a sync can send them. */
  droppedArtifacts: string[];
  droppedUses: string[];
  /** Name and notes changed on a run resumed from elsewhere. */
  partial: { name?: string; notes?: string };
  createdAt: number;
  needsUpsert: boolean;
  /** Whether the ledger was read (needs the entity; no network). */
  ledgerLoaded: boolean;
  /** Whether the history offset of this process's first row is known. */
  prepared: boolean;
  ledger: LedgerState | null;
  ledgerFile: string | null;
  ledgerDirty: boolean;
  ledgerWrite: Promise<void>;
  base: number;
  nextSeq: number;
  open: Map<number, HistoryRow>;
  lastSealedStep: number;
  maxSeenStep: number;
  queue: QueuedLine[];
  detachedRows: number;
  deliveredRows: number;
  latePoints: number;
  summary: SummaryState;
  summaryVersion: number;
  summarySentVersion: number;
  finished: boolean;
  exitCode: number | null;
  completeSent: boolean;
  lastPostAt: number;
  heartbeatDue: boolean;
  failures: number;
  cooldownUntil: number;
  lastError: ExptrackError | null;
}

/**
 * A write-only backend that sends runs to Weights & Biases over its public HTTP protocol:
 * `UpsertBucket` creates or resumes the run (config, tags, notes, group, job type, display name),
 * `file_stream` posts carry history rows (merged by step, in step order) and the summary, and
 * `complete` ends it with the exit code of the run's status. It uses the built-in fetch.
 *
 * `write` returns at once: delivery runs in the background with its own queue, retries (backoff
 * with jitter on 429, 5xx and network errors), and pauses while W&B is unreachable; `flush` and
 * `close` wait at most `flushTimeoutMs` / `closeTimeoutMs`. Use it beside a local store: what W&B
 * did not acknowledge is recorded in a ledger, and `syncExperimentsToWandb` delivers it later.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { SqliteBackend } from 'exptrack/sqlite';
 * import { WandbBackend } from 'exptrack/wandb';
 *
 * const tracker = new ExperimentTracker({
 *   backends: [new SqliteBackend({ path: 'runs.db' }), new WandbBackend({ project: 'llm-sft', entity: 'my-team' })],
 * });
 * await tracker.startExperiment({ learning_rate: 3e-4 }, { name: 'baseline', tags: ['sft'] });
 * for (let step = 0; step < 100; step++) tracker.logMetrics({ loss: 1 / (step + 1) }, step);
 * await tracker.finishExperiment();
 * await tracker.close();
 * ```
 */
export class WandbBackend implements Backend {
  /** The version of the backend contract implemented. */
  readonly specificationVersion = 1;
  /** `wandb`, in reports and errors. */
  readonly name = 'wandb';
  /** Write-only. Not multi-process: W&B takes one writer per run (see {@link WandbRunDelivery.skippedPoints}). */
  /**
   * Pipelined: `write` maps a batch onto the delivery queue when it is handed over, so a loop that
   * never yields holds no queue of batches for W&B; the queue itself is bounded by `maxQueuedRows`.
   */
  readonly capabilities: BackendCapabilities = { read: false, persistent: true, multiProcess: false, responseCache: false, pipelinedWrites: true };

  private readonly config: WandbBackendConfig;
  private readonly project: string;
  private readonly baseUrl: string;
  private readonly ledgerDir: string;
  private entity: string | undefined;
  private client: WandbClient | undefined;
  private initError: ExptrackError | undefined;
  private initialised = false;
  private readonly runs = new Map<string, RunState>();
  /** W&B ids of the artifact versions committed in this process, by `<experiment>/<name>:v<version>`. */
  private readonly committedArtifacts = new Map<string, string>();
  private pumping: Promise<void> | undefined;
  private wanted = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private unreported: ExptrackError | undefined;
  private closing = false;
  private closed = false;
  private closePromise: Promise<void> | undefined;
  private readonly abort = new AbortController();

  /**
   * @param config - project, entity, base URL, API key and delivery limits
   * @throws ExptrackError `invalid_input` when no project is given and `WANDB_PROJECT` is unset.
   */
  constructor(config: WandbBackendConfig = {}) {
    this.config = config;
    const project = config.project || process.env.WANDB_PROJECT;
    if (!project) throw new ExptrackError('WandbBackend needs a project: pass { project } or set WANDB_PROJECT', { code: 'invalid_input', field: 'project', backend: 'wandb' });
    this.project = project;
    this.entity = config.entity || process.env.WANDB_ENTITY || undefined;
    this.baseUrl = resolveBaseUrl(config.baseUrl);
    this.ledgerDir = resolveLedgerDir(config.ledgerDir);
  }

  /**
   * Finds the API key (no network). Idempotent.
   *
   * @throws ExptrackError `invalid_input` when no API key is found; the backend then delivers
   *   nothing, and the local store keeps everything for a later sync.
   */
  async init(): Promise<void> {
    this.ensureInit();
    if (this.initError) throw this.initError;
  }

  /**
   * Takes a batch of events into the delivery queue and returns at once; never throws.
   *
   * @param events - the tracker's events, in order
   */
  async write(events: readonly TrackerEvent[]): Promise<void> {
    this.ensureInit();
    if (this.initError || this.closed) return;
    const touched = new Set<RunState>();
    for (const event of events) {
      try {
        const run = this.apply(event);
        if (run) touched.add(run);
      } catch (error) {
        this.unreported ??= ExptrackError.is(error) ? error : new ExptrackError(`W&B: could not map an event: ${String(error)}`, { code: 'backend_failed', backend: this.name, cause: error });
      }
    }
    for (const run of touched) this.seal(run, run.finished || this.closing ? Infinity : run.maxSeenStep);
    this.kick();
  }

  /**
   * Waits, at most `flushTimeoutMs`, until every row that can be sent now was sent (the row of the
   * highest step stays open until a higher step or the run's end, so that same-step calls merge).
   *
   * @throws ExptrackError `unavailable`, `rate_limited`, `timeout` or `invalid_input` once per new
   *   delivery failure, so the tracker can report it. Nothing is lost: the rows stay queued, and the
   *   ledger records what was not delivered.
   */
  async flush(): Promise<void> {
    if (this.initError) return; // reported by init; the local store has everything
    this.kick();
    await this.waitIdle(this.config.flushTimeoutMs ?? 5_000);
    await this.persistLedgers();
    this.throwUnreported();
  }

  /**
   * Sends what is left (every open row, the summary, `complete` for finished runs), waiting at most
   * `closeTimeoutMs`, then stops. Idempotent.
   *
   * @throws ExptrackError `unavailable` when some data could not be delivered; it is recorded in the
   *   ledger, and `syncExperimentsToWandb` delivers it from the local store.
   */
  close(): Promise<void> {
    this.closePromise ??= this.closeOnce();
    return this.closePromise;
  }

  private async closeOnce(): Promise<void> {
    this.closing = true;
    if (!this.initError) {
      for (const run of this.runs.values()) this.seal(run, Infinity);
      const deadline = Date.now() + (this.config.closeTimeoutMs ?? 15_000);
      while (Date.now() < deadline) {
        this.kick();
        await this.waitIdle(deadline - Date.now());
        const pending = [...this.runs.values()].filter((run) => this.hasWork(run, Infinity));
        if (pending.length === 0 || Date.now() >= deadline) break;
        // Every run with work left is pausing after a failure: wait for the earliest retry.
        const next = Math.min(...pending.map((run) => run.cooldownUntil));
        await sleep(Math.max(1, Math.min(next, deadline) - Date.now()));
        for (const run of pending) run.cooldownUntil = Math.min(run.cooldownUntil, Date.now());
      }
    }
    this.closed = true;
    this.abort.abort();
    await this.pumping;
    clearTimeout(this.wakeTimer);
    const missing: string[] = [];
    for (const run of this.runs.values()) {
      // An attached process must not touch the owner's ledger.
      if (!run.attached) await this.loadLedger(run).catch(() => undefined);
      if (this.undelivered(run)) missing.push(run.experimentId);
      this.updateLedgerCounts(run);
    }
    await this.persistLedgers();
    this.resolveIdle();
    if (missing.length > 0) {
      const cause = this.unreported ?? [...this.runs.values()].find((r) => r.lastError)?.lastError ?? undefined;
      this.unreported = undefined;
      throw new ExptrackError(
        `W&B: data of ${missing.length} run(s) was not delivered (${cause?.message ?? 'the deadline passed'}); it is in the local store and the ledger: run \`exptrack sync wandb ${missing.join(' ')}\``,
        { code: 'unavailable', backend: this.name, value: missing, cause },
      );
    }
    this.throwUnreported();
  }

  /**
   * How delivery stands for every run this backend has seen.
   *
   * @returns one entry per run
   */
  deliveryStatus(): WandbRunDelivery[] {
    return [...this.runs.values()].map((run) => ({
      experimentId: run.experimentId,
      runId: run.runId,
      deliveredRows: run.deliveredRows,
      pendingRows: run.queue.length + run.open.size,
      latePoints: run.latePoints,
      detachedRows: run.detachedRows,
      skippedPoints: run.skippedPoints,
      unsentOutputs: run.unsentOutputs,
      pendingFiles: run.uploads.length,
      pendingArtifacts: run.artifacts.length + run.uses.length,
      summaryDelivered: run.summaryVersion === run.summarySentVersion,
      completed: run.completeSent,
      needsSync: run.latePoints > 0 || run.detachedRows > 0 || run.skippedPoints > 0 || run.droppedArtifacts.length > 0 || run.droppedUses.length > 0 || (this.closed && this.undelivered(run)),
      lastError: run.lastError,
    }));
  }

  private ensureInit(): void {
    if (this.initialised) return;
    this.initialised = true;
    try {
      const apiKey = resolveApiKey(this.config.apiKey, this.baseUrl);
      this.client = new WandbClient({ baseUrl: this.baseUrl, apiKey, retry: retryPolicy(this.config.retry), requestTimeoutMs: this.config.requestTimeoutMs ?? 15_000 });
    } catch (error) {
      this.initError = ExptrackError.is(error) ? error : new ExptrackError(String(error), { code: 'invalid_input', backend: this.name, cause: error });
    }
  }

  // ---- mapping events onto run state (synchronous, on the caller's stack) ----

  private apply(event: TrackerEvent): RunState | undefined {
    if (event.type === 'experiment_started') {
      const { experiment } = event;
      const run = this.newRun(experiment.id, experiment);
      this.runs.set(experiment.id, run);
      return run;
    }
    // A run first seen through a status change was resumed here (this process owns it now); first
    // seen through anything else, this process attached to a run another process writes to W&B.
    const run = this.runFor(event.experimentId, event.type === 'experiment_updated' && event.changes.status === 'running');
    if (event.type === 'artifact' || event.type === 'artifact_used' || event.type === 'media') return this.applyOutput(run, event);
    if (run.attached) {
      if (event.type === 'metrics') run.skippedPoints += event.points.keys.length;
      else if (event.type === 'evaluation') run.skippedPoints += Object.keys(event.evaluation.metrics).length;
      return undefined;
    }
    switch (event.type) {
      case 'experiment_updated':
        this.applyChanges(run, event.changes);
        return run;
      case 'metrics': {
        const { keys, steps, values, timestamps, rank } = event.points;
        for (let i = 0; i < keys.length; i++) this.addPoint(run, metricHistoryKey(keys[i]!, rank), steps[i]!, values[i]!, timestamps[i]!);
        return run;
      }
      case 'evaluation': {
        const { benchmark, metrics, step, createdAt } = event.evaluation;
        if (step !== null) for (const [metric, value] of Object.entries(metrics)) this.addRowPoint(run, evalHistoryKey(benchmark, metric), step, value, createdAt);
        run.summary.addEvaluation(benchmark, metrics, step);
        run.summaryVersion++;
        return run;
      }
      case 'checkpoint':
        run.summary.addCheckpoint(event.checkpoint);
        run.summaryVersion++;
        return run;
    }
  }

  /** An artifact version becomes a W&B Artifact, a use a `UseArtifact`; a media item a history value (and a file). */
  private applyOutput(run: RunState, event: Extract<TrackerEvent, { type: 'artifact' | 'artifact_used' | 'media' }>): RunState | undefined {
    if (run.attached) {
      run.unsentOutputs++;
      return undefined;
    }
    if (event.type === 'artifact') {
      run.artifacts.push({ record: event.artifact, sources: event.sources });
      return run;
    }
    if (event.type === 'artifact_used') {
      run.uses.push(event.use);
      return run;
    }
    const mapped = mapMedia(event.media, event.bytes);
    const { step, key, createdAt } = event.media;
    if (!mapped || step <= run.lastSealedStep) {
      // W&B drops rows whose step is not above the last one sent.
      run.unsentOutputs++;
      return undefined;
    }
    if (mapped.file) run.uploads.push(mapped.file);
    let row = run.open.get(step);
    if (!row) run.open.set(step, (row = { step, values: new Map(), timestamp: createdAt }));
    (row.media ??= new Map()).set(key, mapped.value);
    if (createdAt > row.timestamp) row.timestamp = createdAt;
    if (step > run.maxSeenStep) run.maxSeenStep = step;
    return run;
  }

  private newRun(experimentId: string, experiment: Experiment | null): RunState {
    const summary = new SummaryState(experimentId);
    if (experiment) {
      summary.mergeUser(experiment.summary);
      summary.status = experiment.status;
    }
    return {
      experimentId,
      runId: wandbRunId(experimentId),
      experiment: experiment && structuredClone(experiment),
      attached: false,
      skippedPoints: 0,
      unsentOutputs: 0,
      uploads: [],
      uploadedNames: [],
      artifacts: [],
      uses: [],
      droppedArtifacts: [],
      droppedUses: [],
      partial: {},
      createdAt: experiment?.createdAt ?? Date.now(),
      needsUpsert: true,
      ledgerLoaded: false,
      prepared: false,
      ledger: null,
      ledgerFile: null,
      ledgerDirty: false,
      ledgerWrite: Promise.resolve(),
      base: 0,
      nextSeq: 0,
      open: new Map(),
      lastSealedStep: -1,
      maxSeenStep: -1,
      queue: [],
      detachedRows: 0,
      deliveredRows: 0,
      latePoints: 0,
      summary,
      summaryVersion: 1,
      summarySentVersion: 0,
      finished: false,
      exitCode: null,
      completeSent: false,
      lastPostAt: 0,
      heartbeatDue: false,
      failures: 0,
      cooldownUntil: 0,
      lastError: null,
    };
  }

  /** The state of a run first seen now: resumed here, or attached to (another process sends it). */
  private runFor(experimentId: string, resumed: boolean): RunState {
    let run = this.runs.get(experimentId);
    if (!run) {
      run = this.newRun(experimentId, null);
      if (!resumed) {
        run.attached = true;
        run.prepared = true;
        run.needsUpsert = false;
        run.summarySentVersion = run.summaryVersion;
      }
      this.runs.set(experimentId, run);
    }
    return run;
  }

  private applyChanges(run: RunState, changes: ExperimentChanges): void {
    if (run.experiment) run.experiment = applyExperimentChanges(run.experiment, changes);
    else {
      if (changes.name !== undefined) run.partial.name = changes.name;
      if (changes.notes !== undefined) run.partial.notes = changes.notes;
    }
    if (changes.name !== undefined || changes.notes !== undefined || changes.tags !== undefined) run.needsUpsert = true;
    if (changes.summary !== undefined) {
      run.summary.mergeUser(changes.summary);
      run.summaryVersion++;
    }
    if (changes.status !== undefined) {
      run.summary.status = changes.status;
      run.summaryVersion++;
      if (isTerminal(changes.status)) {
        run.finished = true;
        run.exitCode = exitCodeFor(changes.status, run.summary.user);
        this.seal(run, Infinity);
      } else {
        // Resumed: the run goes on, and will be completed again when it ends.
        run.finished = false;
        run.exitCode = null;
        run.completeSent = false;
      }
    }
    if (changes.heartbeatAt !== undefined && Date.now() - run.lastPostAt >= HEARTBEAT_INTERVAL_MS) run.heartbeatDue = true;
  }

  private addPoint(run: RunState, key: string, step: number, value: number, timestamp: number): void {
    run.summary.addPoint(key, step, value);
    run.summaryVersion++;
    this.addRowPoint(run, key, step, value, timestamp);
  }

  private addRowPoint(run: RunState, key: string, step: number, value: number, timestamp: number): void {
    if (step <= run.lastSealedStep) {
      // W&B drops rows whose step is not above the last one sent: this point is kept for a sync.
      run.latePoints++;
      run.ledgerDirty = true;
      return;
    }
    addToRow(run.open, step, key, value, timestamp);
    if (step > run.maxSeenStep) run.maxSeenStep = step;
  }

  /** Turns the open rows below `below` into lines, in step order. */
  private seal(run: RunState, below: number): void {
    if (run.open.size === 0) return;
    const steps = [...run.open.keys()].filter((s) => s < below).sort((a, b) => a - b);
    const limit = this.config.maxQueuedRows ?? 100_000;
    for (const step of steps) {
      const row = run.open.get(step)!;
      run.open.delete(step);
      run.lastSealedStep = step;
      if (run.detachedRows === 0 && run.queue.length >= limit) {
        // Too much waiting in memory: stop live history for this run; a sync sends the rest.
        run.detachedRows = run.queue.length;
        run.queue = [];
      }
      if (run.detachedRows > 0) {
        run.detachedRows++;
        run.ledgerDirty = true;
        continue;
      }
      run.queue.push({ seq: run.nextSeq++, row });
    }
  }

  // ---- background delivery ----

  private kick(): void {
    this.wanted = true;
    if (this.pumping || this.closed || this.initError) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.wanted && !this.closed) this.kick();
      else this.afterPump();
    });
  }

  private async pump(): Promise<void> {
    for (;;) {
      this.wanted = false;
      const run = [...this.runs.values()].find((r) => this.hasDueWork(r));
      if (!run) {
        if (this.wanted) continue;
        return;
      }
      try {
        await this.step(run);
        run.failures = 0;
      } catch (error) {
        await this.failed(run, error);
      }
      if (this.abort.signal.aborted) return;
    }
  }

  /** After the pump stops: wake the waiters, and schedule the next retry or summary post. */
  private afterPump(): void {
    clearTimeout(this.wakeTimer);
    const now = Date.now();
    let next = Infinity;
    for (const run of this.runs.values()) {
      if (run.cooldownUntil > now && this.hasWork(run, Infinity)) next = Math.min(next, run.cooldownUntil);
      else if (this.summaryPending(run)) next = Math.min(next, run.lastPostAt + SUMMARY_INTERVAL_MS);
    }
    if (next !== Infinity && !this.closed) {
      this.wakeTimer = setTimeout(() => this.kick(), Math.max(1, next - now));
      this.wakeTimer.unref();
    }
    this.resolveIdle();
  }

  private summaryPending(run: RunState): boolean {
    return run.summaryVersion !== run.summarySentVersion;
  }

  /** Whether the run has anything left to deliver (ignoring pauses). `sealedBelow` Infinity counts open rows too. */
  private hasWork(run: RunState, sealedBelow = -1): boolean {
    return (
      !run.prepared ||
      run.needsUpsert ||
      run.queue.length > 0 ||
      run.uploads.length > 0 ||
      run.uploadedNames.length > 0 ||
      run.artifacts.length > 0 ||
      run.uses.length > 0 ||
      (sealedBelow === Infinity && run.open.size > 0) ||
      this.summaryPending(run) ||
      (run.finished && run.exitCode !== null && !run.completeSent)
    );
  }

  /** Whether the pump should work on the run now. */
  private hasDueWork(run: RunState): boolean {
    const now = Date.now();
    if (run.cooldownUntil > now) return false;
    if (!run.prepared || run.needsUpsert || run.queue.length > 0 || run.uploads.length > 0 || run.uploadedNames.length > 0 || run.artifacts.length > 0 || this.useDue(run) || run.heartbeatDue || run.ledgerDirty) return true;
    if (this.summaryPending(run) && (run.finished || this.closing || now - run.lastPostAt >= SUMMARY_INTERVAL_MS)) return true;
    return run.finished && run.exitCode !== null && !run.completeSent && run.open.size === 0;
  }

  /** One unit of work for a run; throws when a request failed for good. */
  private async step(run: RunState): Promise<void> {
    const client = this.client!;
    const signal = this.abort.signal;
    if (this.entity === undefined) this.entity = await client.viewerEntity(signal);
    const entity = this.entity;
    if (!run.prepared) {
      await this.loadLedger(run);
      const ledger = run.ledger!;
      if (run.experiment === null && ledger.createdAt !== null) run.createdAt = ledger.createdAt;
      let base = ledger.lines.length;
      let lastStep = lastStepOf(ledger);
      if (run.experiment === null && !ledgerKnowsEnd(ledger)) {
        // Resumed from elsewhere without a ledger here: ask W&B where its history ends.
        const status = await client.runResumeStatus(entity, this.project, run.runId, signal);
        if (status && status.historyLineCount > base) {
          ledger.lines.length = status.historyLineCount;
          ledger.lines.fill(null, base);
          base = status.historyLineCount;
          if (status.lastStep !== null) lastStep = Math.max(lastStep, status.lastStep);
        }
      }
      run.base = base - (run.queue[0]?.seq ?? run.nextSeq);
      if (lastStep > run.lastSealedStep) {
        // Rows at or below what W&B already has would be dropped: keep them for a sync.
        const late = run.queue.filter((q) => q.row.step <= lastStep);
        if (late.length > 0) {
          run.latePoints += late.reduce((n, q) => n + q.row.values.size, 0);
          run.queue = run.queue.filter((q) => q.row.step > lastStep);
          run.base = base - (run.queue[0]?.seq ?? run.nextSeq);
        }
        run.lastSealedStep = Math.max(run.lastSealedStep, lastStep);
      }
      run.prepared = true;
      return;
    }
    if (run.needsUpsert) {
      const vars = this.upsertVars(run, entity);
      await client.upsertBucket(vars, signal);
      run.needsUpsert = false;
      if (run.experiment) run.ledger!.upsert = fingerprint(JSON.stringify(vars));
      run.ledgerDirty = true;
      return;
    }
    if (run.uploads.length > 0) {
      await this.uploadFiles(run, entity);
      return;
    }
    const summaryDue = this.summaryPending(run) && (run.finished || this.closing || Date.now() - run.lastPostAt >= SUMMARY_INTERVAL_MS);
    if (run.queue.length > 0 || summaryDue || run.uploadedNames.length > 0) {
      const lines = run.queue.slice(0, this.config.maxRowsPerRequest ?? 1_000).map((q) => ({ seq: q.seq, step: q.row.step, line: encodeHistoryLine(q.row, run.createdAt) }));
      const files: Record<string, { offset: number; content: string[] }> = {};
      const offset = lines.length > 0 ? run.base + lines[0]!.seq : 0;
      if (lines.length > 0) files['wandb-history.jsonl'] = { offset, content: lines.map((l) => l.line) };
      const version = run.summaryVersion;
      const summaryLine = run.summary.encode();
      files['wandb-summary.json'] = { offset: 0, content: [summaryLine] };
      const uploaded = run.uploadedNames.slice();
      await client.fileStream(entity, this.project, run.runId, JSON.stringify(uploaded.length > 0 ? { files, uploaded } : { files }), signal);
      run.uploadedNames.splice(0, uploaded.length);
      // Acknowledged: record it, then drop what was sent from the queue.
      const ledger = run.ledger!;
      lines.forEach((l, i) => {
        ledger.lines[offset + i] = fingerprint(l.line);
      });
      if (lines.length > 0) ledger.lastStep = lines[lines.length - 1]!.step;
      run.queue.splice(0, lines.length);
      run.deliveredRows += lines.length;
      run.summarySentVersion = version;
      ledger.summary = fingerprint(summaryLine);
      run.lastPostAt = Date.now();
      run.heartbeatDue = false;
      run.ledgerDirty = true;
      return;
    }
    // After history (a large artifact takes a while: rows already sealed go first), before `complete`.
    if (run.artifacts.length > 0) {
      await this.sendNextArtifact(run, entity);
      return;
    }
    if (this.useDue(run)) {
      await this.sendNextUse(run, entity);
      return;
    }
    if (run.finished && run.exitCode !== null && !run.completeSent && run.open.size === 0) {
      await client.fileStream(entity, this.project, run.runId, JSON.stringify({ complete: true, exitcode: run.exitCode }), signal);
      run.completeSent = true;
      run.ledger!.exitCode = run.exitCode;
      run.lastPostAt = Date.now();
      run.ledgerDirty = true;
      return;
    }
    if (run.heartbeatDue) {
      await client.fileStream(entity, this.project, run.runId, JSON.stringify({ complete: false, failed: false }), signal);
      run.heartbeatDue = false;
      run.lastPostAt = Date.now();
      return;
    }
    if (run.ledgerDirty) await this.persist(run);
  }

  /**
   * Uploads the next run files: upload URLs from `CreateRunFiles`, then a PUT each. A file that
   * cannot be read any more is dropped and reported (counted in `unsentOutputs`); a failed
   * request leaves the rest queued for the retry.
   */
  private async uploadFiles(run: RunState, entity: string): Promise<void> {
    const client = this.client!;
    const signal = this.abort.signal;
    const batch = run.uploads.slice(0, FILES_PER_URL_REQUEST);
    const { urls, headers } = await client.createRunFiles(entity, this.project, run.runId, batch.map((u) => u.name), signal);
    for (const upload of batch) {
      const url = urls.get(upload.name);
      if (url === undefined) throw new ExptrackError(`W&B CreateRunFiles gave no upload URL for ${upload.name}`, { code: 'unavailable', backend: this.name });
      try {
        await client.uploadFile(url, headers, upload.source, upload.name, signal);
      } catch (error) {
        if (!(ExptrackError.is(error) && error.code === 'not_found' && error.field === 'path')) throw error;
        run.uploads.shift();
        run.unsentOutputs++;
        this.unreported ??= error;
        continue;
      }
      run.uploads.shift();
      run.uploadedNames.push(upload.name);
    }
    run.ledgerDirty = true;
  }

  /**
   * Sends the next artifact version as a W&B Artifact. One whose files are gone or changed since
   * they were logged is given up on (counted in `unsentOutputs`, listed in the ledger for a sync,
   * which reads the logged bytes from the local store); a failed request leaves it queued.
   */
  private async sendNextArtifact(run: RunState, entity: string): Promise<void> {
    const { record, sources } = run.artifacts[0]!;
    const byDigest = new Map(sources.map((s) => [s.digest, s]));
    const key = artifactKey(record.name, record.version);
    try {
      const sent = await sendArtifact(
        this.client!,
        { entity, project: this.project, runId: run.runId },
        record,
        (file) => {
          const source = byDigest.get(file.digest);
          return source && ('path' in source ? { path: source.path } : { bytes: source.bytes });
        },
        this.abort.signal,
      );
      (run.ledger!.artifacts ??= {})[key] = { id: sent.id, digest: record.digest };
      this.committedArtifacts.set(`${run.experimentId}/${key}`, sent.id);
    } catch (error) {
      if (!(ExptrackError.is(error) && error.code === 'not_found' && error.field === 'path')) throw error;
      run.droppedArtifacts.push(key);
      run.unsentOutputs++;
      this.unreported ??= error;
    }
    run.artifacts.shift();
    run.ledgerDirty = true;
  }

  /** Whether the next artifact use can be sent: the version it names is not still waiting in this process. */
  private useDue(run: RunState): boolean {
    const use = run.uses[0];
    if (!use) return false;
    const source = this.runs.get(use.sourceExperimentId);
    return !source?.artifacts.some((a) => a.record.name === use.name && a.record.version === use.version);
  }

  /** Sends the next artifact use (`UseArtifact`) when W&B is known to have the version; else it waits for a sync. */
  private async sendNextUse(run: RunState, entity: string): Promise<void> {
    const use = run.uses[0]!;
    const key = artifactKey(use.name, use.version);
    const id =
      this.committedArtifacts.get(`${use.sourceExperimentId}/${key}`) ??
      (await committedArtifactId(this.ledgerDir, ledgerHost(this.baseUrl), entity, this.project, wandbRunId(use.sourceExperimentId), use.name, use.version));
    if (id === undefined) {
      run.droppedUses.push(useKey(use));
      run.unsentOutputs++;
    } else {
      await this.client!.useArtifact(entity, this.project, run.runId, id, this.abort.signal);
      const ledger = run.ledger!;
      if (!(ledger.uses ??= []).includes(useKey(use))) ledger.uses.push(useKey(use));
    }
    run.uses.shift();
    run.ledgerDirty = true;
  }

  private upsertVars(run: RunState, entity: string): UpsertBucketVariables {
    if (run.experiment) return upsertVariables(run.experiment, { entity, project: this.project, ...(this.config.jobType ? { jobType: this.config.jobType } : {}) });
    const vars: UpsertBucketVariables = { name: run.runId, entity, project: this.project };
    if (run.partial.name !== undefined) vars.displayName = run.partial.name;
    if (run.partial.notes !== undefined) vars.notes = run.partial.notes;
    if (this.config.jobType) vars.jobType = this.config.jobType;
    return vars;
  }

  private async failed(run: RunState, cause: unknown): Promise<void> {
    const error = ExptrackError.is(cause) ? cause : new ExptrackError(`W&B delivery failed: ${String(cause)}`, { code: 'backend_failed', backend: this.name, cause });
    run.failures++;
    run.cooldownUntil = Date.now() + Math.min(MAX_RECONNECT_DELAY_MS, (this.config.reconnectDelayMs ?? 5_000) * 2 ** (run.failures - 1));
    run.lastError = error;
    this.unreported ??= error;
    if (run.ledger) {
      run.ledger.lastError = error.message;
      this.updateLedgerCounts(run);
    }
    if (this.entity !== undefined) await this.persist(run).catch(() => undefined);
  }

  private undelivered(run: RunState): boolean {
    return run.skippedPoints > 0 || run.uploads.length > 0 || run.artifacts.length > 0 || run.uses.length > 0 || run.droppedArtifacts.length > 0 || run.queue.length > 0 || run.open.size > 0 || run.detachedRows > 0 || run.latePoints > 0 || this.summaryPending(run) || run.needsUpsert || (run.finished && run.exitCode !== null && !run.completeSent);
  }

  private updateLedgerCounts(run: RunState): void {
    const ledger = run.ledger;
    if (!ledger) return;
    ledger.undeliveredRows = run.queue.length + run.open.size + run.detachedRows;
    ledger.undeliveredFiles = run.uploads.map((u) => u.name);
    ledger.undeliveredArtifacts = [...run.droppedArtifacts, ...run.artifacts.map((a) => artifactKey(a.record.name, a.record.version))];
    ledger.undeliveredUses = [...run.droppedUses, ...run.uses.map(useKey)];
    ledger.latePoints = run.latePoints;
    ledger.needsSync = ledger.undeliveredRows > 0 || run.latePoints > 0 || ledger.undeliveredArtifacts.length > 0 || ledger.undeliveredUses.length > 0 || (this.closed && this.undelivered(run));
    if (run.lastError) ledger.lastError = run.lastError.message;
    run.ledgerDirty = true;
  }

  // ---- the ledger ----

  private async loadLedger(run: RunState): Promise<void> {
    if (run.ledgerLoaded || this.entity === undefined) return;
    const file = ledgerPath(this.ledgerDir, ledgerHost(this.baseUrl), this.entity, this.project, run.runId);
    const existing = await readLedger(file);
    run.ledgerFile = file;
    run.ledger = existing ?? emptyLedger(run.experimentId, run.runId, this.entity, this.project, run.experiment?.createdAt ?? null);
    run.ledgerLoaded = true;
  }

  private persist(run: RunState): Promise<void> {
    if (!run.ledger || !run.ledgerFile || !run.ledgerDirty) return run.ledgerWrite;
    run.ledgerDirty = false;
    this.updateLedgerCountsQuiet(run);
    const file = run.ledgerFile;
    const snapshot = structuredClone(run.ledger);
    run.ledgerWrite = run.ledgerWrite.then(() =>
      writeLedger(file, snapshot).catch((cause: unknown) => {
        this.unreported ??= new ExptrackError(`W&B: could not write the delivery ledger ${file}: ${String(cause)}`, { code: 'backend_failed', backend: this.name, cause });
      }),
    );
    return run.ledgerWrite;
  }

  private updateLedgerCountsQuiet(run: RunState): void {
    const dirty = run.ledgerDirty;
    this.updateLedgerCounts(run);
    run.ledgerDirty = dirty;
  }

  private async persistLedgers(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => this.persist(run)));
  }

  // ---- waiting ----

  private waitIdle(timeoutMs: number): Promise<void> {
    if (!this.pumping && ![...this.runs.values()].some((r) => this.hasDueWork(r))) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      timer.unref();
      const waiter = (): void => done();
      this.idleWaiters.push(waiter);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private throwUnreported(): void {
    const error = this.unreported;
    if (!error) return;
    this.unreported = undefined;
    const pending = [...this.runs.values()].reduce((n, r) => n + r.queue.length, 0);
    throw new ExptrackError(`W&B delivery is failing (${error.message}); ${pending} history row(s) wait in the queue and will be retried, and the ledger records what is not delivered`, {
      code: error.code,
      backend: this.name,
      cause: error,
      retryable: error.isRetryable,
    });
  }
}

function isTerminal(status: ExperimentStatus): boolean {
  return status !== 'running';
}

function lastStepOf(ledger: LedgerState): number {
  return typeof ledger.lastStep === 'number' ? ledger.lastStep : -1;
}

function ledgerKnowsEnd(ledger: LedgerState): boolean {
  return ledger.lines.length > 0;
}
