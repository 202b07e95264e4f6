import { drawnPoints, drawsEveryPoint, emptyOutline, outlineWindow, rangeEdges, type RangeExtremes } from '../../core/metric-outline.js';
import type { MetricOutline, MetricOutlineQuery } from '../../core/types.js';
import type { SqliteConnection } from './sqlite-driver.js';

/** Finite values only: NaN is stored as NULL, and 9e999 reads as +Infinity. */
const FINITE = 'value > -9e999 AND value < 9e999';
const IN_WINDOW = 'FROM metric_points WHERE series_id = ? AND step >= ? AND step <= ?';
const IN_RANGE = 'FROM metric_points WHERE series_id = ? AND step >= ? AND step < ?';

/**
 * `getMetricOutline` in SQLite. Returning a row costs better-sqlite3 about 1.6 µs, so the points
 * are reduced in SQL: each step range is one seek on the primary key (series_id, step, ...) and
 * one pass over its rows for the lowest value (and the counts), another for the highest; the
 * window's ends are seeks too. For min() and max(), SQLite takes the other columns (the step) from
 * the row holding the extreme, the first such row in the scan (the conformance suite pins that ties
 * go to the earliest step). min() and max() skip NULL, which is NaN; ±Infinity is rare, so only a
 * range whose lowest is -Infinity or highest +Infinity is read again without them (filtering every
 * row costs a third more). All statements read one snapshot, so the counts agree with the points
 * while a writer appends.
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
    const window = [series[0], fromStep, toStep];
    const first = db.prepare(`SELECT step ${IN_WINDOW} ORDER BY step LIMIT 1`).raw(true).get(...window) as [number] | undefined;
    if (first === undefined) return emptyOutline(key);
    const [lastStep] = db.prepare(`SELECT step ${IN_WINDOW} ORDER BY step DESC LIMIT 1`).raw(true).get(...window) as [number];
    const ends = { key, firstStep: first[0], lastStep };
    const few = db.prepare(`SELECT step, value ${IN_WINDOW} AND ${FINITE} ORDER BY step, writer_id, seq LIMIT ?`).raw(true).all(...window, 2 * buckets + 1) as [number, number][];
    if (drawsEveryPoint(few.length, buckets)) {
      const [count] = db.prepare(`SELECT count(*) ${IN_WINDOW}`).raw(true).get(...window) as [number];
      return { ...ends, count, nonFinite: count - few.length, reduced: false, steps: few.map((r) => r[0]), values: few.map((r) => r[1]) };
    }
    const edges = rangeEdges(first[0], lastStep, buckets);
    const ranges: (RangeExtremes | undefined)[] = [];
    const extremes = rangeExtremes(db);
    let count = 0;
    let nonFinite = 0;
    for (let i = 0; i < buckets; i++) {
      const range = extremes([series[0], edges[i], edges[i + 1]]);
      count += range.count;
      nonFinite += range.nonFinite;
      ranges.push(range.extremes);
    }
    const firstPoint = few[0] as [number, number];
    const lastPoint = db.prepare(`SELECT step, value ${IN_WINDOW} AND ${FINITE} ORDER BY step DESC, writer_id DESC, seq DESC LIMIT 1`).raw(true).get(...window) as [number, number];
    const drawn = drawnPoints(ranges, { step: firstPoint[0], value: firstPoint[1] }, { step: lastPoint[0], value: lastPoint[1] });
    return { ...ends, count, nonFinite, reduced: true, ...drawn };
  });
  return read();
}

/** Reads one step range `[series id, from step, before step]`: its counts and its finite extremes. */
function rangeExtremes(db: SqliteConnection): (range: unknown[]) => { count: number; nonFinite: number; extremes: RangeExtremes | undefined } {
  const lowest = db.prepare(`SELECT step, min(value), count(*), count(value) ${IN_RANGE}`).raw(true);
  const highest = db.prepare(`SELECT step, max(value) ${IN_RANGE}`).raw(true);
  const lowestFinite = db.prepare(`SELECT step, min(value), count(*) ${IN_RANGE} AND ${FINITE}`).raw(true);
  const highestFinite = db.prepare(`SELECT step, max(value) ${IN_RANGE} AND ${FINITE}`).raw(true);
  const point = (row: [number, number]) => ({ step: row[0], value: row[1] });
  return (range) => {
    const [minStep, minValue, count, notNaN] = lowest.get(...range) as [number, number, number, number];
    if (notNaN === 0) return { count, nonFinite: count, extremes: undefined };
    const max = highest.get(...range) as [number, number];
    if (minValue !== -Infinity && max[1] !== Infinity) return { count, nonFinite: count - notNaN, extremes: { min: point([minStep, minValue]), max: point(max) } };
    const [finiteMinStep, finiteMinValue, finite] = lowestFinite.get(...range) as [number, number, number];
    const extremes = finite === 0 ? undefined : { min: point([finiteMinStep, finiteMinValue]), max: point(highestFinite.get(...range) as [number, number]) };
    return { count, nonFinite: count - finite, extremes };
  };
}
