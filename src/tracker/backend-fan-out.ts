import type { Backend, TrackerEvent } from '../core/backend.js';
import { ExptrackError } from '../core/errors.js';
import { packedColumnsOf, pointCount } from '../core/packed-columns.js';
import { toExptrackError } from '../core/validation.js';
import { unrefTimer } from './runtime.js';

/** Where a failure happened, as reported to `onError`. */
export interface TrackerErrorContext {
  /** The backend that failed, or undefined for a failure of the caller's input. */
  backend?: string;
  /**
   * The operation: `init`, `write`, `flush`, `close`, `logMetrics`, ...; `endOfRun` is the line, one
   * per failed backend, saying that a run finished without that backend.
   */
  operation: string;
}

/**
 * Receives every failure the tracker does not throw: backend failures, and invalid input to the
 * logging calls (unless `strict`). It must not throw; if it does, that is swallowed.
 */
export type TrackerErrorHandler = (error: ExptrackError, context: TrackerErrorContext) => void;

/** The outcome of a flush or close on one backend. */
export interface BackendReport {
  backend: string;
  ok: boolean;
  error?: ExptrackError;
}

/** How much a backend may hold queued and not yet written (see `TrackerOptions.maxPointsInFlight`). */
export interface InFlightLimits {
  maxPoints: number;
  maxBytes: number;
}

interface QueuedBatch {
  events: readonly TrackerEvent[];
  points: number;
  bytes: number;
}

interface Slot {
  backend: Backend;
  /** Batches handed over but not yet started on this backend, oldest first. */
  queued: QueuedBatch[];
  /** The points and bytes of `queued`. */
  queuedPoints: number;
  queuedBytes: number;
  /** Metric points this backend was not given because its queue was full, since the last `takeDropped`. */
  dropped: number;
  /** Writes to one backend run one after another, in order. */
  chain: Promise<void>;
  /** The first write failure since the last report. */
  failure?: ExptrackError;
}

/**
 * Sends every batch to every backend, each in isolation: a backend that throws or hangs is
 * reported and never holds up the others or the caller.
 */
export class BackendFanOut {
  private readonly slots: Slot[];

  constructor(
    backends: readonly Backend[],
    private readonly report: (error: ExptrackError, context: TrackerErrorContext) => void,
    private readonly timeoutMs: number,
    private readonly limits: InFlightLimits = { maxPoints: Infinity, maxBytes: Infinity },
  ) {
    this.slots = backends.map((backend) => ({ backend, queued: [], queuedPoints: 0, queuedBytes: 0, dropped: 0, chain: Promise.resolve() }));
  }

  get backends(): Backend[] {
    return this.slots.map((s) => s.backend);
  }

  /** Initialises every backend; a backend whose init fails is reported and stays in place (its writes will fail and be reported too). */
  init(): Promise<BackendReport[]> {
    return this.each('init', (b) => b.init());
  }

  /** Queues a batch on every backend, in order. Never rejects. */
  write(events: readonly TrackerEvent[]): void {
    for (const event of events) {
      const packed = event.type === 'metrics' ? packedColumnsOf(event.points) : undefined;
      if (packed) packed.holders = this.slots.length;
    }
    for (const slot of this.slots) this.enqueue(slot, events);
  }

  private enqueue(slot: Slot, events: readonly TrackerEvent[]): void {
    if (slot.backend.capabilities.pipelinedWrites && slot.queued.length === 0) {
      // The backend keeps the order itself: start now, and let flush wait for it. Only the promise is
      // kept, not the batch: a loop that does not yield must not hold every batch it handed over.
      const started = startWrite(slot.backend, events);
      const written = this.guard(slot.backend, 'write', () => started).then((report) => {
        if (report.error) slot.failure ??= report.error;
      });
      slot.chain = Promise.all([slot.chain, written]).then(() => undefined);
      return;
    }
    const load = batchLoad(events);
    const { maxPoints, maxBytes } = this.limits;
    if (load.points > 0 && slot.queued.length > 0 && (slot.queuedPoints + load.points > maxPoints || slot.queuedBytes + load.bytes > maxBytes)) {
      // The backend fell behind and the caller cannot wait for it (its writes need the event loop
      // this call is holding): the batch's points are not queued for it, and that is said. Every
      // other event (status, summary, evaluations) still goes.
      this.drop(slot, load.points);
      events = events.filter((event) => event.type !== 'metrics');
      if (events.length === 0) return;
      Object.assign(load, batchLoad(events));
    }
    slot.queued.push({ events, ...load });
    slot.queuedPoints += load.points;
    slot.queuedBytes += load.bytes;
    slot.chain = slot.chain.then(async () => {
      const batch = slot.queued.shift();
      if (batch === undefined) return;
      slot.queuedPoints -= batch.points;
      slot.queuedBytes -= batch.bytes;
      const report = await this.guard(slot.backend, 'write', () => slot.backend.write(batch.events));
      if (report.error) slot.failure ??= report.error;
    });
  }

