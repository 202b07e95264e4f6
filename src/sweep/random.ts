/**
 * A small seeded pseudo-random generator for the samplers: sfc32 (Chris Doty-Humphrey's Small
 * Fast Counting generator, 128 bits of state) seeded through splitmix32. Deterministic across
 * platforms: the same seed gives the same stream.
 * @module
 */

/** Mixes a 32-bit value into a well-spread 32-bit value (the splitmix32 finaliser). */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Hashes a list of integers (a seed and stream ids) into one 32-bit seed.
 *
 * @param parts - integers; only their low 32 bits and, for large values, their high bits count
 * @returns an unsigned 32-bit integer
 */
export function hashSeed(...parts: number[]): number {
  let h = 0x243f6a88;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x100000000) >>> 0;
    h = mix32(h ^ lo);
    h = mix32(h ^ hi);
  }
  return h;
}

/**
 * A seeded generator of uniform numbers, integers, normals and picks.
 *
 * @example
 * ```ts
 * const rng = new Prng(42);
 * rng.next(); // a number in [0, 1), the same for every run with seed 42
 * ```
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed - any finite number; its integer part is used */
  constructor(seed: number) {
    let s = hashSeed(Math.trunc(seed));
    this.a = s = mix32(s);
    this.b = s = mix32(s);
    this.c = s = mix32(s);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform number in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** A standard normal draw (polar Box-Muller, no cached second value so streams stay simple). */
  normal(): number {
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
    }
  }

  /** An index drawn with probability proportional to `weights` (which need not sum to 1). */
  pick(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] as number;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    // Rounding left a sliver: return the last index with positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
    return weights.length - 1;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}
