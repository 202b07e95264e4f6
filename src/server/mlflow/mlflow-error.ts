/**
 * MLflow's error bodies: `{ error_code, message }` with the HTTP status MLflow's server gives each
 * code. Clients match on both (`set_experiment` creates an experiment on a 404
 * `RESOURCE_DOES_NOT_EXIST`), so a handler throws {@link MlflowError} and {@link mlflowErrorAnswer}
 * renders it; an exptrack error from the store is mapped to the nearest MLflow code.
 * @module
 */
import { ExptrackError } from 'exptrack';
import { HttpError } from '../http.js';
import type { Answer } from '../router.js';

/** The error codes of MLflow's `databricks.proto` that this API answers. */
export type MlflowErrorCode = 'INVALID_PARAMETER_VALUE' | 'RESOURCE_DOES_NOT_EXIST' | 'RESOURCE_ALREADY_EXISTS' | 'INTERNAL_ERROR' | 'TEMPORARILY_UNAVAILABLE' | 'REQUEST_LIMIT_EXCEEDED' | 'ENDPOINT_NOT_FOUND';

const STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  REQUEST_LIMIT_EXCEEDED: 429,
  TEMPORARILY_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

/** An error an MLflow handler answers with. */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The HTTP status MLflow's server answers this code with. */
  get status(): number {
    return STATUS[this.code];
  }
}

/** A 400 `INVALID_PARAMETER_VALUE`. */
export const invalidValue = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);
/** A 404 `RESOURCE_DOES_NOT_EXIST`. */
export const doesNotExist = (message: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', message);

/** Renders any error as MLflow's error body. */
export function mlflowErrorAnswer(error: unknown): Answer {
  const mlflow = toMlflowError(error);
  return { status: mlflow.status, body: JSON.stringify({ error_code: mlflow.code, message: mlflow.message }), contentType: 'application/json; charset=utf-8' };
}

function toMlflowError(error: unknown): MlflowError {
  if (error instanceof MlflowError) return error;
  if (error instanceof HttpError) {
    const code: MlflowErrorCode = error.status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : error.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : error.status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_PARAMETER_VALUE';
    return new MlflowError(code, error.message);
  }
  if (ExptrackError.is(error)) {
    const byCode: Partial<Record<string, MlflowErrorCode>> = {
      invalid_input: 'INVALID_PARAMETER_VALUE',
      parse_error: 'INVALID_PARAMETER_VALUE',
      not_found: 'RESOURCE_DOES_NOT_EXIST',
      already_exists: 'RESOURCE_ALREADY_EXISTS',
      rate_limited: 'REQUEST_LIMIT_EXCEEDED',
      locked: 'TEMPORARILY_UNAVAILABLE',
      unavailable: 'TEMPORARILY_UNAVAILABLE',
      timeout: 'TEMPORARILY_UNAVAILABLE',
    };
    return new MlflowError(byCode[error.code] ?? 'INTERNAL_ERROR', error.message);
  }
  return new MlflowError('INTERNAL_ERROR', error instanceof Error ? error.message.split('\n')[0]! : String(error));
}
