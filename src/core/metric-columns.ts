import type { MetricColumns, MetricPoint } from './types.js';

/**
 * Turns points into column batches, one per rank, keeping their order. For importers and tests
 * that hold points as objects.
 *
 * @example
 * ```ts
 * columnsFromPoints([{ key: 'loss', step: 0, value: 1, timestamp: 0, rank: 0 }]);
 * // [{ keys: ['loss'], steps: [0], values: [1], timestamps: [0], rank: 0 }]
 * ```
 */
export function columnsFromPoints(points: readonly MetricPoint[]): MetricColumns[] {
  const byRank = new Map<number, MetricColumns>();
  for (const p of points) {
    let columns = byRank.get(p.rank);
    if (!columns) byRank.set(p.rank, (columns = { keys: [], steps: [], values: [], timestamps: [], rank: p.rank }));
    columns.keys.push(p.key);
    columns.steps.push(p.step);
    columns.values.push(p.value);
    columns.timestamps.push(p.timestamp);
  }
  return [...byRank.values()];
}

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
