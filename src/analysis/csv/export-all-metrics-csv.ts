import type { ExperimentReader } from '../../core/backend.js';
import type { MetricPoint } from '../../core/types.js';
import type { ExportAllOptions } from '../export/export-all.js';
import { requireReader } from '../internal/options.js';
import { resolveFilter } from '../internal/resolve-filter.js';
import { csvText } from './csv-cell.js';
import type { MetricsCsvOptions } from './export-metrics-csv.js';
import { keysOf, LONG_COLUMNS, longCells, readLayout, readPoints, wideRows } from './metric-rows.js';

/**
 * Options of {@link exportAllMetricsCsv}: which experiments, which keys, which layout.
 *
 * @example
 * ```ts
 * const options: AllMetricsCsvOptions = { filter: 'tags.stage = "sft"', keys: ['loss'], layout: 'wide' };
 * ```
 */
export interface AllMetricsCsvOptions extends MetricsCsvOptions, ExportAllOptions {}

/**
 * Writes the metric series of every experiment of a store (or of those a filter selects) as one CSV,
 * the layouts of {@link exportMetricsCsv} with an `experiment_id` column first: `long` is
 * `experiment_id,key,step,value,timestamp,rank`, one row per point; `wide` is
 * `experiment_id,step,<key>,...`, one row per step of each experiment, a column for every key any of
 * them logged (empty where that experiment has none at that step). Experiments oldest first; one
 * without metric points has no rows.
 *
 * @param store - Any readable backend.
 * @param options - An optional filter, which keys, and the long or wide layout.
 * @returns The CSV text (just the header when no experiment has points).
 * @throws ExptrackError `parse_error` for a malformed filter; `invalid_input` for a bad option or a store that cannot be read.
 *
 * @example
 * ```ts
 * import { exportAllMetricsCsv } from 'exptrack/analysis';
 * await exportAllMetricsCsv(store, { filter: 'params.learning_rate < 1e-3' });
 * // 'experiment_id,key,step,value,timestamp,rank\r\nexp_a,loss,0,2.31,1767225600000,0\r\n...\r\nexp_b,loss,0,2.12,...'
 * await exportAllMetricsCsv(store, { layout: 'wide' });
 * // 'experiment_id,step,loss,lr\r\nexp_a,0,2.31,0.001\r\n...'
 * ```
 */
export async function exportAllMetricsCsv(store: ExperimentReader, options: AllMetricsCsvOptions = {}): Promise<string> {
  const reader = requireReader(store);
  const layout = readLayout(options.layout);
  const where = resolveFilter(options.filter);
  const experiments = await reader.getAllExperiments(where === undefined ? { sort: 'created', direction: 'asc' } : { where, sort: 'created', direction: 'asc' });
  const series: Array<[string, MetricPoint[]]> = [];
  for (const { id } of experiments) series.push([id, await readPoints(reader, id, options.keys)]);
  if (layout === 'long') {
    return csvText(['experiment_id', ...LONG_COLUMNS], series.flatMap(([id, points]) => points.map((p) => [id, ...longCells(p)])));
  }
  const keys = options.keys === undefined ? keysOf(series.flatMap(([, points]) => points)) : [...options.keys];
  return csvText(['experiment_id', 'step', ...keys], series.flatMap(([id, points]) => wideRows(points, keys).map((row) => [id, ...row])));
}
