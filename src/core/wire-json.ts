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
  // Most payloads (columns of finite numbers) need no marker: the native stringify is several times
  // faster than one with a replacer, and a walk that finds nothing to mark costs little.
  return needsMarkers(value, 0) ? JSON.stringify(value, encodeValue) : JSON.stringify(value);
}

/** Whether a value holds a non-finite number or a key starting with `$` (or is deep enough to be checked the slow way). */
function needsMarkers(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  if (depth > 100 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'number' ? !Number.isFinite(item) : item !== null && typeof item === 'object' && needsMarkers(item, depth + 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    if (key.charCodeAt(0) === 36) return true;
    if (needsMarkers((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
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
  // Every marker and escaped key has a quote followed by `$` in the text: without one, nothing to revive.
  return text.includes('"$') ? JSON.parse(text, decodeValue) : JSON.parse(text);
}
