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
import type { HttpBackendConfig } from './http-backend-config.js';
import { HttpClient, RequestFailure, sleep } from './http-client.js';
import type { DeliveryLedger, LedgerEntry } from './ledger.js';

/**
 * A backend that speaks to an exptrack tracking server (`exptrack server`) with `fetch` only: no
 * `node:` import, no native dependency, so `exptrack` + `exptrack/http` run in Node 20+, Bun, Deno,
 * browsers and edge workers. Writes are queued and sent in order, each batch with an identity
 * (this instance's session and a number) that the server's store records in the batch's own
 * transaction: a batch retried after a lost answer is applied once. While the server is away,
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
export class HttpBackend implements Backend, ExperimentReader {
  readonly specificationVersion = 1;
  readonly name = 'http';
  readonly capabilities: BackendCapabilities = { read: true, persistent: true, multiProcess: true, responseCache: false, pipelinedWrites: true };
  private readonly client: HttpClient;
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

  /**
   * @param config - the server's URL, the token, limits
   * @throws ExptrackError `invalid_input` for a URL that is not http(s)
   */
  constructor(config: HttpBackendConfig) {
    const fetchImpl = config.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new ExptrackError('HttpBackend needs fetch (Node 20+, Bun, Deno, browsers) or config.fetch', { code: 'unsupported', backend: 'http' });
    this.client = new HttpClient({ url: config.url, token: config.token, fetch: fetchImpl.bind(globalThis), requestTimeoutMs: config.requestTimeoutMs ?? 60_000 });
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
      this.queue.unshift(...orphans);
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
      const entry: QueuedBatch = { session: this.session, sequence, body: encodeWireJson({ session: this.session, sequence, events: chunk }) };
      const done = new Promise<void>((resolve, reject) => {
        entry.settle = (error) => (error ? reject(error) : resolve());
      });
      this.queue.push(entry);
      if (this.ledger) void this.ledger.then((l) => l.append(toLedgerEntry(entry))).catch(() => undefined);
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
      const kept = this.ledger !== undefined && (await this.ledger).spilling;
      const error = new ExptrackError(
        `${left} batches could not be delivered to the tracking server before close: ${kept ? `they are kept in ${this.config.ledgerDir} and the next HttpBackend with that ledgerDir delivers them` : 'they are lost (set ledgerDir to keep them on disk)'}. Last error: ${this.lastOutage?.message ?? 'none'}`,
        { code: 'unavailable', backend: 'http', cause: this.lastOutage },
      );
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

  /** Sends the queue in order, one batch at a time; retries what may succeed later. */
  private async send(): Promise<void> {
    let attempt = 0;
    while (this.queue.length > 0 && Date.now() < this.giveUpAt) {
      const head = this.queue[0]!;
      try {
        await this.client.send('POST', '/batches', head.body);
        this.queue.shift();
        head.settle?.();
        attempt = 0;
        this.lastOutage = undefined;
      } catch (error) {
        const failure = error instanceof ExptrackError ? error : new ExptrackError(String(error), { code: 'backend_failed', backend: 'http', cause: error });
        if (!failure.isRetryable) {
          // Refused for good (bad input, an unknown experiment): not retried, reported by flush.
          this.queue.shift();
          if (head.settle) head.settle(failure);
          else this.failure ??= failure;
          continue;
        }
        this.lastOutage = failure;
        if (this.ledger && !(await this.ledger).spilling) await (await this.ledger).spill(this.queue.map(toLedgerEntry)).catch(() => undefined);
        attempt++;
        const retryAfter = error instanceof RequestFailure ? error.retryAfterMs : undefined;
        await sleep(retryAfter ?? Math.random() * Math.min(5_000, 100 * 2 ** attempt));
      }
    }
    if (this.queue.length === 0) {
      if (this.ledger) await (await this.ledger).clear().catch(() => undefined);
      for (const wake of this.drainedWaiters.splice(0)) wake();
    }
  }

  // ----- reads: each first waits for the batches queued before it (read your own writes) -----

  private async read(path: string, args?: Record<string, unknown>, missingIsUndefined = false): Promise<unknown> {
    await this.drained(this.config.flushTimeoutMs);
    return this.client.read(path, args, missingIsUndefined);
  }

  async getAllExperiments(query: ExperimentQuery = {}): Promise<Experiment[]> {
    return (await this.read('/experiments', { ...query })) as Experiment[];
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

  /** Deletes through the server (a read-write token); batches queued before are delivered first. */
  async deleteExperiment(id: string): Promise<boolean> {
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

/** A batch waiting for the server; `settle` tells the caller of `write` how it went. */
interface QueuedBatch extends LedgerEntry {
  settle?: (error?: ExptrackError) => void;
}

function toLedgerEntry({ session, sequence, body }: QueuedBatch): LedgerEntry {
  return { session, sequence, body };
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
