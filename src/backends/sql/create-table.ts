import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { StoreDialect } from './store-dialect.js';
import type { ColumnSpec, TableSpec } from './store-schema.js';

/**
 * Creates a declared table with its keys and indexes, in the dialect's types. What a migration
 * runs: `up: (db) => createTables(db, dialect, [newTable])`.
 */
export async function createTables(db: Kysely<unknown>, dialect: StoreDialect, tables: readonly TableSpec[]): Promise<void> {
  for (const table of tables) {
    if (table.feature && !dialect.has(table.feature)) continue;
    let builder: CreateTableBuilder<string, string> = db.schema.createTable(table.name);
    for (const column of table.columns) {
      if (column.feature && !dialect.has(column.feature)) continue;
      builder = builder.addColumn(column.name, dialect.columnType(column.type), (c) => {
        if (column.primaryKey) c = c.primaryKey();
        if (column.type === 'id') c = dialect.autoNumbered(c);
        if (column.notNull && !(column.type === 'float' && dialect.nanAsNull)) c = c.notNull();
        if (column.references) c = c.references(column.references).onDelete('cascade');
        if (column.default !== undefined) c = c.defaultTo(defaultOf(column, dialect));
        return c;
      });
    }
    for (const unique of table.unique ?? []) {
      if (!unique.feature || dialect.has(unique.feature)) builder = builder.addUniqueConstraint(unique.name, [...unique.columns]);
    }
    if (table.primaryKey) builder = builder.addPrimaryKeyConstraint(table.primaryKey.name, [...table.primaryKey.columns]);
    if (table.clustered) builder = dialect.clustered(builder);
    await builder.execute();
    for (const index of table.indexes ?? []) {
      if (!index.feature || dialect.has(index.feature)) await db.schema.createIndex(index.name).on(table.name).columns([...index.columns]).execute();
    }
  }
}

function defaultOf(column: ColumnSpec, dialect: StoreDialect): unknown {
  return column.type === 'json' ? dialect.jsonDefault(String(column.default)) : column.default;
}

/** Raw SQL of a default, for dialects that need a cast. */
export const castDefault = (text: string, type: string) => sql.raw(`'${text.replaceAll("'", "''")}'::${type}`);
