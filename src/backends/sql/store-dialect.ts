import type { ColumnDataType, ColumnDefinitionBuilder, CreateTableBuilder, Expression, RawBuilder } from 'kysely';
import type { DialectFeature, LogicalType } from './store-schema.js';

/**
 * How a dialect stores what SQL has no common type for. Apart from {@link StoreDialect} because the
 * SQLite write thread needs only this, and must not load Kysely to start.
 */
export interface StoreValues {
  /** NaN is stored as NULL (SQLite's REAL has no NaN), so `float` columns stay nullable. */
  readonly nanAsNull: boolean;
  /** A stored JSON column, parsed (SQLite returns the text; pg parses jsonb itself). */
  readJson<T>(stored: unknown): T;
  /** A stored boolean (SQLite 0/1). */
  readBool(stored: unknown): boolean | null;
  /** A boolean as the dialect stores it. */
  writeBool(value: boolean | null): number | boolean | null;
}

/**
 * What differs between the SQL stores, asked by name (as kysely's `DialectAdapter` answers
 * `supportsReturning`) instead of `dialect === 'postgres'` checks spread through the code. One small
 * object per dialect: `sqliteStoreDialect` and `postgresStoreDialect`. Everything else about the
 * stores (schema, migrations, row mapping, event dispatch, queries) is written once against this.
 */
export interface StoreDialect extends StoreValues {
  /** The dialect's name, as the filter compiler and error messages know it. */
  readonly name: 'sqlite' | 'postgres';

  // ----- schema -----
  /** The database type of a logical column type. */
  columnType(type: LogicalType): ColumnDataType;
  /** Makes an `id` column number itself (`INTEGER PRIMARY KEY` is the rowid in SQLite, an identity in Postgres). */
  autoNumbered(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** A column default of a JSON document (`'{}'` text, or `'{}'::jsonb`). */
  jsonDefault(json: string): string | Expression<unknown>;
  /** Stores a table in primary key order, where the dialect can (SQLite `WITHOUT ROWID`). */
  clustered(table: CreateTableBuilder<string, string>): CreateTableBuilder<string, string>;
  /** Whether the dialect stores the tables and columns of this feature. */
  has(feature: DialectFeature): boolean;

  // ----- queries -----
  /** A text column in byte order (`collate "C"` in Postgres; SQLite's BINARY is the default). */
  byteOrder(column: string): RawBuilder<unknown>;
  /** `column` is one of `values`, with the list bound as one parameter (SQLite refuses more than 32,766). */
  anyOf(column: string, values: readonly string[]): RawBuilder<boolean>;
  /** `column` starts with `prefix`, as a condition an index on the column serves. */
  startsWith(column: string, prefix: string): RawBuilder<boolean>;
  /** OFFSET needs a LIMIT before it (SQLite's grammar); `LIMIT -1` is no limit there. */
  readonly offsetNeedsLimit: boolean;
}
