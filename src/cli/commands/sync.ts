/**
 * `exptrack sync wandb`: replays experiments from the store to Weights & Biases, idempotently.
 * @module
 */
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { importOptional } from '../open-store.js';
import { resolveExperiments } from '../resolve-id.js';

interface SyncWandbOptions {
  all?: boolean;
  project?: string;
  entity?: string;
}

interface WandbReport {
  experiments: { experimentId: string; runId: string; entity: string; project: string; rowsSent: number; rowsTotal: number; upToDate: boolean }[];
  rowsSent: number;
  skipped: string[];
  errors: { experimentId: string; error: { message: string; code: string } }[];
}

interface WandbModule {
  syncExperimentsToWandb(options: { store: unknown; ids?: readonly string[]; project?: string; entity?: string }): Promise<WandbReport>;
}

/**
 * Adds `exptrack sync wandb`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerSync(program, wrap);
 * ```
 */
export function registerSync(program: Command, wrap: Wrap): void {
  const sync = program.command('sync').description('copy experiments from the store to another service');
  sync
    .command('wandb')
    .description('replay experiments to Weights & Biases (idempotent: what W&B already has is not sent again); needs WANDB_API_KEY or ~/.netrc')
    .argument('[ids...]', 'experiment ids or unique prefixes')
    .option('--all', 'every experiment in the store')
    .option('--project <name>', 'the W&B project (default: WANDB_PROJECT)')
    .option('--entity <name>', 'the W&B entity (default: WANDB_ENTITY, else the API key\'s default)')
    .action(wrap(syncWandb));
}

async function syncWandb(ctx: CommandContext, ids: string[], options: SyncWandbOptions): Promise<number> {
  if ((ids.length === 0) === (options.all !== true)) throw usageError('give experiment ids or --all (not both)');
  if (options.project === undefined && !ctx.io.env.WANDB_PROJECT) throw usageError('give --project NAME or set WANDB_PROJECT');
  const store = await ctx.store('read');
  const experiments = ids.length > 0 ? await resolveExperiments(store, ids) : undefined;
  const { syncExperimentsToWandb } = (await importOptional('exptrack/wandb', 'the W&B sync')) as WandbModule;
  const report = await syncExperimentsToWandb({
    store,
    ...(experiments === undefined ? {} : { ids: experiments.map((e) => e.id) }),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...(options.entity === undefined ? {} : { entity: options.entity }),
  });
  if (ctx.json) {
    ctx.printJson({
      experiments: report.experiments,
      rowsSent: report.rowsSent,
      skipped: report.skipped,
      errors: report.errors.map((e) => ({ experimentId: e.experimentId, code: e.error.code, message: e.error.message })),
    });
  } else {
    const { c } = ctx;
    if (report.experiments.length > 0) {
      ctx.print(
        await ctx.table(
          ['EXPERIMENT', 'W&B RUN', 'ROWS SENT', 'ROWS', ''],
          report.experiments.map((e) => [c.cyan(e.experimentId), `${e.entity}/${e.project}/${e.runId}`, String(e.rowsSent), String(e.rowsTotal), e.upToDate ? c.dim('up to date') : c.green('synced')]),
          ['left', 'left', 'right', 'right', 'left'],
        ),
      );
    }
    ctx.print(`${report.rowsSent} rows sent; ${report.skipped.length} experiment${report.skipped.length === 1 ? '' : 's'} already up to date; ${report.errors.length} failed`);
  }
  for (const e of report.errors) ctx.note(`exptrack: ${e.experimentId}: ${e.error.message}`);
  return report.errors.length > 0 ? 1 : 0;
}
