/**
 * Ingestion: applies client batches to the store, each at most once (the store claims the batch's
 * identity in the batch's own transaction), with bounded concurrency. When more batches are in
 * flight than the store keeps up with, new ones are refused (the route answers 429 with
 * `Retry-After`) instead of piling up in memory. A batch goes to the store instance with the fewest
 * batches under way, except that batches of a session that has one under way follow it to its
 * instance, so that overlapping batches of one client are applied in the order they came. (An
 * `HttpBackend` sends a batch only once the previous one was answered, so its batches may go to
 * any instance; the store's claim of each batch number keeps them at most once either way.)
 * @module
 */
import { ExptrackError, type Backend, type BatchIdentity, type TrackerEvent } from 'exptrack';

/** Options of {@link Ingestion}. */
export interface IngestionOptions {
  /** Most batches being received or applied at once, over all store instances. @defaultValue 64 */
  maxInFlight?: number;
}

/**
 * Dispatches batches to the store instances that write them.
 *
 * @example
 * ```ts
 * const ingestion = new Ingestion([store]);
 * const release = ingestion.reserve();
 * try {
 *   await ingestion.apply({ session: 's1', sequence: 1 }, events);
 * } finally {
 *   release();
 * }
 * ```
 */
export class Ingestion {
  private inFlight = 0;
  private readonly maxInFlight: number;
  private idleWaiters: Array<() => void> = [];
  /** Batches under way per store instance. */
  private readonly busy: number[];
  /** Sessions with batches under way: their instance and how many. */
  private readonly sessions = new Map<string, { writer: number; count: number }>();
  private nextWriter = 0;

  /**
   * @param writers - one or more opened instances of the store, each with `idempotentBatches`
   * @param options - the concurrency bound
   * @throws Error when a writer cannot apply batches at most once
   */
  constructor(
    private readonly writers: readonly Backend[],
    options: IngestionOptions = {},
  ) {
    if (writers.length === 0) throw new Error('ingestion needs at least one store instance');
    for (const writer of writers) {
      if (!writer.capabilities.idempotentBatches) throw new Error(`the ${writer.name} store cannot apply a batch at most once; the tracking server needs a SQLite or Postgres store`);
    }
    this.maxInFlight = options.maxInFlight ?? 64;
    this.busy = writers.map(() => 0);
  }

  /** Batches being received or applied now. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Takes a slot for a batch before its body is read, so that a store that is behind costs a 429,
   * not memory for bodies waiting their turn.
   *
   * @returns a function that gives the slot back (call it once, when the batch is settled)
   * @throws ExptrackError `rate_limited` when every slot is taken
   */
  reserve(): () => void {
    if (this.inFlight >= this.maxInFlight) {
      throw new ExptrackError(`the store is behind: ${this.inFlight} batches are being received or written; retry shortly`, { code: 'rate_limited' });
    }
    this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  /**
   * Applies a batch unless it was applied before (call {@link reserve} first).
   *
   * @param batch - the client's session and batch number
   * @param events - the checked events
   * @returns when the batch is committed (or known to be)
   * @throws the store's errors
   */
  async apply(batch: BatchIdentity, events: readonly TrackerEvent[]): Promise<void> {
    let slot = this.sessions.get(batch.session);
    if (slot === undefined) this.sessions.set(batch.session, (slot = { writer: this.leastBusy(), count: 0 }));
    slot.count++;
    this.busy[slot.writer]!++;
    try {
      await this.writers[slot.writer]!.write(events, { batch });
    } finally {
      this.busy[slot.writer]!--;
      if (--slot.count === 0) this.sessions.delete(batch.session);
    }
  }

  /** The instance with the fewest batches under way; ties taken in turn. */
  private leastBusy(): number {
    const n = this.writers.length;
    let best = this.nextWriter % n;
    for (let k = 1; k < n; k++) {
      const i = (this.nextWriter + k) % n;
      if (this.busy[i]! < this.busy[best]!) best = i;
    }
    this.nextWriter = best + 1;
    return best;
  }

  /** Resolves when no batch is in flight (for a graceful shutdown). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
