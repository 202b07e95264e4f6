/**
 * JSON cannot hold NaN or ±Infinity. Where a record of numbers is stored as JSON, non-finite
 * values are written as the strings "NaN", "Infinity" and "-Infinity" and read back as numbers.
 */
import { setOwn } from './keys.js';
export function encodeNumbers(record: Readonly<Record<string, number>>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(record)) setOwn(out, key, Number.isFinite(value) ? value : String(value));
  return out;
}

/** The inverse of {@link encodeNumbers}. */
export function decodeNumbers(record: Readonly<Record<string, unknown>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(record)) setOwn(out, key, typeof value === 'number' ? value : Number(value));
  return out;
}
