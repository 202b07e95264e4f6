import { sql, type AliasedRawBuilder, type RawBuilder } from 'kysely';
import type { ExperimentSelection, MetricSelector, MetricValue } from '../../core/backend.js';
import { summaryValueOf } from '../../core/metric-selector.js';
import type { SqlFilterDialect } from './compile-filter.js';
import { selectionCondition } from './selection.js';

interface MetricValueRow {
  id: string;
  created_at: number;
  group_name: string | null;
  /** A training metric's value (NULL for NaN), or an evaluation metric as JSON (text in SQLite). */
  value: unknown;
}

/**
 * `getMetricValues` of a SQL store: one query over the selected runs (unsorted: sorting costs more
 * than ranking the values afterwards), and the rows
 * turned into values. An evaluation metric is read from the benchmark's latest evaluation (no later
 * one of the same benchmark exists), a training metric from its series' summary.
 *
 * @example
 * ```ts
 * const values = await readMetricValues({ benchmark: 'gsm8k', metric: 'accuracy' }, {}, 'sqlite', experimentsAsRead(undefined), (query) => query.execute(kysely));
 * ```
 */
export async function readMetricValues(
  metric: MetricSelector,
  selection: ExperimentSelection,
  dialect: SqlFilterDialect,
  experiments: AliasedRawBuilder<unknown, 'e'>,
  execute: (query: RawBuilder<MetricValueRow>) => Promise<{ rows: MetricValueRow[] }>,
): Promise<MetricValue[]> {
  const where = selectionCondition(selection, dialect);
  if (metric.benchmark === undefined) {
    const column = sql.ref(`s.${summaryValueOf(metric)}_value`);
    const { rows } = await execute(sql<MetricValueRow>`select e.id, e.created_at, e.group_name, ${column} as value
      from ${experiments} join metric_series s on s.experiment_id = e.id and s.key = ${metric.metric}
      where s.count > 0 and ${where}`);
    return rows.map((r) => toMetricValue(r, r.value === null ? NaN : (r.value as number)));
  }
  // SQLite's `->` gives the metric as JSON text (SQL NULL without the key); Postgres' gives jsonb,
  // whose null would look like a missing key, hence the `?` test there.
  const value = dialect === 'postgres' ? sql`ev.metrics -> ${metric.metric}` : sql`ev.metrics -> ${`$.${JSON.stringify(metric.metric)}`}`;
  const hasKey = dialect === 'postgres' ? sql`ev.metrics ? ${metric.metric}` : sql`1 = 1`;
  const { rows } = await execute(sql<MetricValueRow>`select e.id, e.created_at, e.group_name, ${value} as value
    from ${experiments} join evaluations ev on ev.experiment_id = e.id and ev.benchmark = ${metric.benchmark}
    where not exists (select 1 from evaluations x where x.experiment_id = e.id and x.benchmark = ev.benchmark and x.id > ev.id)
      and ${hasKey} and ${where}`);
  return rows.flatMap((r) => {
    if (dialect === 'sqlite' && r.value === null) return [];
    const number = evaluationMetricValue(dialect === 'sqlite' ? JSON.parse(r.value as string) : r.value);
    return number === undefined ? [] : [toMetricValue(r, number)];
  });
}

function toMetricValue(row: MetricValueRow, value: number): MetricValue {
  return { experimentId: row.id, createdAt: row.created_at, group: row.group_name, value };
}

/**
 * An evaluation metric as the stored JSON holds it: numbers as they are, the strings "NaN",
 * "Infinity" and "-Infinity" (and null) as the numbers they stand for; undefined for anything else.
 *
 * @example
 * ```ts
 * evaluationMetricValue('Infinity'); // Infinity
 * evaluationMetricValue(null); // NaN
 * ```
 */
export function evaluationMetricValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === null) return NaN;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  return undefined;
}