  private drop(slot: Slot, points: number): void {
    const { backend } = slot;
    if (slot.dropped === 0) {
      const error = new ExptrackError(
        `backend ${backend.name} fell behind: more than ${this.limits.maxPoints} points (or ${this.limits.maxBytes} bytes) were waiting for it while the loop did not yield, so later points are not written to it (the other stores still get them; the run's summary counts them in _exptrack_dropped_points)`,
        { code: 'unavailable', backend: backend.name },
      );
      slot.failure ??= error;
      this.safeReport(error, { backend: backend.name, operation: 'write' });
    }
    slot.dropped += points;
  }

  /** The points each backend was not given since the last call (see `maxPointsInFlight`), by backend name. */
  takeDropped(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const slot of this.slots) {
      if (slot.dropped === 0) continue;
      out[slot.backend.name] = (out[slot.backend.name] ?? 0) + slot.dropped;
      slot.dropped = 0;
    }
    return out;
  }

  /**
   * Backpressure: blocks until every backend that can wait for its write thread holds at most this
   * much uncommitted (see `Backend.waitForCapacity`). A failure is reported, never thrown.
   */
  waitForCapacity(maxPoints: number, maxBytes: number, timeoutMs: number): void {
    for (const { backend } of this.slots) {
      if (backend.waitForCapacity === undefined) continue;
      try {
        backend.waitForCapacity(maxPoints, maxBytes, timeoutMs);
      } catch (error) {
        this.safeReport(toExptrackError(error, backend.name), { backend: backend.name, operation: 'waitForCapacity' });
      }
    }
  }

  /**
   * The last batch of an ending process. Backends that can write synchronously apply every batch
   * not yet started, then `events`, before this returns; the others get `events` queued, and the
   * returned promise settles when they flushed it (for a caller that can still wait, such as a
   * signal handler; at `exit` nothing can).
   */
  writeLast(events: readonly TrackerEvent[]): Promise<unknown> {
    const asyncSlots = this.slots.filter((slot) => slot.backend.writeSync === undefined);
    for (const slot of this.slots) {
      const { backend } = slot;
      if (backend.writeSync === undefined) continue;
      try {
        for (const batch of slot.queued.splice(0)) backend.writeSync(batch.events);
        slot.queuedPoints = 0;
        slot.queuedBytes = 0;
        backend.writeSync(events);
      } catch (error) {
        this.safeReport(toExptrackError(error, backend.name), { backend: backend.name, operation: 'writeSync' });
      }
    }
    for (const slot of asyncSlots) this.enqueue(slot, events);
    return this.each('flush', (b) => b.flush(), asyncSlots);
  }

  /** Waits for queued writes, then flushes each backend; a backend whose writes failed since the last report reports that failure. */
  flush(): Promise<BackendReport[]> {
    return this.each('flush', (b) => b.flush());
  }

  close(): Promise<BackendReport[]> {
    return this.each('close', (b) => b.close());
  }

  private each(operation: string, call: (backend: Backend) => Promise<void>, slots: readonly Slot[] = this.slots): Promise<BackendReport[]> {
    return Promise.all(
      slots.map((slot) => {
        const done = slot.chain
          .then(() => this.guard(slot.backend, operation, () => call(slot.backend)))
          .then((report) => {
            const failure = slot.failure;
            slot.failure = undefined;
            return failure && report.ok ? { backend: report.backend, ok: false, error: failure } : report;
          });
        slot.chain = done.then(() => undefined);
        return done;
      }),
    );
  }

  private async guard(backend: Backend, operation: string, call: () => Promise<void>): Promise<BackendReport> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ExptrackError(`backend ${backend.name}: ${operation} did not finish within ${this.timeoutMs} ms`, { code: 'timeout', backend: backend.name })),
        this.timeoutMs,
      );
      unrefTimer(timer);
    });
    try {
      await Promise.race([call(), timeout]);
      return { backend: backend.name, ok: true };
    } catch (cause) {
      const error = toExptrackError(cause, backend.name);
      this.safeReport(error, { backend: backend.name, operation });
      return { backend: backend.name, ok: false, error };
    } finally {
      clearTimeout(timer);
    }
  }

  private safeReport(error: ExptrackError, context: TrackerErrorContext): void {
    try {
      this.report(error, context);
    } catch {
      // An error handler that throws must not reach the training loop.
    }
  }
}

/** Points, and roughly their bytes in memory (four array slots each once read as plain columns), of a batch. */
function batchLoad(events: readonly TrackerEvent[]): { points: number; bytes: number } {
  let points = 0;
  let bytes = 0;
  for (const event of events) {
    if (event.type === 'metrics') {
      const n = pointCount(event.points);
      points += n;
      bytes += n * 32;
    } else bytes += 1024;
  }
  return { points, bytes };
}

function startWrite(backend: Backend, events: readonly TrackerEvent[]): Promise<void> {
  try {
    return backend.write(events);
  } catch (error) {
    return Promise.reject(error);
  }
}
