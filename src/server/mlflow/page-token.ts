/**
 * Paging tokens of MLflow's search and history endpoints: an opaque base64url of the offset of the
 * next page. A token that does not decode is a 400, as in MLflow.
 * @module
 */
import { invalidValue } from './mlflow-error.js';

/** The offset a token stands for (0 without a token). */
export function offsetOf(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown }).offset;
  } catch {
    offset = undefined;
  }
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw invalidValue(`Invalid page token, could not base64-decode: ${token.slice(0, 100)}`);
  return offset;
}

/**
 * One page of a list.
 * @returns the page's items and the token of the next page, when there is one
 */
export function pageOf<T>(items: readonly T[], offset: number, maxResults: number): { items: T[]; nextPageToken?: string } {
  const page = items.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return next < items.length ? { items: page, nextPageToken: Buffer.from(JSON.stringify({ offset: next })).toString('base64url') } : { items: page };
}

/** Checks `max_results` against MLflow's bounds. */
export function maxResultsOf(value: number | undefined, fallback: number, ceiling: number): number {
  if (value === undefined) return fallback;
  if (value < 1 || value > ceiling) throw invalidValue(`Invalid value ${value} for parameter 'max_results' supplied. It must be at most ${ceiling}, and at least 1.`);
  return value;
}
