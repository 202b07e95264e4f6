import type {
  Backend,
  BackendCapabilities,
  ExperimentQuery,
  ExperimentReader,
  ExperimentSelection,
  MetricPage,
  MetricPageQuery,
  MetricSelector,
  MetricValue,
  TrackerEvent,
} from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import type {
  CheckpointRecord,
  EvaluationRecord,
  Experiment,
  MetricOutline,
  MetricOutlineQuery,
  MetricPoint,
  MetricSummary,
  StoreStats,
  StoredEvaluationSample,
} from '../../core/types.js';
import { encodeWireJson } from '../../core/wire-json.js';
import type { ArtifactLineage, ArtifactReader, ArtifactRecord, GarbageReport, MediaKey, MediaRecord, ReadArtifactOptions } from '../../core/artifacts.js';
import { carriesContent } from '../../artifacts/artifact-store.js';
import { isNodeRuntime } from '../../tracker/runtime.js';
import { fromLedgerBlob, separateContent, toLedgerBlob, type PendingBlob } from './blob-upload.js';
import type { HttpBackendConfig } from './http-backend-config.js';
import { BlobTransfer, HttpClient, RequestFailure, sleep } from './http-client.js';
import type { DeliveryLedger, LedgerEntry } from './ledger.js';
import { encodeEvents } from './pack-events.js';

/** Most characters of one request body made of several queued batches. */
const MAX_MERGED_CHARS = 8 * 1024 * 1024;
/** Most queued batches in one request. */
const MAX_MERGED_BATCHES = 256;
/** Pages of at most this many runs come with their metric summaries. */
const READ_AHEAD_MAX_RUNS = 1_000;
/** How long summaries read ahead may answer `getMetricSummaries`. */
const READ_AHEAD_MS = 1_000;

/**
 * A backend that speaks to an exptrack tracking server (`exptrack server`) with `fetch` only: no
 * `node:` import, no native dependency, so `exptrack` + `exptrack/http` run in Node 20+, Bun, Deno,
 * browsers and edge workers. Writes are queued and sent in order, each batch with an identity
 * (this instance's session and a number) that the server's store records in the batch's own
 * transaction: a batch retried after a lost answer is applied once. Batches that queued up while a
 * request was under way go together in the next request (metric columns packed, see
 * `pack-events.ts`), so a busy loop costs the server few large transactions instead of many small
 * ones. While the server is away,
 * batches wait in a bounded queue (and, in Node with `ledgerDir`, on disk) and are retried with
 * backoff; `flush` reports the outage, `close` keeps trying for `closeTimeoutMs`. Reads go through
 * the server's read API, so analysis, the CLI and the dashboard work from anywhere.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { HttpBackend } from 'exptrack/http';
 *
 * const tracker = new ExperimentTracker({ backends: [new HttpBackend({ url: 'http://127.0.0.1:5050', token: process.env.EXPTRACK_TOKEN })] });
 * await tracker.startExperiment({ learning_rate: 3e-4 });
 * tracker.logMetrics({ loss: 0.5 }, 1);
 * await tracker.finishExperiment();
 * ```
 */
export class HttpBackend implements Backend, ExperimentReader, ArtifactReader {
  readonly specificationVersion = 1;
  readonly name = 'http';
  readonly capabilities: BackendCapabilities = { read: true, persistent: true, multiProcess: true, responseCache: false, pipelinedWrites: true, artifacts: true };
  private readonly client: HttpClient;
  private readonly blobs: BlobTransfer;
  private readonly config: Required<Omit<HttpBackendConfig, 'token' | 'ledgerDir' | 'fetch'>> & Pick<HttpBackendConfig, 'ledgerDir'>;
  private readonly session = newSessionId();
  private sequence = 0;
  private readonly queue: QueuedBatch[] = [];
  private sending: Promise<void> | undefined;
  private drainedWaiters: Array<() => void> = [];
  /** The first batch from the ledger the server refused for good (no caller waits for those). */
  private failure: ExptrackError | undefined;
  /** The last reason a batch is still waiting (the server unreachable, say). */
  private lastOutage: ExptrackError | undefined;
  private ledger: Promise<DeliveryLedger> | undefined;
  private giveUpAt = Infinity;
  /** The metric summaries that came with the last page of runs, while fresh (see `getAllExperiments`). */
  private readAhead: { at: number; sequence: number; ids: Set<string>; summaries: MetricSummary[] } | undefined;
  /** How many queued batches the request being retried carries: a retry must carry exactly those. */
  private retrying: number | undefined;

