/**
 * Ingestion: applies client batches to the store, each at most once (the store claims the batch's
 * identity in the batch's own transaction), with bounded concurrency. When more batches are in
 * flight than the store keeps up with, new ones are refused (the route answers 429 with
 * `Retry-After`) instead of piling up in memory. A client's batches all go to the same store
 * instance, so they are applied in the order it sent them.
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
    await this.writers[hash(batch.session) % this.writers.length]!.write(events, { batch });
  }

  /** Resolves when no batch is in flight (for a graceful shutdown). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** FNV-1a of the session, to spread sessions over the store instances. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
