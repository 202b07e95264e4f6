/**
 * Loads the committed scipy / statsmodels / mpmath reference values
 * (scripts/stats-reference/generate.py) and compares numbers with a relative tolerance.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ExptrackError } from '../../../src/core/errors.js';

const path = fileURLToPath(new URL('./fixtures/reference.json', import.meta.url));

function revive(_key: string, value: unknown): unknown {
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (value === 'NaN') return NaN;
  return value;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ref: any = JSON.parse(readFileSync(path, 'utf8'), revive);

/** Relative error of `actual` against `expected`, with errors below `abs` counted as 0. */
export function relErr(actual: number, expected: number, abs = 1e-12): number {
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return Object.is(actual, expected) || actual === expected ? 0 : Infinity;
  const err = Math.abs(actual - expected);
  if (err <= abs) return 0;
  return err / Math.abs(expected);
}

/** Asserts agreement to `rel` relative (absolute below `abs`). */
export function expectClose(actual: number, expected: number, rel = 1e-9, abs = 1e-12, label = ''): void {
  const e = relErr(actual, expected, abs);
  if (!(e <= rel)) {
    expect.fail(`${label} got ${actual}, expected ${expected} (relative error ${e.toExponential(2)} > ${rel})`);
  }
}

/** Asserts that `fn` throws an ExptrackError with the given code. */
export function expectError(fn: () => unknown, code: 'invalid_input' | 'insufficient_data'): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a thrown ExptrackError').toBeDefined();
  expect(ExptrackError.is(thrown)).toBe(true);
  expect((thrown as ExptrackError).code).toBe(code);
}

/** scipy itself is not accurate to 1e-9 everywhere; compare against it only where it agrees with mpmath. */
export function scipyIsAccurate(scipy: number, exact: number): boolean {
  return relErr(scipy, exact, 1e-300) <= 1e-10;
}
