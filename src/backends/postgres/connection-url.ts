/**
 * The `?schema=` parameter of a `postgres://` URL: exptrack's own, so it is taken out before the
 * URL reaches the driver.
 * @module
 */

/** A connection string without `schema`, and the schema it named. */
export interface SchemaFromUrl {
  connectionString: string;
  schema: string | undefined;
}

/**
 * Takes the `schema` query parameter out of a `postgres://` URL.
 *
 * @param connectionString - a `postgres://` or `postgresql://` URL (anything else is returned as is)
 * @returns the URL without the parameter, and its value
 * @example
 * ```ts
 * splitSchemaParameter('postgres://db.internal/ml?schema=runs&sslmode=require');
 * // { connectionString: 'postgres://db.internal/ml?sslmode=require', schema: 'runs' }
 * ```
 */
export function splitSchemaParameter(connectionString: string): SchemaFromUrl {
  if (!/^postgres(ql)?:\/\//i.test(connectionString) || !connectionString.includes('?')) return { connectionString, schema: undefined };
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return { connectionString, schema: undefined };
  }
  const schema = url.searchParams.get('schema');
  if (schema === null) return { connectionString, schema: undefined };
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema };
}
