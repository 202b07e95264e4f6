/**
 * `captureEnvironment`: the machine, the process and the command of a run, without secrets.
 * @module
 */
import os from 'node:os';
import { resolve } from 'node:path';

import type { EnvironmentInfo } from '../core/types.js';
import { filterEnv } from './env-allow-list.js';
import { redactArgv, type RedactionRules } from './redact-secrets.js';
import { packageVersions } from './package-versions.js';

/** Options of {@link captureEnvironment}; each defaults to the current process. */
export interface CaptureEnvironmentOptions {
  /**
   * The environment to pick variables from.
   * @defaultValue `process.env`
   */
  env?: NodeJS.ProcessEnv;
  /**
   * The command line to record.
   * @defaultValue `process.argv`
   */
  argv?: string[];
  /**
   * The working directory to record, and where the search for package.json starts.
   * @defaultValue `process.cwd()`
   */
  cwd?: string;
  /** More environment variable names to record (exact names); secret-looking names are still dropped. */
  extraEnvAllowList?: string[];
  /** More secrets to redact in argv and environment values (flag names, query parameters, patterns). */
  redact?: RedactionRules;
}

function currentUser(): string | null {
  try {
    const name = os.userInfo().username;
    return name === '' ? null : name;
  } catch {
    // No passwd entry for the uid (containers), or no user at all.
    return null;
  }
}

/**
 * Captures the machine and process a run runs in. Synchronous and cheap (package.json files are
 * read once per process).
 *
 * - `argv` is `process.argv` with its secrets redacted (docs/CAPTURE.md): the value of a
 *   credential flag (`--api-key X`, `--token=X`) and URL credentials (`user:pass@`, `?password=`)
 *   become `[redacted]`. It holds the Node executable, the script and its arguments; Node's own
 *   flags (`process.execArgv`, such as `--import tsx`) are not part of it; `NODE_OPTIONS` is recorded
 *   with the environment.
 * - `packages` maps each dependency and devDependency of the nearest package.json (searching up from
 *   `cwd`) to its installed version, or `declared:<range>` when it is not installed.
 * - `env` holds only allow-listed variables (`DEFAULT_ENV_ALLOW_LIST`), names starting with
 *   `EXPTRACK_` and `extraEnvAllowList`; a name containing KEY, TOKEN, SECRET, PASSWORD, PASSWD or
 *   CREDENTIAL (any case) is never recorded, and `user:pass@` is removed from URL-looking values.
 *
 * @param options - Overrides of the environment, command line and working directory.
 * @returns The environment description.
 *
 * @example
 * ```ts
 * import { captureEnvironment } from 'exptrack';
 * const env = captureEnvironment({ extraEnvAllowList: ['MY_DATASET_DIR'] });
 * env.nodeVersion; // 'v20.20.2'
 * ```
 */
export function captureEnvironment(options: CaptureEnvironmentOptions = {}): EnvironmentInfo {
  const cwd = resolve(options.cwd ?? process.cwd());
  const cpus = os.cpus();
  return {
    argv: redactArgv(options.argv ?? process.argv, options.redact),
    cwd,
    nodeVersion: process.version,
    platform: process.platform,
    osRelease: os.release(),
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    cpuCount: cpus.length > 0 ? cpus.length : os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    hostname: os.hostname(),
    user: currentUser(),
    pid: process.pid,
    packages: packageVersions(cwd),
    env: filterEnv(options.env ?? process.env, options.extraEnvAllowList ?? [], options.redact),
  };
}