  /**
   * @param config - the server's URL, the token, limits
   * @throws ExptrackError `invalid_input` for a URL that is not http(s)
   */
  constructor(config: HttpBackendConfig) {
    const fetchImpl = config.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new ExptrackError('HttpBackend needs fetch (Node 20+, Bun, Deno, browsers) or config.fetch', { code: 'unsupported', backend: 'http' });
    const clientOptions = { url: config.url, token: config.token, fetch: fetchImpl.bind(globalThis), requestTimeoutMs: config.requestTimeoutMs ?? 60_000, streamFiles: config.fetch === undefined && isNodeRuntime() };
    this.client = new HttpClient(clientOptions);
    this.blobs = new BlobTransfer(this.client, clientOptions);
    this.config = {
      url: config.url,
      maxPointsPerRequest: Math.max(1, config.maxPointsPerRequest ?? 50_000),
      maxQueuedBatches: Math.max(1, config.maxQueuedBatches ?? 10_000),
      requestTimeoutMs: config.requestTimeoutMs ?? 60_000,
      flushTimeoutMs: config.flushTimeoutMs ?? 30_000,
      closeTimeoutMs: config.closeTimeoutMs ?? 30_000,
      ledgerDir: config.ledgerDir,
    };
  }

  /**
   * Opens the ledger (with `ledgerDir`) and queues the batches that ended processes left in it.
   * Does not contact the server: a tracker starts even while it is away.
   */
  async init(): Promise<void> {
    if (this.config.ledgerDir === undefined || this.ledger) return;
    this.giveUpAt = Infinity;
    const { DeliveryLedger } = await import('./ledger.js');
    this.ledger = DeliveryLedger.open(this.config.ledgerDir, this.session);
    const orphans = await (await this.ledger).adoptOrphans();
    if (orphans.length > 0) {
      // Sent one by one, as they were numbered: an ended process may have sent a few of them together.
      this.queue.unshift(...orphans.map(fromLedgerEntry));
      await (await this.ledger).spill(this.queue.map(toLedgerEntry));
      this.pump();
    }
  }

  /**
   * Queues a batch for the server. Returns a promise at once (the tracker does not wait for it in
   * the loop) that settles when the server took the batch or refused it for good; while the
   * server is away the batch waits and is retried.
   *
   * @param events - the batch
   * @throws ExptrackError `rate_limited` when `maxQueuedBatches` batches wait already (the batch is
   *   not kept); the store's error (`not_found`, `already_exists`, `invalid_input`) when refused
   */
  write(events: readonly TrackerEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const chunks = splitBatch(events, this.config.maxPointsPerRequest);
    if (this.queue.length + chunks.length > this.config.maxQueuedBatches) {
      return Promise.reject(new ExptrackError(
        `${this.queue.length} batches wait for the tracking server at ${this.client.where} (the limit is maxQueuedBatches = ${this.config.maxQueuedBatches}); a batch of ${countPoints(events)} points and ${events.length} events was not kept. Last error: ${this.lastOutage?.message ?? 'none'}`,
        { code: 'rate_limited', backend: 'http' },
      ));
    }
    this.giveUpAt = Infinity;
    const settled = chunks.map((chunk) => {
      const sequence = ++this.sequence;
      // Artifact files and images go up before their batch, which names them by digest.
      const { events: sent, blobs } = carriesContent(chunk) ? separateContent(chunk) : { events: chunk, blobs: [] };
      const encoded = encodeEvents(sent);
      const mergeable = blobs.length === 0 && chunk.every((event) => event.type === 'metrics' || event.type === 'experiment_updated');
      const entry: QueuedBatch = { session: this.session, sequence, events: encoded.text, points: encoded.points, mergeable, ...(blobs.length > 0 ? { blobs } : {}) };
      const done = new Promise<void>((resolve, reject) => {
        entry.settle = (error) => (error ? reject(error) : resolve());
      });
      this.queue.push(entry);
      if (this.ledger) void this.ledger.then((l) => (l.spilling ? l.append(toLedgerEntry(entry), () => this.queue.map(toLedgerEntry)) : undefined)).catch(() => undefined);
      return done;
    });
    this.pump();
    return Promise.all(settled).then(() => undefined);
  }

