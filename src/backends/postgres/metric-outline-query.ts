import { sql, type Kysely } from 'kysely';
import { drawnPoints, drawsEveryPoint, emptyOutline, outlineWindow, rangeEdges } from '../../core/metric-outline.js';
import type { MetricOutline, MetricOutlineQuery } from '../../core/types.js';
import { OUTLINE_LEVEL_BITS } from '../sql/outline-blocks-migration.js';
import type { StoreTables } from '../sql/store-tables.js';
import { outlineParts, type OutlinePart } from './outline-parts.js';

/** Finite values only: in Postgres, NaN sorts above +Infinity. */
const FINITE = sql`value > '-Infinity' AND value < 'Infinity'`;

/** The parts, as a table `parts(i, level, lo, hi, split, j)`: rows below `split` belong to step range `i`, the others to `j`. */
function partsTable(parts: ReadonlyArray<OutlinePart & { i: number; split?: number; j?: number }>) {
  return sql`parts AS (SELECT * FROM unnest(${parts.map((p) => p.i)}::int4[], ${parts.map((p) => p.level)}::int4[], ${parts.map((p) => p.from)}::int8[], ${parts.map((p) => p.to)}::int8[],
    ${parts.map((p) => p.split ?? p.to)}::int8[], ${parts.map((p) => p.j ?? p.i)}::int4[]) AS u(i, level, lo, hi, split, j))`;
}

/**
 * The rows of part `p`: its blocks, or its points. Every use is a LATERAL subquery with a LIMIT or
 * an aggregate, which the planner cannot flatten into a join: each part is one index range scan
 * (as a join, the planner may scan the whole series once per part, which took minutes).
 */
const inBlocks = (series: number) =>
  sql`series_id = ${series} AND level = p.level AND block >= (p.lo >> (${sql.lit(OUTLINE_LEVEL_BITS)} * p.level)) AND block < (p.hi >> (${sql.lit(OUTLINE_LEVEL_BITS)} * p.level))`;
const inPoints = (series: number) => sql`series_id = ${series} AND step >= p.lo AND step < p.hi`;
/** A limit no part reaches: it keeps a LATERAL subquery a subquery (one index range scan per part). */
const NOT_FLATTENED = sql.raw(`LIMIT ${Number.MAX_SAFE_INTEGER}`);

/**
 * `getMetricOutline` in Postgres, from the outline blocks (migration `0005_outline_blocks`): the
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
    // Thousands of small index scans look expensive to the planner, whose JIT compilation then costs
    // more (about 250 ms) than the whole query. Just after a bulk write, the table's statistics still
    // say it is nearly empty, and the planner reads a whole series through a bitmap scan and sorts it
    // to find its first point (1.3 to 2.4 s for 1,000,000 points, against 1 ms in the index's order).
    // The candidates' sorts (some 45,000 rows) fit in memory instead of spilling to disk.
    // One round trip: set_config(…, true) is SET LOCAL.
    await sql`SELECT set_config('jit', 'off', true), set_config('enable_bitmapscan', 'off', true),
      set_config('enable_seqscan', 'off', true), set_config('work_mem', '32MB', true)`.execute(trx);
    const { rows: [window] } = await sql<{ series_id: number; first_step: number | null; last_step: number | null }>`
      SELECT s.id AS series_id,
        (SELECT step FROM metric_points WHERE series_id = s.id AND step BETWEEN ${fromStep} AND ${toStep} ORDER BY step LIMIT 1) AS first_step,
        (SELECT step FROM metric_points WHERE series_id = s.id AND step BETWEEN ${fromStep} AND ${toStep} ORDER BY step DESC LIMIT 1) AS last_step
      FROM metric_series s WHERE s.experiment_id = ${id} AND s.key = ${key}`.execute(trx);
    if (window === undefined || window.first_step === null || window.last_step === null) return emptyOutline(key);
    const { series_id: seriesId, first_step: firstStep, last_step: lastStep } = window;
    const whole = outlineParts(firstStep, lastStep + 1);
    const { rows: [counts] } = await sql<{ count: number; finite: number }>`
      WITH ${partsTable(whole.map((part) => ({ ...part, i: 0 })))}
      SELECT coalesce(sum(c.n), 0)::int8 AS count, coalesce(sum(c.finite), 0)::int8 AS finite FROM parts p CROSS JOIN LATERAL (
        SELECT sum(count) AS n, sum(finite) AS finite FROM metric_outline_blocks WHERE p.level > 0 AND ${inBlocks(seriesId)}
        UNION ALL
        SELECT count(*), count(*) FILTER (WHERE ${FINITE}) FROM metric_points WHERE p.level = 0 AND ${inPoints(seriesId)}) AS c`.execute(trx);
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
    // The parts either side of a range edge at one level are one scan; its rows go to the range
    // before the edge (`i`) or after it (`j`).
    const parts: Array<OutlinePart & { i: number; split: number; j: number }> = [];
    let endsAtEdge: (typeof parts)[number] | undefined;
    for (let i = 0; i < buckets; i++) {
      let next: typeof endsAtEdge;
      for (const part of outlineParts(edges[i]!, edges[i + 1]!)) {
        const before = endsAtEdge;
        let entry: (typeof parts)[number];
        if (before && before.i === before.j && before.level === part.level && before.to === part.from) {
          Object.assign(before, { to: part.to, split: part.from, j: i });
          entry = before;
        } else parts.push((entry = { ...part, i, split: part.to, j: i }));
        if (part.to === edges[i + 1]) next = entry;
      }
      endsAtEdge = next;
    }
    // Empty ranges have no candidate and drop out.
    const { rows } = await sql<{ i: number; min_step: number; min_value: number; max_step: number; max_value: number }>`
      WITH ${partsTable(parts)},
      candidates AS (
        SELECT CASE WHEN (b.block << (${sql.lit(OUTLINE_LEVEL_BITS)} * p.level)) < p.split THEN p.i ELSE p.j END AS i, b.min_value AS lo_value, b.min_step AS lo_step, b.writer_id AS lo_writer, b.min_seq AS lo_seq,
          b.max_value AS hi_value, b.max_step AS hi_step, b.writer_id AS hi_writer, b.max_seq AS hi_seq
        FROM parts p CROSS JOIN LATERAL (SELECT * FROM metric_outline_blocks WHERE p.level > 0 AND ${inBlocks(seriesId)} AND finite > 0 ${NOT_FLATTENED}) b
        UNION ALL
        SELECT CASE WHEN m.step < p.split THEN p.i ELSE p.j END, m.value, m.step, m.writer_id, m.seq, m.value, m.step, m.writer_id, m.seq
        FROM parts p CROSS JOIN LATERAL (SELECT * FROM metric_points WHERE p.level = 0 AND ${inPoints(seriesId)} AND ${FINITE} ${NOT_FLATTENED}) m)
      SELECT lo.i, lo.lo_step AS min_step, lo.lo_value AS min_value, hi.hi_step AS max_step, hi.hi_value AS max_value
      FROM (SELECT DISTINCT ON (i) i, lo_step, lo_value FROM candidates ORDER BY i, lo_value, lo_step, lo_writer, lo_seq) lo
      JOIN (SELECT DISTINCT ON (i) i, hi_step, hi_value FROM candidates ORDER BY i, hi_value DESC, hi_step, hi_writer, hi_seq) hi USING (i)
      ORDER BY lo.i`.execute(trx);
    const ranges = rows.map((r) => ({ min: { step: r.min_step, value: r.min_value }, max: { step: r.max_step, value: r.max_value } }));
    return { ...outline, reduced: true, ...drawnPoints(ranges, first, last) };
  });
}
