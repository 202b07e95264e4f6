import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { BatchIdentity, TrackerEvent } from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import { releasePacked } from '../../core/packed-columns.js';
import type { StoreEvent } from './store-event.js';
import {
  COMMIT_RATE,
  deserializeError,
  IN_FLIGHT_KILOBYTES,
  IN_FLIGHT_POINTS,
  IN_FLIGHT_SLOTS,
  inFlightLoad,
  LAST_COMMITTED_ID,
  packEvents,
  type WriteReply,
  type WriteRequest,
} from './write-messages.js';

/** The stores that have a write thread: each has its script, `<store>/write-worker.ts`. */
export type WriteThreadStore = 'sqlite' | 'postgres';

/** How long an exiting process waits for its last batch. */
const SYNC_WRITE_TIMEOUT_MS = 15_000;

/**
 * Backpressure by time: a batch handed over waits at most this long for its commit before the next
 * logging call that hands a batch over waits for it, so that what a process logged more than about
 * two seconds before a SIGKILL is on disk whatever the store's speed.
 */
const MAX_UNCOMMITTED_AGE_MS = 500;

/**
 * Backpressure by the store's speed: at most what the thread commits in this long is in flight (and
 * never less than `MIN_BATCHES_IN_FLIGHT` batches, so that it always has the next one, and a commit
 * that takes a little longer than usual does not make a loop at a rate the store sustains wait). A store slower than the loop
 * (Postgres on a busy server) then makes each hand-over wait about one batch's commit, instead of
 * letting the loop run ahead by `maxPointsInFlight` and then wait for all of it at once.
 */
const MAX_QUEUED_SECONDS = 0.25;
const MIN_BATCHES_IN_FLIGHT = 3;

interface Pending {
  resolve: () => void;
  reject: (error: ExptrackError) => void;
  /** A write's batch and identity, kept until it is answered, to be written elsewhere should the thread die holding it. */
  batch?: { events: readonly TrackerEvent[]; identity: BatchIdentity };
}

/**
 * A batch the thread held when it died: its events, its identity (so that the store skips it if the
 * thread committed it before dying) and the settling of the promise its caller awaits.
 */
export interface HeldBatch {
  events: readonly StoreEvent[];
  identity: BatchIdentity;
  resolve(): void;
  reject(error: ExptrackError): void;
}

/**
 * The main thread's side of a store's write thread: posts batches, resolves when they are
 * committed, and lets a logging call wait (synchronously) while too much is uncommitted. The same
 * for every store that has one (SQLite, Postgres); the thread's script applies the batches. The
 * worker is unreferenced while idle, so it never keeps a finished script alive.
 */
export class WriteThread {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private closing = false;
  private stopped = false;
  /** The ids and hand-over times of the batches not known to be committed, oldest first. */
  private readonly handedOver: Array<{ id: number; at: number }> = [];
  /** The points of the largest batch handed over. */
  private largestBatch = 0;
  /** Told when the thread ends without being asked to: its store then writes on the main thread. */
  private stopHandler: ((held: HeldBatch[]) => void) | undefined;
  /**
   * Each batch carries an identity, this thread's session and a number in the order of the writes,
   * claimed by the store in the batch's own transaction: a batch written again after the thread
   * died is applied at most once.
   */
  private readonly session = `write-thread:${randomUUID()}`;
  private nextSequence = 1;

  private constructor(
    private readonly store: WriteThreadStore,
    private readonly worker: Worker,
    private readonly port: MessagePort,
    /** Points and kilobytes handed to the thread and not yet committed, shared with it. */
    private readonly inFlight: Int32Array,
  ) {
    port.on('message', (reply: WriteReply) => this.settle(reply));
    worker.on('exit', (code) => {
      this.stopped = true;
      // Nothing will come through the port any more: it must not keep the process alive.
      this.idle();
      Atomics.store(inFlight, IN_FLIGHT_POINTS, 0);
      Atomics.store(inFlight, IN_FLIGHT_KILOBYTES, 0);
      Atomics.notify(inFlight, IN_FLIGHT_POINTS);
      this.settleAnswered();
      if (this.closing) {
        this.failPending(new ExptrackError(`the ${store} write thread closed before it answered`, { code: 'unavailable', backend: store }));
        return;
      }
      // The batches it held go to the store, to be written on the main thread before any later one.
      const stopped = new ExptrackError(`the ${store} write thread stopped (exit code ${code}) before it answered`, { code: 'unavailable', backend: store });
      const held: HeldBatch[] = [];
      for (const { batch, resolve, reject } of this.pending.values()) {
        if (batch && this.stopHandler) held.push({ events: batch.events, identity: batch.identity, resolve, reject });
        else reject(stopped);
      }
      this.pending.clear();
      const note = held.length > 0 ? `; the ${held.length} batch(es) it held are written there, each at most once` : '';
      warnOnce(store, `the ${store} write thread stopped (exit code ${code}); writing on the main thread instead${note}`);
      this.stopHandler?.(held);
    });
    this.idle();
  }

