/**
 * Runs the git command line read-only: `execFile` (no shell), optional locks off, a timeout,
 * and a cap on how much output is kept.
 * @module
 */
import { execFile } from 'node:child_process';

import { ExptrackError } from '../core/errors.js';

/** How one git invocation ended. */
export interface GitRunResult {
  /** Standard output, cut at `maxBytes` when `overflow` is true. */
  stdout: Buffer;
  /** Whether the output went past `maxBytes` (the process was then stopped). */
  overflow: boolean;
}

/** Options of {@link runGit}. */
export interface GitRunOptions {
  /** The directory git runs in. */
  cwd: string;
  /** The git executable. */
  gitBinary: string;
  /** Milliseconds before the process is killed. */
  timeoutMs: number;
  /** Bytes of standard output kept; more stops the process and sets `overflow`. */
  maxBytes?: number;
}

/**
 * Why a git invocation failed: `missing` (no git executable), `timeout`, or `failed` (a non-zero exit,
 * with git's message).
 */
export class GitRunError extends Error {
  override readonly name = 'GitRunError';
  constructor(
    message: string,
    readonly kind: 'missing' | 'timeout' | 'failed',
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The environment git runs with: the caller's, with optional locks and prompts off and a fixed locale. */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANGUAGE: 'C' };
}

/**
 * Runs `git --no-optional-locks <args>` and resolves with its output, or rejects with a
 * {@link GitRunError}. Never runs a shell, never writes to `.git` by itself: the commands given must be
 * read-only ones.
 *
 * @param args - The git arguments, after `--no-optional-locks`.
 * @param options - Directory, executable, timeout and output cap.
 * @returns The standard output and whether it was cut.
 *
 * @example
 * ```ts
 * const { stdout } = await runGit(['rev-parse', '--show-toplevel'], { cwd, gitBinary: 'git', timeoutMs: 5000 });
 * ```
 */
export function runGit(args: readonly string[], options: GitRunOptions): Promise<GitRunResult> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    execFile(
      options.gitBinary,
      ['--no-optional-locks', ...args],
      {
        cwd: options.cwd,
        env: gitEnv(),
        encoding: 'buffer',
        maxBuffer: maxBytes,
        timeout: options.timeoutMs,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        const errText = stderr.toString('utf8').trim();
        if (err === null) {
          resolve({ stdout, overflow: false });
        } else if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          resolve({ stdout, overflow: true });
        } else if (err.code === 'ENOENT' || err.code === 'EACCES') {
          reject(new GitRunError(`git executable not usable: ${options.gitBinary}`, 'missing', errText, { cause: err }));
        } else if (err.killed === true) {
          reject(new GitRunError(`git ${args[0] ?? ''} timed out after ${options.timeoutMs} ms`, 'timeout', errText, { cause: err }));
        } else {
          reject(new GitRunError(`git ${args.join(' ')} failed: ${errText || err.message}`, 'failed', errText, { cause: err }));
        }
      },
    );
  });
}

/**
 * Turns a failed git invocation into the exptrack error the caller sees.
 *
 * @param error - What {@link runGit} rejected with.
 * @param cwd - The directory the capture ran in.
 * @returns An `ExptrackError`: `timeout` for a timeout, `unavailable` otherwise.
 *
 * @example
 * ```ts
 * try { await runGit(args, opts); } catch (e) { throw toExptrackError(e, cwd); }
 * ```
 */
export function toExptrackError(error: unknown, cwd: string): ExptrackError {
  if (ExptrackError.is(error)) return error;
  if (error instanceof GitRunError && error.kind === 'timeout') {
    return new ExptrackError(`capturing git state of ${cwd}: ${error.message}`, { code: 'timeout', field: 'cwd', value: cwd, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ExptrackError(`capturing git state of ${cwd}: ${message}`, {
    code: 'unavailable',
    field: 'cwd',
    value: cwd,
    cause: error,
    retryable: false,
  });
}
