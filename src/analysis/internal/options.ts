import { invalidInput } from '../../core/errors.js';
import type { ExperimentReader } from '../../core/backend.js';

const READER_METHODS = ['getAllExperiments', 'getExperiment', 'getEvaluationResults', 'getEvaluationSamples', 'getMetricSummaries'] as const;

/** Throws unless `store` implements the read API analysis needs. */
export function requireReader(store: unknown): ExperimentReader {
  if (typeof store !== 'object' || store === null || READER_METHODS.some((m) => typeof (store as Record<string, unknown>)[m] !== 'function')) {
    throw invalidInput('store', store, 'must be a readable backend (it implements ExperimentReader: getAllExperiments, getEvaluationResults, ...)');
  }
  return store as ExperimentReader;
}

/** Throws unless `value` is a non-empty string. */
export function requireName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalidInput(field, value, 'must be a non-empty string');
  return value;
}

/** A confidence level in (0, 1), 0.95 by default. */
export function readConfidence(value: unknown): number {
  if (value === undefined) return 0.95;
  if (typeof value !== 'number' || !(value > 0 && value < 1)) throw invalidInput('confidence', value, 'must be a number in (0, 1)');
  return value;
}

/** An integer >= min, or undefined. */
export function optionalInteger(field: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidInput(field, value, `must be an integer >= ${min}`);
  return value;
}

/** One of `allowed`, or the default. */
export function oneOfOption<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalidInput(field, value, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return value as T;
}
