/**
 * Keys of metrics, tags and records: how long they may be, which texts no store can keep, and how to
 * set one faithfully. Free of dependencies, so the light subpaths can use it.
 * @module
 */

/** Longest metric, tag or benchmark key accepted. */
export const MAX_KEY_LENGTH = 250;

/** Why a text with a lone surrogate is refused. */
export const LONE_SURROGATE = 'holds a lone UTF-16 surrogate, which no store can keep (it would read back as U+FFFD)';

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a text holds a UTF-16 surrogate without its pair (`'\ud800'`): not Unicode, so SQLite,
 * Postgres and UTF-8 files store U+FFFD instead.
 *
 * @param text - any text
 * @returns true when a surrogate stands alone
 */
export function hasLoneSurrogate(text: string): boolean {
  return LONE.test(text);
}

/**
 * Sets an own, enumerable property: unlike `object[key] = value`, a key `__proto__` is kept as data
 * instead of replacing the object's prototype (and vanishing).
 *
 * @param object - the object
 * @param key - any key, `__proto__` included
 * @param value - the value
 */
export function setOwn<T>(object: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
