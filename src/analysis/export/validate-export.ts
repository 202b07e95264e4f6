/**
 * The checks an untrusted export passes before anything of it is written: an export shared by a
 * colleague or downloaded is someone else's data, and what it holds later reaches file paths
 * (`reproduce`), terminals and every command that prints a record.
 * @module
 */
import { validateExperimentId } from '../../core/experiment-id-grammar.js';
import { invalidInput } from '../../core/errors.js';
import { hasLoneSurrogate, LONE_SURROGATE, MAX_KEY_LENGTH } from '../../core/keys.js';
import { requireArray as list, requireObject as object, requireString as text } from './export-format.js';

/**
 * The deepest nesting an exported experiment may have (config, summary and metadata included).
 *
 * @example
 * ```ts
 * import { MAX_EXPORT_DEPTH } from 'exptrack/analysis';
 * MAX_EXPORT_DEPTH; // 64
 * ```
 */
export const MAX_EXPORT_DEPTH = 64;

/**
 * The longest text an export may hold in one string, in UTF-16 code units (a recorded patch is capped at 1 MiB).
 *
 * @example
 * ```ts
 * import { MAX_EXPORT_STRING } from 'exptrack/analysis';
 * MAX_EXPORT_STRING; // 4194304
 * ```
 */
export const MAX_EXPORT_STRING = 4 * 1024 * 1024;

/**
 * The earliest and latest timestamps an export may hold: 1970-01-01 to 9999-12-31, in milliseconds.
 *
 * @example
 * ```ts
 * import { EXPORT_TIME_RANGE } from 'exptrack/analysis';
 * new Date(EXPORT_TIME_RANGE.max).toISOString(); // '9999-12-31T23:59:59.999Z'
 * ```
 */
export const EXPORT_TIME_RANGE = { min: 0, max: 253_402_300_799_999 } as const;

const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Checks one entry of an export's `experiments` list as untrusted input: nesting at most
 * {@link MAX_EXPORT_DEPTH} levels, no string longer than {@link MAX_EXPORT_STRING}, no lone
 * surrogate in a key or a text, an id of the id grammar, timestamps finite and within
 * {@link EXPORT_TIME_RANGE}, keys of metrics, tags and evaluations well-formed, and `git`,
 * `environment` and `error` of their recorded shape (`argv` a list of strings, `commit` 40 or 64 hex
 * digits). Called by `importExperiments` for every entry before anything is written.
 *
 * @param entry - one element of `json.experiments`, as parsed
 * @param path - its path in the export, for errors (`json.experiments[3]`)
 * @throws ExptrackError `invalid_input` naming the path of the first bad field
 * (`json.experiments[3].experiment.createdAt`) and its value
 * @example
 * ```ts
 * import { validateExportedExperiment } from 'exptrack/analysis';
 * const dump = JSON.parse(text);
 * dump.experiments.forEach((e: unknown, i: number) => validateExportedExperiment(e, `json.experiments[${i}]`));
 * ```
 */
export function validateExportedExperiment(entry: unknown, path: string): void {
  checkTree(entry, path);
  const root = object(entry, path);
  const e = object(root.experiment, `${path}.experiment`);
  const at = `${path}.experiment`;
  validateExperimentId(e.id, `${at}.id`);
  time(e.createdAt, `${at}.createdAt`);
  for (const field of ['endedAt', 'heartbeatAt'] as const) if (e[field] !== null && e[field] !== undefined) time(e[field], `${at}.${field}`);
  if (e.tags !== undefined) {
    for (const [key, value] of Object.entries(object(e.tags, `${at}.tags`))) {
      key_(key, `${at}.tags`);
      if (typeof value !== 'string') throw invalidInput(`${at}.tags.${key}`, value, 'must be a string');
    }
  }
  if (e.git !== null && e.git !== undefined) checkGit(object(e.git, `${at}.git`), `${at}.git`);
  if (e.environment !== null && e.environment !== undefined) checkEnvironment(object(e.environment, `${at}.environment`), `${at}.environment`);
  if (e.error !== null && e.error !== undefined) {
    const error = object(e.error, `${at}.error`);
    text(error.message, `${at}.error.message`);
    if (error.stack !== null && error.stack !== undefined) text(error.stack, `${at}.error.stack`);
  }
  list(root.metrics, `${path}.metrics`).forEach((p, i) => {
    const point = object(p, `${path}.metrics[${i}]`);
    key_(point.key, `${path}.metrics[${i}].key`);
    time(point.timestamp, `${path}.metrics[${i}].timestamp`);
  });
  list(root.evaluations ?? [], `${path}.evaluations`).forEach((v, i) => {
    const evaluation = object(v, `${path}.evaluations[${i}]`);
    key_(evaluation.benchmark, `${path}.evaluations[${i}].benchmark`);
    for (const key of Object.keys(object(evaluation.metrics, `${path}.evaluations[${i}].metrics`))) key_(key, `${path}.evaluations[${i}].metrics`);
    time(evaluation.createdAt, `${path}.evaluations[${i}].createdAt`);
  });
  list(root.checkpoints ?? [], `${path}.checkpoints`).forEach((c, i) => {
    const checkpoint = object(c, `${path}.checkpoints[${i}]`);
    time(checkpoint.createdAt, `${path}.checkpoints[${i}].createdAt`);
  });
}

