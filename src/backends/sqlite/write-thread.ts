import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { BatchIdentity, TrackerEvent } from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import { deserializeError, packEvents, type WriteReply, type WriteRequest, type WriteThreadOptions } from './write-messages.js';

/** How long an exiting process waits for its last batch. */
const SYNC_WRITE_TIMEOUT_MS = 15_000;

interface Pending {
  resolve: () => void;
  reject: (error: ExptrackError) => void;
}

/**
 * The main thread's side of the write thread: posts batches, resolves when they are committed.
 * The worker is unreferenced while idle, so it never keeps a finished script alive.
 */
export class WriteThread {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
  ) {
    port.on('message', (reply: WriteReply) => this.settle(reply));
    this.idle();
  }

  /**
   * Starts the write thread next to this module, or returns undefined where its script is not
   * there (an application bundle that did not copy it): the caller then writes on the main thread.
   */
  static async start(options: WriteThreadOptions): Promise<WriteThread | undefined> {
    const script = workerScript();
    if (script === undefined) return undefined;
    const { port1, port2 } = new MessageChannel();
    const worker = startWorker(script, { options, port: port2 }, [port2]);
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', (cause) => reject(new ExptrackError(`the sqlite write thread did not start: ${cause.message}`, { code: 'unavailable', backend: 'sqlite', cause })));
    });
    return new WriteThread(worker, port1);
  }

  write(events: readonly TrackerEvent[], batch?: BatchIdentity): Promise<void> {
    return this.request((id) => ({ kind: 'write', id, events: packEvents(events), ...(batch ? { batch } : {}) }));
  }

  /** Blocks until the batch is committed: for an exiting process, where no promise will settle. */
  writeSync(events: readonly TrackerEvent[]): void {
    const id = this.nextId++;
    const signal = new Int32Array(new SharedArrayBuffer(4));
    let outcome: WriteReply | undefined;
    this.port.postMessage({ kind: 'write', id, events: packEvents(events), signal } satisfies WriteRequest);
    if (Atomics.wait(signal, 0, 0, SYNC_WRITE_TIMEOUT_MS) === 'timed-out') {
      throw new ExptrackError(`the sqlite write thread did not answer within ${SYNC_WRITE_TIMEOUT_MS} ms`, { code: 'timeout', backend: 'sqlite' });
    }
    // Replies come in order: settle the earlier ones on the way to ours.
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) {
      const reply = message.message as WriteReply;
      if (reply.id === id) outcome = reply;
      else this.settle(reply);
    }
    if (outcome?.error) throw deserializeError(outcome.error);
  }

  async close(): Promise<void> {
    await this.request((id) => ({ kind: 'close', id }));
    await this.worker.terminate();
  }

  private request(make: (id: number) => WriteRequest): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) this.busy();
      this.pending.set(id, { resolve, reject });
      this.port.postMessage(make(id));
    });
  }

  private settle(reply: WriteReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.idle();
    if (reply.error) pending.reject(deserializeError(reply.error));
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

/** The worker script beside this module: `.js` or `.cjs` in the package, `.ts` in the sources. */
function workerScript(): URL | undefined {
  const here = import.meta.url;
  const extension = here.slice(here.lastIndexOf('.'));
  const name = extension === '.ts' ? 'write-worker.ts' : `sqlite-write-worker${extension}`;
  const url = new URL(`./${name}`, here);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

function startWorker(script: URL, workerData: unknown, transferList: MessagePort[]): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData, transferList });
  // Running from the TypeScript sources (this project's tests): load the script through tsx.
  const code = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(script.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true, workerData, transferList });
}
