import type { ExperimentReader } from '../../core/backend.js';
import { invalidInput } from '../../core/errors.js';
import type { MetricPoint } from '../../core/types.js';

/** The columns of a point in the long layout. */
export const LONG_COLUMNS = ['key', 'step', 'value', 'timestamp', 'rank'] as const;

/** A metrics CSV layout, checked: `long` by default. */
export function readLayout(layout: unknown): 'long' | 'wide' {
  if (layout === undefined) return 'long';
  if (layout !== 'long' && layout !== 'wide') throw invalidInput('layout', layout, "must be 'long' or 'wide'");
  return layout;
}

/** An experiment's points, all of them or those of `keys`, ordered by key, step, then logging order. */
export async function readPoints(reader: ExperimentReader, id: string, keys: readonly string[] | undefined): Promise<MetricPoint[]> {
  if (keys === undefined) return reader.getMetrics(id);
  return (await Promise.all(keys.map((key) => reader.getMetrics(id, key)))).flat();
}

/** A point's cells in the long layout. */
export function longCells(p: MetricPoint): unknown[] {
  return [p.key, p.step, p.value, p.timestamp, p.rank];
}

/** The keys of points in first-seen order. */
export function keysOf(points: readonly MetricPoint[]): string[] {
  return [...new Set(points.map((p) => p.key))];
}

/** One row per step in increasing order: the step, then the value logged last at that step for each key (undefined where it has none). */
export function wideRows(points: readonly MetricPoint[], keys: readonly string[]): unknown[][] {
  const steps = new Map<number, Map<string, number>>();
  for (const p of points) {
    let row = steps.get(p.step);
    if (row === undefined) steps.set(p.step, (row = new Map()));
    row.set(p.key, p.value);
  }
  return [...steps.keys()].sort((a, b) => a - b).map((step) => [step, ...keys.map((k) => steps.get(step)?.get(k))]);
}
