/**
 * The JSON of the tracking server's API. Plain JSON cannot hold NaN or ±Infinity, which metric
 * values may be, nor tell `undefined` from absent: non-finite numbers travel as `{"$nf":"NaN"}`,
 * `{"$nf":"Infinity"}` and `{"$nf":"-Infinity"}`, and an object key of the data that starts with `$`
 * travels with one more `$` in front, so no data can be mistaken for a number. Used by the server
 * and by `HttpBackend` alike; it needs nothing but the JSON built-in.
 * @module
 */

const NON_FINITE = '$nf';

function encodeValue(_key: string, value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { [NON_FINITE]: String(value) };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  let escaped: Record<string, unknown> | undefined;
  for (const key in value) {
    if (key.charCodeAt(0) === 36 /* $ */) {
      escaped ??= {};
      break;
    }
  }
  if (escaped === undefined) return value;
  for (const [key, inner] of Object.entries(value)) escaped[key.charCodeAt(0) === 36 ? `$${key}` : key] = inner;
  return escaped;
}

function decodeValue(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  let dollar = false;
  for (const key in record) {
    if (key.charCodeAt(0) === 36) {
      dollar = true;
      break;
    }
  }
  if (!dollar) return value;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === NON_FINITE) {
    const text = record[NON_FINITE];
    if (text === 'NaN') return NaN;
    if (text === 'Infinity') return Infinity;
    if (text === '-Infinity') return -Infinity;
    throw new SyntaxError(`${NON_FINITE} must be "NaN", "Infinity" or "-Infinity", not ${JSON.stringify(text)?.slice(0, 40)}`);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (key.charCodeAt(0) === 36 && key.charCodeAt(1) !== 36) throw new SyntaxError(`unexpected key ${JSON.stringify(key.slice(0, 40))}: data keys starting with $ travel as $$`);
    out[key.charCodeAt(0) === 36 ? key.slice(1) : key] = record[key];
  }
  return out;
}

/**
 * Encodes a value as the server API's JSON (NaN and ±Infinity kept).
 *
 * @param value - any JSON-like value, numbers of any kind included
 * @returns the text
 * @example
 * ```ts
 * encodeWireJson({ values: [1, NaN] }); // '{"values":[1,{"$nf":"NaN"}]}'
 * ```
 */
export function encodeWireJson(value: unknown): string {
  return JSON.stringify(value, encodeValue);
}

/**
 * The inverse of {@link encodeWireJson}.
 *
 * @param text - the API's JSON
 * @returns the value, NaN and ±Infinity restored
 * @throws SyntaxError when the text is not JSON or a `$nf` marker or a `$` key is malformed
 * @example
 * ```ts
 * decodeWireJson('[{"$nf":"-Infinity"}]'); // [-Infinity]
 * ```
 */
export function decodeWireJson(text: string): unknown {
  return JSON.parse(text, decodeValue);
}
