/**
 * The SQLite write thread: applies the batches the main thread sends it on its own connection, so
 * that inserting points costs the training loop nothing but a postMessage.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { serveWrites } from '../sql/serve-writes.js';
import { EventWriter } from './event-writer.js';
import { openDatabase } from './open-database.js';
import type { SqliteWriteThreadOptions } from './write-thread-options.js';
import { writeWithRetry } from './write-with-retry.js';

const { options, port, inFlight } = workerData as { options: SqliteWriteThreadOptions; port: MessagePort; inFlight: Int32Array };
const db = openDatabase(options.path, { busyTimeoutMs: options.busyTimeoutMs, fileMustExist: true });
const writer = new EventWriter(db);

serveWrites(port, inFlight, {
  write: (events, batch) => writeWithRetry(writer, events, options, batch),
  close: () => {
    db.close();
  },
});
parentPort?.postMessage('ready');
