import type { MessagePort } from 'node:worker_threads';
import type { BatchIdentity } from '../../core/backend.js';
import type { StoreEvent } from './store-event.js';
import { COMMIT_RATE, IN_FLIGHT_KILOBYTES, IN_FLIGHT_POINTS, LAST_COMMITTED_ID, serializeError, unpackEvents, type WriteReply, type WriteRequest } from './write-messages.js';

/** What a write thread does with the batches: its store's writer, synchronous or not. */
export interface BatchApplier {
  /** Applies one batch. Batches are handed over in order; an asynchronous writer must settle them in that order. */
  write(events: readonly StoreEvent[], batch: BatchIdentity | undefined): void | Promise<void>;
  /** Waits for what was handed over, then closes the store's connection. */
  close(): void | Promise<void>;
}

/**
 * The write thread's side of `WriteThread` (see write-thread.ts), for any store: applies each
 * batch the port brings, answers with its id (and error), and takes the batch out of the shared
 * in-flight counter once it is committed, waking a logging call that waits for room.
 */
export function serveWrites(port: MessagePort, inFlight: Int32Array, applier: BatchApplier): void {
  const rate = new CommitRate(inFlight);
  port.on('message', (request: WriteRequest) => {
    const arrivedAt = performance.now();
    if (request.kind === 'close') {
      void settled(() => applier.close()).then(() => {
        port.postMessage({ id: request.id } satisfies WriteReply);
        port.close();
      });
      return;
    }
    void settled(() => applier.write(unpackEvents(request.events), request.batch)).then((error) => {
      port.postMessage(error === undefined ? { id: request.id } : { id: request.id, error });
      if (request.load) {
        rate.committed(request.load.points, arrivedAt);
        // The batch is no longer in flight: a logging call waiting for room may go on.
        Atomics.sub(inFlight, IN_FLIGHT_POINTS, request.load.points);
        Atomics.sub(inFlight, IN_FLIGHT_KILOBYTES, request.load.kilobytes);
        Atomics.store(inFlight, LAST_COMMITTED_ID, request.id);
        Atomics.notify(inFlight, IN_FLIGHT_POINTS);
      }
      if (request.signal) {
        Atomics.store(request.signal, 0, 1);
        Atomics.notify(request.signal, 0);
      }
    });
  });
}

/**
 * The points a second this thread commits while it has work, shared with the logging thread (which
 * bounds the points in flight by time with it): each batch's points over the time it took from when
 * the thread could start on it (it arrived, or the batch before it was committed) to its commit.
 */
class CommitRate {
  private lastCommitAt = 0;
  private pointsPerSecond = 0;

  constructor(private readonly shared: Int32Array) {}

  committed(points: number, arrivedAt: number): void {
    const now = performance.now();
    const busyMs = now - Math.max(arrivedAt, this.lastCommitAt);
    this.lastCommitAt = now;
    if (points === 0 || busyMs <= 0) return;
    const sample = (points * 1000) / busyMs;
    this.pointsPerSecond = this.pointsPerSecond === 0 ? sample : 0.7 * this.pointsPerSecond + 0.3 * sample;
    Atomics.store(this.shared, COMMIT_RATE, Math.min(2 ** 31 - 1, Math.round(this.pointsPerSecond)));
  }
}

/** Runs `body` and resolves with its error, serialised to cross threads, or undefined. */
async function settled(body: () => void | Promise<void>): Promise<WriteReply['error']> {
  try {
    await body();
    return undefined;
  } catch (error) {
    return serializeError(error);
  }
}
