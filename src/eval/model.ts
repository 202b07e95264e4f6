/**
 * Turning what the user passes as a model into one shape, and the error a model request fails with.
 */
import { ExptrackError, type ExptrackErrorCode } from '../core/errors.js';
import type { GenerateOptions, GenerateResult, Model, ModelLike, Prompt } from './types.js';

/**
 * A model request that failed with an HTTP status (or a network error). 429 is `rate_limited`, 408
 * and 504 are `timeout`, other 5xx are `unavailable` (all retryable); other 4xx are not retryable.
 * `retryAfterMs` holds the server's `retry-after` (or `retry-after-ms`) when it sent one.
 *
 * @example
 * ```ts
 * import { ModelRequestError } from 'exptrack/eval';
 * const e = ModelRequestError.fromStatus(429, 'slow down', 2000);
 * e.code;         // 'rate_limited'
 * e.isRetryable;  // true
 * e.retryAfterMs; // 2000
 * ```
 */
export class ModelRequestError extends ExptrackError {
  override readonly name: string = 'ModelRequestError';
  /** The HTTP status, or null for a network failure. */
  readonly status: number | null;
  /** How long the server asked to wait before retrying, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  /**
   * @param message - what went wrong
   * @param options - the error code, the HTTP status, the server's retry-after and the cause
   */
  constructor(
    message: string,
    options: { code: ExptrackErrorCode; status: number | null; retryAfterMs?: number; cause?: unknown; retryable?: boolean },
  ) {
    super(message, {
      code: options.code,
      cause: options.cause,
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
    });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * Makes the error for an HTTP status.
   *
   * @param status - the response status
   * @param body - the start of the response body, for the message
   * @param retryAfterMs - the parsed `retry-after`, if any
   * @returns the error, with its code and retryability set from the status
   * @example
   * ```ts
   * import { ModelRequestError } from 'exptrack/eval';
   * ModelRequestError.fromStatus(503, 'overloaded').code; // 'unavailable'
   * ```
   */
  static fromStatus(status: number, body: string, retryAfterMs?: number): ModelRequestError {
    let code: ExptrackErrorCode;
    let retryable: boolean | undefined;
    if (status === 429) code = 'rate_limited';
    else if (status === 408 || status === 504) code = 'timeout';
    else if (status >= 500) code = 'unavailable';
    else {
      code = status === 400 || status === 404 || status === 422 ? 'invalid_input' : 'backend_failed';
      retryable = false;
    }
    const detail = body.length > 300 ? body.slice(0, 297) + '...' : body;
    return new ModelRequestError(`model request failed with HTTP ${status}${detail ? `: ${detail}` : ''}`, {
      code,
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(retryable === undefined ? {} : { retryable }),
    });
  }
}

/**
 * Reads a `retry-after` value (seconds, or an HTTP date) or a `retry-after-ms` value.
 *
 * @param retryAfter - the `retry-after` header, if any
 * @param retryAfterMs - the `retry-after-ms` header, if any
 * @param now - the current time in milliseconds since the epoch
 * @returns the wait in milliseconds, or undefined when neither header is usable
 * @example
 * ```ts
 * import { parseRetryAfter } from 'exptrack/eval';
 * parseRetryAfter('2', null); // 2000
 * ```
 */
export function parseRetryAfter(retryAfter: string | null, retryAfterMs: string | null, now = Date.now()): number | undefined {
  if (retryAfterMs !== null && retryAfterMs.trim() !== '') {
    const ms = Number(retryAfterMs);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  if (retryAfter === null || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * A model in the one shape the runner uses.
 *
 * @example
 * ```ts
 * import { normalizeModel, type NormalizedModel } from 'exptrack/eval';
 * const m: NormalizedModel = normalizeModel(async () => 'hi', 'greeter');
 * ```
 */
export interface NormalizedModel {
  id: string;
  generate(prompt: Prompt, options: GenerateOptions): Promise<GenerateResult>;
}

/**
 * Accepts a {@link Model} or a plain async function and returns one shape with an id.
 *
 * @param model - the model or function
 * @param id - an explicit id (wins over the model's own)
 * @returns the model with `generate` always resolving to a {@link GenerateResult}
 * @throws ExptrackError `invalid_input` when `model` is neither a function nor has `generate`
 * @example
 * ```ts
 * import { normalizeModel } from 'exptrack/eval';
 * const m = normalizeModel(async () => '42', 'const-42');
 * (await m.generate('q', {})).text; // '42'
 * ```
 */
export function normalizeModel(model: ModelLike, id?: string): NormalizedModel {
  let call: (prompt: Prompt, options: GenerateOptions) => Promise<string | GenerateResult>;
  let ownId: string | undefined;
  if (typeof model === 'function') {
    call = model;
    ownId = model.name ? `function:${model.name}` : undefined;
  } else if (model !== null && typeof model === 'object' && typeof (model as Model).generate === 'function') {
    call = (prompt, options) => (model as Model).generate(prompt, options);
    ownId = (model as Model).id;
  } else {
    throw new ExptrackError('model must be a function or an object with generate(prompt, options)', {
      code: 'invalid_input',
      field: 'model',
      value: model,
    });
  }
  return {
    id: id ?? ownId ?? 'anonymous-model',
    async generate(prompt, options) {
      const out = await call(prompt, options);
      if (typeof out === 'string') return { text: out };
      if (out !== null && typeof out === 'object' && typeof out.text === 'string') return out;
      throw new ExptrackError('model returned neither a string nor { text }', { code: 'invalid_input', field: 'model', value: out });
    },
  };
}
