/**
 * A small pool of read threads for a SQLite store: long reads run there, one at a time per thread,
 * at most `size` at once, the rest queued, so the thread that asked (a dashboard's server) keeps
 * answering. Threads start when first needed and do not keep a finished process alive.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExptrackError } from '../../core/errors.js';
import type { ReadReply, ReadRequest } from './read-messages.js';
import { deserializeError } from '../sql/write-messages.js';

/** A read request without its id (the pool numbers them). */
export type ReadJob = ReadRequest extends infer R ? (R extends { kind: 'close' } ? never : Omit<R, 'id'>) : never;

interface Job {
  request: ReadJob;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Thread {
  worker: Worker;
  job: (Job & { id: number }) | undefined;
}

/**
 * Read threads of one store. A thread that cannot start (or dies) fails the reads it held with
 * `unavailable`; the store then reads on its own thread.
 */
export class ReadPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Reads answered by the threads, for tests and benchmarks. */
  answered = 0;

  /**
   * @param workerData - what each thread is started with (the store's path and timeouts)
   * @param size - the most threads
   * @param script - the thread's script (the read worker beside this module by default)
   */
  constructor(
    private readonly workerData: unknown,
    readonly size: number,
    private readonly script: URL | undefined = readWorkerScript(),
  ) {}

  /** Whether threads can run here (the script is present and the pool is open). */
  get usable(): boolean {
    return this.script !== undefined && !this.closed && this.size > 0;
  }

  /** Runs a read on a thread; resolves with its answer. */
  run(request: ReadJob): Promise<unknown> {
    if (!this.usable) return Promise.reject(new ExptrackError('the read threads are closed', { code: 'unavailable', backend: 'sqlite' }));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  /** Closes each thread's connection, then stops it; queued reads fail with `unavailable`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ExptrackError('the store was closed', { code: 'unavailable', backend: 'sqlite' }));
    await Promise.all(
      this.threads.splice(0).map(async (thread) => {
        thread.worker.ref();
        const closed = new Promise<void>((resolve) => {
          thread.worker.on('message', (reply: ReadReply) => reply.id === 0 && resolve());
          thread.worker.once('exit', () => resolve());
        });
        thread.worker.postMessage({ id: 0, kind: 'close' } satisfies ReadRequest);
        await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
        await thread.worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let thread = this.threads.find((t) => t.job === undefined);
      if (thread === undefined && this.threads.length < this.size) thread = this.start();
      if (thread === undefined) return;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      thread.job = { ...job, id };
      thread.worker.ref();
      thread.worker.postMessage({ ...job.request, id } as ReadRequest);
    }
  }

  private start(): Thread {
    const worker = startWorker(this.script!, this.workerData);
    const thread: Thread = { worker, job: undefined };
    worker.unref();
    worker.on('message', (reply: ReadReply) => {
      const job = thread.job;
      if (job === undefined || reply.id !== job.id) return;
      thread.job = undefined;
      worker.unref();
      this.answered++;
      if (reply.error) job.reject(deserializeError(reply.error, 'sqlite'));
      else job.resolve(reply.result);
      this.dispatch();
    });
    const fail = (cause: unknown) => {
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads.splice(index, 1);
      const job = thread.job;
      thread.job = undefined;
      job?.reject(new ExptrackError(`a sqlite read thread stopped: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'unavailable', backend: 'sqlite', cause }));
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.threads.push(thread);
    return thread;
  }
}

/** The read worker script beside this module: `.js` or `.cjs` in the package, `.ts` in the sources. */
function readWorkerScript(): URL | undefined {
  const here = import.meta.url;
  const extension = here.slice(here.lastIndexOf('.'));
  const name = extension === '.ts' ? 'read-worker.ts' : `sqlite-read-worker${extension}`;
  const url = new URL(`./${name}`, here);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** The thread gets no flags of the parent (see the write thread); from the sources it loads through tsx. */
function startWorker(script: URL, workerData: unknown): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, { workerData, execArgv: [] });
  const code = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(script.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true, workerData, execArgv: [] });
}