  /**
   * Waits until every queued batch is delivered, for up to `flushTimeoutMs`.
   *
   * @throws ExptrackError the first batch of an ended process (from the ledger) the server refused; `unavailable`
   *   when batches still wait at the deadline (they stay queued and keep being retried)
   */
  async flush(): Promise<void> {
    await this.drained(this.config.flushTimeoutMs);
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
    if (this.queue.length > 0) {
      throw new ExptrackError(`${this.queue.length} batches still wait for the tracking server (they stay queued and are retried): ${this.lastOutage?.message ?? 'no answer yet'}`, { code: 'unavailable', backend: 'http', cause: this.lastOutage });
    }
  }

  /**
   * Delivers what is queued, for up to `closeTimeoutMs`. Idempotent.
   *
   * @throws ExptrackError as `flush`; what is still undelivered is then kept in the ledger (with
   *   `ledgerDir`) or reported lost
   */
  async close(): Promise<void> {
    await this.drained(this.config.closeTimeoutMs);
    this.giveUpAt = 0;
    const failure = this.failure;
    this.failure = undefined;
    const left = this.queue.length;
    if (left === 0 && this.ledger) await (await this.ledger).clear();
    if (failure) throw failure;
    if (left > 0) {
      // Kept only once the ledger's writes are on disk: said before, a process could end first.
      const ledger = this.ledger && (await this.ledger);
      const kept = ledger !== undefined && ledger.spilling && (await ledger.written());
      const fate = kept
        ? `they are kept in ${this.config.ledgerDir} and the next HttpBackend with that ledgerDir delivers them`
        : ledger?.writeError
          ? `writing them to ${this.config.ledgerDir} failed (${ledger.writeError.message}), so they are lost`
          : 'they are lost (set ledgerDir to keep them on disk)';
      const error = new ExptrackError(
        `${left} batches could not be delivered to the tracking server before close: ${fate}. Last error: ${this.lastOutage?.message ?? 'none'}`,
        { code: 'unavailable', backend: 'http', cause: this.lastOutage },
      );
      this.retrying = undefined;
      for (const entry of this.queue.splice(0)) entry.settle?.(error);
      throw error;
    }
  }

