import type { ExperimentReader } from '../../core/backend.js';
import type { FilterExpression } from '../../core/filter.js';
import { requireReader } from '../internal/options.js';
import { resolveFilter } from '../internal/resolve-filter.js';
import { exportOne, wrap } from './export-experiment.js';
import type { ExptrackExport } from './export-format.js';

/**
 * Options of {@link exportAll}.
 *
 * @example
 * ```ts
 * const options: ExportAllOptions = { filter: 'tags.stage = "sft"' };
 * ```
 */
export interface ExportAllOptions {
  /** Export only the runs this filter selects (text or a parsed filter). */
  filter?: string | FilterExpression;
}

/**
 * Exports every experiment of a store (or those a filter selects), oldest first, in the format of
 * {@link exportExperiment}.
 *
 * @param store - Any readable backend.
 * @param options - An optional filter.
 * @returns An export with `schemaVersion` 1.
 * @throws ExptrackError `parse_error` for a malformed filter; `invalid_input` when the store cannot be read.
 *
 * @example
 * ```ts
 * import { exportAll, importExperiments } from 'exptrack/analysis';
 * import { MemoryBackend } from 'exptrack/memory';
 * const copy = new MemoryBackend();
 * await importExperiments(copy, await exportAll(store));
 * ```
 */
export async function exportAll(store: ExperimentReader, options: ExportAllOptions = {}): Promise<ExptrackExport> {
  const reader = requireReader(store);
  const where = resolveFilter(options.filter);
  const experiments = await reader.getAllExperiments(where === undefined ? { sort: 'created', direction: 'asc' } : { where, sort: 'created', direction: 'asc' });
  const exported = [];
  for (const experiment of experiments) exported.push(await exportOne(reader, experiment));
  return wrap(exported);
}
