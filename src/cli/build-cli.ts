/**
 * The `exptrack` command line: `buildCli()` makes the program; the `bin` shim runs it and exits
 * with the code it returns. Every command lives in its own file under `commands/` and loads what it
 * needs (a backend, analysis, eval) only when it runs.
 *
 * Exit codes: 0 success, 1 a user error (unknown id, missing store, malformed filter...), 2 a usage
 * error (unknown option, missing argument, bad option value). Errors are one line on stderr; the
 * stack trace only with `--debug`.
 *
 * @packageDocumentation
 */
import { terminalSafe } from './terminal-safe.js';
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import type { RegisterCommand, Wrap } from './command.js';
import { CommandContext, type CliIO, type GlobalOptions } from './context.js';
import { CliError, EXIT_USAGE_ERROR, EXIT_USER_ERROR, isExptrackError } from './errors.js';
import { defaultDatabase } from './open-store.js';
import { registerList } from './commands/list.js';
import { registerShow } from './commands/show.js';
import { registerLeaderboard } from './commands/leaderboard.js';
import { registerCompare } from './commands/compare.js';
import { registerSignificance } from './commands/significance.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerStats } from './commands/stats.js';
import { registerReproduce } from './commands/reproduce.js';
import { registerEval } from './commands/eval.js';
import { registerReport } from './commands/report.js';
import { registerDelete } from './commands/delete.js';
import { registerTag } from './commands/tag.js';
import { registerNote } from './commands/note.js';
import { registerSync } from './commands/sync.js';
import { registerUi } from './commands/ui.js';
import { registerServer } from './commands/server.js';
import { registerSweep } from './commands/sweep.js';

/** The commands, in the order `exptrack --help` lists them. */
const COMMANDS: RegisterCommand[] = [
  registerList,
  registerShow,
  registerLeaderboard,
  registerCompare,
  registerSignificance,
  registerExport,
  registerImport,
  registerStats,
  registerReproduce,
  registerEval,
  registerReport,
  registerDelete,
  registerTag,
  registerNote,
  registerSync,
  registerUi,
  registerServer,
  registerSweep,
];

/** The CLI, ready to run. */
export interface Cli {
  /**
   * Runs one command line.
   * @param argv - the arguments after the program name
   * @returns the exit code: 0 success, 1 user error, 2 usage error
   */
  run(argv: readonly string[]): Promise<number>;
}

/**
 * Makes the `exptrack` command line. It never calls `process.exit`: `run` resolves with the exit
 * code, and the `bin` shim exits with it.
 *
 * @param io - the streams and environment (the process's by default)
 * @returns the CLI
 * @example
 * ```ts
 * import { buildCli } from './build-cli.js';
 * const code = await buildCli().run(['list', '--json', '--db', 'runs.db']);
 * ```
 */
export function buildCli(io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }): Cli {
  return {
    async run(argv) {
      let exitCode = 0;
      const wrap: Wrap = (body) => async (...args) => {
        const command = args[args.length - 1] as Command;
        const ctx = new CommandContext(command.optsWithGlobals<GlobalOptions>(), io, io.env.EXPTRACK_DB || defaultDatabase());
        try {
          const run = body as (ctx: CommandContext, ...rest: unknown[]) => Promise<number | void>;
          exitCode = (await run(ctx, ...args.slice(0, -1))) ?? 0;
        } finally {
          await ctx.close();
        }
      };
      const program = makeProgram(io, wrap);
      try {
        await program.parseAsync([...argv], { from: 'user' });
      } catch (error) {
        exitCode = report(error, io, argv.includes('--debug'));
      }
      await new Promise<void>((resolve) => io.stdout.write('', () => resolve()));
      return exitCode;
    },
  };
}

function makeProgram(io: CliIO, wrap: Wrap): Command {
  const program = new Command('exptrack')
    .description('Inspect, compare, evaluate and reproduce the ML experiments an exptrack store holds.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addOption(new Option('--db <path>', 'the store: a SQLite file or a postgres:// URL').default(undefined, 'EXPTRACK_DB, else ./exptrack.db'))
    .option('--json', 'print machine-readable JSON (stable keys, see README)')
    .option('--no-color', 'no colours (also: NO_COLOR=1; colour is only used on a terminal)')
    .option('--debug', 'print stack traces of errors')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const register of COMMANDS) register(program, wrap);
  return program;
}

/** Writes one line about an error to stderr and returns the exit code. */
function report(error: unknown, io: CliIO, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (or the help).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
    return EXIT_USAGE_ERROR;
  }
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  const say = (line: string) => io.stderr.write(`${terminalSafe(line, { lines: true })}\n`);
  if (error instanceof CliError) {
    say(`exptrack: ${error.message}${stack}`);
    return error.exitCode;
  }
  if (isExptrackError(error)) {
    // One line: the first line of the message (a filter's caret display is left to --debug).
    const message = debug ? error.message : (error.message.split('\n')[0] ?? '');
    say(`exptrack: ${message} [${error.code}]${stack}`);
    return EXIT_USER_ERROR;
  }
  const message = error instanceof Error ? error.message : String(error);
  say(`exptrack: unexpected error: ${message.split('\n')[0]}${stack || ' (run with --debug for the stack trace)'}`);
  return EXIT_USER_ERROR;
}

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('exptrack/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
