/**
 * What the tracker asks of the runtime, without importing a `node:` module: the environment, the
 * working directory, and modules loaded by a computed specifier (which bundlers leave alone, so a
 * browser bundle of `exptrack` never sees `node:` modules or the capture code). Outside Node the
 * answers are empty and the tracker skips what needs Node.
 * @module
 */

interface NodeProcessLike {
  env?: Record<string, string | undefined>;
  cwd?: () => string;
  versions?: { node?: string };
}

function nodeProcess(): NodeProcessLike | undefined {
  const proc = (globalThis as { process?: NodeProcessLike }).process;
  return proc?.versions?.node === undefined ? undefined : proc;
}

/**
 * Whether this is Node (or a runtime that implements its modules, as Bun and Deno do).
 *
 * @returns true when `process.versions.node` is set
 */
export function isNodeRuntime(): boolean {
  return nodeProcess() !== undefined;
}

/**
 * An environment variable.
 *
 * @param name - the variable
 * @returns its value, or undefined (always outside Node)
 */
export function envVar(name: string): string | undefined {
  return (globalThis as { process?: NodeProcessLike }).process?.env?.[name];
}

/**
 * The working directory.
 *
 * @returns `process.cwd()`, or undefined outside Node
 */
export function workingDirectory(): string | undefined {
  return nodeProcess()?.cwd?.();
}

/**
 * Imports a module by a specifier computed at run time: bundlers do not follow it.
 *
 * @param specifier - e.g. `exptrack/capture` or `node:path`
 * @returns the module
 */
export function importAtRunTime<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ specifier) as Promise<T>;
}

/**
 * Lets a Node process exit while the timer is pending; does nothing where timers are numbers.
 *
 * @param timer - what `setTimeout` or `setInterval` returned
 */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

/**
 * Runs `task` after the current synchronous code: `setImmediate` in Node, a zero timeout elsewhere.
 * The pending task does not keep a Node process alive.
 *
 * @param task - what to run
 */
export function soon(task: () => void): void {
  const immediate = (globalThis as { setImmediate?: (task: () => void) => unknown }).setImmediate;
  unrefTimer(immediate ? immediate(task) : setTimeout(task, 0));
}