  private drained(timeoutMs: number): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs) as unknown as { unref?: () => void };
      const waiter = () => done();
      this.drainedWaiters.push(waiter);
      const self = this;
      function done(): void {
        clearTimeout(timer as unknown as number);
        self.drainedWaiters = self.drainedWaiters.filter((w) => w !== waiter);
        resolve();
      }
    });
  }

  /** Starts the sender unless it runs. */
  private pump(): void {
    this.sending ??= this.send().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0 && this.giveUpAt === Infinity) this.pump();
    });
  }

  /**
   * Sends the queue in order, one request at a time; retries what may succeed later. A request
   * carries the queued batches that can go together, under the identity of the last of them: the
   * store applies a batch only when its number is above the session's last applied one, so a
   * request of batches 5 to 9 applied once makes batches 5 to 9 (retried alone, say from the ledger)
   * count as applied. A retry carries exactly the batches of the first attempt.
   */
  private async send(): Promise<void> {
    let attempt = 0;
    while (this.queue.length > 0 && Date.now() < this.giveUpAt) {
      const count = this.retrying ?? this.requestSize();
      const group = this.queue.slice(0, count);
      try {
        for (const entry of group) await this.uploadBlobs(entry);
        await this.client.send('POST', '/batches', bodyOf(group));
        this.queue.splice(0, count);
        this.retrying = undefined;
        for (const entry of group) entry.settle?.();
        attempt = 0;
        this.lastOutage = undefined;
      } catch (error) {
        const failure = error instanceof ExptrackError ? error : new ExptrackError(String(error), { code: 'backend_failed', backend: 'http', cause: error });
        const head = group[0]!;
        if (group.length === 1 && head.blobs !== undefined && !head.uploadAll && namesMissingBlob(failure)) {
          // A blob the server said it had (or took) was gone when the batch came: send them all, once more.
          head.uploadAll = true;
          for (const blob of head.blobs) blob.sent = false;
          continue;
        }
        if (!failure.isRetryable) {
          // Refused for good (bad input, an unknown experiment): not retried, reported by flush.
          this.queue.splice(0, count);
          this.retrying = undefined;
          for (const entry of group) {
            if (entry.settle) entry.settle(failure);
            else this.failure ??= failure;
          }
          continue;
        }
        this.retrying = count;
        this.lastOutage = failure;
        if (this.ledger && !(await this.ledger).spilling) await (await this.ledger).spill(this.queue.map(toLedgerEntry));
        attempt++;
        const retryAfter = error instanceof RequestFailure ? error.retryAfterMs : undefined;
        await sleep(retryAfter ?? Math.random() * Math.min(5_000, 100 * 2 ** attempt));
      }
    }
    if (this.queue.length === 0) {
      if (this.ledger) await (await this.ledger).clear();
      for (const wake of this.drainedWaiters.splice(0)) wake();
    }
  }

  /**
   * Uploads the blobs a batch names that the server does not have, each once (a retry skips those
   * already sent): the server is asked first, so bytes its store holds (the same model logged by an
   * earlier run) are not sent again. After the server said a blob it had named was gone by the
   * time the batch came (collected, or its upload expired), every blob is uploaded unasked.
   */
  private async uploadBlobs(entry: QueuedBatch): Promise<void> {
    const unsent = (entry.blobs ?? []).filter((blob) => !blob.sent);
    if (unsent.length === 0) return;
    const missing = entry.uploadAll ? undefined : await this.blobs.missing(unsent.map((blob) => blob.digest));
    for (const blob of unsent) {
      if (missing !== undefined && !missing.has(blob.digest)) {
        blob.sent = true;
        continue;
      }
      await this.blobs.upload(blob);
      blob.sent = true;
    }
  }

  /** How many batches from the head of the queue go in the next request. */
  private requestSize(): number {
    const head = this.queue[0]!;
    if (!head.mergeable) return 1;
    let count = 1;
    let points = head.points;
    let chars = head.events?.length ?? 0;
    while (count < this.queue.length && count < MAX_MERGED_BATCHES) {
      const next = this.queue[count]!;
      if (!next.mergeable || next.session !== head.session) break;
      points += next.points;
      chars += next.events?.length ?? 0;
      if (points > this.config.maxPointsPerRequest || chars > MAX_MERGED_CHARS) break;
      count++;
    }
    return count;
  }

  // ----- reads: each first waits for the batches queued before it (read your own writes) -----

  private async read(path: string, args?: Record<string, unknown>, missingIsUndefined = false, plainGet = false): Promise<unknown> {
    await this.drained(this.config.flushTimeoutMs);
    // The artifact reads take their arguments in the path and plain query parameters.
    if (plainGet) return this.client.send('GET', path);
    return this.client.read(path, args, missingIsUndefined);
  }

  /**
   * A page of up to 1,000 runs comes with the runs' metric summaries (read ahead, in the same
   * round trip), which a `getMetricSummaries` of those runs within the next second, with no write
   * in between, answers from: a listing costs one request instead of two.
   */
  async getAllExperiments(query: ExperimentQuery = {}): Promise<Experiment[]> {
    const readAhead = query.limit !== undefined && query.limit <= READ_AHEAD_MAX_RUNS;
    this.readAhead = undefined;
    const answer = (await this.read('/experiments', readAhead ? { ...query, with: 'summaries' } : { ...query })) as Experiment[] | { experiments: Experiment[]; summaries: MetricSummary[] };
    if (Array.isArray(answer)) return answer;
    this.readAhead = { at: Date.now(), sequence: this.sequence, ids: new Set(answer.experiments.map((run) => run.id)), summaries: answer.summaries };
    return answer.experiments;
  }

  async countExperiments(selection: ExperimentSelection = {}): Promise<number> {
    return (await this.read('/experiments-count', { ...selection })) as number;
  }

  async getMetricValues(metric: MetricSelector, selection: ExperimentSelection = {}): Promise<MetricValue[]> {
    return (await this.read('/metric-values', { metric, selection })) as MetricValue[];
  }

  async getExperiment(id: string): Promise<Experiment | undefined> {
    return (await this.read(`/experiments/${encodeURIComponent(id)}`, undefined, true)) as Experiment | undefined;
  }

  async findExperimentIds(prefix: string, limit?: number): Promise<string[]> {
    return (await this.read('/experiment-ids', limit === undefined ? { prefix } : { prefix, limit })) as string[];
  }

  async getMetrics(id: string, key?: string): Promise<MetricPoint[]> {
    return (await this.read(`/experiments/${encodeURIComponent(id)}/metrics`, key === undefined ? {} : { key })) as MetricPoint[];
  }

  /**
   * A page of the experiment's points, read from the server (see `ExperimentReader.getMetricPage`).
   *
   * @param id - the experiment
   * @param query - the previous page's cursor and the page size
   * @returns the page
   * @example
   * ```ts
   * const page = await remote.getMetricPage(id, { limit: 10_000 });
   * ```
   */
  async getMetricPage(id: string, query: MetricPageQuery = {}): Promise<MetricPage> {
    const args: Record<string, unknown> = {};
    if (query.after !== undefined && query.after !== null) args.after = query.after;
    if (query.limit !== undefined) args.limit = query.limit;
    return (await this.read(`/experiments/${encodeURIComponent(id)}/metric-page`, args)) as MetricPage;
  }

  async getMetricOutline(id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline> {
    return (await this.read(`/experiments/${encodeURIComponent(id)}/outline`, { key, ...query })) as MetricOutline;
  }

  async getMetricSummaries(id: string | readonly string[]): Promise<MetricSummary[]> {
    const ahead = this.readAhead;
    this.readAhead = undefined;
    const ids = typeof id === 'string' ? [id] : id;
    if (ahead && Date.now() - ahead.at < READ_AHEAD_MS && ahead.sequence === this.sequence && this.queue.length === 0 && ids.every((i) => ahead.ids.has(i))) {
      const wanted = new Set(ids);
      return ahead.summaries.filter((summary) => wanted.has(summary.experimentId));
    }
    return (await this.read('/metric-summaries', { ids: id })) as MetricSummary[];
  }

  async getEvaluationResults(id: string | readonly string[], benchmark?: string): Promise<EvaluationRecord[]> {
    return (await this.read('/evaluations', benchmark === undefined ? { ids: id } : { ids: id, benchmark })) as EvaluationRecord[];
  }

  async getEvaluationSamples(id: string, benchmark?: string): Promise<StoredEvaluationSample[]> {
    return (await this.read(`/experiments/${encodeURIComponent(id)}/samples`, benchmark === undefined ? {} : { benchmark })) as StoredEvaluationSample[];
  }

  async getCheckpoints(id: string): Promise<CheckpointRecord[]> {
    return (await this.read(`/experiments/${encodeURIComponent(id)}/checkpoints`)) as CheckpointRecord[];
  }

  async getStats(): Promise<StoreStats> {
    return (await this.read('/stats')) as StoreStats;
  }

  // ----- artifacts and media (the bytes are streamed from the server) -----

  /** The run's artifacts, every version, from the server's store. */
  async getArtifacts(experimentId: string): Promise<ArtifactRecord[]> {
    return (await this.read(`${runPath(experimentId)}/artifacts`, undefined, false, true)) as ArtifactRecord[];
  }

  /** A file of an artifact (latest version unless `version`), read whole. */
  async readArtifact(experimentId: string, name: string, options: ReadArtifactOptions = {}): Promise<Uint8Array> {
    return collectBytes(await this.readArtifactStream(experimentId, name, options));
  }

  /** A file of an artifact, streamed from the server as it arrives. */
  async readArtifactStream(experimentId: string, name: string, options: ReadArtifactOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    await this.drained(this.config.flushTimeoutMs);
    const query = new URLSearchParams();
    if (options.version !== undefined) query.set('version', String(options.version));
    if (options.file !== undefined) query.set('file', options.file);
    const q = query.toString();
    return this.blobs.download(`${runPath(experimentId)}/artifacts/${encodeURIComponent(name)}/content${q === '' ? '' : `?${q}`}`);
  }

  /** What the run used and who used what it logged. */
  async getArtifactLineage(experimentId: string): Promise<ArtifactLineage> {
    return (await this.read(`${runPath(experimentId)}/lineage`, undefined, false, true)) as ArtifactLineage;
  }

  /** The media of a key, by step (images without their bytes). */
  async getMedia(experimentId: string, key: string): Promise<MediaRecord[]> {
    return (await this.read(`${runPath(experimentId)}/media?key=${encodeURIComponent(key)}`, undefined, false, true)) as MediaRecord[];
  }

  /** The media keys of the run. */
  async getMediaKeys(experimentId: string): Promise<MediaKey[]> {
    return (await this.read(`${runPath(experimentId)}/media-keys`, undefined, false, true)) as MediaKey[];
  }

  /** The bytes of the image logged under `key` at `step`. */
  async readMedia(experimentId: string, key: string, options: { step: number }): Promise<Uint8Array> {
    await this.drained(this.config.flushTimeoutMs);
    return collectBytes(await this.blobs.download(`${runPath(experimentId)}/media/${encodeURIComponent(key)}/content?step=${encodeURIComponent(String(options?.step))}`));
  }

  /** The server store's garbage collection (a read-write token). */
  async collectGarbage(options: { dryRun?: boolean } = {}): Promise<GarbageReport> {
    await this.drained(this.config.flushTimeoutMs);
    return (await this.client.send('POST', '/gc', encodeWireJson({ dryRun: options.dryRun ?? false }))) as GarbageReport;
  }

  /** Deletes through the server (a read-write token); batches queued before are delivered first. */
  async deleteExperiment(id: string): Promise<boolean> {
    this.readAhead = undefined;
    await this.drained(this.config.flushTimeoutMs);
    return (await this.client.send('DELETE', `/experiments/${encodeURIComponent(id)}`)) as boolean;
  }
}

