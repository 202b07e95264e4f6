/**
 * The few better-sqlite3 methods exptrack calls, described locally so that users never need the
 * driver's types to compile (as kysely does with its `SqliteDatabase`).
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  raw(toggle?: boolean): SqliteStatement;
}

export interface SqliteConnection {
  prepare(source: string): SqliteStatement;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<T extends (...args: never[]) => unknown>(fn: T): T & { immediate: T };
  close(): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
}
