import type { MetricColumns, MetricPoint } from './types.js';

/**
 * Turns a column batch back into point objects.
 *
 * @example
 * ```ts
 * pointsFromColumns({ keys: ['loss'], steps: [0], values: [1], timestamps: [0], rank: 0 });
 * // [{ key: 'loss', step: 0, value: 1, timestamp: 0, rank: 0 }]
 * ```
 */
export function pointsFromColumns(columns: MetricColumns): MetricPoint[] {
  return columns.keys.map((key, i) => ({ key, step: columns.steps[i]!, value: columns.values[i]!, timestamp: columns.timestamps[i]!, rank: columns.rank }));
}
