import { sql, type Kysely } from 'kysely';
import { drawnPoints, drawsEveryPoint, emptyOutline, outlineWindow, rangeEdges } from '../../core/metric-outline.js';
import type { MetricOutline, MetricOutlineQuery } from '../../core/types.js';
import { OUTLINE_LEVEL_BITS } from '../sql/outline-blocks-migration.js';
import type { StoreTables } from '../sql/store-tables.js';
import { outlineParts, type OutlinePart } from './outline-parts.js';

/** Finite values only: in Postgres, NaN sorts above +Infinity. */
const FINITE = sql`value > '-Infinity' AND value < 'Infinity'`;

/** The parts of the outline blocks and of the points that a list of parts selects; `$series` is the series. */
function partsJoin(series: number, parts: readonly OutlinePart[], buckets: readonly number[]) {
  return sql`parts AS (SELECT * FROM unnest(${buckets}::int4[], ${parts.map((p) => p.level)}::int4[], ${parts.map((p) => p.from)}::int8[], ${parts.map((p) => p.to)}::int8[]) AS u(i, level, lo, hi)),
    blocks AS (SELECT p.i, b.* FROM parts p JOIN metric_outline_blocks b
      ON b.series_id = ${series} AND b.level = p.level AND b.block >= (p.lo >> (${OUTLINE_LEVEL_BITS} * p.level)) AND b.block < (p.hi >> (${OUTLINE_LEVEL_BITS} * p.level))
      WHERE p.level > 0),
    points AS (SELECT p.i, m.* FROM parts p JOIN metric_points m ON m.series_id = ${series} AND m.step >= p.lo AND m.step < p.hi WHERE p.level = 0)`;
}

/**
 * `getMetricOutline` in Postgres, from the outline blocks (migration `0004_outline_blocks`): the
 * window's ends from the primary key, its counts from the largest blocks that fit in it and the few
 * points at its edges, then either its finite points or, per step range, the first lowest and the
 * first highest point among the blocks and edge points the range splits into (see
 * {@link outlineParts}): a 1,000,000-point metric reads some 50,000 rows, not a million. The same
 * outline as the points alone give (ties go to the lower step, writer, then seq), in one read-only
 * snapshot.
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
    const { rows: [window] } = await sql<{ series_id: number; first_step: number | null; last_step: number | null }>`
      SELECT s.id AS series_id,
        (SELECT step FROM metric_points WHERE series_id = s.id AND step BETWEEN ${fromStep} AND ${toStep} ORDER BY step LIMIT 1) AS first_step,
        (SELECT step FROM metric_points WHERE series_id = s.id AND step BETWEEN ${fromStep} AND ${toStep} ORDER BY step DESC LIMIT 1) AS last_step
      FROM metric_series s WHERE s.experiment_id = ${id} AND s.key = ${key}`.execute(trx);
    if (window === undefined || window.first_step === null || window.last_step === null) return emptyOutline(key);
    const { series_id: seriesId, first_step: firstStep, last_step: lastStep } = window;
    const whole = outlineParts(firstStep, lastStep + 1);
    const { rows: [counts] } = await sql<{ count: number; finite: number }>`
      WITH ${partsJoin(seriesId, whole, whole.map(() => 0))}
      SELECT coalesce(sum(n), 0)::int8 AS count, coalesce(sum(finite), 0)::int8 AS finite FROM (
        SELECT count AS n, finite FROM blocks
        UNION ALL
        SELECT 1, CASE WHEN ${FINITE} THEN 1 ELSE 0 END FROM points) AS x`.execute(trx);
    const { count, finite } = counts!;
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
    const parts: OutlinePart[] = [];
    const partBuckets: number[] = [];
    for (let i = 0; i < buckets; i++) {
      for (const part of outlineParts(edges[i]!, edges[i + 1]!)) {
        parts.push(part);
        partBuckets.push(i);
      }
    }
    // Empty ranges have no candidate and drop out.
    const { rows } = await sql<{ i: number; min_step: number; min_value: number; max_step: number; max_value: number }>`
      WITH ${partsJoin(seriesId, parts, partBuckets)},
      candidates AS (
        SELECT i, min_value, min_step, writer_id AS min_writer, min_seq, max_value, max_step, writer_id AS max_writer, max_seq FROM blocks WHERE finite > 0
        UNION ALL
        SELECT i, value, step, writer_id, seq, value, step, writer_id, seq FROM points WHERE ${FINITE})
      SELECT lo.i, lo.min_step, lo.min_value, hi.max_step, hi.max_value
      FROM (SELECT DISTINCT ON (i) i, min_step, min_value FROM candidates ORDER BY i, min_value, min_step, min_writer, min_seq) lo
      JOIN (SELECT DISTINCT ON (i) i, max_step, max_value FROM candidates ORDER BY i, max_value DESC, max_step, max_writer, max_seq) hi USING (i)
      ORDER BY lo.i`.execute(trx);
    const ranges = rows.map((r) => ({ min: { step: r.min_step, value: r.min_value }, max: { step: r.max_step, value: r.max_value } }));
    return { ...outline, reduced: true, ...drawnPoints(ranges, first, last) };
  });
}
