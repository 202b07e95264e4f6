import { sql, type ColumnDataType } from 'kysely';
import type { StoreDialect } from '../sql/store-dialect.js';
import type { LogicalType } from '../sql/store-schema.js';
import { sqliteValues } from './sqlite-values.js';

const TYPES: Record<LogicalType, ColumnDataType> = { text: 'text', int32: 'integer', int64: 'integer', float: 'real', json: 'text', bool: 'integer', id: 'integer' };

/**
 * The SQLite store's dialect: JSON as text, booleans as 0/1, NaN as NULL (±Infinity as is),
 * `INTEGER PRIMARY KEY` rowids, and the metric points table `WITHOUT ROWID`.
 */
export const sqliteStoreDialect: StoreDialect = {
  name: 'sqlite',
  columnType: (type) => TYPES[type],
  autoNumbered: (column) => column,
  jsonDefault: (json) => json,
  clustered: (table) => table.modifyEnd(sql`without rowid`),
  has: () => false,
  ...sqliteValues,
  byteOrder: (column) => sql.raw(column),
  anyOf: (column, values) => sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`,
  startsWith: (column, prefix) => sql<boolean>`(${sql.ref(column)} >= ${prefix} and ${sql.ref(column)} < ${prefix + '\uffff'})`,
  offsetNeedsLimit: true,
};
