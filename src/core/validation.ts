/**
 * Validation of what users hand the tracker. Configs go through zod (rich, once per run); the
 * metric hot path is checked by hand, because zod costs microseconds a call.
 * @module
 */
import { z } from 'zod';
import { ExptrackError, invalidInput } from './errors.js';
import type { EvaluationInput, ExperimentConfig, JsonValue } from './types.js';
import { hasLoneSurrogate, LONE_SURROGATE, MAX_KEY_LENGTH, setOwn } from './keys.js';


const positive = z.number().finite().positive();
const positiveInt = z.number().int().positive();

/** The typed hyperparameters; anything else must be a JSON value. */
const configSchema = z
  .object({
    learning_rate: positive.optional(),
    batch_size: positiveInt.optional(),
    num_steps: z.number().int().nonnegative().optional(),
    num_epochs: z.number().nonnegative().finite().optional(),
    lora_rank: positiveInt.optional(),
    seed: z.number().int().optional(),
    model: z.string().optional(),
    optimizer: z.string().optional(),
    weight_decay: z.number().finite().nonnegative().optional(),
    warmup_steps: z.number().int().nonnegative().optional(),
  })
  .catchall(z.unknown());

/**
 * Checks a config and returns a deep copy of it, so later changes by the caller do not alter
 * what was logged.
 *
 * @throws ExptrackError `invalid_input` naming the field (`config.learning_rate`) and the value.
 */
export function validateConfig(config: unknown): ExperimentConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalidInput('config', config, 'must be a plain object of hyperparameters');
  }
  assertJson(config, 'config', new Set());
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['config', ...issue.path.map(String)].join('.');
    throw invalidInput(field, valueAt(config, issue.path), issue.message.toLowerCase().replace(/^invalid input: /, ''));
  }
  return JSON.parse(JSON.stringify(config)) as ExperimentConfig;
}

/**
 * Checks that a value is JSON that round-trips exactly: no functions, undefined in arrays,
 * bigints, symbols, non-finite numbers, class instances or cycles.
 *
 * @throws ExptrackError `invalid_input` naming the path of the first offending value.
 */
export function assertJson(value: unknown, field: string, seen: Set<object> = new Set()): asserts value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidInput(field, value, 'must be a finite number (JSON cannot hold NaN or Infinity)');
    return;
  }
  if (typeof value !== 'object') throw invalidInput(field, value, 'is not JSON-serialisable');
  if (seen.has(value)) throw invalidInput(field, '[circular]', 'is a circular reference, which JSON cannot hold');
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJson(item, `${field}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw invalidInput(field, value, `is a ${value.constructor?.name ?? 'class instance'}, not a plain JSON object`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) assertJson(item, `${field}.${key}`, seen);
    }
  }
  seen.delete(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) node = (node as Record<PropertyKey, unknown> | undefined)?.[key];
  return node;
}

/**
 * Checks a metric, tag or benchmark key: a non-empty string of at most 250 characters.
 *
 * @throws ExptrackError `invalid_input`
 */
export function validateKey(key: unknown, field: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw invalidInput(field, key, `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
  }
  if (hasLoneSurrogate(key)) throw invalidInput(field, key, LONE_SURROGATE);
  return key;
}


/**
 * Checks a training step: a safe integer, zero or more.
 *
 * @throws ExptrackError `invalid_input`
 */
export function validateStep(step: unknown, field = 'step'): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw invalidInput(field, step, 'must be a finite integer >= 0');
  }
  return step;
}

/**
 * Checks a metric value: any number, NaN and ±Infinity included.
 *
 * @throws ExptrackError `invalid_input`
 */
export function validateMetricValue(value: unknown, field: string): number {
  if (typeof value !== 'number') throw invalidInput(field, value, 'must be a number (NaN and ±Infinity are allowed)');
  return value;
}

/**
 * Checks a record of metric values and returns a copy.
 *
 * @throws ExptrackError `invalid_input`
 */
export function validateMetricRecord(metrics: unknown, field: string): Record<string, number> {
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw invalidInput(field, metrics, 'must be an object of metric names to numbers');
  }
  const copy: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    validateKey(key, `${field} key`);
    setOwn(copy, key, validateMetricValue(value, `${field}.${key}`));
  }
  return copy;
}

/**
 * Checks an evaluation before it is logged.
 *
 * @throws ExptrackError `invalid_input`
 */
export function validateEvaluation(benchmark: unknown, result: unknown): { benchmark: string; input: EvaluationInput } {
  validateKey(benchmark, 'benchmark');
  if (typeof result !== 'object' || result === null) throw invalidInput('result', result, 'must be an object with metrics');
  const input = result as EvaluationInput;
  const metrics = validateMetricRecord(input.metrics, 'result.metrics');
  const step = input.step === undefined || input.step === null ? null : validateStep(input.step, 'result.step');
  if (input.metadata !== undefined) assertJson(input.metadata, 'result.metadata');
  const samples = input.samples ?? [];
  if (!Array.isArray(samples)) throw invalidInput('result.samples', samples, 'must be an array of per-sample rows');
  samples.forEach((sample, i) => {
    if (typeof sample !== 'object' || sample === null) throw invalidInput(`result.samples[${i}]`, sample, 'must be an object');
    if (typeof sample.id !== 'string' || sample.id.length === 0) {
      throw invalidInput(`result.samples[${i}].id`, sample.id, 'must be a non-empty string (the item id, for pairing runs)');
    }
    if (sample.score !== undefined && sample.score !== null && typeof sample.score !== 'number') {
      throw invalidInput(`result.samples[${i}].score`, sample.score, 'must be a number or null');
    }
  });
  return { benchmark: benchmark as string, input: { metrics, samples, metadata: input.metadata ?? {}, step } };
}

/** Normalises a thrown value into an ExptrackError, keeping exptrack errors as they are. */
export function toExptrackError(error: unknown, backend?: string): ExptrackError {
  if (ExptrackError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ExptrackError(backend ? `backend ${backend} failed: ${message}` : message, { code: 'backend_failed', backend, cause: error });
}
