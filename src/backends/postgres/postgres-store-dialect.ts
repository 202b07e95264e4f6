import { sql, type ColumnDataType } from 'kysely';
import { castDefault } from '../sql/create-table.js';
import type { StoreDialect } from '../sql/store-dialect.js';
import type { LogicalType } from '../sql/store-schema.js';

const TYPES: Record<LogicalType, ColumnDataType> = { text: 'text', int32: 'integer', int64: 'bigint', float: 'double precision', json: 'jsonb', bool: 'boolean', id: 'bigint' };

/**
 * The Postgres store's dialect: jsonb (which `pg` returns parsed), booleans, `double precision`
 * with NaN and ±Infinity stored as themselves, identity columns, byte-order text sorting
 * (`collate "C"`, as SQLite's BINARY), the write-session ledger and the outline blocks.
 */
export const postgresStoreDialect: StoreDialect = {
  name: 'postgres',
  columnType: (type) => TYPES[type],
  autoNumbered: (column) => column.generatedAlwaysAsIdentity(),
  jsonDefault: (json) => castDefault(json, 'jsonb'),
  clustered: (table) => table,
  has: (feature) => feature === 'writeLedger' || feature === 'outlineBlocks',
  nanAsNull: false,
  readJson: <T>(stored: unknown) => stored as T,
  readBool: (stored) => stored as boolean | null,
  writeBool: (value) => value,
  byteOrder: (column) => sql.raw(`${column} collate "C"`),
  anyOf: (column, values) => sql<boolean>`${sql.ref(column)} = any(${[...values]}::text[])`,
  startsWith: (column, prefix) => sql<boolean>`starts_with(${sql.ref(column)}, ${prefix})`,
  offsetNeedsLimit: false,
};