  /**
   * Starts the write thread next to this module, or returns undefined where it cannot run: its
   * script is not there (an application bundle that did not copy it), or the thread failed to start
   * (a flag or loader of the parent process it cannot take). The caller then writes on the main
   * thread, so nothing is lost; a failed start is said once on stderr as a process warning.
   */
  static async start(store: WriteThreadStore, options: unknown): Promise<WriteThread | undefined> {
    const script = workerScript(store);
    if (script === undefined) return undefined;
    const { port1, port2 } = new MessageChannel();
    const inFlight = new Int32Array(new SharedArrayBuffer(4 * IN_FLIGHT_SLOTS));
    try {
      const worker = startWorker(script, { options, port: port2, inFlight }, [port2]);
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`it exited with code ${code} before it was ready`)));
      });
      return new WriteThread(store, worker, port1, inFlight);
    } catch (cause) {
      port1.close();
      warnOnce(store, `the ${store} write thread could not start (${cause instanceof Error ? cause.message : String(cause)}); writing on the main thread instead`);
      return undefined;
    }
  }

  /**
   * Calls `handler` once if the thread ends without being asked to (it crashed or was terminated),
   * with the batches it had not answered, in the order they were written: the store writes them
   * (their promises still wait) before any later batch.
   */
  onUnexpectedStop(handler: (held: HeldBatch[]) => void): void {
    this.stopHandler = handler;
  }

  /**
   * Hands a batch to the thread.
   *
   * @param events - the batch
   * @param batch - the client's identity of the batch (the tracking server's); else the thread's own
   */
  write(events: readonly TrackerEvent[], batch?: BatchIdentity): Promise<void> {
    // The answers already here, taken now: a loop that never yields would otherwise keep every
    // batch it handed over (held for a rewrite should the thread die) until its end.
    this.settleAnswered();
    const identity = batch ?? { session: this.session, sequence: this.nextSequence++ };
    // The message copies the batch's typed arrays (one copy per array, off the JavaScript heap); the
    // batch itself is kept until the thread answers, to write it again should the thread die.
    const packed = packEvents(events);
    return this.request(
      (id) => {
        const load = inFlightLoad(packed);
        Atomics.add(this.inFlight, IN_FLIGHT_POINTS, load.points);
        Atomics.add(this.inFlight, IN_FLIGHT_KILOBYTES, load.kilobytes);
        if (load.points > this.largestBatch) this.largestBatch = load.points;
        this.olderThan(0); // forgets the committed ones
        this.handedOver.push({ id, at: performance.now() });
        return { kind: 'write', id, events: packed, load, batch: identity };
      },
      { events, identity },
    );
  }

  /**
   * Blocks this thread (`Atomics.wait`: the API that logs stays synchronous) until the points handed
   * over and not yet committed are within the limits (`maxPoints`, and what the thread commits in
   * `MAX_QUEUED_SECONDS`) and none of them waited longer than `MAX_UNCOMMITTED_AGE_MS`, or
   * `timeoutMs` passed, or the thread stopped. It goes on as soon as a commit brings them within
   * the limits: each wait lasts about one batch's commit.
   */
  waitForRoom(maxPoints: number, maxBytes: number, timeoutMs: number): void {
    const kilobytesBound = Math.max(1, Math.floor(maxBytes / 1024));
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const rate = Atomics.load(this.inFlight, COMMIT_RATE);
      if (rate > 0) maxPoints = Math.min(maxPoints, Math.max(MIN_BATCHES_IN_FLIGHT * this.largestBatch, rate * MAX_QUEUED_SECONDS));
      const points = Atomics.load(this.inFlight, IN_FLIGHT_POINTS);
      const now = performance.now();
      if (this.stopped || (points <= maxPoints && Atomics.load(this.inFlight, IN_FLIGHT_KILOBYTES) <= kilobytesBound && !this.olderThan(now - MAX_UNCOMMITTED_AGE_MS))) return;
      const left = deadline - now;
      if (left <= 0) return;
      Atomics.wait(this.inFlight, IN_FLIGHT_POINTS, points, Math.min(left, 50));
    }
  }

  /** Whether a batch handed over before `time` is not committed yet. */
  private olderThan(time: number): boolean {
    const committed = Atomics.load(this.inFlight, LAST_COMMITTED_ID);
    const { handedOver } = this;
    let done = 0;
    while (done < handedOver.length && handedOver[done]!.id <= committed) done++;
    if (done > 0) handedOver.splice(0, done);
    return handedOver.length > 0 && handedOver[0]!.at < time;
  }

  /** Blocks until the batch is committed: for an exiting process, where no promise will settle. */
  writeSync(events: readonly TrackerEvent[]): void {
    if (this.stopped) throw this.stoppedError();
    const id = this.nextId++;
    const signal = new Int32Array(new SharedArrayBuffer(4));
    let outcome: WriteReply | undefined;
    this.port.postMessage({ kind: 'write', id, events: packEvents(events), signal } satisfies WriteRequest);
    if (Atomics.wait(signal, 0, 0, SYNC_WRITE_TIMEOUT_MS) === 'timed-out') {
      throw new ExptrackError(`the ${this.store} write thread did not answer within ${SYNC_WRITE_TIMEOUT_MS} ms`, { code: 'timeout', backend: this.store });
    }
    // Replies come in order: settle the earlier ones on the way to ours.
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) {
      const reply = message.message as WriteReply;
      if (reply.id === id) outcome = reply;
      else this.settle(reply);
    }
    if (outcome?.error) throw deserializeError(outcome.error, this.store);
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    // Before the request: the thread may end before its answer to it comes through.
    this.closing = true;
    await this.request((id) => ({ kind: 'close', id }));
    await this.worker.terminate();
  }

  /** Settles the batches whose answers the ended thread left in the port. */
  private settleAnswered(): void {
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) this.settle(message.message as WriteReply);
  }

  private stoppedError(): ExptrackError {
    return new ExptrackError(`the ${this.store} write thread has stopped`, { code: 'unavailable', backend: this.store });
  }

  private failPending(error: ExptrackError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  private request(make: (id: number) => WriteRequest, batch?: Pending['batch']): Promise<void> {
    if (this.stopped) return Promise.reject(this.stoppedError());
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) this.busy();
      this.pending.set(id, { resolve, reject, ...(batch ? { batch } : {}) });
      const message = make(id);
      this.port.postMessage(message);
    });
  }

  private settle(reply: WriteReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (pending.batch) for (const event of pending.batch.events) if (event.type === 'metrics') releasePacked(event.points);
    if (this.pending.size === 0) this.idle();
    if (reply.error) pending.reject(deserializeError(reply.error, this.store));
    else pending.resolve();
  }

  /** While a batch is in flight, the process waits for it. */
  private busy(): void {
    this.worker.ref();
    this.port.ref();
  }

  private idle(): void {
    this.worker.unref();
    this.port.unref();
  }
}

