import { OUTLINE_LEVEL_BITS, OUTLINE_LEVELS } from '../sql/outline-blocks-migration.js';

/** Steps `from` up to, not including, `to`, read at `level` (0: the points; 1..4: blocks of 16^level steps, both ends aligned). */
export interface OutlinePart {
  level: number;
  from: number;
  to: number;
}

/**
 * Splits the steps `from` up to `to` into the fewest parts the outline blocks can answer: the
 * largest aligned blocks in the middle, at most 15 blocks of each smaller level on either side, and
 * at most 15 single steps at each end, read from the points.
 *
 * @example
 * ```ts
 * outlineParts(10, 300); // [{ level: 0, from: 10, to: 16 }, { level: 1, from: 256, to: 288 }, { level: 0, from: 288, to: 300 }, { level: 1, from: 16, to: 256 }]
 * ```
 */
export function outlineParts(from: number, to: number): OutlinePart[] {
  const parts: OutlinePart[] = [];
  let lo = from;
  let hi = to;
  let level = 0;
  for (; level < OUTLINE_LEVELS; level++) {
    const size = 2 ** (OUTLINE_LEVEL_BITS * (level + 1));
    const alignedLo = Math.ceil(lo / size) * size;
    const alignedHi = Math.floor(hi / size) * size;
    if (alignedLo >= alignedHi) break;
    if (lo < alignedLo) parts.push({ level, from: lo, to: alignedLo });
    if (alignedHi < hi) parts.push({ level, from: alignedHi, to: hi });
    lo = alignedLo;
    hi = alignedHi;
  }
  if (lo < hi) parts.push({ level, from: lo, to: hi });
  return parts;
}
