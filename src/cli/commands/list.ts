/**
 * `exptrack list`: the experiments of a store, newest first.
 * @module
 */
import { terminalSafe } from '../terminal-safe.js';
import { Option, type Command } from 'commander';
import type { ExperimentQuery, ExperimentSortKey, ExperimentStatus } from 'exptrack';
import { integerOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { describeStore, isPostgresUrl } from '../open-store.js';
import { formatCommit, formatDate, formatDuration, formatNumber } from '../format.js';
import { formatUsd } from '../cost-text.js';
import { keyMetrics, listedExperiment, STATUSES, statusColor } from './shared.js';

interface ListOptions {
  filter?: string;
  status?: ExperimentStatus;
  group?: string;
  limit?: number;
  all?: boolean;
  sort?: ExperimentSortKey;
  reverse?: boolean;
  archived?: boolean;
}

/** The columns `list --sort` takes (the store's sort keys). */
const SORT_KEYS: readonly ExperimentSortKey[] = ['created', 'name', 'status', 'group', 'duration', 'commit'];

/** How many experiments `list` shows without `--limit` or `--all`. */
export const DEFAULT_LIST_LIMIT = 50;

/**
 * Adds `exptrack list`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerList(program, wrap);
 * ```
 */
export function registerList(program: Command, wrap: Wrap): void {
  program
    .command('list')
    .alias('ls')
    .description('list experiments, newest first (or --sort): id, name, status, created, duration, git commit (* = dirty), key metrics')
    .option('--filter <expr>', 'only experiments this filter selects, e.g. \'params.learning_rate < 1e-3 and metrics.gsm8k.accuracy > 0.5\'')
    .addOption(new Option('--status <status>', 'only experiments with this status').choices(STATUSES))
    .option('--group <group>', 'only experiments of this group')
    .option('--limit <n>', `at most n experiments (default ${DEFAULT_LIST_LIMIT})`, integerOption(1))
    .option('--all', 'every experiment that matches (no limit)')
    .addOption(new Option('--sort <column>', 'sort by this column (created: newest first; the others ascending)').choices(SORT_KEYS).default('created'))
    .option('--reverse', 'the other direction')
    .option('--archived', 'include archived runs (tagged archived), hidden by default')
    .action(wrap(list));
}

async function list(ctx: CommandContext, options: ListOptions): Promise<void> {
  const store = await ctx.store('read');
  const query: ExperimentQuery = {};
  const { parseFilter, withoutArchived } = await import('exptrack/analysis');
  if (options.filter !== undefined) query.where = parseFilter(options.filter);
  if (!options.archived) query.where = withoutArchived(query.where);
  if (options.status !== undefined) query.status = options.status;
  if (options.group !== undefined) query.group = options.group;
  const sort = options.sort ?? 'created';
  const natural = sort === 'created' ? 'desc' : 'asc';
  const ordering: ExperimentQuery = { sort, direction: options.reverse ? (natural === 'desc' ? 'asc' : 'desc') : natural };
  if (options.all && options.limit !== undefined) throw usageError('give --limit or --all, not both');
  const limit = options.all ? undefined : (options.limit ?? DEFAULT_LIST_LIMIT);
  // One more than shown, to say whether more match.
  const found = await store.getAllExperiments({ ...query, ...ordering, ...(limit === undefined ? {} : { limit: limit + 1 }) });
  const more = limit !== undefined && found.length > limit;
  const experiments = more ? found.slice(0, limit) : found;
  const now = Date.now();
  const [metrics, { costOf }] = await Promise.all([keyMetrics(store, experiments.map((e) => e.id)), import('exptrack/analysis')]);
  const rows = experiments.map((e) => listedExperiment(e, metrics.get(e.id) ?? {}, now, costOf(e.summary)));
  if (ctx.json) {
    ctx.printJson({ experiments: rows, truncated: more });
    return;
  }
  if (rows.length === 0) {
    const hint = isPostgresUrl(ctx.db) ? ' (add ?schema=NAME to the URL to read another schema)' : '';
    const filtered = options.filter !== undefined || options.status !== undefined || options.group !== undefined;
    const archivedHint = options.archived ? '' : ' (archived runs are hidden: --archived shows them)';
    ctx.print('no experiments' + (filtered ? ' match' : ` yet in ${describeStore(ctx.db, store)}${hint}`) + (filtered ? archivedHint : ''));
    return;
  }
  const { c } = ctx;
  // GPU-hours and dollars get columns when a listed run has them.
  const withGpu = rows.some((r) => r.cost['compute/gpu_hours'] !== undefined && r.cost['compute/gpu_hours'] > 0);
  const withUsd = rows.some((r) => r.cost['cost/usd'] !== undefined);
  const table = await ctx.table(
    ['ID', 'NAME', 'STATUS', 'CREATED', 'DURATION', 'COMMIT', ...(withGpu ? ['GPU-H'] : []), ...(withUsd ? ['COST'] : []), 'METRICS'],
    rows.map((r) => [
      c.cyan(terminalSafe(r.id)),
      r.name === r.id ? '' : terminalSafe(r.name),
      statusColor(c, r.status),
      formatDate(r.createdAt),
      formatDuration(r.durationMs),
      formatCommit(r.git),
      ...(withGpu ? [formatNumber(r.cost['compute/gpu_hours'])] : []),
      ...(withUsd ? [formatUsd(r.cost['cost/usd'])] : []),
      Object.entries(r.metrics)
        .slice(0, 4)
        .map(([k, v]) => `${c.dim(terminalSafe(k) + '=')}${formatNumber(v)}`)
        .join(' '),
    ]),
    ['left', 'left', 'left', 'left', 'right', 'left', ...(withGpu ? ['right' as const] : []), ...(withUsd ? ['right' as const] : []), 'left'],
  );
  ctx.print(table);
  ctx.print(c.dim(more ? `the newest ${rows.length} shown; more match (--limit N or --all)` : `${rows.length} experiment${rows.length === 1 ? '' : 's'}`));
}
