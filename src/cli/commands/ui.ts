/**
 * `exptrack ui`: the local web dashboard. The server (and its front end) load only when this
 * command runs, so other commands do not pay for them.
 * @module
 */
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { integerOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { packageVersion } from '../package-version.js';
import { stopSignal } from '../stop-signal.js';
import { CliError, usageError } from '../errors.js';

interface UiOptions {
  port: number;
  host: string;
  token?: string;
  tokenFile?: string;
  allowEdit?: boolean;
  open?: boolean;
}

/**
 * Adds `exptrack ui`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerUi(program, wrap);
 * ```
 */
export function registerUi(program: Command, wrap: Wrap): void {
  program
    .command('ui')
    .description('serve a local web dashboard of the store (experiments, charts, comparisons, leaderboards) until Ctrl-C')
    .option('--port <n>', 'the port (0 picks a free one)', integerOption(0), 4800)
    .option('--host <address>', 'the address to bind; anything but loopback requires a token', '127.0.0.1')
    .option('--token <token>', 'the token requests must carry (generated and printed when binding another address); visible to other users in ps: prefer EXPTRACK_UI_TOKEN or --token-file')
    .option('--token-file <path>', 'read the token from this file (its first line)')
    .option('--allow-edit', 'allow editing tags and notes from the page (read-only otherwise)')
    .option('--open', 'open the dashboard in the default browser')
    .action(wrap(ui));
}

async function ui(ctx: CommandContext, options: UiOptions): Promise<number> {
  if (options.port > 65535) throw usageError('--port must be at most 65535');
  if (options.token !== undefined && options.tokenFile !== undefined) throw usageError('give --token or --token-file, not both');
  if (options.token !== undefined) ctx.note('exptrack: warning: --token is visible to other users of this machine (ps); set EXPTRACK_UI_TOKEN or use --token-file instead');
  const token = options.token ?? (options.tokenFile === undefined ? undefined : readTokenFile(options.tokenFile)) ?? (ctx.io.env.EXPTRACK_UI_TOKEN || undefined);
  const source = options.token !== undefined ? '--token' : options.tokenFile !== undefined ? `the token in ${options.tokenFile}` : 'EXPTRACK_UI_TOKEN';
  if (token !== undefined && token.length < 8) throw usageError(`${source} must be at least 8 characters`);
  const store = await ctx.store(options.allowEdit ? 'edit' : 'read');
  const { startDashboard } = await import('../../ui/server.js');
  const dashboard = await startDashboard({
    store,
    host: options.host,
    port: options.port,
    allowEdit: options.allowEdit === true,
    ...(token === undefined ? {} : { token }),
    // Development: serve a front end built elsewhere (node scripts/build-ui.mjs --outdir DIR).
    ...(ctx.io.env.EXPTRACK_UI_ASSETS ? { assetsDir: ctx.io.env.EXPTRACK_UI_ASSETS } : {}),
    version: packageVersion(),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new CliError(`port ${options.port} on ${options.host} is in use: pass another --port, or --port 0 to pick a free one`);
    if (error.code === 'EACCES') throw new CliError(`no permission to listen on port ${options.port} of ${options.host}: pass a port above 1023, or --port 0 to pick a free one`);
    throw error;
  });
  ctx.print(`exptrack dashboard: ${dashboard.url}`);
  ctx.note(
    ctx.ce.dim(
      `${options.allowEdit ? 'tags and notes can be edited' : 'read-only (--allow-edit to edit tags and notes)'}; ` +
        `${dashboard.token === null ? 'local only' : 'requests need the token in the URL above'}; Ctrl-C to stop`,
    ),
  );
  if (options.open) openBrowser(dashboard.url);
  await stopSignal();
  await dashboard.close();
  return 0;
}

/** Opens a URL with the platform's opener; a failure only costs the convenience. */
function openBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener: the URL is printed above.
  }
}


function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read --token-file ${path}: ${(error as Error).message}`);
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}
