/**
 * The Postgres write thread: applies the batches the main thread sends it through a pool of its
 * own, with the same writer (exactly once, retried on a fresh connection) as on the main thread.
 * Its event loop is its own, so a training loop that never yields can wait for it synchronously.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ExptrackError } from '../../core/errors.js';
import { serveWrites } from '../sql/serve-writes.js';
import { PgEventWriter } from './event-writer.js';
import { createPool } from './pg-driver.js';
import { storeError } from './pg-errors.js';
import type { PgWriteThreadOptions } from './write-thread-options.js';

const { options, port, inFlight } = workerData as { options: PgWriteThreadOptions; port: MessagePort; inFlight: Int32Array };
const pool = createPool(options.pool);
const writer = new PgEventWriter(pool, { retryForMs: options.retryForMs, where: options.where });

serveWrites(port, inFlight, {
  write: (events, batch) =>
    writer.write(events, batch).catch((cause: unknown) => {
      throw ExptrackError.is(cause) ? cause : storeError(cause, options.where);
    }),
  close: async () => {
    await writer.idle();
    await pool.end();
  },
});
parentPort?.postMessage('ready');
