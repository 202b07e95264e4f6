import { drawnPoints, drawsEveryPoint, emptyOutline, outlineWindow, rangeEdges, type RangeExtremes } from '../../core/metric-outline.js';
import type { MetricOutline, MetricOutlineQuery } from '../../core/types.js';
import type { SqliteConnection } from './sqlite-driver.js';

/** Finite values only: NaN is stored as NULL, and 9e999 reads as +Infinity. */
const FINITE = 'value > -9e999 AND value < 9e999';
const IN_RANGE = 'FROM metric_points WHERE series_id = ? AND step >= ? AND step <= ?';
const IN_BUCKET = 'FROM metric_points WHERE series_id = ? AND step >= ? AND step < ?';

/**
 * `getMetricOutline` in SQLite. Returning a row costs better-sqlite3 about 1.6 µs, so the points
 * are reduced in SQL: each step range is one seek on the primary key (series_id, step, ...) and
 * one pass over its rows for the lowest value, another for the highest; the window's ends are
 * seeks too. For min() and max(),
 * SQLite takes the other columns (the step) from the row holding the extreme, the first such row
 * in the scan (the conformance suite pins that ties go to the earliest step). All statements read
 * one snapshot, so the counts agree with the points while a writer appends.
 *
 * @example
 * ```ts
 * readMetricOutline(db, id, 'loss', { buckets: 1400 }); // 1,000,000 points in about 0.3 s
 * ```
 */
export function readMetricOutline(db: SqliteConnection, id: string, key: string, query: MetricOutlineQuery): MetricOutline {
  const { fromStep, toStep, buckets } = outlineWindow(query);
  const read = db.transaction((): MetricOutline => {
    const series = db.prepare('SELECT id FROM metric_series WHERE experiment_id = ? AND key = ?').raw(true).get(id, key) as [number] | undefined;
    if (series === undefined || fromStep > toStep) return emptyOutline(key);
    const range = [series[0], fromStep, toStep];
    const [count] = db.prepare(`SELECT count(*) ${IN_RANGE}`).raw(true).get(...range) as [number];
    if (count === 0) return emptyOutline(key);
    const [firstStep] = db.prepare(`SELECT step ${IN_RANGE} ORDER BY step LIMIT 1`).raw(true).get(...range) as [number];
    const [lastStep] = db.prepare(`SELECT step ${IN_RANGE} ORDER BY step DESC LIMIT 1`).raw(true).get(...range) as [number];
    const limit = 2 * buckets + 1;
    const few = db.prepare(`SELECT step, value ${IN_RANGE} AND ${FINITE} ORDER BY step, writer_id, seq LIMIT ?`).raw(true).all(...range, limit) as [number, number][];
    if (drawsEveryPoint(few.length, buckets)) {
      return { key, count, nonFinite: count - few.length, firstStep, lastStep, reduced: false, steps: few.map((r) => r[0]), values: few.map((r) => r[1]) };
    }
    const lowest = db.prepare(`SELECT step, min(value), count(*) ${IN_BUCKET} AND ${FINITE}`).raw(true);
    const highest = db.prepare(`SELECT step, max(value) ${IN_BUCKET} AND ${FINITE}`).raw(true);
    const edges = rangeEdges(firstStep, lastStep, buckets);
    const ranges: (RangeExtremes | undefined)[] = [];
    let finite = 0;
    for (let i = 0; i < buckets; i++) {
      const bucket = [series[0], edges[i], edges[i + 1]];
      const [minStep, minValue, n] = lowest.get(...bucket) as [number, number, number];
      finite += n;
      if (n === 0) {
        ranges.push(undefined);
        continue;
      }
      const [maxStep, maxValue] = highest.get(...bucket) as [number, number];
      ranges.push({ min: { step: minStep, value: minValue }, max: { step: maxStep, value: maxValue } });
    }
    const first = few[0] as [number, number];
    const last = db.prepare(`SELECT step, value ${IN_RANGE} AND ${FINITE} ORDER BY step DESC, writer_id DESC, seq DESC LIMIT 1`).raw(true).get(...range) as [number, number];
    const drawn = drawnPoints(ranges, { step: first[0], value: first[1] }, { step: last[0], value: last[1] });
    return { key, count, nonFinite: count - finite, firstStep, lastStep, reduced: true, ...drawn };
  });
  return read();
}