function checkGit(git: Record<string, unknown>, at: string): void {
  if (typeof git.commit !== 'string' || !COMMIT.test(git.commit)) throw invalidInput(`${at}.commit`, git.commit, 'must be a commit id: 40 (or 64) lowercase hex digits');
  for (const field of ['branch', 'remoteUrl', 'patch'] as const) if (git[field] !== null && git[field] !== undefined) text(git[field], `${at}.${field}`);
  text(git.root, `${at}.root`);
  for (const field of ['dirty', 'patchTruncated'] as const) if (typeof git[field] !== 'boolean') throw invalidInput(`${at}.${field}`, git[field], 'must be true or false');
  list(git.changedFiles, `${at}.changedFiles`).forEach((f, i) => text(f, `${at}.changedFiles[${i}]`));
  count(git.untrackedCount, `${at}.untrackedCount`);
}

function checkEnvironment(env: Record<string, unknown>, at: string): void {
  list(env.argv, `${at}.argv`).forEach((a, i) => text(a, `${at}.argv[${i}]`));
  for (const field of ['cwd', 'nodeVersion', 'platform', 'osRelease', 'arch', 'cpuModel', 'hostname'] as const) text(env[field], `${at}.${field}`);
  if (env.user !== null && env.user !== undefined) text(env.user, `${at}.user`);
  for (const field of ['cpuCount', 'totalMemoryBytes', 'pid'] as const) count(env[field], `${at}.${field}`);
  for (const field of ['packages', 'env'] as const) {
    for (const [key, value] of Object.entries(object(env[field], `${at}.${field}`))) {
      if (typeof value !== 'string') throw invalidInput(`${at}.${field}.${key}`, value, 'must be a string');
    }
  }
}

/** @internal Walks the whole entry without recursion: depth, string sizes and lone surrogates. */
export function checkTree(root: unknown, path: string): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path, depth: 0 }];
  while (stack.length > 0) {
    const { value, path: at, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > MAX_EXPORT_STRING) throw invalidInput(at, `${value.slice(0, 40)}…`, `is longer than ${MAX_EXPORT_STRING} characters`);
      if (hasLoneSurrogate(value)) throw invalidInput(at, value, LONE_SURROGATE);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_EXPORT_DEPTH) throw invalidInput(at, '[…]', `is nested deeper than ${MAX_EXPORT_DEPTH} levels`);
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${at}[${i}]`, depth: depth + 1 });
    } else {
      for (const [key, v] of Object.entries(value)) {
        if (hasLoneSurrogate(key)) throw invalidInput(`${at} key`, key, LONE_SURROGATE);
        stack.push({ value: v, path: `${at}.${key}`, depth: depth + 1 });
      }
    }
  }
}

/** @internal Throws unless `value` is a metric, tag or benchmark key. */
export function key_(value: unknown, path: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH) {
    throw invalidInput(path, value, `must be a key: a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
  }
}

function count(value: unknown, path: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalidInput(path, value, 'must be an integer >= 0');
}

/** @internal Throws unless `value` is a timestamp within {@link EXPORT_TIME_RANGE}. */
export function time(value: unknown, path: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < EXPORT_TIME_RANGE.min || value > EXPORT_TIME_RANGE.max) {
    throw invalidInput(path, value, 'must be a timestamp: milliseconds since 1970, up to the year 9999');
  }
}
