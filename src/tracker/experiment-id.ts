/**
 * A new experiment id, `exp_YYYYMMDD_HHMMSS_xxxxxx` (UTC time, then 24 random bits): ids sort by
 * start time and two processes starting in the same second still differ.
 *
 * @example
 * ```ts
 * newExperimentId(new Date('2025-01-23T14:30:22Z')); // 'exp_20250123_143022_a1b2c3'
 * ```
 */
export function newExperimentId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2025-01-23T14:30:22.123Z
  const date = iso.slice(0, 10).replaceAll('-', '');
  const time = iso.slice(11, 19).replaceAll(':', '');
  const random = globalThis.crypto.getRandomValues(new Uint8Array(3));
  return `exp_${date}_${time}_${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