/** Splits a batch so that no request carries more than `maxPoints` metric points. */
function splitBatch(events: readonly TrackerEvent[], maxPoints: number): TrackerEvent[][] {
  const chunks: TrackerEvent[][] = [];
  let current: TrackerEvent[] = [];
  let points = 0;
  const close = () => {
    if (current.length > 0) chunks.push(current);
    current = [];
    points = 0;
  };
  for (const event of events) {
    if (event.type !== 'metrics') {
      current.push(event);
      continue;
    }
    const { keys, steps, values, timestamps, rank } = event.points;
    for (let start = 0; start < keys.length; ) {
      if (points >= maxPoints) close();
      const end = Math.min(keys.length, start + (maxPoints - points));
      const part = start === 0 && end === keys.length ? event : {
        type: 'metrics' as const,
        experimentId: event.experimentId,
        points: { keys: keys.slice(start, end), steps: steps.slice(start, end), values: values.slice(start, end), timestamps: timestamps.slice(start, end), rank },
      };
      current.push(part);
      points += end - start;
      start = end;
    }
  }
  close();
  return chunks;
}

/**
 * A batch waiting for the server: its encoded events (or, adopted from a ledger, its whole request
 * body), the blobs to upload before it, whether it may share a request with its neighbours, and
 * `settle`, which tells the caller of `write` how it went.
 */
