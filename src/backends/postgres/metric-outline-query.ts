import { sql, type Kysely } from 'kysely';
import { drawnPoints, drawsEveryPoint, emptyOutline, outlineWindow, rangeEdges } from '../../core/metric-outline.js';
import type { MetricOutline, MetricOutlineQuery } from '../../core/types.js';
import type { StoreTables } from '../sql/store-tables.js';

/** Finite values only: in Postgres, NaN sorts above +Infinity. */
const FINITE = sql`value > '-Infinity' AND value < 'Infinity'`;

/**
 * `getMetricOutline` in Postgres: the window's counts in one pass, then either its finite points
 * or, per step range, the first lowest and the first highest point (an index range scan on the
 * primary key (series_id, step, ...) for each) and the window's first and last finite point, in one
 * read-only snapshot.
 *
 * @example
 * ```ts
 * await readMetricOutline(kysely, id, 'loss', { buckets: 1400 });
 * ```
 */
export async function readMetricOutline(kysely: Kysely<StoreTables<'native'>>, id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline> {
  const { fromStep, toStep, buckets } = outlineWindow(query);
  if (fromStep > toStep) return emptyOutline(key);
  return kysely.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(async (trx) => {
    const { rows: [counts] } = await sql<{ series_id: number | null; count: number; finite: number; first_step: number | null; last_step: number | null }>`
      SELECT min(s.id) AS series_id, count(*) AS count, count(*) FILTER (WHERE ${FINITE}) AS finite, min(p.step) AS first_step, max(p.step) AS last_step
      FROM metric_series s JOIN metric_points p ON p.series_id = s.id
      WHERE s.experiment_id = ${id} AND s.key = ${key} AND p.step BETWEEN ${fromStep} AND ${toStep}`.execute(trx);
    if (counts === undefined || counts.series_id === null || counts.first_step === null || counts.last_step === null) return emptyOutline(key);
    const { series_id: seriesId, count, finite, first_step: firstStep, last_step: lastStep } = counts;
    const outline = { key, count, nonFinite: count - finite, firstStep, lastStep };
    if (drawsEveryPoint(finite, buckets)) {
      const { rows } = await sql<{ step: number; value: number }>`
        SELECT step, value FROM metric_points
        WHERE series_id = ${seriesId} AND step BETWEEN ${fromStep} AND ${toStep} AND ${FINITE}
        ORDER BY step, writer_id, seq`.execute(trx);
      return { ...outline, reduced: false, steps: rows.map((r) => r.step), values: rows.map((r) => r.value) };
    }
    const { rows: ends } = await sql<{ step: number; value: number }>`
      (SELECT step, value FROM metric_points WHERE series_id = ${seriesId} AND step BETWEEN ${fromStep} AND ${toStep} AND ${FINITE} ORDER BY step, writer_id, seq LIMIT 1)
      UNION ALL
      (SELECT step, value FROM metric_points WHERE series_id = ${seriesId} AND step BETWEEN ${fromStep} AND ${toStep} AND ${FINITE} ORDER BY step DESC, writer_id DESC, seq DESC LIMIT 1)`.execute(trx);
    const [first, last] = ends as [{ step: number; value: number }, { step: number; value: number }];
    const edges = rangeEdges(firstStep, lastStep, buckets);
    const inRange = sql`series_id = ${seriesId} AND step >= r.start_step AND step < r.end_step AND ${FINITE}`;
    // Empty ranges drop out of the joins.
    const { rows } = await sql<{ min_step: number; min_value: number; max_step: number; max_value: number }>`
      SELECT lo.step AS min_step, lo.value AS min_value, hi.step AS max_step, hi.value AS max_value
      FROM unnest(${edges.slice(0, -1)}::int8[], ${edges.slice(1)}::int8[]) WITH ORDINALITY AS r(start_step, end_step, i)
      CROSS JOIN LATERAL (SELECT step, value FROM metric_points WHERE ${inRange} ORDER BY value, step, writer_id, seq LIMIT 1) lo
      CROSS JOIN LATERAL (SELECT step, value FROM metric_points WHERE ${inRange} ORDER BY value DESC, step, writer_id, seq LIMIT 1) hi
      ORDER BY r.i`.execute(trx);
    const ranges = rows.map((r) => ({ min: { step: r.min_step, value: r.min_value }, max: { step: r.max_step, value: r.max_value } }));
    return { ...outline, reduced: true, ...drawnPoints(ranges, first, last) };
  });
}
