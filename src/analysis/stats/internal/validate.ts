/**
 * Input checks shared by the statistics functions: one failure convention everywhere, a typed
 * {@link ExptrackError} and never a silent `NaN`.
 * @internal
 * @module
 */
import { ExptrackError, invalidInput } from '../../../core/errors.js';

/** Throws unless `values` is an array of finite numbers with at least `min` entries; returns it. */
export function finiteArray(field: string, values: unknown, min: number): readonly number[] {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw invalidInput(field, values, 'must be an array of finite numbers');
  }
  const arr = values as ArrayLike<unknown>;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw invalidInput(`${field}[${i}]`, v, 'must be a finite number');
    }
  }
  if (arr.length < min) {
    throw new ExptrackError(`${field} needs at least ${min} value${min === 1 ? '' : 's'} (got ${arr.length})`, {
      code: 'insufficient_data',
      field,
      value: arr.length,
    });
  }
  return arr as readonly number[];
}

/** Throws unless both arrays have the same length (paired data). */
export function sameLength(fieldA: string, a: ArrayLike<number>, fieldB: string, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw invalidInput(fieldB, b.length, `must have the same length as ${fieldA} (${a.length}) for paired data`);
  }
}

/** Throws unless `x` is a finite number. */
export function finite(field: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw invalidInput(field, x, 'must be a finite number');
  return x;
}

/** Throws unless `x` is a number (not NaN; infinities allowed). */
export function notNaN(field: string, x: unknown): number {
  if (typeof x !== 'number' || Number.isNaN(x)) throw invalidInput(field, x, 'must be a number');
  return x;
}

/** Throws unless `x` is a number > 0 (`Infinity` allowed when `allowInfinity`). */
export function positive(field: string, x: unknown, allowInfinity = false): number {
  if (typeof x !== 'number' || Number.isNaN(x) || !(x > 0) || (!allowInfinity && x === Infinity)) {
    throw invalidInput(field, x, allowInfinity ? 'must be a number > 0' : 'must be a finite number > 0');
  }
  return x;
}

/** Throws unless `x` is an integer >= `min`. */
export function integer(field: string, x: unknown, min: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) {
    throw invalidInput(field, x, `must be an integer >= ${min}`);
  }
  return x;
}

/** Throws unless `p` is a probability in [0, 1] (or (0, 1) when `open`). */
export function probability(field: string, p: unknown, open = false): number {
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0 || p > 1 || (open && (p === 0 || p === 1))) {
    throw invalidInput(field, p, open ? 'must be a probability strictly between 0 and 1' : 'must be a probability in [0, 1]');
  }
  return p;
}

/** Throws unless `c` is a confidence level strictly between 0 and 1; returns it. */
export function confidenceLevel(c: unknown): number {
  if (typeof c !== 'number' || !(c > 0 && c < 1)) {
    throw invalidInput('confidence', c, 'must be a number strictly between 0 and 1 (for example 0.95)');
  }
  return c;
}

/** Throws unless `value` is one of `allowed`. */
export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidInput(field, value, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** Throws an `insufficient_data` error: the data is well formed but cannot support the method. */
export function insufficient(field: string, value: unknown, message: string): ExptrackError {
  return new ExptrackError(message, { code: 'insufficient_data', field, value });
}
