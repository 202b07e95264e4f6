import { ExptrackError } from '../../core/errors.js';

/**
 * The error of a batch whose events were committed but for `failures` (each rolled back alone):
 * the one typed failure itself, or a `backend_failed` error that counts them and names the first.
 *
 * @example
 * ```ts
 * if (failures.length > 0) throw batchFailure(failures, events.length, 'sqlite', (cause) => cause);
 * ```
 */
export function batchFailure(failures: readonly unknown[], total: number, backend: string, typed: (cause: unknown) => unknown): unknown {
  const first = typed(failures[0]);
  if (failures.length === 1 && ExptrackError.is(first)) return first;
  const message = first instanceof Error ? first.message : String(first);
  return new ExptrackError(`${failures.length} of ${total} events could not be stored; the first: ${message}`, { code: 'backend_failed', backend, cause: failures[0] });
}
