import type { ExperimentReader } from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import { requireReader } from '../internal/options.js';
import { csvText } from './csv-cell.js';
import { keysOf, LONG_COLUMNS, longCells, readLayout, readPoints, wideRows } from './metric-rows.js';

/**
 * Options of {@link exportMetricsCsv}.
 *
 * @example
 * ```ts
 * const options: MetricsCsvOptions = { keys: ['loss', 'val_loss'], layout: 'wide' };
 * ```
 */
export interface MetricsCsvOptions {
  /** Only these metric keys; all by default. */
  keys?: readonly string[];
  /**
   * `long`: one row per point, `key,step,value,timestamp,rank`. `wide`: one row per step, a column
   * per key, holding the value logged last at that step (empty where the key has none).
   * @defaultValue `'long'`
   */
  layout?: 'long' | 'wide';
}

/**
 * Writes the metric series of one experiment as CSV (RFC 4180, CRLF line ends, a header row), for a
 * spreadsheet or a plotting tool. NaN and ±Infinity are written `NaN`, `Infinity`, `-Infinity`;
 * `timestamp` is milliseconds since the epoch.
 *
 * @param store - Any readable backend.
 * @param id - The experiment's id.
 * @param options - Which keys, and the long or wide layout.
 * @returns The CSV text.
 * @throws ExptrackError `not_found` naming the id when no experiment has it; `invalid_input` for a bad option.
 *
 * @example
 * ```ts
 * import { exportMetricsCsv } from 'exptrack/analysis';
 * await exportMetricsCsv(store, id);
 * // 'key,step,value,timestamp,rank\r\nloss,0,2.31,1767225600000,0\r\nloss,1,NaN,1767225600100,0\r\n...'
 * await exportMetricsCsv(store, id, { layout: 'wide' });
 * // 'step,loss,lr\r\n0,2.31,0.001\r\n1,NaN,0.001\r\n...'
 * ```
 */
export async function exportMetricsCsv(store: ExperimentReader, id: string, options: MetricsCsvOptions = {}): Promise<string> {
  const reader = requireReader(store);
  const layout = readLayout(options.layout);
  if ((await reader.getExperiment(id)) === undefined) throw new ExptrackError(`no experiment with id ${JSON.stringify(id)}`, { code: 'not_found', field: 'id', value: id });
  const points = await readPoints(reader, id, options.keys);
  if (layout === 'long') return csvText(LONG_COLUMNS, points.map(longCells));
  const keys = options.keys === undefined ? keysOf(points) : [...options.keys];
  return csvText(['step', ...keys], wideRows(points, keys));
}
