/**
 * A small, fast, seeded pseudo-random number generator for the randomised methods of
 * `exptrack/analysis` (bootstrap, Monte Carlo permutation tests, shuffles). The generator is
 * xoshiro128** 1.1 (Blackman & Vigna), 32-bit, period 2^128 - 1, seeded through SplitMix32 so
 * that nearby seeds give unrelated streams. The same seed always gives the same sequence, on every
 * platform. Not for cryptography.
 * @module
 */
import { invalidInput } from '../../core/errors.js';

/**
 * A seeded random stream.
 *
 * @example
 * ```ts
 * import { createRandom, type SeededRandom } from 'exptrack/analysis';
 * const rng: SeededRandom = createRandom(42);
 * rng.next();     // a float in [0, 1)
 * rng.nextInt(6); // an integer in 0..5
 * ```
 */
export interface SeededRandom {
  /** A uniform float in [0, 1), with 53 random bits. */
  next(): number;
  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** A uniform integer in [0, n), without modulo bias (rejection sampling); n in 1..2^32. */
  nextInt(n: number): number;
  /**
   * Fills `out` with uniform integers in [0, n), n in 1..2^21 (Lemire's multiply-shift with
   * rejection, so without bias). The fast path of the bootstrap; consumes the same stream as
   * repeated {@link SeededRandom.nextUint32} calls.
   */
  fillInts(out: Int32Array | Uint32Array, n: number): void;
}

/**
 * Creates a seeded pseudo-random stream: xoshiro128** seeded with SplitMix32.
 *
 * Every randomised function in `exptrack/analysis` draws from this generator, so a given `seed`
 * reproduces a bootstrap interval or a Monte Carlo p-value exactly.
 *
 * Reference: Blackman, D. & Vigna, S. (2021), "Scrambled linear pseudorandom number generators",
 * ACM Trans. Math. Softw. 47(4); https://prng.di.unimi.it/xoshiro128starstar.c
 *
 * @param seed - any finite number; it is reduced to an unsigned 32-bit integer (integers 0 to
 *   2^32 - 1 give distinct streams)
 * @returns a {@link SeededRandom} stream
 * @throws ExptrackError `invalid_input` when the seed is not a finite number
 *
 * @example
 * ```ts
 * import { createRandom } from 'exptrack/analysis';
 * const rng = createRandom(42);
 * rng.nextUint32(); // 2837322924
 * rng.nextInt(10);  // 7
 * createRandom(42).nextUint32() === 2837322924; // true: same seed, same stream
 * ```
 */
export function createRandom(seed: number): SeededRandom {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw invalidInput('seed', seed, 'must be a finite number');
  let sm = Math.trunc(seed) >>> 0;
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const a = splitmix();
  const b = splitmix();
  const c = splitmix();
  const d = splitmix();
  return xoshiro128StarStar(a, b, c, d);
}

/**
 * The xoshiro128** generator from an explicit 128-bit state (four unsigned 32-bit words, not all
 * zero). Exposed so the generator can be checked against the reference implementation.
 * @internal
 */
export function xoshiro128StarStar(a: number, b: number, c: number, d: number): SeededRandom {
  let s0 = a | 0;
  let s1 = b | 0;
  let s2 = c | 0;
  let s3 = d | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const fillInts = (out: Int32Array | Uint32Array, n: number): void => {
    const threshold = (4294967296 - n) % n; // 2^32 mod n
    let a0 = s0;
    let a1 = s1;
    let a2 = s2;
    let a3 = s3;
    const len = out.length;
    for (let i = 0; i < len; i++) {
      for (;;) {
        const x = Math.imul(rotl(Math.imul(a1, 5), 7), 9) >>> 0;
        const t = a1 << 9;
        a2 ^= a0;
        a3 ^= a1;
        a1 ^= a2;
        a0 ^= a3;
        a2 ^= t;
        a3 = (a3 << 11) | (a3 >>> 21);
        const m = x * n; // exact: below 2^53
        const high = (m / 4294967296) | 0; // floor: the quotient is below 2^21
        if (m - high * 4294967296 >= threshold) {
          out[i] = high;
          break;
        }
      }
    }
    s0 = a0;
    s1 = a1;
    s2 = a2;
    s3 = a3;
  };
  return {
    fillInts,
    nextUint32,
    next(): number {
      const hi = nextUint32() >>> 5; // 27 bits
      const lo = nextUint32() >>> 6; // 26 bits
      return (hi * 67108864 + lo) / 9007199254740992;
    },
    nextInt(n: number): number {
      if (n === 1) return 0;
      const limit = 4294967296 - (4294967296 % n);
      let v = nextUint32();
      while (v >= limit) v = nextUint32();
      return v % n;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
