import { sql, type Kysely } from 'kysely';
import { ExptrackError } from '../../core/errors.js';
import { outlineOfPoints, outlineWindow } from '../../core/metric-outline.js';
import type { MetricOutline, MetricOutlineQuery } from '../../core/types.js';
import { migrationProvider } from '../sql/migrations.js';
import type { StoreTables } from '../sql/store-tables.js';
import { describe } from './pg-errors.js';
import type { PgPool } from './pg-driver.js';
import { postgresStoreDialect } from './postgres-store-dialect.js';
import { requireStore } from './require-store.js';

/** The migration that adds the outline blocks `readMetricOutline` reads. */
const OUTLINE_BLOCKS = '0005_outline_blocks';

/**
 * Checks, without writing anything, that `schema` holds an exptrack store, and lists the
 * migrations of this release that it lacks (a store an older release wrote, not opened by a
 * writer of this release since). A reader does not migrate: it reads what the store has.
 *
 * @param pool - a pool whose sessions are read-only
 * @param schema - the schema that should hold the store
 * @param migrationTable - the name of exptrack's migration table
 * @returns the names of the migrations the store lacks, oldest first; empty when up to date
 * @throws ExptrackError `not_found` when the schema holds no exptrack store
 */
export async function openForReading(pool: PgPool, schema: string, migrationTable: string): Promise<string[]> {
  await requireStore(pool, schema, migrationTable);
  const { rows } = await pool.query<{ name: string }>(`SELECT name FROM "${schema}"."${migrationTable}"`);
  const applied = new Set(rows.map((r) => r.name));
  const known = Object.keys(await migrationProvider(postgresStoreDialect).getMigrations());
  return known.filter((name) => !applied.has(name));
}

/**
 * The error of a read on a store opened for reading: a write it refused (`unsupported`, naming
 * the option), or a table or column that an older release's store lacks (`unsupported`, saying
 * how to upgrade it); undefined for any other failure.
 *
 * @param cause - what the driver threw
 * @param where - the store, as messages name it
 * @param pending - the migrations the store lacks
 */
export function readOnlyFailure(cause: unknown, where: string, pending: readonly string[]): ExptrackError | undefined {
  const { code, message } = describe(cause);
  if (code === '25006') return readOnlyError(where, cause);
  if ((code === '42P01' || code === '42703') && pending.length > 0) {
    return new ExptrackError(
      `the postgres store ${where} was written by an older exptrack release and lacks ${pending.join(', ')} (${message}); ` +
        'a reader does not upgrade a store: open it once with a writer of this release (a training run, or an exptrack command that writes, e.g. exptrack tag) to upgrade it',
      { code: 'unsupported', backend: 'postgres', cause },
    );
  }
  return undefined;
}

/** A write asked of a store opened only for reading. */
export function readOnlyError(where: string, cause?: unknown): ExptrackError {
  return new ExptrackError(`the postgres store ${where} was opened for reading only (readOnly: true): it cannot be written`, {
    code: 'unsupported',
    backend: 'postgres',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Whether outlines must be computed from the points: the store lacks the outline blocks (an older
 * release wrote it), and a reader does not build them.
 */
export function lacksOutlineBlocks(pending: readonly string[]): boolean {
  return pending.includes(OUTLINE_BLOCKS);
}

/**
 * `getMetricOutline` from the points of the window themselves, as the releases before the outline
 * blocks read it: the same outline, at the cost of reading every point of the window.
 *
 * @example
 * ```ts
 * await outlineFromPoints(kysely, id, 'loss', { buckets: 1400 });
 * ```
 */
export async function outlineFromPoints(kysely: Kysely<StoreTables<'native'>>, id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline> {
  const { fromStep, toStep } = outlineWindow(query);
  const { rows } = await sql<{ step: number; value: number | null }>`SELECT p.step, p.value FROM metric_points p
    JOIN metric_series s ON s.id = p.series_id WHERE s.experiment_id = ${id} AND s.key = ${key}
      AND p.step BETWEEN ${fromStep} AND ${toStep}
    ORDER BY p.step, p.writer_id, p.seq`.execute(kysely);
  return outlineOfPoints(key, rows.map((r) => ({ step: r.step, value: r.value ?? NaN })), query);
}
