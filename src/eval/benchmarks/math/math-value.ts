/**
 * Evaluating a parsed MATH answer to a number the way sympy would compare it: exact rationals
 * (BigInt) while only integers, fractions and rational powers with exact roots occur; IEEE doubles
 * once a decimal (a sympy `Float`) takes part, as sympy's 53-bit `Float` arithmetic does; and a
 * double with a tolerance for irrational values (`\sqrt{2}`, `\pi`). Letters take fixed dyadic values
 * (exact in binary), so comparing at several of them decides identities of one-variable expressions.
 */
import type { MathNode } from './latex-parse.js';

/** A rational number n/d in lowest terms with d > 0. */
export interface Rat {
  n: bigint;
  d: bigint;
}

/** The value of an expression: exact, a sympy-like float, or an irrational approximation. */
export type MathValue = { tag: 'exact'; r: Rat } | { tag: 'float'; x: number } | { tag: 'approx'; x: number };

/** Thrown where an expression has no real value to compare (division by zero, complex roots, sets). */
export class NotComparable extends Error {}

const MAX_BITS = 4096n;

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * A normalised rational.
 *
 * @param n - numerator
 * @param d - denominator (non-zero)
 * @returns n/d in lowest terms
 * @throws NotComparable when d is 0
 */
export function rat(n: bigint, d = 1n): Rat {
  if (d === 0n) throw new NotComparable('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

function bits(x: bigint): bigint {
  return BigInt((x < 0n ? -x : x).toString(2).length);
}

function toNumber(v: MathValue): number {
  return v.tag === 'exact' ? ratToNumber(v.r) : v.x;
}

/**
 * A rational as the nearest double.
 *
 * @param r - the rational
 * @returns the double
 */
export function ratToNumber(r: Rat): number {
  const n = Number(r.n);
  const d = Number(r.d);
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  const shift = bits(r.n) - bits(r.d);
  const scale = shift > 60n ? shift - 60n : 0n;
  return (Number(r.n / 2n ** scale) / Number(r.d)) * 2 ** Number(scale);
}

function exact(r: Rat): MathValue {
  if (bits(r.n) > MAX_BITS || bits(r.d) > MAX_BITS) return { tag: 'approx', x: ratToNumber(r) };
  return { tag: 'exact', r };
}

function combine(a: MathValue, b: MathValue, exactOp: (x: Rat, y: Rat) => Rat, numOp: (x: number, y: number) => number): MathValue {
  if (a.tag === 'exact' && b.tag === 'exact') return exact(exactOp(a.r, b.r));
  const x = numOp(toNumber(a), toNumber(b));
  return { tag: a.tag === 'approx' || b.tag === 'approx' ? 'approx' : 'float', x };
}

/** a + b */
export function addV(a: MathValue, b: MathValue): MathValue {
  return combine(a, b, (x, y) => rat(x.n * y.d + y.n * x.d, x.d * y.d), (x, y) => x + y);
}

/** a * b */
export function mulV(a: MathValue, b: MathValue): MathValue {
  return combine(a, b, (x, y) => rat(x.n * y.n, x.d * y.d), (x, y) => x * y);
}

/** -a */
export function negV(a: MathValue): MathValue {
  return a.tag === 'exact' ? { tag: 'exact', r: { n: -a.r.n, d: a.r.d } } : { tag: a.tag, x: -a.x };
}

/** a / b */
export function divV(a: MathValue, b: MathValue): MathValue {
  if (b.tag === 'exact' && b.r.n === 0n) throw new NotComparable('division by zero');
  return combine(a, b, (x, y) => rat(x.n * y.d, x.d * y.n), (x, y) => x / y);
}

function intRoot(x: bigint, k: bigint): bigint | null {
  if (x < 0n) return null;
  if (x < 2n) return x;
  let lo = 0n;
  let hi = 1n << (bits(x) / k + 1n);
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (mid ** k <= x) lo = mid;
    else hi = mid - 1n;
  }
  return lo ** k === x ? lo : null;
}

/** a ^ b, exact where the result is rational. */
export function powV(a: MathValue, b: MathValue): MathValue {
  if (a.tag === 'exact' && b.tag === 'exact') {
    const { n: p, d: q } = b.r;
    if (a.r.n === 0n && p < 0n) throw new NotComparable('division by zero');
    if (q === 1n && (p < 0n ? -p : p) * (bits(a.r.n) + bits(a.r.d)) <= MAX_BITS) {
      const e = p < 0n ? -p : p;
      const r = rat(a.r.n ** e, a.r.d ** e);
      return exact(p < 0n ? rat(r.d, r.n) : r);
    }
    if (q > 1n && q <= 64n) {
      if (a.r.n < 0n) throw new NotComparable('complex root');
      const rn = intRoot(a.r.n, q);
      const rd = intRoot(a.r.d, q);
      if (rn !== null && rd !== null) return powV({ tag: 'exact', r: rat(rn, rd) }, { tag: 'exact', r: rat(p) });
    }
    if (a.r.n < 0n) throw new NotComparable('complex power');
    return { tag: 'approx', x: Math.pow(ratToNumber(a.r), ratToNumber(b.r)) };
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (x < 0 && !Number.isInteger(y)) throw new NotComparable('complex power');
  return { tag: a.tag === 'approx' || b.tag === 'approx' ? 'approx' : 'float', x: Math.pow(x, y) };
}

function binomialV(n: MathValue, k: MathValue): MathValue {
  if (n.tag !== 'exact' || k.tag !== 'exact' || n.r.d !== 1n || k.r.d !== 1n || n.r.n < 0n || n.r.n > 10000n) throw new NotComparable('binomial');
  if (k.r.n < 0n || k.r.n > n.r.n) return { tag: 'exact', r: rat(0n) };
  let r = 1n;
  for (let i = 1n; i <= k.r.n; i++) r = (r * (n.r.n - k.r.n + i)) / i;
  return exact(rat(r));
}

/** An unknown function f(v): a fixed value per name and argument, equal only to itself. */
function opaqueFunction(name: string, arg: MathValue): MathValue {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) | 0;
  const v = toNumber(arg);
  return { tag: 'approx', x: Math.sin(v * 12.9898 + h) * 43758.5453 + Math.cos(v * 0.731 + h) };
}

function factorialV(a: MathValue): MathValue {
  if (a.tag !== 'exact' || a.r.d !== 1n || a.r.n < 0n || a.r.n > 1000n) throw new NotComparable('factorial');
  let r = 1n;
  for (let i = 2n; i <= a.r.n; i++) r *= i;
  return exact(rat(r));
}

/**
 * A decimal literal as sympy holds it: an integer is exact, a decimal is the nearest double.
 *
 * @param text - digits with an optional fraction part
 * @returns the value
 */
export function literalValue(text: string): MathValue {
  if (!text.includes('.')) return { tag: 'exact', r: rat(BigInt(text)) };
  return { tag: 'float', x: Number(text) };
}

/** Values given to letters: dyadic, so binary floats hold them exactly. */
export const SYMBOL_POINTS: ReadonlyArray<ReadonlyArray<Rat>> = [
  [rat(11n, 8n), rat(21n, 16n), rat(7n, 4n), rat(37n, 32n)],
  [rat(29n, 16n), rat(5n, 8n), rat(53n, 32n), rat(9n, 4n)],
  [rat(3n, 4n), rat(45n, 16n), rat(17n, 8n), rat(13n, 32n)],
];

/** Distinct letters of an expression, in order of appearance. */
export function symbolsOf(node: MathNode, out: string[] = []): string[] {
  if (node.kind === 'sym') {
    if (!out.includes(node.name)) out.push(node.name);
    return out;
  }
  for (const child of childrenOf(node)) symbolsOf(child, out);
  return out;
}

function childrenOf(node: MathNode): MathNode[] {
  switch (node.kind) {
    case 'num':
    case 'sym':
    case 'const':
      return [];
    case 'add':
      return node.terms;
    case 'mul':
      return node.factors;
    case 'div':
      return [node.num, node.den];
    case 'neg':
    case 'fact':
    case 'pct':
    case 'apply':
      return [node.arg];
    case 'binom':
      return [node.n, node.k];
    case 'log':
      return node.base ? [node.arg, node.base] : [node.arg];
    case 'pow':
      return [node.base, node.exp];
    case 'root':
      return node.index ? [node.arg, node.index] : [node.arg];
    case 'tuple':
    case 'set':
      return node.items;
    case 'interval':
      return [node.lo, node.hi];
    case 'union':
      return node.parts;
    case 'rel':
      return node.sides;
  }
}

/**
 * The value of a scalar expression with letters bound to values.
 *
 * @param node - the expression
 * @param env - a value for each letter
 * @returns the value
 * @throws NotComparable for sets, relations, infinities and values without a real number
 */
export function evaluate(node: MathNode, env: ReadonlyMap<string, Rat>): MathValue {
  switch (node.kind) {
    case 'num':
      return literalValue(node.text);
    case 'sym': {
      const r = env.get(node.name);
      if (!r) throw new NotComparable(`unbound ${node.name}`);
      return { tag: 'exact', r };
    }
    case 'const':
      if (node.name === 'pi') return { tag: 'approx', x: Math.PI };
      if (node.name === 'e') return { tag: 'approx', x: Math.E };
      throw new NotComparable('infinity');
    case 'add':
      return node.terms.map((t) => evaluate(t, env)).reduce(addV);
    case 'mul':
      return node.factors.map((t) => evaluate(t, env)).reduce(mulV);
    case 'div':
      return divV(evaluate(node.num, env), evaluate(node.den, env));
    case 'neg':
      return negV(evaluate(node.arg, env));
    case 'pow':
      return powV(evaluate(node.base, env), evaluate(node.exp, env));
    case 'root': {
      const index = node.index ? evaluate(node.index, env) : { tag: 'exact' as const, r: rat(2n) };
      return powV(evaluate(node.arg, env), divV({ tag: 'exact', r: rat(1n) }, index));
    }
    case 'fact':
      return factorialV(evaluate(node.arg, env));
    case 'pct':
      return divV(evaluate(node.arg, env), { tag: 'exact', r: rat(100n) });
    case 'binom':
      return binomialV(evaluate(node.n, env), evaluate(node.k, env));
    case 'log': {
      const x = toNumber(evaluate(node.arg, env));
      const b = node.base ? toNumber(evaluate(node.base, env)) : Math.E;
      if (!(x > 0) || !(b > 0) || b === 1) throw new NotComparable('log');
      return { tag: 'approx', x: Math.log(x) / Math.log(b) };
    }
    case 'apply':
      return opaqueFunction(node.name, evaluate(node.arg, env));
    default:
      throw new NotComparable(node.kind);
  }
}

/**
 * Whether a - b is zero: exactly for rationals and sympy floats, within a relative 1e-10 for
 * irrational values.
 *
 * @param a - one value
 * @param b - the other
 * @returns the verdict
 */
export function valuesEqual(a: MathValue, b: MathValue): boolean {
  const d = addV(a, negV(b));
  if (d.tag === 'exact') return d.r.n === 0n;
  if (!Number.isFinite(d.x)) return false;
  if (d.tag === 'float') return d.x === 0;
  const scale = Math.max(1, Math.abs(toNumber(a)), Math.abs(toNumber(b)));
  return Math.abs(d.x) <= 1e-10 * scale;
}

/**
 * Whether two scalar expressions agree at every one of the fixed points for their letters.
 *
 * @param a - one expression
 * @param b - the other
 * @param deadline - a `performance.now()` time after which the comparison gives up (false)
 * @returns the verdict; false when either has no real value
 */
export function expressionsEqual(a: MathNode, b: MathNode, deadline: number): boolean {
  const names = symbolsOf(b, symbolsOf(a));
  const rounds = names.length === 0 ? 1 : SYMBOL_POINTS.length;
  try {
    for (let k = 0; k < rounds; k++) {
      if (performance.now() > deadline) return false;
      const env = new Map(names.map((n, i) => [n, pointFor(k, i)] as const));
      if (!valuesEqual(evaluate(a, env), evaluate(b, env))) return false;
    }
    return true;
  } catch (e) {
    if (e instanceof NotComparable) return false;
    throw e;
  }
}

function pointFor(round: number, index: number): Rat {
  const row = SYMBOL_POINTS[round]!;
  const base = row[index % row.length]!;
  return index < row.length ? base : rat(base.n * BigInt(index + 1) + 1n, base.d * 2n);
}
