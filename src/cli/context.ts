/**
 * What every command receives: the global options, the output streams, colour, tables, and the
 * store (opened on first use and closed when the command ends).
 * @module
 */
import pc from 'picocolors';
import { openStore, type CliStore, type StoreMode } from './open-store.js';
import { toJsonText } from './format.js';
import { terminalSafe, terminalSafeJson } from './terminal-safe.js';

/** Colour functions (no-ops when colour is off). */
export type Colors = ReturnType<typeof pc.createColors>;

/** The streams the CLI talks to. Tests and embedders may pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** The options every command accepts. */
export interface GlobalOptions {
  db?: string;
  json?: boolean;
  color?: boolean;
  debug?: boolean;
}

/** How a table column is aligned. */
export type Align = 'left' | 'right' | 'center';

/**
 * The context of one command run.
 *
 * @example
 * ```ts
 * const store = await ctx.store('read');
 * ctx.print(await ctx.table(['id'], [[id]]));
 * ```
 */
export class CommandContext {
  /** Print machine-readable JSON instead of tables. */
  readonly json: boolean;
  /** The `--db` value. */
  readonly db: string;
  /** Print stack traces. */
  readonly debug: boolean;
  /** Colours for stdout (no-ops when colour is off). */
  readonly c: Colors;
  /** Colours for stderr. */
  readonly ce: Colors;
  readonly io: CliIO;
  private readonly colour: boolean;
  private readonly colourOnStderr: boolean;
  private readonly stores: CliStore[] = [];

  constructor(globals: GlobalOptions, io: CliIO, defaultDb: string) {
    this.io = io;
    this.json = globals.json === true;
    this.db = globals.db ?? defaultDb;
    this.debug = globals.debug === true;
    const allowed = globals.color !== false && !(io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '');
    this.colour = allowed && io.stdout.isTTY === true;
    this.colourOnStderr = allowed && io.stderr.isTTY === true;
    this.c = pc.createColors(this.colour);
    this.ce = pc.createColors(this.colourOnStderr);
  }

  /** Whether stdout is a terminal (colour and progress bars are for terminals only). */
  get isTTY(): boolean {
    return this.io.stdout.isTTY === true;
  }

  /**
   * Writes lines to stdout. Control characters are escaped (`\x1b`), except the CLI's own colours.
   * @param text - the text; a newline is added
   */
  print(text = ''): void {
    const safe = terminalSafe(text, { lines: true, keepColour: this.colour });
    this.io.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  }

  /**
   * Writes a value as JSON to stdout (NaN and ±Infinity as strings).
   * @param value - the value
   */
  printJson(value: unknown): void {
    this.io.stdout.write(terminalSafeJson(toJsonText(value)));
  }

  /**
   * Writes a line to stderr (notes, warnings and progress: never data).
   * @param text - the line
   */
  note(text: string): void {
    const safe = terminalSafe(text, { lines: true, keepColour: this.colourOnStderr });
    this.io.stderr.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  }

  /**
   * Opens the store named by `--db` (once per command) and closes it when the command ends.
   * @param mode - `read` never creates a missing file; `write` does
   * @returns the store
   */
  async store(mode: StoreMode): Promise<CliStore> {
    const store = await openStore(this.db, mode, this.io.env);
    this.stores.push(store);
    return store;
  }

  /**
   * A borderless table: a bold header row, then the rows, columns two spaces apart.
   * @param head - the column titles
   * @param rows - the cells
   * @param align - each column's alignment (left by default)
   * @returns the table text
   */
  async table(head: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): Promise<string> {
    const { renderTable } = await import('./table.js');
    return renderTable(head.map((h) => this.c.bold(h)), rows, align);
  }

  /** Closes the stores this command opened. */
  async close(): Promise<void> {
    const stores = this.stores.splice(0);
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  }
}