interface QueuedBatch {
  session: string;
  sequence: number;
  events?: string;
  body?: string;
  blobs?: PendingBlob[];
  points: number;
  /** Only metric columns and run updates share a request: a refusal then concerns them all alike. */
  mergeable: boolean;
  /** Upload every blob without asking the server which it has (set after it lost one it had). */
  uploadAll?: boolean;
  settle?: (error?: ExptrackError) => void;
}

/** The request body of one or more consecutive batches, under the number of the last. */
function bodyOf(group: readonly QueuedBatch[]): string {
  const last = group[group.length - 1]!;
  if (group.length === 1 && last.body !== undefined) return last.body;
  const events = group.map((entry) => entry.events).join(',');
  return `{"session":${JSON.stringify(last.session)},"sequence":${last.sequence},"events":[${events}]}`;
}

function toLedgerEntry(entry: QueuedBatch): LedgerEntry {
  const { session, sequence, blobs } = entry;
  return { session, sequence, body: bodyOf([entry]), ...(blobs ? { blobs: blobs.filter((b) => !b.sent).map(toLedgerBlob) } : {}) };
}

/** A batch adopted from a ledger goes alone, as it was numbered: an ended process may have sent a few together. */
function fromLedgerEntry({ session, sequence, body, blobs }: LedgerEntry): QueuedBatch {
  const pending = (blobs ?? []).map(fromLedgerBlob).filter((b): b is PendingBlob => b !== undefined);
  return { session, sequence, body, points: 0, mergeable: false, ...(pending.length > 0 ? { blobs: pending } : {}) };
}

/** The server's refusal of a batch that names a blob it has neither staged nor stored. */
function namesMissingBlob(failure: ExptrackError): boolean {
  return failure.code === 'invalid_input' && /^events\[\d+\]\.(sources\[\d+\]|media)\.digest$/.test(failure.field ?? '');
}

function runPath(experimentId: string): string {
  return `/experiments/${encodeURIComponent(experimentId)}`;
}

async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function countPoints(events: readonly TrackerEvent[]): number {
  let n = 0;
  for (const e of events) if (e.type === 'metrics') n += e.points.keys.length;
  return n;
}

function newSessionId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
