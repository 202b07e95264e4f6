/**
 * Reading a stored experiment whatever the store holds: a record written by another version, by
 * hand or by a bug may have a field of the wrong type, a timestamp out of range or a config nested
 * twenty thousand levels deep. Whatever prints records (the CLI, the dashboard) reads them through
 * {@link wellFormedExperiment} and never crashes on one.
 * @module
 */
import { EXPERIMENT_STATUSES, type EnvironmentInfo, type Experiment, type ExperimentStatus, type GitInfo, type JsonValue } from './types.js';

/** The deepest nesting of a config, summary or metadata value a printer is handed; deeper parts become a placeholder. */
export const MAX_PRINTED_DEPTH = 64;

/** The latest and earliest instants a JavaScript `Date` holds, in milliseconds since the epoch. */
export const MAX_DATE_MS = 8.64e15;

/**
 * The experiment with every field of its declared type: a string field holding a number becomes
 * its text, a list that is not one becomes empty (an `argv` string becomes a list of it), a
 * timestamp that is no valid date becomes NaN (or null where null is allowed), an unknown status
 * becomes `crashed`, and values nested deeper than {@link MAX_PRINTED_DEPTH} become the string
 * `"[nested too deeply]"`. A well-formed record comes back equal to itself.
 *
 * @param raw - an experiment as a store returned it
 * @returns the same experiment, every field well-typed
 * @example
 * ```ts
 * import { wellFormedExperiment } from 'exptrack';
 * const e = wellFormedExperiment({ ...stored, createdAt: 1e300, environment: { ...env, argv: 'node x' } } as never);
 * e.createdAt;        // NaN
 * e.environment?.argv; // ['node x']
 * ```
 */
export function wellFormedExperiment(raw: Experiment): Experiment {
  const r = (isObject(raw) ? raw : {}) as Record<string, unknown>;
  const status = (EXPERIMENT_STATUSES as readonly unknown[]).includes(r.status) ? (r.status as ExperimentStatus) : 'crashed';
  return {
    id: str(r.id),
    name: str(r.name ?? r.id),
    notes: str(r.notes ?? ''),
    group: nullableStr(r.group),
    config: jsonObject(r.config) as Experiment['config'],
    tags: stringRecord(r.tags),
    status,
    createdAt: instant(r.createdAt) ?? Number.NaN,
    endedAt: instant(r.endedAt),
    heartbeatAt: instant(r.heartbeatAt),
    git: isObject(r.git) ? git(r.git) : null,
    environment: isObject(r.environment) ? environment(r.environment) : null,
    summary: jsonObject(r.summary),
    error: isObject(r.error) ? { message: str(r.error.message ?? ''), stack: nullableStr(r.error.stack) } : null,
  };
}

function git(g: Record<string, unknown>): GitInfo {
  return {
    commit: str(g.commit ?? ''),
    branch: nullableStr(g.branch),
    remoteUrl: nullableStr(g.remoteUrl),
    dirty: g.dirty === true,
    changedFiles: strings(g.changedFiles),
    untrackedCount: finite(g.untrackedCount) ?? 0,
    patch: nullableStr(g.patch),
    patchTruncated: g.patchTruncated === true,
    root: str(g.root ?? ''),
    via: g.via === 'isomorphic-git' ? 'isomorphic-git' : 'git-cli',
  };
}

function environment(e: Record<string, unknown>): EnvironmentInfo {
  return {
    argv: typeof e.argv === 'string' ? [e.argv] : strings(e.argv),
    cwd: str(e.cwd ?? ''),
    nodeVersion: str(e.nodeVersion ?? ''),
    platform: str(e.platform ?? ''),
    osRelease: str(e.osRelease ?? ''),
    arch: str(e.arch ?? ''),
    cpuModel: str(e.cpuModel ?? ''),
    cpuCount: finite(e.cpuCount) ?? 0,
    totalMemoryBytes: finite(e.totalMemoryBytes) ?? 0,
    hostname: str(e.hostname ?? ''),
    user: nullableStr(e.user),
    pid: finite(e.pid) ?? 0,
    packages: stringRecord(e.packages),
    env: stringRecord(e.env),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return value === null || value === undefined ? '' : String(printable(value, 0));
}

function nullableStr(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: str(v), enumerable: true, writable: true, configurable: true });
  return out;
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function instant(value: unknown): number | null {
  const n = finite(value);
  return n !== null && Math.abs(n) <= MAX_DATE_MS ? n : null;
}

function jsonObject(value: unknown): Record<string, JsonValue> {
  return isObject(value) ? (printable(value, 0) as Record<string, JsonValue>) : {};
}

/** The value with its parts deeper than {@link MAX_PRINTED_DEPTH} replaced by a placeholder (iterating no deeper). */
function printable(value: unknown, depth: number): JsonValue {
  if (typeof value !== 'object' || value === null) return value as JsonValue;
  if (depth >= MAX_PRINTED_DEPTH) return '[nested too deeply]';
  if (Array.isArray(value)) return value.map((v) => printable(v, depth + 1));
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: printable(v, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}
