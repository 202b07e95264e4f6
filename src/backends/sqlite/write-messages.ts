import type { TrackerEvent } from '../../core/backend.js';
import { ExptrackError, type ExptrackErrorCode } from '../../core/errors.js';

/** What the main thread sends the write thread. */
export type WriteRequest =
  | { kind: 'write'; id: number; events: readonly TrackerEvent[]; signal?: Int32Array }
  | { kind: 'close'; id: number };

/** What the write thread answers: the request's id, and the error if it failed. */
export interface WriteReply {
  id: number;
  error?: SerializedError;
}

/** An error as it crosses threads (class identity does not). */
export interface SerializedError {
  message: string;
  code: ExptrackErrorCode;
  field?: string;
  value?: unknown;
}

/** The options the write thread opens the store with. */
export interface WriteThreadOptions {
  path: string;
  busyTimeoutMs: number;
  lockRetryMs: number;
}

export function serializeError(error: unknown): SerializedError {
  if (ExptrackError.is(error)) {
    const out: SerializedError = { message: error.message, code: error.code };
    if (error.field !== undefined) out.field = error.field;
    if (error.value !== undefined) {
      try {
        out.value = structuredClone(error.value);
      } catch {
        out.value = String(error.value);
      }
    }
    return out;
  }
  return { message: error instanceof Error ? error.message : String(error), code: 'backend_failed' };
}

export function deserializeError(error: SerializedError): ExptrackError {
  return new ExptrackError(error.message, { code: error.code, field: error.field, value: error.value, backend: 'sqlite' });
}
