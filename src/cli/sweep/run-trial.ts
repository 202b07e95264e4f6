/**
 * Runs one trial of `exptrack sweep` as a child process: the params go in `EXPTRACK_PARAMS` and as
 * `--name=value` flags, the trial's experiment id in `EXPTRACK_EXPERIMENT_ID`; the child's stdout is
 * read for `exptrack:value=<number>` and `exptrack:report=<number>@<step>` lines.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** How a trial's process ended. */
export interface TrialProcessResult {
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The text of the last `exptrack:value=` line, if any. */
  valueText: string | undefined;
  /** The last lines the child wrote to stderr (at most 20). */
  stderrTail: string[];
  /** Set when the process could not be started (ENOENT...). */
  spawnError: NodeJS.ErrnoException | undefined;
}

/** What {@link runTrialProcess} needs. */
export interface TrialProcessOptions {
  /** The command and its arguments; the flags are appended. */
  command: readonly string[];
  params: Readonly<Record<string, unknown>>;
  env: NodeJS.ProcessEnv;
  /** Called with each line of the child's output, stdout or stderr (to relay it). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Called with each `exptrack:report=<value>@<step>` line. */
  onReport?: (value: number, step: number) => void;
  /** Receives the child as soon as it is spawned (to signal it). */
  onSpawn?: (child: ChildProcess) => void;
}

const VALUE_LINE = /^exptrack:value=(.*)$/;
const REPORT_LINE = /^exptrack:report=([^@\s]+)@(\d+)\s*$/;

/**
 * The `--name=value` flags of a trial's params, in the order of the params: strings as they are,
 * numbers, booleans and null as JSON.
 *
 * @param params - the trial's params
 * @returns the flags
 * @example
 * ```ts
 * paramFlags({ lr: 0.001, act: 'relu' }); // ['--lr=0.001', '--act=relu']
 * ```
 */
export function paramFlags(params: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(params).map(([name, value]) => `--${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

/**
 * Parses the text of an `exptrack:value=` line: a JavaScript number literal, `NaN`, `inf`/`Infinity`
 * with an optional sign.
 *
 * @param text - what follows `exptrack:value=`
 * @returns the number (NaN for `NaN`), or undefined when the text is not a number
 * @example
 * ```ts
 * parseValue('0.25'); // 0.25
 * parseValue('-inf'); // -Infinity
 * parseValue('abc');  // undefined
 * ```
 */
export function parseValue(text: string): number | undefined {
  const t = text.trim();
  if (/^nan$/i.test(t)) return NaN;
  const inf = /^([+-]?)(inf|infinity)$/i.exec(t);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

/**
 * Spawns the trial's command and resolves when it has exited and its output is read.
 *
 * @param options - the command, params, environment and callbacks
 * @returns how it ended and the value line it printed
 * @example
 * ```ts
 * const result = await runTrialProcess({ command: ['node', 'train.mjs'], params: { lr: 0.01 }, env: process.env });
 * ```
 */
export function runTrialProcess(options: TrialProcessOptions): Promise<TrialProcessResult> {
  const [file, ...args] = options.command as [string, ...string[]];
  return new Promise((resolvePromise) => {
    let valueText: string | undefined;
    const stderrTail: string[] = [];
    let spawnError: NodeJS.ErrnoException | undefined;
    let child: ChildProcess;
    try {
      child = spawn(file, [...args, ...paramFlags(options.params)], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolvePromise({ code: null, signal: null, valueText, stderrTail, spawnError: error as NodeJS.ErrnoException });
      return;
    }
    options.onSpawn?.(child);
    const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split(/\r?\n/);
        rest = parts.pop() ?? '';
        for (const line of parts) onLine(line);
      });
      stream.on('end', () => {
        if (rest !== '') onLine(rest);
        rest = '';
      });
    };
    lines(child.stdout as NodeJS.ReadableStream, (line) => {
      options.onLine?.(line, 'stdout');
      const value = VALUE_LINE.exec(line.trim());
      if (value) {
        valueText = value[1];
        return;
      }
      const report = REPORT_LINE.exec(line.trim());
      if (report && options.onReport) {
        const v = parseValue(report[1] as string);
        if (v !== undefined) options.onReport(v, Number(report[2]));
      }
    });
    lines(child.stderr as NodeJS.ReadableStream, (line) => {
      options.onLine?.(line, 'stderr');
      if (line.trim() === '') return;
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => resolvePromise({ code, signal, valueText, stderrTail, spawnError }));
  });
}