/**
 * Writes, in order, the batches a dead write thread held, with their identities (one the thread
 * committed before it died is skipped by the store), settling each batch's promise.
 *
 * @param held - the batches, as {@link WriteThread.onUnexpectedStop} gives them
 * @param write - writes one batch on this thread
 * @param toError - the store's error for a failure `write` did not describe itself
 */
export async function writeHeldInOrder(held: readonly HeldBatch[], write: (events: readonly StoreEvent[], identity: BatchIdentity) => Promise<void>, toError: (cause: unknown) => ExptrackError): Promise<void> {
  for (const batch of held) {
    try {
      await write(batch.events, batch.identity);
      batch.resolve();
    } catch (cause) {
      batch.reject(ExptrackError.is(cause) ? cause : toError(cause));
    }
  }
}

/**
 * The store's worker script: `<store>-write-worker.js` or `.cjs` beside this module in the package,
 * `../<store>/write-worker.ts` in the sources.
 */
function workerScript(store: WriteThreadStore): URL | undefined {
  const here = import.meta.url;
  const extension = here.slice(here.lastIndexOf('.'));
  const name = extension === '.ts' ? `../${store}/write-worker.ts` : `./${store}-write-worker${extension}`;
  const url = new URL(name, here);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * The thread gets no flags of the parent (`execArgv: []`): the script needs none, and a parent's
 * `--input-type`, `--eval` or loader can stop a worker from starting.
 */
function startWorker(script: URL, workerData: unknown, transferList: MessagePort[]): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData, transferList, execArgv: [] });
  // Running from the TypeScript sources (this project's tests): load the script through tsx.
  const code = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(script.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true, workerData, transferList, execArgv: [] });
}

const warned = new Set<WriteThreadStore>();

function warnOnce(store: WriteThreadStore, message: string): void {
  if (warned.has(store)) return;
  warned.add(store);
  process.emitWarning(message, { code: 'EXPTRACK_WRITE_THREAD' });
}
