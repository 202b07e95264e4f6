import { ExptrackError } from '../../core/errors.js';

/** SQLSTATE classes and codes after which the same call may succeed on a fresh connection. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '08000', '08001', '08003', '08004', '08006', '08007', '08P01']);
const LOCK_CODES = new Set(['40001', '40P01', '55P03']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection error',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
  'Client has already been connected',
];

/** Whether the error means the connection is gone (the client must not go back to the pool). */
export function isConnectionError(cause: unknown): boolean {
  const { code, message } = describe(cause);
  return CONNECTION_CODES.has(code) || NETWORK_CODES.has(code) || CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/** Whether retrying the whole transaction may succeed: a lost connection, a deadlock, a serialization failure. */
export function isTransient(cause: unknown): boolean {
  if (ExptrackError.is(cause)) return cause.isRetryable;
  return isConnectionError(cause) || LOCK_CODES.has(describe(cause).code);
}

/** The SQLSTATE (or Node error code) and message of a driver error. */
export function describe(cause: unknown): { code: string; message: string; constraint: string } {
  const error = cause as { code?: unknown; message?: unknown; constraint?: unknown } | null;
  return {
    code: typeof error?.code === 'string' ? error.code : '',
    message: typeof error?.message === 'string' ? error.message : String(cause),
    constraint: typeof error?.constraint === 'string' ? error.constraint : '',
  };
}

/** Maps a driver error to a typed one: locked, unavailable, invalid input, or a plain backend failure. */
export function storeError(cause: unknown, where: string): ExptrackError {
  if (ExptrackError.is(cause)) return cause;
  const { code, message } = describe(cause);
  if (isConnectionError(cause)) return new ExptrackError(`postgres store ${where} is unreachable: ${message}`, { code: 'unavailable', backend: 'postgres', cause });
  if (LOCK_CODES.has(code)) return new ExptrackError(`postgres store ${where}: ${message}`, { code: 'locked', backend: 'postgres', cause });
  if (code.startsWith('22')) return new ExptrackError(`postgres store ${where} refused a value: ${message}`, { code: 'invalid_input', backend: 'postgres', cause });
  if (code === '28P01' || code === '28000' || code === '3D000') {
    return new ExptrackError(`postgres store ${where}: ${message}`, { code: 'unavailable', backend: 'postgres', cause, retryable: false });
  }
  return new ExptrackError(`postgres store ${where}: ${message}`, { code: 'backend_failed', backend: 'postgres', cause });
}
