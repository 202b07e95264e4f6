/**
 * The messages between a SQLite store and its read threads.
 * @module
 */
import type { MetricOutlineQuery } from '../../core/types.js';
import type { SerializedError } from '../sql/write-messages.js';

/** What a read thread opens. */
export interface ReadThreadOptions {
  path: string;
  busyTimeoutMs: number;
  staleAfterMs: number;
}

/** A read for a read thread (or `close`: close the connection, then answer). */
export type ReadRequest = { id: number; kind: 'outline'; experimentId: string; key: string; query: MetricOutlineQuery } | { id: number; kind: 'close' };

/** The answer to a {@link ReadRequest}. */
export interface ReadReply {
  id: number;
  result?: unknown;
  error?: SerializedError;
}
