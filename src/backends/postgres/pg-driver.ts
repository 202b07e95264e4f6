import pg from 'pg';

/**
 * The few `pg` methods exptrack calls, described locally so that users never need the driver's
 * types to compile (as kysely does with its `PostgresPool`). `pg` is an optional peer dependency:
 * only `exptrack/postgres` loads it.
 */
export interface PgQueryResult<R = Record<string, unknown>> {
  command: string;
  rowCount: number | null;
  rows: R[];
}

/** A query as `pg` takes it; a `name` makes the server keep it prepared on that connection. */
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  name?: string;
}

export interface PgPoolClient {
  query<R = Record<string, unknown>>(query: string | PgQueryConfig, values?: unknown[]): Promise<PgQueryResult<R>>;
  /** Returns the client to the pool; with an error (or true) the connection is closed instead. */
  release(destroy?: boolean | Error): void;
}

export interface PgPool {
  connect(): Promise<PgPoolClient>;
  query<R = Record<string, unknown>>(query: string | PgQueryConfig, values?: unknown[]): Promise<PgQueryResult<R>>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The connection settings exptrack hands to `pg.Pool`. */
export interface PgPoolSettings {
  connectionString: string;
  max: number;
  idleTimeoutMillis: number;
  connectionTimeoutMillis: number;
  applicationName: string;
  /** Postgres startup options, e.g. `-c search_path=runs`. */
  options: string;
  ssl?: boolean | Record<string, unknown>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Reads int8 (counts, millisecond times, steps) as a JavaScript number, for this pool only: the
 * process-wide `pg.types` are left alone, so the host's own use of `pg` is unaffected. Every value
 * exptrack stores in an int8 column is a safe integer.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if ((oid === INT8_OID || oid === NUMERIC_OID) && (format ?? 'text') === 'text') return Number;
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  },
};

/**
 * Opens a `pg.Pool` whose idle connections do not keep the process alive (`allowExitOnIdle`), so a
 * script that finished its run exits by itself. Idle connections that the server drops are
 * discarded quietly: the next query opens a new one.
 */
export function createPool(settings: PgPoolSettings): PgPool {
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.max,
    idleTimeoutMillis: settings.idleTimeoutMillis,
    connectionTimeoutMillis: settings.connectionTimeoutMillis,
    application_name: settings.applicationName,
    options: settings.options,
    allowExitOnIdle: true,
    types,
    ...(settings.ssl === undefined ? {} : { ssl: settings.ssl }),
  });
  // Without these listeners, a connection that the server or the network closes would throw an
  // uncaught exception into the host process: while idle (the pool's event) and while checked out
  // between two queries (the client's). The query in flight, if any, still fails and is retried.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool as unknown as PgPool;
}
