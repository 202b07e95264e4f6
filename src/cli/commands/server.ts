/**
 * `exptrack server`: the tracking server in front of a SQLite file or a Postgres database. The
 * server module loads only when this command runs.
 * @module
 */
import type { Command } from 'commander';
import { integerOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { packageVersion } from '../package-version.js';
import { stopSignal } from '../stop-signal.js';
import { CliError, usageError } from '../errors.js';
import { isPostgresUrl, isServerUrl, openStore, type CliStore } from '../open-store.js';

interface ServerOptions {
  port: number;
  host: string;
  tokenFile?: string;
  writers?: number;
  drainSeconds: number;
  quiet?: boolean;
  corsOrigin?: string[];
  maxBlobBytes?: number;
  blobStagingDir?: string;
}

/**
 * Adds `exptrack server`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerServer(program, wrap);
 * ```
 */
export function registerServer(program: Command, wrap: Wrap): void {
  program
    .command('server')
    .description('serve the store to HttpBackend clients, the CLI and the dashboard of other hosts (--db http://host:port) until SIGTERM or Ctrl-C')
    .option('--port <n>', 'the port (0 picks a free one)', integerOption(0), 5050)
    .option('--host <address>', 'the address to bind; anything but loopback requires a token (EXPTRACK_SERVER_TOKEN or --token-file)', '127.0.0.1')
    .option('--token-file <path>', 'a file of "write <token>" and "read <token>" lines')
    .option('--writers <n>', 'store connections that write batches (default 4 for Postgres, 1 for SQLite)', integerOption(1))
    .option('--drain-seconds <n>', 'how long SIGTERM waits for requests in flight', integerOption(0), 30)
    .option('--cors-origin <origin...>', 'web page origins allowed to call the server from a browser (https://app.example.com, or *)')
    .option('--max-blob-bytes <n>', 'largest artifact file or image a client may upload (default 16 GiB)', integerOption(1))
    .option('--blob-staging-dir <path>', 'where uploaded artifact bytes wait for their batch (default: a temporary directory; share it between servers behind one load balancer)')
    .option('--quiet', 'no access log')
    .action(wrap(server));
}

async function server(ctx: CommandContext, options: ServerOptions): Promise<number> {
  if (options.port > 65535) throw usageError('--port must be at most 65535');
  if (isServerUrl(ctx.db)) throw usageError('--db of a server must be a SQLite file or a postgres:// URL, not another server');
  const { startTrackingServer } = await import('../../server/tracking-server.js');
  const { loadServerTokens } = await import('../../server/auth.js');
  const { mlflowMounts } = await import('../../server/mlflow/mlflow-routes.js');
  let tokens;
  try {
    tokens = loadServerTokens(ctx.io.env, options.tokenFile);
  } catch (error) {
    throw new CliError(`cannot read the tokens: ${(error as Error).message}`);
  }
  const store = await ctx.store('write');
  const writerCount = options.writers ?? (isPostgresUrl(ctx.db) ? 4 : 1);
  const writers: CliStore[] = [store];
  try {
    for (let i = 1; i < writerCount; i++) writers.push(await openStore(ctx.db, 'write', ctx.io.env));
    const running = await startTrackingServer({
      store,
      writers,
      host: options.host,
      port: options.port,
      tokens,
      version: packageVersion(),
      // MLflow's REST API beside exptrack's: MLFLOW_TRACKING_URI=<url> logs into this store.
      mounts: mlflowMounts({ store }),
      ...(options.corsOrigin ? { corsOrigins: options.corsOrigin } : {}),
      ...(options.maxBlobBytes === undefined ? {} : { maxBlobBytes: options.maxBlobBytes }),
      ...(options.blobStagingDir === undefined ? {} : { blobStagingDir: options.blobStagingDir }),
      ...(options.quiet ? {} : { log: (entry) => ctx.io.stdout.write(`${JSON.stringify(entry)}\n`) }),
    }).catch((error: unknown) => {
      throw new CliError(error instanceof Error ? error.message : String(error));
    });
    ctx.note(`exptrack server: ${running.url} (${tokens.length === 0 ? 'open: loopback only' : `${tokens.length} token(s)`}); SIGTERM or Ctrl-C drains and stops`);
    await stopSignal();
    await running.close(options.drainSeconds * 1000);
    ctx.note('exptrack server: stopped');
  } finally {
    await Promise.all(writers.slice(1).map((w) => w.close().catch(() => undefined)));
  }
  return 0;
}
