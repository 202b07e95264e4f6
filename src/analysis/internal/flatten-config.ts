import type { JsonValue } from '../../core/types.js';

/**
 * Flattens nested objects into dotted keys: `{ optimizer: { name: 'adam' } }` becomes
 * `{ 'optimizer.name': 'adam' }`. Arrays are kept whole; an empty object stays a value.
 */
export function flattenConfig(config: Readonly<Record<string, unknown>>, prefix = '', out: Record<string, JsonValue> = {}): Record<string, JsonValue> {
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
      flattenConfig(value as Record<string, unknown>, path, out);
    } else {
      out[path] = value as JsonValue;
    }
  }
  return out;
}

/** Deep equality of JSON values (NaN equals NaN). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * The flattened config keys whose values are not the same in every config (a key missing from
 * some config counts as differing), sorted.
 */
export function varyingKeys(configs: readonly Record<string, JsonValue>[]): string[] {
  const keys = new Set<string>();
  for (const config of configs) for (const key of Object.keys(config)) keys.add(key);
  const varying: string[] = [];
  for (const key of keys) {
    const first = configs[0];
    const has = first !== undefined && Object.prototype.hasOwnProperty.call(first, key);
    const differs = configs.some((c) => Object.prototype.hasOwnProperty.call(c, key) !== has || (has && !sameJson(c[key], first?.[key])));
    if (differs) varying.push(key);
  }
  return varying.sort();
}
