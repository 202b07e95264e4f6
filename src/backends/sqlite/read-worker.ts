/**
 * A SQLite read thread: answers the reads its store sends it (metric outlines) on a read-only
 * connection of its own, so that a long read does not hold up the thread that serves requests.
 */
import { workerData, parentPort } from 'node:worker_threads';
import { openReadOnly } from './open-read-only.js';
import { readMetricOutline } from './metric-outline-query.js';
import type { ReadReply, ReadRequest, ReadThreadOptions } from './read-messages.js';
import { serializeError } from '../sql/write-messages.js';

const options = workerData as ReadThreadOptions;
const { db } = openReadOnly(options.path, options);

parentPort?.on('message', (request: ReadRequest) => {
  if (request.kind === 'close') {
    db.close();
    parentPort?.postMessage({ id: request.id } satisfies ReadReply);
    return;
  }
  try {
    parentPort?.postMessage({ id: request.id, result: readMetricOutline(db, request.experimentId, request.key, request.query) } satisfies ReadReply);
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: serializeError(error) } satisfies ReadReply);
  }
});
