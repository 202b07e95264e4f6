import { sql, type Kysely } from 'kysely';

/**
 * Step blocks of 16, 256, 4,096 and 65,536 steps (levels 1 to 4): block `b` of level `l` holds the
 * steps `b << (4 l)` up to, not including, `(b + 1) << (4 l)`.
 */
export const OUTLINE_LEVELS = 4;
export const OUTLINE_LEVEL_BITS = 4;

const FINITE = `value > '-Infinity' AND value < 'Infinity'`;
/** The first of the lowest (highest) points of a group of blocks, in the order of the store's outline: value, then step, then seq. */
const lowest = (point: string, where: string) => `(array_agg(${point} ORDER BY (${point}).value, (${point}).step, (${point}).seq) FILTER (WHERE ${where}))[1]`;
const highest = (point: string, where: string) => `(array_agg(${point} ORDER BY (${point}).value DESC, (${point}).step, (${point}).seq) FILTER (WHERE ${where}))[1]`;

/**
 * Folds the points of `source` (a table of metric_points rows) into `metric_outline_blocks`: per
 * series, writer, level and block, the count, the finite count, and the first lowest and highest
 * finite point. Level 1 is grouped from the points, each higher level from the one below, so a batch
 * costs one sort of at most 16 entries per group and level.
 */
function foldPoints(source: string): string {
  const point = 'ROW(value, step, seq)::exptrack_outline_point';
  const levels = [
    `l1 AS (SELECT series_id, writer_id, step >> ${OUTLINE_LEVEL_BITS} AS block, count(*) AS n, count(*) FILTER (WHERE ${FINITE}) AS finite,
      (array_agg(${point} ORDER BY value, step, seq) FILTER (WHERE ${FINITE}))[1] AS lo,
      (array_agg(${point} ORDER BY value DESC, step, seq) FILTER (WHERE ${FINITE}))[1] AS hi
      FROM ${source} GROUP BY series_id, writer_id, step >> ${OUTLINE_LEVEL_BITS})`,
  ];
  for (let level = 2; level <= OUTLINE_LEVELS; level++) {
    levels.push(`l${level} AS (SELECT series_id, writer_id, block >> ${OUTLINE_LEVEL_BITS} AS block, sum(n)::bigint AS n, sum(finite)::bigint AS finite,
      ${lowest('lo', 'lo IS NOT NULL')} AS lo, ${highest('hi', 'hi IS NOT NULL')} AS hi
      FROM l${level - 1} GROUP BY series_id, writer_id, block >> ${OUTLINE_LEVEL_BITS})`);
  }
  const all = Array.from({ length: OUTLINE_LEVELS }, (_, i) => `SELECT ${i + 1} AS level, * FROM l${i + 1}`).join(' UNION ALL ');
  const better = (side: 'min' | 'max') =>
    side === 'min'
      ? `EXCLUDED.min_value IS NOT NULL AND (b.min_value IS NULL OR (EXCLUDED.min_value, EXCLUDED.min_step, EXCLUDED.min_seq) < (b.min_value, b.min_step, b.min_seq))`
      : `EXCLUDED.max_value IS NOT NULL AND (b.max_value IS NULL OR EXCLUDED.max_value > b.max_value OR (EXCLUDED.max_value = b.max_value AND (EXCLUDED.max_step, EXCLUDED.max_seq) < (b.max_step, b.max_seq)))`;
  const pick = (side: 'min' | 'max', column: string) => `${side}_${column} = CASE WHEN ${better(side)} THEN EXCLUDED.${side}_${column} ELSE b.${side}_${column} END`;
  return `WITH ${levels.join(',\n')}
    INSERT INTO metric_outline_blocks AS b (series_id, writer_id, level, block, count, finite, min_value, min_step, min_seq, max_value, max_step, max_seq)
    SELECT series_id, writer_id, level, block, n, finite, (lo).value, (lo).step, (lo).seq, (hi).value, (hi).step, (hi).seq FROM (${all}) AS levels
    ORDER BY series_id, writer_id, level, block
    ON CONFLICT (series_id, writer_id, level, block) DO UPDATE SET
      count = b.count + EXCLUDED.count, finite = b.finite + EXCLUDED.finite,
      ${['value', 'step', 'seq'].map((c) => pick('min', c)).join(', ')},
      ${['value', 'step', 'seq'].map((c) => pick('max', c)).join(', ')}`;
}

/**
 * `0005_outline_blocks`, Postgres only: a multi-resolution summary of every metric that
 * `getMetricOutline` reads instead of every point (a 1,000,000-point metric in tens of milliseconds,
 * not seconds). A statement trigger on `metric_points` keeps it, so every writer (an older release's
 * too) maintains it in the same transaction as its points; the points already stored are folded in
 * here. Rows go with their series (ON DELETE CASCADE).
 */
export async function outlineBlocksMigration(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TYPE exptrack_outline_point AS (value double precision, step bigint, seq bigint)`.execute(db);
  await sql`CREATE TABLE metric_outline_blocks (
    series_id bigint NOT NULL REFERENCES metric_series (id) ON DELETE CASCADE,
    writer_id bigint NOT NULL,
    level smallint NOT NULL,
    block bigint NOT NULL,
    count bigint NOT NULL,
    finite bigint NOT NULL,
    min_value double precision, min_step bigint, min_seq bigint,
    max_value double precision, max_step bigint, max_seq bigint,
    CONSTRAINT metric_outline_blocks_pk PRIMARY KEY (series_id, level, block, writer_id)
  )`.execute(db);
  await sql
    .raw(
      `CREATE FUNCTION exptrack_fold_outline_blocks() RETURNS trigger LANGUAGE plpgsql AS $fold$
      BEGIN
        ${foldPoints('new_points')};
        RETURN NULL;
      END $fold$`,
    )
    .execute(db);
  await sql`CREATE TRIGGER metric_points_outline_blocks AFTER INSERT ON metric_points
    REFERENCING NEW TABLE AS new_points FOR EACH STATEMENT EXECUTE FUNCTION exptrack_fold_outline_blocks()`.execute(db);
  await sql.raw(foldPoints('metric_points')).execute(db);
}
