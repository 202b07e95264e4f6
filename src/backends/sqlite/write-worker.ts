/**
 * The SQLite write thread: applies the batches the main thread sends it on its own connection, so
 * that inserting points costs the training loop nothing but a postMessage.
 */
import type { BatchIdentity } from '../../core/backend.js';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { EventWriter, type StoreEvent } from './event-writer.js';
import { openDatabase } from './open-database.js';
import { IN_FLIGHT_KILOBYTES, IN_FLIGHT_POINTS, LAST_COMMITTED_ID, serializeError, unpackEvents, type WriteReply, type WriteRequest, type WriteThreadOptions } from './write-messages.js';
import { writeWithRetry } from './write-with-retry.js';

const { options, port, inFlight } = workerData as { options: WriteThreadOptions; port: MessagePort; inFlight: Int32Array };
const db = openDatabase(options.path, { busyTimeoutMs: options.busyTimeoutMs, fileMustExist: true });
const writer = new EventWriter(db);

function apply(events: readonly StoreEvent[], batch: BatchIdentity | undefined): WriteReply['error'] {
  try {
    writeWithRetry(writer, events, options, batch);
    return undefined;
  } catch (error) {
    return serializeError(error);
  }
}

port.on('message', (request: WriteRequest) => {
  if (request.kind === 'close') {
    db.close();
    port.postMessage({ id: request.id } satisfies WriteReply);
    port.close();
    return;
  }
  const error = apply(unpackEvents(request.events), request.batch);
  port.postMessage(error === undefined ? { id: request.id } : { id: request.id, error });
  if (request.load) {
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
parentPort?.postMessage('ready');
